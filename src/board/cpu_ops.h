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
