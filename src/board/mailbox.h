// The mailbox between sasim and the layer runner on the simulated board.
//
// ABI (docs/board-runtime.md): the runner image has a symbol `sasim_mailbox`
// (a Mailbox, in the .noinit section that start-up does not clear) and a
// symbol `sasim_arena` (the end of the runner's 1 MiB program region, where the
// arena starts; it runs to the end of main_ram). Before the CPU starts,
// sasim loads the image, writes the layer's tensors into the arena and fills
// the mailbox (addresses are board addresses); the runner runs the layer and
// writes status and cycles back, then returns from main (exit code 0 = the
// driver returned kOk). Fixed-width fields only: the same header compiles for
// the 64-bit host and the 32-bit board with the same layout.
#ifndef SASIM_BOARD_MAILBOX_H_
#define SASIM_BOARD_MAILBOX_H_

#include <stdint.h>

namespace sasim_board {

const uint32_t kMailboxMagic = 0x4d534153u;  // "SASM"
const uint32_t kMailboxVersion = 12;

// The runner's own statuses (beside the driver's, sasim_drv::kOk and below)
// for a layer run through the shipped kernel and bridge (Mailbox::shipped).
const int32_t kShippedFellBack = -100;   // the bridge refused the layer: the kernel's reference code ran
const int32_t kShippedNotFused = -101;   // asked to run fused, the bridge ran it plainly
const int32_t kShippedNoAdopt = -102;    // the bridge's table had no room for the layer
const int32_t kShippedNotChained = -103;  // an elementwise chain's tail: the bridge ran the two operators apart
const int32_t kShippedNotPaired = -104;   // a paired layer: the bridge ran its producer and it apart

struct Mailbox {
  uint32_t magic, version;
  // sasim_drv::HwDesc
  int32_t rows, cols, dataflow, a_lines, b_lines, c_lines, a_double, b_double, c_double, im2col, store_cycles, eltwise,
      ew_read, w_lines, keep;
  // sasim_drv::LayerDesc
  int32_t kind, batches, in_h, in_w, in_c, out_h, out_w, out_c, k_h, k_w;
  int32_t stride_h, stride_w, dil_h, dil_w, pad_top, pad_left, depth_multiplier;
  int32_t input_zp, output_zp, act_min, act_max, per_tensor;
  uint32_t input, filter, bias, multiplier, shift, output;  // board addresses (bias may be 0)
  uint32_t folded_bias;  // prepared folded biases (sasim_drv::fold_biases), out_c int32; 0 = none
  uint32_t packed_weights;  // prepared weights (sasim_drv::pack_weights); 0 = none
  // 1 + the weight-store line a deployed network's first inference gave the
  // prepared weights (the bridge's allocation; the runner writes them there
  // before the timed span); 0 = none.
  int32_t w_store;
  // The output keep (LayerDesc::keep_out, a_kept). a_kept: the runner puts
  // the input into the CFU's shadow A bank before the timed span, where the
  // layer run before it in a deployed network left it.
  int32_t keep_out, a_kept;
  // An elementwise operator fused into the layer's readback (LayerDesc::
  // fused): fused = 1, its op (sasim_isa::EwOp), operand b's board address,
  // and fused_q = a_zp, b_zp, out_zp, act_min, act_max, m_a, s_a, m_b, s_b,
  // m_out, s_out (sasim_drv::EltwiseDesc's order).
  int32_t fused, fused_op;
  // 1: the layer runs as the exported firmware runs it (whole-network runs):
  // through the export's kernel entry (ConvPerChannel, DepthwiseConvPerChannel,
  // FullyConnected[PerChannel]) and its bridge (src/export/proj), which may
  // leave it on the CPU where the driver's cost model prefers the CPU
  // (sasim_drv::layer_on_cfu); the bridge holds the layer as a later
  // inference finds it (sasim_tflm::Adopt: prepared, its fused operator
  // learned). 0: run_layer directly, always on the CFU (`check`, `cosim`,
  // layer lists).
  int32_t shipped;
  uint32_t fused_b;
  // Shipped and fused: the layer's own output tensor (the call's output; the
  // fused run writes the operator's output, `output`, instead).
  uint32_t fused_y;
  int32_t fused_q[11];
  // CPU operators (kind >= 16, board/cpu_ops.h): a second operand, an element
  // count and kind-specific parameters (ADD/SUB: a_zp, b_zp, m1, s1, m2, s2,
  // mo, so; MUL: a_zp, b_zp, -, -, -, -, mo, so; unary: op | negate << 8,
  // in_zp, out_zp, m1, s1, m2, s2, radius).
  uint32_t input2;
  int32_t count;
  int32_t q[8];
  // Elementwise ADD/SUB/MUL: which (0/1/2), the output dimensions (5, leading
  // 1s) and each operand's element strides (0 on a broadcast dimension).
  int32_t binary_op, dims[5], stride_a[5], stride_b[5];
  // An elementwise chain (tflite::elementwise_chain; version 11): chain = 1
  // and this operator is the chain's tail, run after its head, whose
  // operation (0/1/2), one-element constant, parameters (as q), output zero
  // point and activation range follow. `input` is then the head's input,
  // chain_t0 the head's output (which the bridge leaves unwritten), the
  // tail reads it; both calls are in the timed span.
  int32_t chain, chain_op, chain_c, chain_q[8], chain_out_zp, chain_act_min, chain_act_max;
  uint32_t chain_t0;
  // Paired layers (sasim_drv::run_pair; version 12): pair = 1 and this
  // (shipped) layer's input is the output of a conv or depthwise layer,
  // its producer, whose call comes first in the same timed span, as the
  // firmware calls the two (the bridge defers the producer's to this one's).
  // The producer: its kind and geometry (its output is this layer's input
  // shape, in_c channels), zero points, range, tensors (pair_input; its
  // output is `input`, never written), prepared data and weight-store line.
  int32_t pair, pair_kind, pair_in_h, pair_in_w, pair_in_c, pair_k_h, pair_k_w, pair_stride_h, pair_stride_w,
      pair_dil_h, pair_dil_w, pair_pad_top, pair_pad_left;
  int32_t pair_input_zp, pair_output_zp, pair_act_min, pair_act_max, pair_w_store;
  uint32_t pair_input, pair_filter, pair_bias, pair_multiplier, pair_shift, pair_folded_bias, pair_packed_weights;
  // Written by the runner.
  int32_t status;        // run_layer's return value (or kShipped*)
  int32_t on_cfu;        // the runner ran it on the CFU: a CPU operator given to the elementwise unit, or a
                         // layer the driver's cost model kept on the CFU (0: its CPU kernel)
  uint32_t cycles;       // mcycle delta around run_layer (shipped: around the kernel's call)
  uint32_t instret;      // minstret delta around the same
  uint32_t done;         // 1 when the fields above are valid
};

}  // namespace sasim_board

#endif  // SASIM_BOARD_MAILBOX_H_
