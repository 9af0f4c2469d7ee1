// Element loops of CPU operators shared by the golden library
// (src/golden/cpu_ops.cc) and the board's kernels (src/board/cpu_ops.h):
// C++11 with <stdint.h> only, pointer-based, tensors as 5-D row-major shapes
// right-aligned with leading 1s. The parameter derivation (TFLite Micro's
// Prepare) stays on the host; these are the Eval loops.
#pragma once

#include <stdint.h>

#include "sasim/quant.h"

namespace sasim {
namespace kern {

// PAD / PADV2: `out` (out_dims = in_dims + before + after) filled with
// `value`, the input copied in at offset `before`, one innermost row at a time.
inline void pad(const int8_t* in, const int32_t in_dims[5], const int32_t before[5], const int32_t out_dims[5],
                int8_t value, int8_t* out) {
  int32_t total = 1;
  for (int k = 0; k < 5; ++k) total *= out_dims[k];
  for (int32_t i = 0; i < total; ++i) out[i] = value;
  const int32_t row = in_dims[4];
  for (int32_t i0 = 0; i0 < in_dims[0]; ++i0)
    for (int32_t i1 = 0; i1 < in_dims[1]; ++i1)
      for (int32_t i2 = 0; i2 < in_dims[2]; ++i2)
        for (int32_t i3 = 0; i3 < in_dims[3]; ++i3) {
          const int8_t* src = in + (((i0 * in_dims[1] + i1) * in_dims[2] + i2) * in_dims[3] + i3) * row;
          int8_t* dst = out + ((((i0 + before[0]) * out_dims[1] + i1 + before[1]) * out_dims[2] + i2 + before[2]) *
                                   out_dims[3] + i3 + before[3]) * out_dims[4] + before[4];
          for (int32_t i = 0; i < row; ++i) dst[i] = src[i];
        }
}

// MEAN (QuantizedMeanOrSum): raw int32 sums of the input over the dimensions
// whose bit is set in `reduced` (bit k = dimension k of 5) into `sum` (one per
// output element), then per output: (sum - in_zp * n) through the folded
// multiplier (m, s) plus the output zero point, clamped to int8.
inline void mean(const int8_t* in, const int32_t dims[5], uint32_t reduced, int32_t in_zp, int32_t out_zp, int32_t m,
                 int32_t s, int32_t n, int32_t* sum, int8_t* out) {
  int32_t out_stride[5], out_total = 1;
  for (int k = 4; k >= 0; --k) {
    const bool r = (reduced >> k) & 1u;
    out_stride[k] = r ? 0 : out_total;
    if (!r) out_total *= dims[k];
  }
  for (int32_t i = 0; i < out_total; ++i) sum[i] = 0;
  const int8_t* p = in;
  for (int32_t i0 = 0; i0 < dims[0]; ++i0)
    for (int32_t i1 = 0; i1 < dims[1]; ++i1)
      for (int32_t i2 = 0; i2 < dims[2]; ++i2)
        for (int32_t i3 = 0; i3 < dims[3]; ++i3) {
          int32_t* acc = sum + i0 * out_stride[0] + i1 * out_stride[1] + i2 * out_stride[2] + i3 * out_stride[3];
          for (int32_t i4 = 0; i4 < dims[4]; ++i4)
            acc[i4 * out_stride[4]] = static_cast<int32_t>(static_cast<uint32_t>(acc[i4 * out_stride[4]]) +
                                                          static_cast<uint32_t>(static_cast<int32_t>(*p++)));
        }
  for (int32_t i = 0; i < out_total; ++i) {
    const int32_t d = static_cast<int32_t>(static_cast<int64_t>(sum[i]) - static_cast<int64_t>(in_zp) * n);
    int32_t v = multiply_by_quantized_multiplier(d, m, s) + out_zp;
    v = v < -128 ? -128 : v;
    v = v > 127 ? 127 : v;
    out[i] = static_cast<int8_t>(v);
  }
}

}  // namespace kern
}  // namespace sasim
