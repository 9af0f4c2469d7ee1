// Layers on the simulated board: the layer runner (src/board/) on the CPU
// model, the CFU behind any CfuPort (the plain cycle model, its SystemC shell,
// the Verilated RTL, or both in lock step).
//
// Per layer (docs/board-runtime.md): the runner image is loaded into a zeroed
// main_ram, the layer's tensors go into the runner's arena and its description
// into the mailbox, the CPU boots from reset (cold caches, as the reference
// layer programs; within one inference the I$ carries over, see
// set_inference_carry) and runs the layer; the layer's cycles are the
// runner's mcycle delta around run_layer, as a board program measures them.
#pragma once

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "board/mailbox.h"
#include "cpu/elf_image.h"
#include "cpu/vexriscv.h"
#include "driver/driver.h"
#include "sasim/engine.h"
#include "sasim/layer.h"

namespace sasim::cpu {

// The runner ELF the build made for a core (SASIM_RUNNER_ELF, or
// SASIM_RUNNER_2021_ELF for the 2021 CfuPlugin, whose driver fences CFU
// instructions behind stores; the environment variable SASIM_RUNNER_ELF
// overrides both).
std::string default_runner_elf(CfuPluginRev rev = CfuPluginRev::k2022);

// What the CPU did between the runner's markers around run_layer.
struct CpuLayerProfile {
  uint64_t cycles = 0;            // mcycle delta around run_layer (the layer's cycles)
  uint64_t instret = 0;           // instructions retired in run_layer
  CpuCounters counters;           // deltas over the same span
  struct Function {
    std::string name;
    uint64_t cycles = 0;
  };
  std::vector<Function> top_functions;  // by cycles, most first (at most 8)
  // data_mem cycles by memory cause (kNumMemCauses) per function that stalled on data.
  std::map<std::string, std::vector<uint64_t>> data_mem_by_function;
  uint64_t forks = 0;             // CfuPlugin forks (F19) in the layer
  uint64_t replays = 0;           // replayed CFU commands (F20-F22, 2021 core) in the layer
  ReplayEvent first_replay;       // the first of them (pcs of the load and the CFU instruction)
};

// Called at the runner's markers (1: run_layer starts, 2: it returned), in
// the cycle the marker store retires; lets the engine snapshot its CFU.
class MarkerListener {
 public:
  virtual ~MarkerListener() = default;
  virtual void on_marker(uint32_t value, uint64_t cycle) = 0;
  // Periodic samples of the CPU's counters (for timelines); interval 0: none.
  virtual uint64_t sample_interval() const { return 0; }
  virtual void on_sample(uint64_t /*cycle*/, const CpuCounters& /*counters*/) {}
};

// Developer aids (SASIM_RETIRE_LOG, SASIM_BUS_LOG): the file the variable
// names, "%s" in it replaced by `name`, opened for writing; null when unset.
std::FILE* open_dev_log(const char* var, const std::string& name);

class BoardHost {
 public:
  // Loads the runner; throws ElfError when it is missing or not a runner.
  // runner_elf empty: default_runner_elf() for the core's CfuPlugin.
  BoardHost(const CpuParams& cpu, CfuPort* port, const std::string& runner_elf = "");

  // Runs one layer; `out` receives spec.output_elems() bytes. Returns the
  // driver's status. Throws ConfigError when the tensors do not fit the
  // arena, std::runtime_error when the program stops abnormally.
  int run_layer(const sasim_drv::HwDesc& hw, const LayerSpec& spec, const LayerData& data, int8_t* out,
                CpuLayerProfile* profile, MarkerListener* markers = nullptr, uint64_t max_cycles = 20'000'000'000ull);

  // Runs one CPU operator (board/cpu_ops.h) on a fresh board: `m` carries
  // its kind and parameters, `hw` the CFU it may use (elementwise ops go to
  // its elementwise extension when it has one; the runner sets m.on_cfu);
  // `a` (and `b`) are placed in the arena, `out` receives out_bytes. Returns
  // the runner's status (0 ok).
  int run_cpu_op(const sasim_drv::HwDesc& hw, sasim_board::Mailbox m, const std::string& name, const std::vector<int8_t>& a,
                 const std::vector<int8_t>& b, int8_t* out, size_t out_bytes, CpuLayerProfile* profile,
                 MarkerListener* markers = nullptr, uint64_t max_cycles = 20'000'000'000ull,
                 const TensorPlacement& placement = TensorPlacement());
  // Whether the last run_cpu_op's runner gave the operator to the CFU.
  bool last_op_on_cfu() const { return last_on_cfu_; }
  // The driver's mapping of the last run_layer's layer as the runner gives
  // it to the driver (sasim_drv::layer_mapping), and why, for "legacy".
  const std::string& last_mapping() const { return last_mapping_; }
  const std::string& last_mapping_why() const { return last_mapping_why_; }

  // Operators of one inference (include/sasim/engine.h, InferenceCarry):
  // every run starts with carry->icache_tags (when set) and leaves its I$
  // there. Null (the default): every run boots with a cold I$.
  void set_inference_carry(InferenceCarry* carry) { carry_ = carry; }

  const Vexriscv& cpu() const { return cpu_; }
  // The mailbox the last run started with (its tensors' board addresses).
  const sasim_board::Mailbox& last_mailbox() const { return last_mailbox_; }
  const std::vector<ForkEvent>& forks() const { return forks_; }

 private:
  void load_fresh();
  int run_mailbox(const sasim_board::Mailbox& m, const std::string& name, int8_t* out, size_t out_bytes,
                  CpuLayerProfile* profile, MarkerListener* markers, uint64_t max_cycles);

  CpuParams params_;
  bool last_on_cfu_ = false;
  std::string last_mapping_, last_mapping_why_;
  // The mailbox's hardware fields (sasim_drv::HwDesc; the board's store cycles).
  void put_hw(const sasim_drv::HwDesc& hw, sasim_board::Mailbox* m) const;
  ElfImage image_;
  uint32_t mailbox_ = 0, arena_ = 0, arena_bytes_ = 0;
  uint32_t used_end_ = 0;  // the end of the current layer's tensors (SASIM_BOARD_IMAGE)
  BoardMemory mem_;
  Vexriscv cpu_;
  std::vector<ForkEvent> forks_;
  InferenceCarry* carry_ = nullptr;
  sasim_board::Mailbox last_mailbox_{};
};

}  // namespace sasim::cpu
