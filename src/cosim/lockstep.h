// Lock-step co-simulation of the cycle model and the Verilated RTL.
//
// Contract: LockstepHost is a CfuTarget (the host driver's seam) that runs the
// host timing model and bus protocol exactly like PlainHost, but applies each
// cycle's inputs to both the model (CfuCore::step) and the RTL, and compares
// the outputs of every cycle: cmd_ready, rsp_valid and, when the model's
// rsp_valid is 1, rsp_payload_outputs_0. At the first difference it records a
// Mismatch (cycle, instruction index, layer, tile, both values), writes a VCD
// of the cycles around it when asked to, and from then on answers every
// command with the error response without simulating, so the driver stops at
// its next START.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "model/core.h"
#include "model/host.h"

namespace sasim {

// A Verilated Cfu behind a small interface (one implementation per built
// configuration, see rtl/CMakeLists.txt). Same cycle semantics as CfuCore:
// step() is one rising edge with `in` sampled; outputs() are the outputs for
// the following cycle.
class RtlModel {
 public:
  virtual ~RtlModel() = default;
  virtual BusOut outputs() = 0;
  virtual void step(const BusIn& in) = 0;
  virtual void reset() = 0;  // one edge with reset = 1
};

// The configurations built as Verilated models, e.g. "4x4_ws"; and a factory.
struct RtlConfig {
  std::string name;
  CoreParams params;  // array shape, dataflow and bank geometry it was built for
  std::function<std::unique_ptr<RtlModel>()> make;
};
const std::vector<RtlConfig>& rtl_configs();
// The built model matching `p` exactly (rows, cols, dataflow, lines per bank,
// double buffering), or nullptr; `available` receives the built ones' names.
const RtlConfig* find_rtl_config(const CoreParams& p, std::string* available);

// One cycle of the bus as both sides saw it.
struct BusSample {
  uint64_t cycle;
  BusIn in;
  BusOut model, rtl;
};
// Writes the samples as a VCD (one timestep per cycle): the inputs, both
// sides' outputs, and a `mismatch` marker at `mismatch_cycle`.
// Returns false when the file cannot be written.
bool write_bus_vcd(const std::string& path, const std::deque<BusSample>& samples, uint64_t mismatch_cycle);

struct Mismatch {
  bool found = false;
  uint64_t cycle = 0;        // cycle index within the co-simulation
  uint64_t instruction = 0;  // index of the CFU instruction in flight (0-based)
  uint64_t tile = 0;         // STARTs issued before it
  std::string layer;
  std::string signal;        // "cmd_ready", "rsp_valid" or "rsp_payload_outputs_0"
  uint32_t model_value = 0, rtl_value = 0;
  std::string str() const;
};

class LockstepHost : public CfuTarget {
 public:
  // `rtl` may be null: the model alone (used by `check --engine rtl`'s
  // sibling tests); `core` may be null: the RTL alone, no comparison.
  LockstepHost(CfuCore* core, RtlModel* rtl, const HostTiming& t);
  uint32_t cfu_op(int funct3, int funct7, uint32_t a, uint32_t b) override;

  void set_layer(const std::string& name) { layer_ = name; }
  // On a mismatch, write the last `window` cycles (and nothing after) here.
  void set_vcd_on_mismatch(const std::string& path, int window = 64) {
    vcd_path_ = path;
    window_ = window;
  }
  const Mismatch& mismatch() const { return mismatch_; }
  uint64_t cycles() const { return cycle_; }
  uint64_t instructions() const { return instructions_; }

 private:
  BusOut step(const BusIn& in);  // one cycle on both; compares first

  CfuCore* core_;
  RtlModel* rtl_;
  HostTimingModel timing_;
  uint64_t cycle_ = 0, instructions_ = 0, starts_ = 0;
  std::string layer_;
  Mismatch mismatch_;
  std::string vcd_path_;
  int window_ = 64;
  std::deque<BusSample> history_;
};

}  // namespace sasim
