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
  bool im2col;  // the im2col extension: IM2COL_* commands, START's IM2COL (WS: and B_COLS; OS: the tile form)
  // The SoC the driver runs on: cycles main memory takes per write (the
  // CPU's store buffer drains one write at a time; the board's DDR: 3).
  // Streaming loops that store faster than this would stall a store behind
  // a CFU instruction, which the CfuPlugin forks (facts.md F19); they are
  // used only when stores drain fast enough. 0: no CPU in front (host).
  int store_cycles;
  bool eltwise;  // the elementwise extension: EW_CONFIG, EW_MULT, EW_OP (run_eltwise)
  bool ew_read;  // READ_EW (the elementwise extension with the prefetching post-processor)
  int w_lines;   // the weight store's lines (W_SEEK, W_BASE, WRITE_W); 0: none
  bool keep;     // the output keep (KEEP; sasim_isa::has_keep)
};

struct EltwiseDesc;

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
  // Optional: an elementwise operator fused into the readback (READ_EW,
  // HwDesc::ew_read): output = op(the layer's int8 result, fused->b), with
  // fused's zero points, multipliers and range, a being the layer's result.
  // `output` then receives op's result and the layer's own result is never
  // stored; fused->b has the output's shape and layout (same offsets);
  // fused->a, output, dims and strides are not read. Null: none. See
  // fused_eltwise_supported.
  const EltwiseDesc* fused;
  // Optional: 1 + the weight-store line where store_weights put
  // packed_weights (the exported bridge does it once per power-up); the
  // layer then sends no weights. 0: not in the store.
  int w_store;
  // Optional, the output keep (HwDesc::keep; docs/microarchitecture.md,
  // "Output kept in A"). keep_out 1: the readback also leaves the output in
  // the CFU's shadow A bank as the next layer's raw band (KEEP), when
  // keep_out_supported; the output is stored as usual. keep_out 2: the same,
  // but the output is not stored at all (the caller knows that only the next
  // layer, run with a_kept, reads it). a_kept 1: the input
  // is in the shadow A bank already, as the layer run right before (the
  // last CFU commands) left it with keep_out on this very tensor; used when
  // kept_in_supported, otherwise the input is sent as usual. The caller
  // guarantees a_kept: nothing checks the bank's bytes. 0: neither.
  int keep_out, a_kept;
};

enum Status { kOk = 0, kErrTileTooLarge = -1, kErrCfuRejected = -2, kErrNotFusable = -3, kErrInPlace = -4 };

// Runs one layer to completion; the output is in l.output on return.
int run_layer(const HwDesc& hw, const LayerDesc& l);

// The schedule memo (board builds; docs/microarchitecture.md, "The
// schedule memo"): run_layer keeps each im2col layer's schedule (its bands,
// groups, weight residency: what it decides before its first command,
// about 3 k cycles of code on the board) in a table of 64 entries, keyed by
// everything that decides it (the hardware, the geometry, the input's and
// filter's addresses), and takes it from there when the layer is called
// again with the same tensors: a deployed network's second inference on.
// prepare_layer leaves l's entry there as l's first call would, sending no
// command, and returns where it lies (*bytes its size; null and 0 when no
// schedule is kept: a legacy or refused layer, or the host, which decides
// on every call). The layer runner calls it before its timed span, which
// is the layer's steady state (the weights in the store alike).
const void* prepare_layer(const HwDesc& hw, const LayerDesc& l, int* bytes);

// Whether run_layer can run l where its output overlaps its input (in
// place: TFLite Micro's arena plan gives a residual ADD the buffer its conv's
// input frees, and the ADD fused into the conv then writes there): true when
// they do not overlap, or when the layer's schedule reads every input byte
// before a store overwrites it (a conv on the im2col path, band by band;
// docs/microarchitecture.md, "In place"). run_layer returns kErrInPlace
// otherwise, before any command.
bool in_place_supported(const HwDesc& hw, const LayerDesc& l);
// run_layer for a caller that got in_place_supported(hw, l) == true for
// these very tensors and hardware (the exported bridge decides once per
// layer): the check, a walk over the layer's bands in cold code (about 4 k
// cycles on the board), is not repeated. Anything else: run_layer.
int run_layer_in_place(const HwDesc& hw, const LayerDesc& l);

// The output keep: whether run_layer, given l.keep_out, leaves l's output
// in the shadow A bank (the im2col path without a view, one image, one band,
// no fused operator, whole words), and whether, given l.a_kept, it takes
// l's input from there (the same path with one band holding the whole input
// as raw rows). A pair chains when the producer's output tensor is the
// consumer's input and nothing runs on the CFU between them.
bool keep_out_supported(const HwDesc& hw, const LayerDesc& l);
bool kept_in_supported(const HwDesc& hw, const LayerDesc& l);
// Paired layers (docs/microarchitecture.md, "Paired layers"): a conv or
// depthwise layer p whose output tensor is the input of q, a conv or
// depthwise layer (MobileNetV2's expansion and its depthwise layer), run
// band by band: for each of q's bands the CFU computes the p rows under it
// and keeps them in the shadow A bank (KEEP, p's readback stores nothing),
// then q runs that band. p's output tensor is never written (the caller
// guarantees q is its only reader) and q's input never crosses the bus.
// Both weights must be in the weight store (w_store; no B crosses the bus
// between them), one image each, q's bands raw rows, p's input rows under
// a band within one A bank, and a band order in which q's output stores
// overwrite none of p's input rows before they are read (top down, or from
// the last band up: TFLite Micro's arena plan may put q's output over p's
// input). pair_supported says whether run_pair runs them (it returns
// kErrNotFusable otherwise, before any command).
bool pair_supported(const HwDesc& hw, const LayerDesc& p, const LayerDesc& q);
int run_pair(const HwDesc& hw, const LayerDesc& p, const LayerDesc& q);
// For a caller that runs l alone as a deployed network would run it after
// its producer (the board's layer runner): RESET, then l's input into the
// shadow A bank from byte 0, the bytes a producer's KEEP readback leaves
// there. kOk, or kErrCfuRejected when kept_in_supported(hw, l) is false.
int put_kept_input(const HwDesc& hw, const LayerDesc& l);

// Whether the CFU is the faster path for l, by the driver's cost model
// (otherwise the caller runs its CPU kernel: the layer runner's, or TFLite
// Micro's reference code in the exported bridge). Only small fully
// connected layers go to the CPU: the CFU path's set-up (the driver's code,
// the post-processing parameters, the weights' lines, the readback) costs
// at least kFcCfuFixed cycles on the board (8.3 k for a 128 x 8 FC right
// after another FC, its code in the I$; 16 k for ResNet-8's 64 x 10 after
// the CPU operators), the CPU's loop about kFcCpuPerMac per MAC (the
// export's fully_connected.h, SasimFullyConnectedReference, four products a
// step: 11.2 k for 768 MACs in DS-CNN's classifier, cold), both measured on
// the board model (docs/microarchitecture.md, "CPU or CFU"). The bridge asks
// (whole-network runs go through it); `check`, `cosim` and layer lists
// measure the CFU path. Each pass of `rows` inputs by `cols` units adds
// about kFcCfuPerPass on the CFU path (a narrow, deep FC runs pass by pass,
// its weights not resident: 415 a pass for MobileNetV2's 1280 x 2, 605 for
// micro_speech's 4000 x 4, which the CPU then runs faster), so a deep
// layer with few units stays on the CPU too.
const int kFcCfuFixed = 9600;
const int kFcCpuPerMac = 12;
const int kFcCfuPerPass = 400;
bool layer_on_cfu(const HwDesc& hw, const LayerDesc& l);

#if !defined(__riscv)
// Host only: the mapping run_layer takes for l, by its own tests, without a
// command: "im2col" (the ws im2col path: the CFU walks the input), "view"
// (a fully connected or depthwise layer as a conv on that path), "legacy"
// (the tile loop: the CPU sends every tile's operands), or "none" (no tile
// fits the buffers: run_layer refuses it). For "legacy" and "none", *why
// says which test sent it there.
const char* layer_mapping(const HwDesc& hw, const LayerDesc& l, const char** why);
#endif

// The folded biases of l (out_c entries), as LayerDesc::folded_bias holds
// them; l.folded_bias itself is not read.
void fold_biases(const LayerDesc& l, int32_t* out);

// The prepared weights of l for hw (LayerDesc::packed_weights): their size
// in bytes (0: the layer does not use them), and the bytes.
int packed_weights_bytes(const HwDesc& hw, const LayerDesc& l);
void pack_weights(const HwDesc& hw, const LayerDesc& l, int8_t* out);

// The weight store (HwDesc::w_lines, docs/command-set.md): the store lines
// l's prepared weights take, 0 when run_layer would not load them from the
// store (no store, no prepared blob, or not the im2col path's SEQ tiles);
// and writing them (l.packed_weights) there from `line` (W_SEEK, WRITE_W;
// the array idle): kOk, or kErrCfuRejected when they do not fit. Then
// l.w_store = line + 1 makes run_layer use them.
int store_lines(const HwDesc& hw, const LayerDesc& l);
int store_weights(const HwDesc& hw, const LayerDesc& l, int line);

// An elementwise operator (src/driver/eltwise.cc): TFLite's int8 ADD, SUB or
// MUL over the output dims (5, leading 1s) in row-major order, each operand
// read at its element strides (0 on a dimension it broadcasts). Multipliers
// and shifts as TFLite Micro's Prepare derives them: ADD/SUB m_a/s_a, m_b/s_b
// for the inputs (after their left shift of 20) and m_out/s_out; MUL
// m_out/s_out only.
struct EltwiseDesc {
  int op;  // sasim_isa::EwOp: 0 ADD, 1 SUB, 2 MUL
  int32_t a_zp, b_zp, out_zp, act_min, act_max;
  int32_t m_a, s_a, m_b, s_b, m_out, s_out;
  int dims[5], stride_a[5], stride_b[5];
  const int8_t* a;
  const int8_t* b;
  int8_t* output;
};
// Whether the CFU runs e: the elementwise extension is built and every
// parameter fits its register (int8 zero points and range, input shifts
// -31 .. 0, output shift -31 .. 30). Otherwise the operator stays on the CPU.
bool eltwise_supported(const HwDesc& hw, const EltwiseDesc& e);
// Whether the CFU is the faster path for e (the driver's cost model, below):
// eltwise_supported, and at least eltwise_min_elements(e.op) output elements.
bool eltwise_on_cfu(const HwDesc& hw, const EltwiseDesc& e);
// The cost model, measured on the board model (tests/test_cpu.cc, the CPU
// operators' test: each operator on a fresh board): the CFU path costs about
// 6,500 cycles plus 19 per element, dominated by its set-up (the unit's
// parameters, kEwLag EW_OPs to fill and to drain) and its code's first
// fetch; the CPU kernel about 3,300 plus 126 per element for ADD/SUB (three
// requantizations) and plus 56 for MUL (one). So the CPU is faster below
// about 30 (ADD/SUB) and 100 (MUL) elements; the thresholds keep a margin.
inline int eltwise_min_elements(int op) { return op == 2 ? 160 : 48; }
// Runs e on the CFU (kOk), or returns kErrCfuRejected when it cannot.
int run_eltwise(const HwDesc& hw, const EltwiseDesc& e);
// e's operation and parameters from an operator's zero points and
// (multiplier, shift) pairs in the runner's mailbox order (q: a_zp, b_zp,
// m_a, s_a, m_b, s_b, m_out, s_out; MUL uses the output's pair only), its
// output zero point and activation range. Shapes and tensors are left.
void eltwise_params(EltwiseDesc* e, int op, const int32_t q[8], int32_t out_zp, int32_t act_min, int32_t act_max);
// e over a one-byte table: the 256 bytes of x, with the one-element
// operand c broadcast, into lut (an elementwise chain's table: x holds
// every byte, or an earlier table).
void eltwise_table(EltwiseDesc* e, const int8_t* x, const int8_t* c, int8_t* lut);
// Writes e's parameters into the unit (EW_CONFIG, EW_MULT; it empties the
// unit): kOk, or kErrCfuRejected.
int eltwise_configure(const EltwiseDesc& e);

// Whether run_layer can run l with l.fused (READ_EW): the CFU has READ_EW,
// the parameters fit the unit (eltwise_supported with the output's element
// count), and every readback word is four consecutive output bytes (out_c
// and the array's group width multiples of 4, output and operand word
// aligned). run_layer returns kErrNotFusable otherwise, before any command.
bool fused_eltwise_supported(const HwDesc& hw, const LayerDesc& l);

}  // namespace sasim_drv

#endif  // SASIM_DRIVER_H_
