// An engine computes one layer: the golden model, the SystemC cycle model, or
// the Verilated RTL. `sasim check` and `sasim run` see only this interface.
//
// Contract: run() returns the layer's int8 output in the layout of
// spec.output_shape, and for timed engines the statistics of that run. It
// throws ConfigError when the layer cannot be mapped onto the configured
// hardware (for instance a buffer too small for one tile); that is a usage
// error (exit 2), not a mismatch.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sasim/config.h"
#include "sasim/layer.h"

namespace sasim {

// Where the cycles of a layer went. Every cycle of `cycles` is counted once in
// exactly one of: compute (array doing MACs), or one stall cause.
struct LayerStats {
  bool timed = false;
  uint64_t cycles = 0;
  uint64_t macs = 0;
  uint64_t compute_cycles = 0;     // streaming cycles: a new A row (WS) or reduction step (OS) enters
  uint64_t stall_host = 0;         // array idle, waiting for operands from the CPU
  uint64_t stall_fill_drain = 0;   // busy but not streaming: weight load, skew, drain
  uint64_t stall_bank_swap = 0;    // array idle in the cycle a START swaps banks (a START that
                                   // waits for a running pass overlaps busy cycles, counted there)
  uint64_t stall_readback = 0;     // CPU reading results back, array idle
  uint64_t host_instructions = 0;  // CFU instructions issued
  uint64_t sram_reads = 0;         // 32-bit word accesses to buffers A, B, C
  uint64_t sram_writes = 0;
  uint64_t tiles = 0;
  // Fraction of PE-cycles doing useful MACs: macs / (cycles * rows * cols).
  double utilisation(int rows, int cols) const {
    return cycles ? static_cast<double>(macs) / (static_cast<double>(cycles) * rows * cols) : 0.0;
  }
};

struct EngineResult {
  std::vector<int8_t> output;
  LayerStats stats;
};

class Engine {
 public:
  virtual ~Engine() = default;
  virtual const char* name() const = 0;
  virtual EngineResult run(const LayerSpec& spec, const LayerData& data) = 0;
  // Flushes profile outputs; the engine is not used afterwards.
  virtual void finish() {}
};

// Optional per-cycle profile outputs of timed engines.
struct EngineOptions {
  std::string vcd_path;       // waveform (GTKWave), empty: none
  std::string timeline_path;  // Chrome/Perfetto trace JSON, empty: none
};

// Names accepted by --engine, in the order help text lists them.
std::vector<std::string> engine_names();
// Throws ConfigError for an unknown name, or hardware the engine cannot build.
// At most one SystemC-based engine may be made per process.
std::unique_ptr<Engine> make_engine(const std::string& name, const HwConfig& hw,
                                    const EngineOptions& opts = EngineOptions());



}  // namespace sasim
