// sasim's board implementation of the CPU operators it times (C++11, no
// standard library: compiled into the layer runner for rv32im). Each loop
// follows the TFLite Micro reference kernel's Eval; the parameters its Prepare
// derives (multipliers, shifts, activation bounds) come precomputed from the
// host in the mailbox, as Prepare runs before an inference on the board too.
// The arithmetic is sasim's one requantization header (include/sasim/quant.h),
// so the results equal the golden operators' (checked per operator by
// `sasim run` on a .tflite).
#ifndef SASIM_BOARD_CPU_OPS_H_
#define SASIM_BOARD_CPU_OPS_H_

#include <stdint.h>

#include "sasim/fixedpoint.h"
#include "sasim/quant.h"

namespace sasim_board {

// Mailbox `kind` values of the CPU operators (the driver's layer kinds are
// below 16).
enum CpuOpKind { kCpuAdd = 16, kCpuAveragePool = 17, kCpuMaxPool = 18, kCpuCopy = 19, kCpuSoftmax = 20 };

struct AddArgs {
  const int8_t* a;
  const int8_t* b;
  int8_t* out;
  int32_t count;
  int32_t a_zp, b_zp, out_zp, act_min, act_max;
  int32_t m1, s1, m2, s2, mo, so;  // input and output multipliers (left shift 20)
};

// ADD of two tensors of the same shape (reference_integer_ops::Add's
// element loop).
inline void cpu_add(const AddArgs& p) {
  for (int32_t i = 0; i < p.count; ++i) {
    const int32_t v1 = (static_cast<int32_t>(p.a[i]) - p.a_zp) * (1 << 20);
    const int32_t v2 = (static_cast<int32_t>(p.b[i]) - p.b_zp) * (1 << 20);
    const int32_t s1v = sasim::multiply_by_quantized_multiplier(v1, p.m1, p.s1);
    const int32_t s2v = sasim::multiply_by_quantized_multiplier(v2, p.m2, p.s2);
    int32_t r = sasim::multiply_by_quantized_multiplier(s1v + s2v, p.mo, p.so) + p.out_zp;
    r = r < p.act_min ? p.act_min : r;
    r = r > p.act_max ? p.act_max : r;
    p.out[i] = static_cast<int8_t>(r);
  }
}

struct PoolArgs {
  const int8_t* in;
  int8_t* out;
  int32_t batches, in_h, in_w, channels, out_h, out_w;
  int32_t filter_h, filter_w, stride_h, stride_w, pad_top, pad_left, act_min, act_max;
};

// AVERAGE_POOL_2D (max = false) and MAX_POOL_2D (max = true) on NHWC, the
// reference kernels' loop order (batch, y, x, channel; window inside).
inline void cpu_pool(const PoolArgs& p, bool max) {
  for (int32_t n = 0; n < p.batches; ++n)
    for (int32_t oy = 0; oy < p.out_h; ++oy)
      for (int32_t ox = 0; ox < p.out_w; ++ox)
        for (int32_t c = 0; c < p.channels; ++c) {
          const int32_t iy0 = oy * p.stride_h - p.pad_top, ix0 = ox * p.stride_w - p.pad_left;
          const int32_t fy0 = iy0 < 0 ? -iy0 : 0, fx0 = ix0 < 0 ? -ix0 : 0;
          const int32_t fy1 = p.filter_h < p.in_h - iy0 ? p.filter_h : p.in_h - iy0;
          const int32_t fx1 = p.filter_w < p.in_w - ix0 ? p.filter_w : p.in_w - ix0;
          int32_t acc = max ? -128 : 0, count = 0;
          for (int32_t fy = fy0; fy < fy1; ++fy)
            for (int32_t fx = fx0; fx < fx1; ++fx) {
              const int32_t v = p.in[((n * p.in_h + iy0 + fy) * p.in_w + ix0 + fx) * p.channels + c];
              if (max) acc = v > acc ? v : acc;
              else acc += v;
              ++count;
            }
          if (!max && count > 0) acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
          acc = acc < p.act_min ? p.act_min : acc;
          acc = acc > p.act_max ? p.act_max : acc;
          p.out[((n * p.out_h + oy) * p.out_w + ox) * p.channels + c] = static_cast<int8_t>(acc);
        }
}

// RESHAPE: TFLite Micro copies the bytes when input and output differ.
inline void cpu_copy(const int8_t* in, int8_t* out, int32_t count) {
  for (int32_t i = 0; i < count; ++i) out[i] = in[i];
}

// SOFTMAX over rows of `depth` (the shared row kernel of
// include/sasim/fixedpoint.h).
inline void cpu_softmax(const int8_t* in, int8_t* out, int32_t count, int32_t depth, int32_t input_multiplier,
                        int32_t input_left_shift, int32_t diff_min) {
  for (int32_t r = 0; r + depth <= count; r += depth)
    sasim::fp::softmax_row(in + r, out + r, depth, input_multiplier, input_left_shift, diff_min);
}

}  // namespace sasim_board

#endif  // SASIM_BOARD_CPU_OPS_H_
