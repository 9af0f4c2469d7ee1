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

#include "sasim/cpu_kernels.h"
#include "sasim/fixedpoint.h"
#include "sasim/quant.h"

namespace sasim_board {

// Mailbox `kind` values of the CPU operators (the driver's layer kinds are
// below 16).
const int32_t kFirstCpuOp = 16;
enum CpuOpKind { kCpuBinary = kFirstCpuOp, kCpuAveragePool = 17, kCpuMaxPool = 18, kCpuCopy = 19, kCpuSoftmax = 20, kCpuPad = 21,
                 kCpuMean = 22, kCpuUnary = 23, kCpuConcat = 24, kCpuDequantize = 25 };

struct BinaryArgs {
  const int8_t* a;
  const int8_t* b;
  int8_t* out;
  int32_t op;  // 0 ADD, 1 SUB, 2 MUL
  int32_t dims[5], stride_a[5], stride_b[5];
  int32_t a_zp, b_zp, out_zp, act_min, act_max;
  int32_t m1, s1, m2, s2, mo, so;  // ADD/SUB: inputs (left shift 20) and output; MUL: mo, so
};

// ADD, SUB and MUL elementwise with broadcasting: the element arithmetic of
// reference_integer_ops::Add / reference_ops::Sub / reference_integer_ops::Mul,
// over the output in row-major order (a same-shape operation is one
// dimension of `count`).
// The parameters as locals: stores through int8_t* may alias any object, so
// fields read through a reference would be reloaded after every store.
template <int Op>
struct BinaryOp {
  int32_t a_zp, b_zp, out_zp, act_min, act_max, m1, s1, m2, s2, mo, so;
  explicit BinaryOp(const BinaryArgs& p)
      : a_zp(p.a_zp), b_zp(p.b_zp), out_zp(p.out_zp), act_min(p.act_min), act_max(p.act_max), m1(p.m1), s1(p.s1),
        m2(p.m2), s2(p.s2), mo(p.mo), so(p.so) {}
  int8_t operator()(int32_t av, int32_t bv) const {
    const int32_t x = av - a_zp, y = bv - b_zp;
    int32_t r;
    if (Op == 2) {
      r = sasim::multiply_by_quantized_multiplier(x * y, mo, so) + out_zp;
    } else {
      const int32_t sx = sasim::multiply_by_quantized_multiplier(x * (1 << 20), m1, s1);
      const int32_t sy = sasim::multiply_by_quantized_multiplier(y * (1 << 20), m2, s2);
      r = sasim::multiply_by_quantized_multiplier(Op == 0 ? sx + sy : sx - sy, mo, so) + out_zp;
    }
    r = r < act_min ? act_min : r;
    r = r > act_max ? act_max : r;
    return static_cast<int8_t>(r);
  }
};

template <int Op>
inline void binary_run(const BinaryArgs& p) {
  const BinaryOp<Op> f(p);
  int8_t* out = p.out;
  const int32_t d0 = p.dims[0], d1 = p.dims[1], d2 = p.dims[2], d3 = p.dims[3], n = p.dims[4];
  const int32_t ka = p.stride_a[4], kb = p.stride_b[4];
  for (int32_t i0 = 0; i0 < d0; ++i0)
    for (int32_t i1 = 0; i1 < d1; ++i1)
      for (int32_t i2 = 0; i2 < d2; ++i2)
        for (int32_t i3 = 0; i3 < d3; ++i3) {
          const int8_t* a = p.a + i0 * p.stride_a[0] + i1 * p.stride_a[1] + i2 * p.stride_a[2] + i3 * p.stride_a[3];
          const int8_t* b = p.b + i0 * p.stride_b[0] + i1 * p.stride_b[1] + i2 * p.stride_b[2] + i3 * p.stride_b[3];
          if (ka == 1 && kb == 1) {  // contiguous (the same-shape case): a flat loop
            for (int32_t i = 0; i < n; ++i) *out++ = f(a[i], b[i]);
          } else {
            for (int32_t i = 0; i < n; ++i) *out++ = f(a[i * ka], b[i * kb]);
          }
        }
}

inline void cpu_binary(const BinaryArgs& p) {
  if (p.op == 0) binary_run<0>(p);
  else if (p.op == 1) binary_run<1>(p);
  else binary_run<2>(p);
}

struct PoolArgs {
  const int8_t* in;
  int8_t* out;
  int32_t batches, in_h, in_w, channels, out_h, out_w;
  int32_t filter_h, filter_w, stride_h, stride_w, pad_top, pad_left, act_min, act_max;
};

// One output value of a pool: the window's sum (or maximum) and count as the
// reference kernels reduce them, divided with rounding away from zero, clamped.
inline int8_t pool_value(int32_t acc, int32_t count, bool max, int32_t act_min, int32_t act_max) {
  if (!max && count > 0) acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
  acc = acc < act_min ? act_min : acc;
  acc = acc > act_max ? act_max : acc;
  return static_cast<int8_t>(acc);
}

// AVERAGE_POOL_2D (max = false) and MAX_POOL_2D (max = true) on NHWC, with
// the reference kernels' arithmetic (a window's int32 sum, or maximum, then
// the rounding division and the clamp). The loop visits a window once per
// eight channels, whose sums stay in registers: the reference loop (channel
// outside the window) reloads the window per channel and costs about 13
// cycles per input element on the board; this one about 2.5.
inline void cpu_pool(const PoolArgs& p, bool max) {
  const int32_t C = p.channels;
  for (int32_t n = 0; n < p.batches; ++n)
    for (int32_t oy = 0; oy < p.out_h; ++oy)
      for (int32_t ox = 0; ox < p.out_w; ++ox) {
        const int32_t iy0 = oy * p.stride_h - p.pad_top, ix0 = ox * p.stride_w - p.pad_left;
        const int32_t fy0 = iy0 < 0 ? -iy0 : 0, fx0 = ix0 < 0 ? -ix0 : 0;
        const int32_t fy1 = p.filter_h < p.in_h - iy0 ? p.filter_h : p.in_h - iy0;
        const int32_t fx1 = p.filter_w < p.in_w - ix0 ? p.filter_w : p.in_w - ix0;
        const int32_t count = (fy1 > fy0 ? fy1 - fy0 : 0) * (fx1 > fx0 ? fx1 - fx0 : 0);
        const int8_t* base = p.in + ((n * p.in_h + iy0) * p.in_w + ix0) * C;
        int8_t* out = p.out + ((n * p.out_h + oy) * p.out_w + ox) * C;
        int32_t c = 0;
        for (; c + 8 <= C; c += 8) {
          int32_t a0, a1, a2, a3, a4, a5, a6, a7;
          a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = max ? -128 : 0;
          for (int32_t fy = fy0; fy < fy1; ++fy) {
            const int8_t* q = base + (fy * p.in_w + fx0) * C + c;
            for (int32_t fx = fx0; fx < fx1; ++fx, q += C) {
              if (max) {
                a0 = q[0] > a0 ? q[0] : a0;
                a1 = q[1] > a1 ? q[1] : a1;
                a2 = q[2] > a2 ? q[2] : a2;
                a3 = q[3] > a3 ? q[3] : a3;
                a4 = q[4] > a4 ? q[4] : a4;
                a5 = q[5] > a5 ? q[5] : a5;
                a6 = q[6] > a6 ? q[6] : a6;
                a7 = q[7] > a7 ? q[7] : a7;
              } else {
                a0 += q[0];
                a1 += q[1];
                a2 += q[2];
                a3 += q[3];
                a4 += q[4];
                a5 += q[5];
                a6 += q[6];
                a7 += q[7];
              }
            }
          }
          out[c + 0] = pool_value(a0, count, max, p.act_min, p.act_max);
          out[c + 1] = pool_value(a1, count, max, p.act_min, p.act_max);
          out[c + 2] = pool_value(a2, count, max, p.act_min, p.act_max);
          out[c + 3] = pool_value(a3, count, max, p.act_min, p.act_max);
          out[c + 4] = pool_value(a4, count, max, p.act_min, p.act_max);
          out[c + 5] = pool_value(a5, count, max, p.act_min, p.act_max);
          out[c + 6] = pool_value(a6, count, max, p.act_min, p.act_max);
          out[c + 7] = pool_value(a7, count, max, p.act_min, p.act_max);
        }
        for (; c < C; ++c) {  // the channels past the last eight
          int32_t acc = max ? -128 : 0;
          for (int32_t fy = fy0; fy < fy1; ++fy)
            for (int32_t fx = fx0; fx < fx1; ++fx) {
              const int32_t v = base[(fy * p.in_w + fx) * C + c];
              if (max) acc = v > acc ? v : acc;
              else acc += v;
            }
          out[c] = pool_value(acc, count, max, p.act_min, p.act_max);
        }
      }
}

// The reference kernels' loop order (batch, y, x, channel; window inside),
// kept as the specification the test compares cpu_pool with.
inline void cpu_pool_reference(const PoolArgs& p, bool max) {
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
