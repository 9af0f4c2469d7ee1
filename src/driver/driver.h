// Host driver: lowers one int8 layer onto the accelerator as a stream of CFU
// instructions and assembles the output from the responses.
//
// This code runs on the board's CPU as well as on the host, so it is written
// in a C++11 subset: no exceptions, RTTI, iostreams or heap allocation; it
// reaches the accelerator only through sasim_cfu_op() (cfu_seam.h).
//
// Lowering (docs/microarchitecture.md, "Mapping"):
//  * conv2d and fully_connected become C[M][N] = A[M][K] * B[K][N]: A = im2col
//    rows of the input (M output pixels or batches, K = KH*KW*C_in taps, padding
//    taps filled with the input zero point), B = the filter transposed
//    (N = output channels). The input zero point is folded into the bias:
//    bias'[n] = bias[n] - zp * sum_k B[k][n], so the array multiplies plain int8.
//  * depthwise_conv2d: per output channel, C[1][P] = w[1][T] * X[T][P] with T
//    the KH*KW taps and P the output pixels: the channel's taps are the
//    streamed operand and its im2col patches fill the array's columns.
#ifndef SASIM_DRIVER_H_
#define SASIM_DRIVER_H_

#include <stdint.h>

namespace sasim_drv {

// The accelerator instance, as the hardware config built it.
struct HwDesc {
  int rows, cols;
  int dataflow;  // sasim_isa::DataflowCode
  int a_lines, b_lines, c_lines;
  bool a_double, b_double, c_double;
  bool im2col;  // the im2col extension (WS): IM2COL_* commands, START's IM2COL and B_COLS
  // The SoC the driver runs on: cycles main memory takes per write (the
  // CPU's store buffer drains one write at a time; the board's DDR: 3).
  // Streaming loops that store faster than this would stall a store behind
  // a CFU instruction, which the CfuPlugin forks (facts.md F19); they are
  // used only when stores drain fast enough. 0: no CPU in front (host).
  int store_cycles;
};

enum LayerKind { kConv2d = 0, kDepthwiseConv2d = 1, kFullyConnected = 2 };

struct LayerDesc {
  int kind;
  int batches, in_h, in_w, in_c;
  int out_h, out_w, out_c;
  int k_h, k_w;  // 1 for fully_connected
  int stride_h, stride_w, dil_h, dil_w, pad_top, pad_left;
  int depth_multiplier;
  int32_t input_zp, output_zp, act_min, act_max;
  const int8_t* input;    // NHWC, or [batches, depth]
  const int8_t* filter;   // OHWI, [1, KH, KW, C*dm], or [units, depth]
  const int32_t* bias;    // out_c entries, or null
  const int32_t* multiplier;  // out_c entries, or 1 when per_tensor
  const int32_t* shift;
  int per_tensor;
  int8_t* output;         // NHWC, or [batches, units]
  // Optional, prepared once before inference (fold_biases): out_c entries
  // bias[oc] - input_zp * (sum of oc's weights), the accumulator offset
  // that makes the CFU's sums of raw input bytes exact. Null: the driver
  // computes them from the filter (the path for raw TFLite tensors).
  const int32_t* folded_bias;
  // Optional, prepared once before inference (pack_weights): the weights in
  // the CFU's B-line order for the im2col path. Null: packed by the driver.
  const int8_t* packed_weights;
};

enum Status { kOk = 0, kErrTileTooLarge = -1, kErrCfuRejected = -2 };

// Runs one layer to completion; the output is in l.output on return.
int run_layer(const HwDesc& hw, const LayerDesc& l);

// The folded biases of l (out_c entries), as LayerDesc::folded_bias holds
// them; l.folded_bias itself is not read.
void fold_biases(const LayerDesc& l, int32_t* out);

// The prepared weights of l for hw (LayerDesc::packed_weights): their size
// in bytes (0: the layer does not use them), and the bytes.
int packed_weights_bytes(const HwDesc& hw, const LayerDesc& l);
void pack_weights(const HwDesc& hw, const LayerDesc& l, int8_t* out);

}  // namespace sasim_drv

#endif  // SASIM_DRIVER_H_
