// The `systemc` engine: the cycle model in its SystemC shell, driven by the
// board's driver through the host agent. One elaboration per process: layers
// run one after another in the same simulation, each from the cycle the
// previous one ended.
#include "model/core_params.h"
#include "sc/sc_engine.h"

#include <fmt/format.h>

#include <cstdio>
#include <exception>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <tuple>

#include "cpu/params.h"
#include "board/mailbox.h"
#include "driver/driver.h"
#include "cpu/engine_board.h"
#include "sc/cfu_sc.h"

namespace sasim {

namespace {

// Chrome trace-event JSON (opens in Perfetto and chrome://tracing), written
// as the events happen, so memory stays bounded: one microsecond of trace
// time is one clock cycle. The file is complete only after close(); until
// then it is DIR/timeline.json.tmp.
class TimelineWriter {
 public:
  explicit TimelineWriter(const std::string& path) : path_(path), tmp_(path + ".tmp"), f_(tmp_) {
    if (!f_) throw ConfigError({{path_, 0, 0, "", "cannot write the timeline"}});
    f_ << "{\"traceEvents\": [\n";
    add({{"ph", "M"}, {"pid", 1}, {"name", "process_name"}, {"args", {{"name", "sasim"}}}});
    add({{"ph", "M"}, {"pid", 1}, {"tid", 1}, {"name", "thread_name"}, {"args", {{"name", "layers"}}}});
    add({{"ph", "M"}, {"pid", 1}, {"tid", 2}, {"name", "thread_name"}, {"args", {{"name", "array passes"}}}});
    add({{"ph", "M"}, {"pid", 1}, {"tid", 3}, {"name", "thread_name"}, {"args", {{"name", "cpu (VexRiscv model)"}}}});
  }
  // Events outside the window (layer, cycles) are left out; metadata always
  // stays.
  void set_window(bool layer_on, uint64_t from, uint64_t to) {
    layer_on_ = layer_on;
    from_ = from;
    to_ = to;
  }
  void add(const nlohmann::json& e) {
    if (e.value("ph", "") != "M") {
      const uint64_t ts = e.value("ts", uint64_t{0});
      if (!layer_on_ || ts < from_ || ts > to_) return;
    }
    f_ << (first_ ? "" : ",\n") << e.dump();
    first_ = false;
  }
  void close() {
    f_ << "\n], \"displayTimeUnit\": \"ns\", \"otherData\": {\"time_unit\": \"1 us = 1 clock cycle\"}}\n";
    f_.close();
    if (!f_ || std::rename(tmp_.c_str(), path_.c_str()) != 0)
      throw ConfigError({{path_, 0, 0, "", "cannot write the timeline"}});
  }

 private:
  std::string path_, tmp_;
  std::ofstream f_;
  bool first_ = true, layer_on_ = true;
  uint64_t from_ = 0, to_ = UINT64_MAX;
};

nlohmann::json cfu_event_json(const TimelineEvent& e) {
  switch (e.kind) {
    case TimelineEvent::kPass:
      return {{"ph", "X"}, {"pid", 1}, {"tid", 2}, {"name", fmt::format("pass {}", e.value)}, {"ts", e.begin},
              {"dur", e.end - e.begin}, {"args", {{"Mt", e.mt}, {"Kt", e.kt}, {"Nt", e.nt}}}};
    case TimelineEvent::kActivePes:
      return {{"ph", "C"}, {"pid", 1}, {"name", "active PEs"}, {"ts", e.begin}, {"args", {{"pes", e.value}}}};
    case TimelineEvent::kOccupancy:
    default:
      return {{"ph", "C"}, {"pid", 1}, {"name", "shadow buffer bytes"}, {"ts", e.begin}, {"args", {{"bytes", e.value}}}};
  }
}

class SystemCEngine : public Engine {
 public:
  SystemCEngine(const HwConfig& hw, const EngineOptions& opts)
      : hw_(hw), params_(core_params_from(hw)), sys_(hw), opts_(opts) {
    if (!opts.vcd_path.empty()) {
      std::string base = opts.vcd_path;
      if (base.size() > 4 && base.substr(base.size() - 4) == ".vcd") base.resize(base.size() - 4);
      sys_.trace_vcd(base);
    }
    if (!opts.timeline_path.empty()) {
      timeline_ = std::make_unique<TimelineWriter>(opts.timeline_path);
      TimelineWriter* w = timeline_.get();
      sys_.cfu().enable_timeline([w](const TimelineEvent& e) { w->add(cfu_event_json(e)); });
    }
  }

  const char* name() const override { return "systemc"; }

  EngineResult run(const LayerSpec& spec, const LayerData& data) override {
    bool on = opts_.trace_layers.empty();
    for (const std::string& n : opts_.trace_layers) on = on || n == spec.name;
    if (timeline_) timeline_->set_window(on, opts_.trace_from, opts_.trace_to);
    sys_.cfu().set_trace_active(on);
    if (opts_.cpu == "vexriscv") return run_on_cpu_model(spec, data);
    EngineResult r;
    const sasim_drv::HwDesc hw = hw_desc_from(params_);
    sasim_drv::EltwiseDesc fused;
    std::vector<int32_t> tensors;
    const sasim_drv::LayerDesc l = layer_tensors(spec, data, &tensors, &fused);
    const CoreCounters c0 = sys_.cfu().core().counters();
    const uint64_t i0 = sys_.host().instructions();
    int rc = 0;
    sys_.host().run_job([&] { rc = sasim_drv::run_layer(hw, l); });
    r.output.assign(l.output, l.output + spec.output_elems());
    const CoreCounters& c1 = sys_.cfu().core().counters();
    if (rc == sasim_drv::kErrTileTooLarge)
      throw ConfigError({{hw_.origin_of_section({"buffers", "array"}), 0, 0, "buffers", "too small for one tile of this layer"}});
    if (rc != sasim_drv::kOk || sys_.cfu().core().error())
      throw std::runtime_error(fmt::format("layer {}: the CFU rejected a command (driver status {})", spec.name, rc));
    LayerStats& s = r.stats;
    s.timed = true;
    s.cycles = c1.cycles - c0.cycles;
    s.macs = static_cast<uint64_t>(spec.macs());  // the layer's MACs (a depthwise group also multiplies its zeros)
    s.compute_cycles = c1.by_kind[0] - c0.by_kind[0];
    s.stall_fill_drain = c1.by_kind[1] - c0.by_kind[1];
    s.stall_bank_swap = c1.by_kind[2] - c0.by_kind[2];
    s.stall_readback = c1.by_kind[3] - c0.by_kind[3];
    s.stall_host = c1.by_kind[4] - c0.by_kind[4];
    s.host_instructions = sys_.host().instructions() - i0;
    s.sram_reads = c1.sram_reads - c0.sram_reads;
    s.sram_writes = c1.sram_writes - c0.sram_writes;
    s.tiles = c1.passes - c0.passes;
    std::tie(s.mapping, s.mapping_why) = driver_mapping(hw, l);
    if (timeline_)
      timeline_->add({{"ph", "X"}, {"pid", 1}, {"tid", 1}, {"name", spec.name}, {"ts", c0.cycles},
                      {"dur", c1.cycles - c0.cycles}});
    return r;
  }

  // The board's driver on the CPU model inside the simulation: the host agent
  // is the CPU's CFU port (docs/cpu-model.md).
  // The timeline's CPU track: the CPU's cycles by class over every
  // kCpuSampleCycles, as a multi-series counter in CFU time.
  static constexpr uint64_t kCpuSampleCycles = 20000;
  class CpuSampler : public cpu::MarkerListener {
   public:
    // `start`: the CPU's counters as the layer's board program starts (the
    // core keeps counting from one program to the next), so that the first
    // sample holds its own window only.
    CpuSampler(TimelineWriter* out, uint64_t base, const cpu::CpuCounters& start)
        : out_(out), base_(base), last_(start) {}
    void on_marker(uint32_t value, uint64_t cycle) override {
      if (value == 1) start_marker = cycle;
      if (value == 2) end_marker = cycle;
    }
    uint64_t start_marker = 0, end_marker = 0;  // the runner's markers around run_layer (CPU cycles)
    uint64_t sample_interval() const override { return kCpuSampleCycles; }
    void on_sample(uint64_t cycle, const cpu::CpuCounters& c) override {
      nlohmann::json args = nlohmann::json::object();
      for (int i = 0; i < cpu::kNumStallClasses; ++i)
        args[cpu::stall_class_name(i)] = c.cycles_by_class[i] - last_.cycles_by_class[i];
      if (out_) out_->add({{"ph", "C"}, {"pid", 1}, {"name", "CPU cycles by class"}, {"ts", base_ + cycle}, {"args", args}});
      nlohmann::json mem = nlohmann::json::object();
      for (int i = 0; i < cpu::kNumMemCauses; ++i)
        mem[cpu::mem_cause_name(i)] = c.data_mem_by_cause[i] - last_.data_mem_by_cause[i];
      if (out_)
        out_->add({{"ph", "C"}, {"pid", 1}, {"name", "CPU data_mem cycles by memory cause"}, {"ts", base_ + cycle}, {"args", mem}});
      last_ = c;
    }

   private:
    TimelineWriter* out_;
    uint64_t base_;
    cpu::CpuCounters last_;
  };

  EngineResult run_on_cpu_model(const LayerSpec& spec, const LayerData& data) {
    if (!board_) {
      board_ = std::make_unique<cpu::BoardHost>(cpu::cpu_params_from(hw_), &sys_.host());
      board_->set_inference_carry(opts_.inference.get());
    }
    EngineResult r;
    std::exception_ptr err;
    const uint64_t c0 = sys_.cfu().core().counters().cycles;
    CpuSampler sampler(timeline_.get(), c0, board_->cpu().counters());
    sys_.host().run_job([&] {
      try {
        r = run_layer_on_board(board_.get(), params_, spec, data, &sys_.cfu().core(), hw_.origin_of_section({"buffers", "array"}),
                               opts_.timeline_path.empty() ? nullptr : &sampler);
      } catch (...) {
        err = std::current_exception();
      }
    });
    if (err) std::rethrow_exception(err);
    if (sys_.cfu().core().error()) {
      std::string why;
      if (!board_->forks().empty()) {
        const cpu::ForkEvent& f = board_->forks().back();
        why = fmt::format(" ({} CfuPlugin fork(s) so far, facts.md F19; the last: pc 0x{:08x} after the CFU "
                          "instruction at pc 0x{:08x})",
                          board_->forks().size(), f.pc, f.cfu_pc);
      }
      throw std::runtime_error(fmt::format("layer {}: the CFU flagged a rejected command{}", spec.name, why));
    }
    // The layer's span is the table's cycles (the runner's mcycle delta
    // around run_layer, from its start marker); the board program's span
    // below adds the boot, the runner's setup and its exit around it.
    if (timeline_)
      timeline_->add({{"ph", "X"}, {"pid", 1}, {"tid", 1}, {"name", spec.name}, {"ts", c0 + sampler.start_marker},
                      {"dur", r.stats.cycles}});
    if (timeline_) {
      nlohmann::json args = {{"cycles", r.stats.cycles}, {"instructions", r.stats.cpu.retired},
                             {"program_cycles", sys_.cfu().core().counters().cycles - c0},
                             {"note", "the board program: boot, the runner's setup, run_layer (the layer's cycles), exit"}};
      for (int i = 0; i < cpu::kNumStallClasses; ++i) args[cpu::stall_class_name(i)] = r.stats.cpu.by_class[i];
      for (int i = 0; i < cpu::kNumMemCauses; ++i)
        args[std::string("data_mem_") + cpu::mem_cause_name(i)] = r.stats.cpu.data_mem_by_cause[i];
      timeline_->add({{"ph", "X"}, {"pid", 1}, {"tid", 3}, {"name", spec.name + " (board program)"},
                      {"ts", c0}, {"dur", sys_.cfu().core().counters().cycles - c0}, {"args", args}});
    }
    return r;
  }

  // A CPU operator on the same board as the layers, behind the same CFU (its
  // elementwise unit) and in the same traces: one inference, one board.
  bool run_cpu_op(const CpuOpRequest& req, CpuOpResult* out) override {
    if (opts_.cpu != "vexriscv") return false;
    if (!board_) {
      board_ = std::make_unique<cpu::BoardHost>(cpu::cpu_params_from(hw_), &sys_.host());
      board_->set_inference_carry(opts_.inference.get());
    }
    bool on = opts_.trace_layers.empty();
    for (const std::string& n : opts_.trace_layers) on = on || n == req.name;
    if (timeline_) timeline_->set_window(on, opts_.trace_from, opts_.trace_to);
    sys_.cfu().set_trace_active(on);
    out->output.assign(req.out_bytes, 0);
    cpu::CpuLayerProfile prof;
    std::exception_ptr err;
    int rc = 0;
    const uint64_t c0 = sys_.cfu().core().counters().cycles;
    CpuSampler sampler(timeline_.get(), c0, board_->cpu().counters());
    sys_.host().run_job([&] {
      try {
        rc = board_->run_cpu_op(hw_desc_from(params_), *req.mailbox, req.name, *req.a, *req.b, out->output.data(),
                                out->output.size(), &prof, opts_.timeline_path.empty() ? nullptr : &sampler,
                                20'000'000'000ull, req.placement);
      } catch (...) {
        err = std::current_exception();
      }
    });
    if (err) std::rethrow_exception(err);
    if (rc == sasim_board::kShippedNotChained)
      throw std::runtime_error(req.name + ": the export's bridge ran the elementwise chain's two operators apart "
                                          "(its output is right, its cycles are not the chain's)");
    if (rc != 0) throw std::runtime_error(req.name + ": the board kernel failed");
    if (sys_.cfu().core().error()) throw std::runtime_error(req.name + ": the CFU flagged a rejected command");
    out->cycles = prof.cycles;
    out->cpu = cpu_stats_from(prof);
    out->on_cfu = board_->last_op_on_cfu();
    if (timeline_) {
      timeline_->add({{"ph", "X"}, {"pid", 1}, {"tid", 1}, {"name", req.name}, {"ts", c0 + sampler.start_marker},
                      {"dur", prof.cycles}});
      nlohmann::json args = {{"cycles", prof.cycles}, {"instructions", prof.instret}, {"on_cfu", out->on_cfu},
                             {"program_cycles", sys_.cfu().core().counters().cycles - c0}};
      timeline_->add({{"ph", "X"}, {"pid", 1}, {"tid", 3}, {"name", req.name + " (board program)"},
                      {"ts", c0}, {"dur", sys_.cfu().core().counters().cycles - c0}, {"args", args}});
    }
    return true;
  }

  void finish() override {
    sys_.close_trace();
    if (timeline_) timeline_->close();
  }

 private:
  HwConfig hw_;
  CoreParams params_;
  ScSystem sys_;
  EngineOptions opts_;
  std::unique_ptr<cpu::BoardHost> board_;

  std::unique_ptr<TimelineWriter> timeline_;
};

}  // namespace

std::unique_ptr<Engine> make_systemc_engine(const HwConfig& hw, const EngineOptions& opts) {
  return std::make_unique<SystemCEngine>(hw, opts);
}

}  // namespace sasim
