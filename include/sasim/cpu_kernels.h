// Element loops of CPU operators shared by the golden library
// (src/golden/cpu_ops.cc) and the board's kernels (src/board/cpu_ops.h):
// C++11 with <stdint.h> only, pointer-based, tensors as 5-D row-major shapes
// right-aligned with leading 1s. The parameter derivation (TFLite Micro's
// Prepare) stays on the host; these are the Eval loops.
#pragma once

#include <stdint.h>

#include "sasim/fixedpoint.h"
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

// CONCATENATION (TFLite Micro copies int8 bytes, no rescaling): `n` inputs
// stored one after another in `packed`, input j holding outer * step[j]
// bytes; for each of the `outer` slices, each input's step[j] bytes in turn.
inline void concat(const int8_t* packed, const int32_t* step, int32_t n, int32_t outer, int8_t* out) {
  for (int32_t i = 0; i < outer; ++i) {
    const int8_t* base = packed;
    for (int32_t j = 0; j < n; ++j) {
      const int8_t* src = base + i * step[j];
      for (int32_t k = 0; k < step[j]; ++k) *out++ = src[k];
      base += outer * step[j];
    }
  }
}

// Elementwise int8 -> int8 operators with Prepare's parameters.
enum UnaryOp { kRequantize = 0, kLeakyRelu = 1, kLogistic = 2 };
struct UnaryParams {
  int32_t op;
  int32_t in_zp, out_zp;
  // QUANTIZE: (m1, s1) in_scale / out_scale. LEAKY_RELU: (m1, s1) identity,
  // (m2, s2) |alpha| multiplier, negate = alpha < 0. LOGISTIC: m1 the input
  // multiplier, s1 its left shift, radius the saturation radius.
  int32_t m1, s1, m2, s2, negate, radius;
};

inline int8_t clamp_int8(int32_t v) { return static_cast<int8_t>(v < -128 ? -128 : v > 127 ? 127 : v); }

inline void unary(const int8_t* in, int8_t* out, int32_t count, const UnaryParams& p0) {
  const UnaryParams p = p0;  // locals: stores through int8_t* may alias the parameters
  for (int32_t i = 0; i < count; ++i) {
    const int32_t x = static_cast<int32_t>(in[i]) - p.in_zp;
    int32_t o;
    if (p.op == kRequantize) {
      o = multiply_by_quantized_multiplier(x, p.m1, p.s1) + p.out_zp;
    } else if (p.op == kLeakyRelu) {
      if (x >= 0) {
        o = p.out_zp + multiply_by_quantized_multiplier(x, p.m1, p.s1);
      } else {
        const int32_t v = multiply_by_quantized_multiplier(x, p.m2, p.s2);
        o = p.out_zp + (p.negate ? -v : v);
      }
    } else {  // LOGISTIC: gemmlowp's logistic on FixedPoint<int32, 4>, output 1/256 - 128
      if (x <= -p.radius) {
        o = -128;
      } else if (x >= p.radius) {
        o = 127;
      } else {
        const int32_t a = multiply_by_quantized_multiplier(x, p.m1, p.s1);
        int32_t r;  // FixedPoint<int32, 0>
        if (a == 0) {
          r = int32_t{1} << 30;
        } else {
          const int32_t abs_a = a > 0 ? a : -a;
          const int32_t q = fp::one_over_one_plus_x(fp::exp_on_negative_values(-abs_a, 4));
          r = a > 0 ? q : INT32_MAX - q;
        }
        o = rounding_divide_by_pot(r, 23) - 128;
      }
    }
    out[i] = clamp_int8(o);
  }
}

// DEQUANTIZE: scale * (x - zero_point), the product in double (TFLite
// Micro's DequantizationParams hold the scale as a double), then float. On
// rv32im both are libgcc's soft-float, correctly rounded as on the host.
inline void dequantize(const int8_t* in, float* out, int32_t count, float scale, int32_t zero_point) {
  const double s = static_cast<double>(scale);
  for (int32_t i = 0; i < count; ++i)
    out[i] = static_cast<float>(s * static_cast<double>(static_cast<int32_t>(in[i]) - zero_point));
}

}  // namespace kern
}  // namespace sasim
