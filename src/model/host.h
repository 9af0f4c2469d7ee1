// The host side of the simulation: the CPU timing model and the glue that
// lets the board's driver code (src/driver/) run against a simulated CFU.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "driver/driver.h"
#include "model/core.h"
#include "sasim/config.h"
#include "sasim/layer.h"

namespace sasim {

// When the CPU presents each CFU instruction. The CPU is in order and waits
// for each response; after the response of instruction j is taken in cycle
// r_j, instruction j+1 is presented from cycle r_j + 1 + gap(j+1), where the
// gap is the CPU work between the two (docs/microarchitecture.md, "Host
// timing"):
//   gap = loop_overhead_cycles + (cfu_issue_cycles - 1)
//       + 2 * load_cycles   for WRITE_A/B and PARAM (two operand words loaded)
//       + store_cycles      after a READ NEXT/RAW (the result stored)
class HostTimingModel {
 public:
  explicit HostTimingModel(const HostTiming& t) : t_(t) {}
  int gap(int funct3, int funct7) {
    int g = t_.loop_overhead_cycles + (t_.cfu_issue_cycles - 1) + pending_store_;
    if (funct3 == sasim_isa::kWriteA || funct3 == sasim_isa::kWriteB || funct3 == sasim_isa::kParam)
      g += 2 * t_.load_cycles;
    pending_store_ = (funct3 == sasim_isa::kRead && funct7 != 1) ? t_.store_cycles : 0;
    return g;
  }
  void reset() { pending_store_ = 0; }

 private:
  HostTiming t_;
  int pending_store_ = 0;
};

// Where sasim_cfu_op() goes on the host: the engine in use installs itself.
class CfuTarget {
 public:
  virtual ~CfuTarget() = default;
  virtual uint32_t cfu_op(int funct3, int funct7, uint32_t a, uint32_t b) = 0;
};
void set_cfu_target(CfuTarget* t);

sasim_drv::HwDesc hw_desc_from(const CoreParams& p);
// The driver's view of a validated layer; `out` must hold output_elems().
// A layer with a fused operator (LayerSpec::has_fused) gets it in *fused,
// which l.fused then points to (it must outlive the run); with fused null
// the view leaves it out (for geometry only).
sasim_drv::LayerDesc layer_desc_from(const LayerSpec& s, const LayerData& d, int8_t* out,
                                     sasim_drv::EltwiseDesc* fused = nullptr);
// An in-place layer's input and output (LayerSpec::in_place) as one planned
// area: the input at 0 (or at -in_place_offset when that is positive), the
// output in_place_offset from it, planned_bytes covering both.
TensorPlacement in_place_layout(const LayerSpec& s);
// layer_desc_from with the input and output in *buf (which must outlive
// the run): separate, or, for LayerSpec::in_place, the output over a copy of
// the input at in_place_offset. The layer's result is then at l.output.
sasim_drv::LayerDesc layer_tensors(const LayerSpec& s, const LayerData& d, std::vector<int32_t>* buf,
                                   sasim_drv::EltwiseDesc* fused = nullptr);
// The driver's mapping of l (sasim_drv::layer_mapping) and why ("" unless
// legacy), as LayerStats::mapping and mapping_why carry them.
std::pair<std::string, std::string> driver_mapping(const sasim_drv::HwDesc& hw, const sasim_drv::LayerDesc& l);
// LayerSpec::fused as the driver's description, operand b at `b`.
sasim_drv::EltwiseDesc fused_desc_from(const LayerSpec& s, const int8_t* b);

// The CFU's weight store as the exported bridge fills it at the first
// inference (src/export/proj/sasim_tflm.cc, place_in_store): each layer it
// runs on the CFU (the driver's cost model, or an operator fused into it)
// gets its prepared weights there at its first call, in call order, while
// they fit. A network run places its layers in order; the steady state it
// times finds them there (LayerSpec::w_store).
// `text` in lines of at most `width` columns, broken at spaces, each line
// after the first starting with `indent`; no trailing newline.
std::string wrap_columns(const std::string& text, size_t width, const std::string& indent);

class StoreAllocator {
 public:
  // The bridge prepares a layer (and only a prepared layer can be stored)
  // while its table and arena have room: the export's defaults,
  // SASIM_PREPARED_LAYERS and SASIM_PREPARED_BYTES in sasim_tflm.cc (a test
  // keeps them equal).
  static constexpr int kPreparedLayers = 64;
  static constexpr unsigned kPreparedBytes = 256 * 1024;
  // The most a project's store is sized to (its arena is a static array in
  // main_ram: 16 MiB of the board's 128).
  static constexpr unsigned kMaxPreparedBytes = 16u << 20;
  // A store of `bytes` and `layers` (the export's defaults, or what a
  // model needs: prepared_size).
  explicit StoreAllocator(const sasim_drv::HwDesc& hw, unsigned bytes = kPreparedBytes, int layers = kPreparedLayers)
      : hw_(hw), cap_bytes_(bytes), cap_layers_(layers) {}
  // What the bridge's store takes for l, prepared: its table entry and its
  // arena bytes (the folded biases and the prepared weights, in 16-byte
  // pieces, as place() takes them).
  static uint64_t prepared_bytes(const sasim_drv::HwDesc& hw, const sasim_drv::LayerDesc& l);
  // The store a network's layers need (`bytes` summed over them): the
  // export's default, or more, rounded up to 16 KiB (at most
  // kMaxPreparedBytes); the table: the default or the layer count.
  static unsigned store_bytes_for(uint64_t bytes);
  static int store_layers_for(int layers) { return layers > kPreparedLayers ? layers : kPreparedLayers; }
  unsigned capacity_bytes() const { return cap_bytes_; }
  int capacity_layers() const { return cap_layers_; }
  // LayerSpec::w_store for the next layer (0: it streams its weights).
  int place(const LayerSpec& s, const LayerData& d, const std::string& name);
  // The run's "weight store: ..." lines (at most 120 columns each, no final
  // newline); empty without a store.
  std::string summary() const;
  int lines_used() const { return next_; }
  // LayerSpec::prepared for the layer of the last place().
  int last_prepared() const { return last_prepared_; }
  // Whether the layer of the last place() would use prepared weights (the
  // driver's blob) but the bridge's table or arena had no room left for
  // them: the driver then builds every B line from the raw filter on every
  // call, one to two orders of magnitude slower (LayerStats::raw_weights).
  bool last_unprepared() const { return last_unprepared_; }
  // The run's warning naming those layers (empty: none), in lines of at
  // most 120 columns, no final newline.
  std::string unprepared_warning() const;
  // When the store is larger than the export's default: a line saying so
  // (empty otherwise).
  std::string size_note() const;
  size_t layers() const { return stored_.size(); }
  size_t layers_not_fitting() const { return full_.size(); }

 private:
  sasim_drv::HwDesc hw_;
  unsigned cap_bytes_;
  int cap_layers_;
  int next_ = 0;
  int prepared_ = 0;           // the bridge's table entries
  int last_prepared_ = 2;
  unsigned arena_words_ = 0;   // and its arena, in int32 words (arena_take's 16-byte pieces)
  std::vector<std::string> stored_, full_;
  bool last_unprepared_ = false;
  std::vector<std::string> unprepared_;
  uint64_t blob_bytes_ = 0;  // every layer's prepared weights, stored or not
};

// A plain C++ host (no SystemC): steps a CfuCore cycle by cycle with the
// host timing model. Used by unit tests and as the reference the SystemC
// shell must agree with.
class PlainHost : public CfuTarget {
 public:
  PlainHost(CfuCore* core, const HostTiming& t) : core_(core), timing_(t) {}
  uint32_t cfu_op(int funct3, int funct7, uint32_t a, uint32_t b) override;
  uint64_t instructions() const { return instructions_; }
  // Call before each layer after the first: every engine starts a layer with
  // fresh host timing state, so a layer's cycle count does not depend on the
  // layer before it.
  void begin_layer() { timing_.reset(); }

 private:
  void idle_cycles(int n);
  CfuCore* core_;
  HostTimingModel timing_;
  uint64_t instructions_ = 0;
};

}  // namespace sasim
