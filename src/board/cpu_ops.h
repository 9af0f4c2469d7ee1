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
