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
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sasim/config.h"
#include "sasim/layer.h"

namespace sasim_board {
struct Mailbox;
}

namespace sasim {

// The board's CPU during a layer (--cpu vexriscv; docs/cpu-model.md). Every
// cycle between two retirements is charged to one class, in the order of
// cpu_class_names().
struct CpuStats {
  bool modelled = false;  // false: the fixed-gap host estimate (--cpu gap)
  uint64_t retired = 0;   // instructions retired in run_layer
  uint64_t by_class[8] = {};
  // data_mem and fetch_miss split by the memory path's causes (board model;
  // mem_cause_names()); all "core" in the fixed model.
  uint64_t data_mem_by_cause[7] = {}, fetch_miss_by_cause[7] = {};
  // data_mem_by_cause per driver function that stalled on data.
  std::map<std::string, std::vector<uint64_t>> data_mem_by_function;
  uint64_t icache_misses = 0, dcache_misses = 0, dcache_accesses = 0;
  uint64_t cfu_instructions = 0, forks = 0, divides = 0, branches = 0, mispredicts = 0;
  // Replayed CFU commands (2021 core, facts.md F20-F22) and the first one's
  // pcs: the load that was redone and the CFU instruction behind it.
  uint64_t replays = 0;
  uint32_t replay_load_pc = 0, replay_cfu_pc = 0;
  std::vector<std::pair<std::string, uint64_t>> top_functions;  // cycles by driver function, most first
};
// "execute", "interlock", "branch", "fetch_miss", "data_mem", "divider",
// "cfu_cmd", "cfu_rsp".
const std::vector<std::string>& cpu_class_names();
// "l2_hit", "bus_wait", "dram_row_hit", "dram_row_miss", "dirty_writeback",
// "refresh", "core" (docs/memory-model.md, "Attribution").
const std::vector<std::string>& mem_cause_names();

// Where the cycles of a layer went. Every cycle of `cycles` is counted once in
// exactly one of: compute (array doing MACs), or one stall cause.
struct LayerStats {
  bool timed = false;
  // The driver's cost model ran the layer on the CPU (a small fully
  // connected layer: sasim_drv::layer_on_cfu; the export's reference loop,
  // which the runner calls through the bridge): no CFU cycles.
  bool on_cpu = false;
  // The driver's mapping of the layer (sasim_drv::layer_mapping): "im2col",
  // "view" or "legacy" (the tile loop, with `mapping_why` saying what kept
  // it off the im2col path); "cpu" when its cost model ran it on the CPU;
  // empty for an engine without a driver (golden).
  std::string mapping, mapping_why;
  // Its weights were not prepared (the exported bridge's preparation store
  // was full: StoreAllocator::last_unprepared): the driver built every B
  // line from the raw filter. Set by the whole-network runs.
  bool raw_weights = false;
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
  CpuStats cpu;
  // Fraction of PE-cycles doing useful MACs: macs / (cycles * rows * cols).
  double utilisation(int rows, int cols) const {
    return cycles ? static_cast<double>(macs) / (static_cast<double>(cycles) * rows * cols) : 0.0;
  }
};

struct EngineResult {
  std::vector<int8_t> output;
  LayerStats stats;
};

// A CPU operator for the board's layer runner (src/board/cpu_ops.h, mailbox
// kinds 16 and up; src/tflite/board_ops.h fills it): the request, its
// operands (a placed at `input`, b at `input2`) and the output's size.
struct CpuOpRequest {
  const sasim_board::Mailbox* mailbox;
  std::string name;  // for messages and traces
  const std::vector<int8_t>* a;
  const std::vector<int8_t>* b;
  size_t out_bytes;
  TensorPlacement placement = {};  // a at input, b at input2, the output at output
};
struct CpuOpResult {
  std::vector<int8_t> output;
  uint64_t cycles = 0;  // the runner's mcycle delta around the kernel
  CpuStats cpu;
  bool on_cfu = false;  // the runner gave it to the CFU's elementwise unit
};

class Engine {
 public:
  virtual ~Engine() = default;
  virtual const char* name() const = 0;
  virtual EngineResult run(const LayerSpec& spec, const LayerData& data) = 0;
  // Runs a CPU operator on the engine's own board, behind the engine's CFU
  // and in its traces, when the engine runs the board (--cpu vexriscv);
  // false: it has none (the caller times the operator elsewhere, or not).
  virtual bool run_cpu_op(const CpuOpRequest& req, CpuOpResult* out) {
    (void)req;
    (void)out;
    return false;
  }
  // Flushes profile outputs; the engine is not used afterwards.
  virtual void finish() {}
};

// Consecutive operators of one inference on one board (`sasim run`): the
// runner's code stays in the board CPU's instruction cache from one operator
// to the next, so each operator starts with the I$ the previous one left, and
// with the L2 and the DRAM's open rows it left (docs/board-runtime.md). Shared
// by every board that runs the inference's operators (accelerator layers and
// CPU operators); tags empty: the next operator is the first and boots cold.
struct InferenceCarry {
  std::vector<uint32_t> icache_tags;
  std::vector<uint32_t> l2_tags;  // the board memory path's L2 (line address + 1, 0: invalid)
  std::vector<uint8_t> l2_dirty;
  std::vector<int64_t> dram_rows;  // open row per bank, -1: precharged
  // Where the next operator's tensors outside the arena plan (weights,
  // biases, quantization arrays, prepared blobs) go, past the previous
  // operators' ones: each operator's constants at addresses of their own, as
  // in a deployed model, not where the previous operator's were (whose lines
  // the carried L2 still holds).
  uint64_t constants_at = 0;
};

// Optional per-cycle profile outputs of timed engines.
struct EngineOptions {
  std::string vcd_path;       // waveform (GTKWave), empty: none
  std::string timeline_path;  // Chrome/Perfetto trace JSON, empty: none
  // The CPU in front of the CFU: "vexriscv" runs the board build of the
  // driver on the CPU model (the command line's default); "gap" is the
  // fixed-gap host estimate (docs/microarchitecture.md, "Host timing").
  std::string cpu = "gap";
  // With the CPU model: the layers run are one inference's operators in
  // order (see InferenceCarry). Null: every layer boots a cold board, as a
  // board program that runs one layer (check, cosim, the reference suite).
  std::shared_ptr<InferenceCarry> inference;
  // Timeline window: only these layers (empty: all) and only events whose
  // time (cycles from the start of the run) lies in [trace_from, trace_to].
  std::vector<std::string> trace_layers;
  uint64_t trace_from = 0, trace_to = UINT64_MAX;
};
std::vector<std::string> cpu_names();  // accepted by --cpu

// Names accepted by --engine, in the order help text lists them.
std::vector<std::string> engine_names();
// Throws ConfigError for an unknown name, or hardware the engine cannot build.
// At most one SystemC-based engine may be made per process.
std::unique_ptr<Engine> make_engine(const std::string& name, const HwConfig& hw,
                                    const EngineOptions& opts = EngineOptions());



}  // namespace sasim
