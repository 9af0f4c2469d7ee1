#include "cpu/engine_board.h"

#include <fmt/format.h>

#include <stdexcept>

#include "board/mailbox.h"
#include "model/host.h"

namespace sasim {

namespace {

std::vector<std::string> names_of(int n, const char* (*name)(int)) {
  std::vector<std::string> v;
  for (int i = 0; i < n; ++i) v.push_back(name(i));
  return v;
}

}  // namespace

const std::vector<std::string>& cpu_class_names() {
  static const std::vector<std::string> names = names_of(cpu::kNumStallClasses, cpu::stall_class_name);
  return names;
}

const std::vector<std::string>& mem_cause_names() {
  static const std::vector<std::string> names = names_of(cpu::kNumMemCauses, cpu::mem_cause_name);
  return names;
}

std::vector<std::string> cpu_names() { return {"vexriscv", "gap"}; }

namespace {

class CoreSnapshots : public cpu::MarkerListener {
 public:
  CoreSnapshots(const CfuCore* core, cpu::MarkerListener* next) : core_(core), next_(next) {}
  void on_marker(uint32_t value, uint64_t cycle) override {
    if (core_ && value == 1) start = core_->counters();
    if (core_ && value == 2) end = core_->counters();
    if (next_) next_->on_marker(value, cycle);
  }
  uint64_t sample_interval() const override { return next_ ? next_->sample_interval() : 0; }
  void on_sample(uint64_t cycle, const cpu::CpuCounters& c) override {
    if (next_) next_->on_sample(cycle, c);
  }
  CoreCounters start, end;

 private:
  const CfuCore* core_;
  cpu::MarkerListener* next_;
};

}  // namespace

EngineResult run_layer_on_board(cpu::BoardHost* board, const CoreParams& p, const LayerSpec& spec,
                                const LayerData& data, const CfuCore* core, const std::string& hw_source,
                                cpu::MarkerListener* sampler) {
  EngineResult r;
  r.output.assign(static_cast<size_t>(spec.output_elems()), 0);
  CoreSnapshots snaps(core, sampler);
  cpu::CpuLayerProfile prof;
  const int rc = board->run_layer(hw_desc_from(p), spec, data, r.output.data(), &prof, &snaps);
  if (rc == sasim_drv::kErrTileTooLarge)
    throw ConfigError({{hw_source, 0, 0, "buffers", "too small for one tile of this layer"}});
  if (rc == sasim_drv::kErrNotFusable)
    throw std::runtime_error(fmt::format("layer {}: the driver cannot fuse its operator (driver status {})", spec.name, rc));
  if (rc == sasim_drv::kErrInPlace)
    throw std::runtime_error(fmt::format("layer {}: the driver cannot run it with its output over its input "
                                         "(in place, driver status {})", spec.name, rc));
  if (rc == sasim_board::kShippedFellBack)
    throw std::runtime_error(fmt::format("layer {}: the exported bridge refused the layer (its kernel's reference code "
                                         "ran; on the board a silent slow path)", spec.name));
  if (rc == sasim_board::kShippedNotFused)
    throw std::runtime_error(fmt::format("layer {}: the exported bridge ran the layer without its fused operator",
                                         spec.name));
  if (rc == sasim_board::kShippedNotPaired)
    throw std::runtime_error(fmt::format("layer {}: the exported bridge ran the layer apart from its paired producer "
                                         "(sasim_drv::run_pair refused them)",
                                         spec.name));
  if (rc == sasim_board::kShippedNoAdopt)
    throw std::runtime_error(fmt::format("layer {}: the exported bridge's table of prepared layers is full", spec.name));
  if (rc != sasim_drv::kOk)
    throw std::runtime_error(fmt::format("layer {}: the CFU rejected a command (driver status {})", spec.name, rc));
  // Kept only (LayerSpec::keep_out 2): the output never reached memory; the
  // CFU's shadow A bank holds it, as the next layer will find it.
  if (spec.keep_out == 2 && core && board->last_op_on_cfu()) {
    const std::vector<int8_t>& bank = core->buffers().a[static_cast<size_t>(core->a_write_bank())];
    if (bank.size() < r.output.size())
      throw std::runtime_error(fmt::format("layer {}: kept only, but its output is larger than an A bank", spec.name));
    std::copy(bank.begin(), bank.begin() + static_cast<std::ptrdiff_t>(r.output.size()), r.output.begin());
  }
  LayerStats& s = r.stats;
  s.timed = true;
  s.cycles = prof.cycles;
  // A paired layer's cycles are both layers': so are its MACs.
  s.macs = static_cast<uint64_t>(spec.macs() + (spec.pair ? spec.pair->spec.macs() : 0));
  s.host_instructions = prof.counters.cfu_instructions;
  if (core) {
    const CoreCounters& a = snaps.start;
    const CoreCounters& b = snaps.end;
    s.compute_cycles = b.by_kind[0] - a.by_kind[0];
    s.stall_fill_drain = b.by_kind[1] - a.by_kind[1];
    s.stall_bank_swap = b.by_kind[2] - a.by_kind[2];
    s.stall_readback = b.by_kind[3] - a.by_kind[3];
    // The array waits for the CPU in every other cycle of the layer (the
    // markers and the mcycle reads are a few instructions apart).
    const uint64_t busy = s.compute_cycles + s.stall_fill_drain + s.stall_bank_swap + s.stall_readback;
    s.stall_host = s.cycles > busy ? s.cycles - busy : 0;
    s.sram_reads = b.sram_reads - a.sram_reads;
    s.sram_writes = b.sram_writes - a.sram_writes;
    s.tiles = b.passes - a.passes;
  }
  s.cpu = cpu_stats_from(prof);
  s.on_cpu = !board->last_op_on_cfu();
  s.mapping = s.on_cpu ? "cpu" : board->last_mapping();
  s.mapping_why = s.on_cpu ? "" : board->last_mapping_why();
  return r;
}

CpuStats cpu_stats_from(const cpu::CpuLayerProfile& prof) {
  CpuStats c;
  c.modelled = true;
  c.retired = prof.instret;
  for (int i = 0; i < cpu::kNumStallClasses; ++i) c.by_class[i] = prof.counters.cycles_by_class[i];
  static_assert(cpu::kNumMemCauses == 7, "CpuStats' arrays");
  for (int i = 0; i < cpu::kNumMemCauses; ++i) {
    c.data_mem_by_cause[i] = prof.counters.data_mem_by_cause[i];
    c.fetch_miss_by_cause[i] = prof.counters.fetch_miss_by_cause[i];
  }
  c.icache_misses = prof.counters.icache_misses;
  c.dcache_misses = prof.counters.dcache_misses;
  c.dcache_accesses = prof.counters.dcache_accesses;
  c.cfu_instructions = prof.counters.cfu_instructions;
  c.forks = prof.forks;
  c.replays = prof.replays;
  c.replay_load_pc = prof.first_replay.load_pc;
  c.replay_cfu_pc = prof.first_replay.cfu_pc;
  c.divides = prof.counters.divides;
  c.branches = prof.counters.branches;
  c.mispredicts = prof.counters.mispredicts;
  for (const auto& f : prof.top_functions) c.top_functions.emplace_back(f.name, f.cycles);
  c.data_mem_by_function = prof.data_mem_by_function;
  return c;
}

}  // namespace sasim
