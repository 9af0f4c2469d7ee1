// The bridge from TFLite Micro's int8 reference kernels to the sasim driver
// (written by `sasim export-cfu` into the project's src/).
//
// Each function translates a kernel's arguments into the driver's LayerDesc
// and runs the layer on the accelerator of sasim_hw.h. It returns true when
// the accelerator produced the output, false when it cannot take the case
// (then the output may be partly written and the caller runs the reference
// kernel): an operand outside what the CFU holds (an int8 zero point, a shift
// outside [-31, 30]), a grouped conv, a nonzero filter offset, a shape the
// driver cannot tile, or the bridge switched off with SetEnabled(false).
#ifndef SASIM_TFLM_H_
#define SASIM_TFLM_H_

#include <stdint.h>

#include "tensorflow/lite/kernels/internal/types.h"

namespace sasim_drv {
struct HwDesc;
struct LayerDesc;
struct EltwiseDesc;
}  // namespace sasim_drv

namespace sasim_tflm {

bool ConvPerChannel(const tflite::ConvParams& params, const int32_t* output_multiplier, const int32_t* output_shift,
                    const tflite::RuntimeShape& input_shape, const int8_t* input_data,
                    const tflite::RuntimeShape& filter_shape, const int8_t* filter_data,
                    const tflite::RuntimeShape& bias_shape, const int32_t* bias_data,
                    const tflite::RuntimeShape& output_shape, int8_t* output_data);

bool DepthwiseConvPerChannel(const tflite::DepthwiseParams& params, const int32_t* output_multiplier,
                             const int32_t* output_shift, const tflite::RuntimeShape& input_shape,
                             const int8_t* input_data, const tflite::RuntimeShape& filter_shape,
                             const int8_t* filter_data, const tflite::RuntimeShape& bias_shape,
                             const int32_t* bias_data, const tflite::RuntimeShape& output_shape,
                             int8_t* output_data);

// FullyConnected (one multiplier and shift, from params) when
// output_multiplier is null, else FullyConnectedPerChannel (output_depth
// entries each).
bool FullyConnected(const tflite::FullyConnectedParams& params, const int32_t* output_multiplier,
                    const int* output_shift, const tflite::RuntimeShape& input_shape, const int8_t* input_data,
                    const tflite::RuntimeShape& filter_shape, const int8_t* filter_data,
                    const tflite::RuntimeShape& bias_shape, const int32_t* bias_data,
                    const tflite::RuntimeShape& output_shape, int8_t* output_data);

// TFLite Micro's int8 ADD (reference_integer_ops::Add, AddElementwise and
// BroadcastAdd4DSlow) on the CFU's elementwise unit: the output's four dims
// and each input's element strides (0 on a dimension it broadcasts). False
// (the caller runs the reference loop) when the CFU has no elementwise unit,
// when the parameters are not the unit's (left shift 20, an output shift
// above 0, a zero point outside int8), or when the driver's cost model says
// the CPU is faster (small tensors: sasim_drv::eltwise_on_cfu); the last is
// a choice, counted in Counters::on_cpu, not a fallback.
bool Add(const tflite::ArithmeticParams& params, const int dims[4], const int strides1[4], const int strides2[4],
         const int8_t* input1_data, const int8_t* input2_data, int8_t* output_data);
// The same for int8 SUB (reference_ops::Sub and BroadcastQuantSubSlow, the
// output as four dims): left shift 20, an output shift of at most 0.
bool Sub(const tflite::ArithmeticParams& params, const int dims[4], const int strides1[4], const int strides2[4],
         const int8_t* input1_data, const int8_t* input2_data, int8_t* output_data);
// The same for int8 MUL (reference_integer_ops::Mul, MulElementwise and
// BroadcastMul4DSlow): the output's multiplier and shift (-31 .. 30).
bool Mul(const tflite::ArithmeticParams& params, const int dims[4], const int strides1[4], const int strides2[4],
         const int8_t* input1_data, const int8_t* input2_data, int8_t* output_data);

// On by default; off: every kernel runs TFLite Micro's reference code (to
// compare the two on the board).
void SetEnabled(bool on);
bool Enabled();

// A layer's first call prepares what sasim prepares before inference (the
// folded biases, the weights in the CFU's order) and later calls with the
// same tensors reuse it: the weights must not change between calls, as
// TFLite Micro's do not. ResetPrepared() forgets every prepared layer.
void ResetPrepared();

// For sasim's own layer runner (src/board/runner.cc), which times one call
// of a layer as a later inference's: the state the earlier inferences left
// for the layer l describes (its tensors and geometry as its call will give
// them): prepared with `folded` and `packed` (null: none), its per-channel
// quantization checked, and, with `fused`, its next operator learned (the
// parameters and the operand fused->b, the output fused_output) and the
// fusion decided (in place or not; the firmware's second inference decides
// it, the third and later find it decided), and, with w_store > 0, its
// prepared weights in the weight store from line w_store - 1, as the first
// inference put them (written now). False when the table is full or the
// weights do not fit the store there. `keep`: the layer's output-keep bits
// (bit 0 it keeps its output for the next layer, bit 1 its input is in the
// CFU's A bank: the caller put it there, as its producer would have; bit 2
// its output goes only there, its reader's call having been seen; bit 3 it
// is a paired producer, bit 4 its reader, bit 5 the pair was seen: its call
// defers to its reader's, sasim_drv::run_pair). A project's firmware has no
// use for it.
bool Adopt(const sasim_drv::LayerDesc& l, const int32_t* folded, const int8_t* packed,
           const sasim_drv::EltwiseDesc* fused, int8_t* fused_output, int w_store, int keep = 0);
// The runner's stand-in for an export's chain table (sasim_fuse.h): the next
// `op` (0 ADD, 1 SUB, 2 MUL) call on `elements` bytes with the one-element
// constant c second and these output parameters is an elementwise chain's
// head (docs/export-cfu.md, "Elementwise chains"). A project's firmware has
// no use for it.
void AdoptChain(int op, int32_t elements, int8_t c, int32_t output_offset, int32_t output_multiplier,
                int32_t output_shift);
#if defined(SASIM_HW_RUNTIME)
// The runner's one image serves every configuration: the hardware the
// bridge gives the driver (a project has it built in, sasim_hw.h).
void SetRuntimeHardware(const sasim_drv::HwDesc& hw);
#endif

// Layers run on the accelerator and layers that fell back, since start-up;
// the driver's status of the last layer it was given (0: ok).
struct Counters {
  unsigned accelerated;
  unsigned fallbacks;
  int last_status;
  unsigned on_cpu;  // operators the cost model left on the CPU (elementwise, small fully connected)
  unsigned fused;   // layers run with their next operator fused (sasim_fuse.h)
  // Fusions refused: the operator's output overlaps its other operand, or
  // the layer's input where the driver cannot run the layer in place.
  unsigned fuse_refused;
  // Of the fused layers, those run in place (the operator's output over the
  // layer's input, as TFLite Micro's planner places ResNet-8's residual ADDs;
  // sasim_drv::in_place_supported).
  unsigned fused_in_place;
  // In-place fused layers whose output could not be computed, the input
  // being overwritten: their operator did not come next (TFLite Micro never
  // does this), or the CFU rejected a command part-way (a hardware fault);
  // likewise paired layers whose run failed part-way with the reader's
  // output over the producer's input, or a deferred producer whose plain
  // run failed. A nonzero count means a wrong output, not a slow one.
  unsigned in_place_lost;
  // Layers whose prepared weights went into the CFU's weight store at their
  // first call (they send none afterwards), and those that found it full.
  unsigned stored;
  unsigned store_full;
  // Layers whose output went only into the CFU's A bank (the keep table's
  // bit 2, after the chain was seen once) and whose next call was not the
  // layer that reads it, or whose reader then did not run on the CFU: their
  // output tensor was never written. TFLite Micro calls a graph's operators
  // in the same order every inference; a nonzero count means a wrong
  // output, not a slow one.
  unsigned keep_lost;
  // Elementwise chains (sasim_fuse.h's chain table) run as one table pass:
  // the head's call deferred, the tail's call applying both. A head whose
  // tail did not come next is computed at the next call (not counted here).
  unsigned chained;
  // Paired layers (sasim_fuse.h's keep table, bits 3 and 4) run as one:
  // the expansion's call deferred, its reader's call running both
  // (sasim_drv::run_pair).
  unsigned paired;
};
const Counters& GetCounters();

}  // namespace sasim_tflm

#endif  // SASIM_TFLM_H_
