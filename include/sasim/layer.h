// The description of one quantized int8 layer, independent of where it came
// from (a model YAML, a ../shared/vectors case) and of the engine that runs it.
//
// Contract: a LayerSpec that passed validate_layer() is internally consistent:
// shapes agree with op, stride, dilation and padding; per-channel arrays have
// one entry per output channel; zero points and clamp bounds lie in int8;
// shifts lie in [kMinShift, kMaxShift]. Engines may rely on that and never
// re-check.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace sasim {

enum class OpKind { kConv2d, kDepthwiseConv2d, kFullyConnected };
enum class Padding { kSame, kValid };

const char* op_name(OpKind op);
bool parse_op(const std::string& s, OpKind* op);

// Where TFLite Micro's arena plan puts an operator's tensors (src/tflite/
// arena_plan.h): byte offsets in the planned area of planned_bytes (0: no
// plan), -1 for a tensor the plan does not hold (a constant). The board's
// runner lays the planned area out so at a 16 KiB-aligned address: which
// tensors share the 8 KiB D$ and L2 sets and which DRAM banks and rows they
// fall in (the period of LiteDRAM's ROW_BANK_COL map is 16 KiB) decide much of
// an operator's memory time, and the plan fixes them (docs/board-runtime.md).
struct TensorPlacement {
  int64_t planned_bytes = 0;
  int64_t input = -1, input2 = -1, output = -1;
  int64_t residual = -1;    // a fused operator's other operand (LayerData::residual)
  int64_t own_output = -1;  // fused: the layer's own output, which the call names; an elementwise chain's tail: its head's output
};

struct PairedProducer;

struct LayerSpec {
  std::string name;
  OpKind op = OpKind::kConv2d;

  // Tensor shapes in TFLite layout (see ../shared/vectors/README.md):
  //   conv2d   input NHWC, filter OHWI [C_out, KH, KW, C_in], output NHWC
  //   depthwise input NHWC, filter [1, KH, KW, C_in*dm], output NHWC
  //   fully_connected input [batches, depth], filter [units, depth],
  //                   output [batches, units]
  std::vector<int> input_shape, filter_shape, output_shape;

  int stride_h = 1, stride_w = 1;
  int dilation_h = 1, dilation_w = 1;
  Padding padding = Padding::kValid;
  int pad_top = 0, pad_left = 0;  // derived by TFLite's rule; only these enter the kernel
  int pad_bottom = 0, pad_right = 0;
  int depth_multiplier = 1;

  int32_t input_zero_point = 0;
  int32_t output_zero_point = 0;
  int32_t act_min = -128, act_max = 127;
  bool has_bias = false;
  // One entry per output channel (conv, depthwise, per-channel FC) or exactly
  // one entry (per-tensor FC; see per_tensor()).
  std::vector<int32_t> output_multiplier;
  std::vector<int32_t> output_shift;

  // An elementwise operator fused into the layer's readback (READ_EW, docs/
  // command-set.md): the layer then outputs op(its own int8 result, the
  // operand LayerData::residual), never its own result. A TFLite ADD or MUL
  // that reads this layer's output and nothing else does (the runner's
  // choice, src/cli/run_tflite.cc). Its parameters as sasim_drv::EltwiseDesc
  // holds them, a being the layer's result.
  struct Fused {
    int op = 0;  // sasim_isa::EwOp
    int32_t a_zp = 0, b_zp = 0, out_zp = 0, act_min = -128, act_max = 127;
    int32_t m_a = 0, s_a = 0, m_b = 0, s_b = 0, m_out = 0, s_out = 0;
  };
  bool has_fused = false;
  Fused fused;
  // The board's layer runner runs the layer as the exported firmware does:
  // through the export's kernel entry and bridge, which may leave it on the
  // CPU where the driver's cost model prefers it (sasim_drv::layer_on_cfu:
  // small fully connected layers). Whole-network runs set it; `check`,
  // `cosim` and layer lists call the driver directly, on the CFU.
  bool shipped = false;
  // In place: the layer's output (with a fused operator, the operator's)
  // lies over the layer's own input, in_place_offset bytes from its start,
  // as TFLite Micro's arena plan puts a residual ADD's output over the
  // buffer its conv's input frees (src/tflite/arena_plan.h). Engines place
  // the tensors so (layer_tensors, the board's runner), and the driver runs
  // the layer only where sasim_drv::in_place_supported says its schedule
  // reads every input byte before overwriting it. Whole-network runs set it.
  bool in_place = false;
  int64_t in_place_offset = 0;
  // 1 + the line of the CFU's weight store that a deployed network's first
  // inference gives the layer's prepared weights (StoreAllocator, the
  // exported bridge's rule: call order, while they fit; the board estimate
  // honours it); 0: the layer streams its weights.
  int w_store = 0;
  // What the exported bridge prepares for the layer at its first call
  // (StoreAllocator decides as it does): 2 the folded biases and the
  // weights, 1 the biases only (its arena full for the weights), 0 nothing
  // (its table or arena full). The board estimate gives the driver what the
  // firmware's driver gets.
  int prepared = 2;
  // The output keep (sasim_drv::LayerDesc::keep_out, a_kept; docs/
  // microarchitecture.md, "Output kept in A"): keep_out 1, the layer leaves
  // its output in the CFU's shadow A bank for the next layer (2: and not in
  // memory, the next layer being its only reader; the board engine then
  // takes the layer's output from the bank); a_kept 1, its
  // input is there already (the board estimate puts it there before the
  // layer's timed span, as the layer before left it). Whole-network runs set
  // them for chained pairs (keep_chain_after, src/cli/commands.h); a layer
  // list's layers each read an input of their own.
  int keep_out = 0;
  int a_kept = 0;
  // Paired layers (sasim_drv::run_pair; docs/microarchitecture.md "Paired
  // layers"): the layer's producer, a conv or depthwise layer whose output
  // is this layer's input, run with it as the exported bridge runs the two
  // (the producer's call deferred to this one's, one timed span). This
  // layer's input tensor is then never written (LayerData::input is not put
  // on the board). Shipped whole-network runs on the board estimate only;
  // null: none.
  std::shared_ptr<const PairedProducer> pair;
  // The arena plan's offsets of the layer's tensors (whole-network runs;
  // the board's runner places them so). Output: the fused operator's when
  // has_fused.
  TensorPlacement placement;

  // ---- derived geometry (valid after validate_layer) ----
  int batches() const;
  int in_h() const;
  int in_w() const;
  int in_c() const;
  int out_h() const;
  int out_w() const;
  int out_c() const;
  int kernel_h() const;
  int kernel_w() const;
  // fully_connected: the reduction depth; conv: KH*KW*C_in; depthwise: KH*KW.
  int reduction_depth() const;
  int64_t macs() const;
  int64_t input_elems() const;
  int64_t filter_elems() const;
  int64_t output_elems() const;
  int32_t multiplier_for(int oc) const {
    return output_multiplier.size() == 1 ? output_multiplier[0] : output_multiplier[oc];
  }
  int shift_for(int oc) const {
    return output_shift.size() == 1 ? output_shift[0] : output_shift[oc];
  }
};

// Output spatial size and leading padding by TFLite's rule:
//   same:  out = ceil(in / stride)
//   valid: out = ceil((in - (k-1)*dilation) / stride)
//   total pad = max(0, (out-1)*stride + (k-1)*dilation + 1 - in),
//   leading = total / 2.
int conv_out_size(int in, int k, int stride, int dilation, Padding p);
int conv_total_pad(int in, int k, int stride, int dilation, int out);

// One consistency problem: `key` is the field as spelled in configs and
// case.yaml (e.g. "output_shape"), so the caller can attach a file position.
struct FieldError {
  std::string key;
  std::string message;
};

// Checks consistency and fills the derived padding fields. Appends every
// problem found (not only the first) and returns true when there were none.
bool validate_layer(LayerSpec* l, std::vector<FieldError>* errors);

// Tensors of one layer. `output` is the expected output when known (vector
// cases), empty otherwise.
struct LayerData {
  std::vector<int8_t> input;
  std::vector<int8_t> filter;
  std::vector<int32_t> bias;  // empty when the layer has none
  std::vector<int8_t> output;
  std::vector<int8_t> residual;  // LayerSpec::fused's operand b (the output's shape), else empty
};

// LayerSpec::pair: the producer, its tensors (data.input its input), its
// weight-store line (LayerSpec::w_store's meaning) and its input's arena
// offset (TensorPlacement's).
struct PairedProducer {
  LayerSpec spec;
  LayerData data;
  int w_store = 0;
  int64_t input_offset = -1;
};

}  // namespace sasim
