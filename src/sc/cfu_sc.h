// SystemC shell of the accelerator: `Cfu` with CFU Playground's exact ports,
// one child SC_MODULE per subsystem, and the host agent that runs the board's
// driver against it.
//
// Why one clocked process: the subsystems' cycle logic lives in plain C++
// (model/core.h) with explicit current/next state. The child modules give the
// design its hierarchy, names and waveform signals; a single SC_METHOD on the
// rising edge evaluates the whole core in a fixed order. Wiring subsystems
// through sc_signals with a process each would add delta-cycle ordering the
// RTL does not have and cost several times the speed (45x for a process per
// PE at 16x16).
#pragma once

#include <systemc>

#include <cstdint>
#include <deque>
#include <string>
#include <functional>
#include <memory>
#include <vector>

#include "cosim/lockstep.h"
#include "cpu/vexriscv.h"
#include "model/core.h"
#include "model/host.h"

namespace sasim {

// Waveform signals of one subsystem; written only when tracing is on.
SC_MODULE(FrontendUnit) {
  sc_core::sc_signal<bool> held{"held"};
  sc_core::sc_signal<uint32_t> held_funct3{"held_funct3"};
  SC_CTOR(FrontendUnit) {}
};
SC_MODULE(ControlUnit) {
  sc_core::sc_signal<bool> error{"error"};
  sc_core::sc_signal<uint32_t> passes{"passes"};
  sc_core::sc_signal<uint32_t> cycle_kind{"cycle_kind"};  // CycleKind: 0 compute .. 4 host
  SC_CTOR(ControlUnit) {}
};
SC_MODULE(BufferUnit) {
  sc_core::sc_signal<bool> a_bank{"a_bank"}, b_bank{"b_bank"};  // banks the array reads
  sc_core::sc_signal<uint32_t> a_wr_ptr{"a_wr_ptr"}, b_wr_ptr{"b_wr_ptr"};
  SC_CTOR(BufferUnit) {}
};
SC_MODULE(ArrayUnit) {
  sc_core::sc_signal<bool> busy{"busy"};
  sc_core::sc_signal<uint32_t> pass_cycle{"pass_cycle"}, active_pes{"active_pes"}, c_bank{"c_bank"};
  SC_CTOR(ArrayUnit) {}
};
SC_MODULE(PostProcUnit) {
  sc_core::sc_signal<bool> reading{"reading"};
  SC_CTOR(PostProcUnit) {}
};

// A span or counter sample for the Perfetto timeline.
struct TimelineEvent {
  enum Kind { kPass, kActivePes, kOccupancy } kind;
  uint64_t begin, end;  // cycles
  uint32_t value;       // counter value, or pass index
  int mt, kt, nt;
};

SC_MODULE(Cfu) {
  // CFU Playground port list (exact names and directions).
  sc_core::sc_in<bool> clk{"clk"};
  sc_core::sc_in<bool> reset{"reset"};
  sc_core::sc_in<bool> cmd_valid{"cmd_valid"};
  sc_core::sc_out<bool> cmd_ready{"cmd_ready"};
  sc_core::sc_in<uint32_t> cmd_payload_function_id{"cmd_payload_function_id"};
  sc_core::sc_in<uint32_t> cmd_payload_inputs_0{"cmd_payload_inputs_0"};
  sc_core::sc_in<uint32_t> cmd_payload_inputs_1{"cmd_payload_inputs_1"};
  sc_core::sc_out<bool> rsp_valid{"rsp_valid"};
  sc_core::sc_in<bool> rsp_ready{"rsp_ready"};
  sc_core::sc_out<uint32_t> rsp_payload_outputs_0{"rsp_payload_outputs_0"};

  FrontendUnit frontend{"frontend"};
  ControlUnit control{"control"};
  BufferUnit buffers{"buffers"};
  ArrayUnit array{"array"};
  PostProcUnit postproc{"postproc"};

  Cfu(sc_core::sc_module_name name, const CoreParams& p);
  SC_HAS_PROCESS(Cfu);

  CfuCore& core() { return core_; }
  // n rising edges the clock generator leaves out (ClockGen::skip) with an
  // idle bus on a quiescent core: counted here (CfuCore::idle, exactly n
  // steps). Only without waveform or timeline tracing.
  void skip_idle_edges(uint64_t n) { core_.idle(n); }
  bool tracing() const { return trace_active_ && (trace_signals_ || static_cast<bool>(timeline_)); }
  void enable_waveform_signals() { trace_signals_ = true; }
  // Outside a trace window (--trace-layer) nothing is traced: the unit
  // signals hold still and, with the CPU model, the bus is not driven.
  void set_trace_active(bool on) { trace_active_ = on; }
  // Timeline events go to `sink` as they happen (it may write them out at
  // once: memory stays bounded however long the run).
  void enable_timeline(std::function<void(const TimelineEvent&)> sink) { timeline_ = std::move(sink); }

 private:
  void on_clock();
  void drive_outputs();
  void update_trace_signals(CycleKind kind);
  void update_timeline();

  CfuCore core_;
  bool trace_signals_ = false;
  bool trace_active_ = true;
  std::function<void(const TimelineEvent&)> timeline_;
  bool was_busy_ = false;
  uint64_t pass_begin_ = 0;
  Pass last_pass_;
  uint32_t pass_index_ = 0;
  int last_active_ = -1;
  uint32_t last_occupancy_ = 0;
  uint64_t last_occupancy_cycle_ = 0;
};

// The clock: rising edges at period/2 + k*period. skip(n), called at a
// falling edge, leaves out the next n rising edges (idle spans with the CPU
// model, whose cycles the CFU counts in bulk): SystemC then spends nothing on
// them.
SC_MODULE(ClockGen) {
  sc_core::sc_out<bool> clk{"clk"};
  ClockGen(sc_core::sc_module_name name, sc_core::sc_time period);
  SC_HAS_PROCESS(ClockGen);
  void skip(uint64_t n) { skip_ += n; }
  sc_core::sc_time period() const { return period_; }

 private:
  void thread();
  sc_core::sc_time period_;
  uint64_t skip_ = 0;
};

// Runs host jobs (the driver) on the bus, with the host timing model. Acts at
// falling clock edges: it reads the CFU's outputs for the current cycle and
// drives inputs for the next rising edge, exactly like PlainHost.
SC_MODULE(HostAgent), public CfuTarget, public cpu::CfuPort {
  sc_core::sc_in<bool> clk{"clk"};
  sc_core::sc_out<bool> cmd_valid{"cmd_valid"};
  sc_core::sc_out<uint32_t> cmd_payload_function_id{"cmd_payload_function_id"};
  sc_core::sc_out<uint32_t> cmd_payload_inputs_0{"cmd_payload_inputs_0"};
  sc_core::sc_out<uint32_t> cmd_payload_inputs_1{"cmd_payload_inputs_1"};
  sc_core::sc_in<bool> cmd_ready{"cmd_ready"};
  sc_core::sc_in<bool> rsp_valid{"rsp_valid"};
  sc_core::sc_out<bool> rsp_ready{"rsp_ready"};
  sc_core::sc_in<uint32_t> rsp_payload_outputs_0{"rsp_payload_outputs_0"};
  sc_core::sc_out<bool> reset{"reset"};  // the testbench's synchronous reset

  HostAgent(sc_core::sc_module_name name, const HostTiming& t, sc_core::sc_time period);
  SC_HAS_PROCESS(HostAgent);

  // Runs `job` to completion inside the simulation (sc_start returns after it).
  void run_job(std::function<void()> job);
  uint32_t cfu_op(int funct3, int funct7, uint32_t a, uint32_t b) override;
  uint64_t instructions() const { return instructions_; }

  // The CPU model's port (--cpu vexriscv), used from inside a job: the agent
  // acts at falling edges, so outputs() are those of the current cycle and
  // step() drives the inputs the next rising edge samples. Idle spans are
  // skipped in bulk when the model is alone on the bus and not traced.
  BusOut outputs() const override;
  void step(const BusIn& in) override;
  void idle(uint64_t n, bool rsp_ready) override;
  void set_skippable(Cfu* cfu, ClockGen* clock) {
    skip_cfu_ = cfu;
    clock_ = clock;
  }

  // Inside a job: one rising edge with reset = 1 (not counted as a cycle).
  void pulse_reset();
  // While it returns true, every command is answered with the error
  // response at once, without bus activity (co-simulation stops early).
  void set_abort(std::function<bool()> f) { abort_ = std::move(f); }

 private:
  void thread();
  std::function<bool()> abort_;
  HostTimingModel timing_;
  sc_core::sc_time period_;
  std::function<void()> job_;
  sc_core::sc_event job_event_{"job_event"};
  bool first_op_ = true;
  uint64_t instructions_ = 0;
  Cfu* skip_cfu_ = nullptr;  // set when idle spans may be skipped
  ClockGen* clock_ = nullptr;
  // Edges the agent stepped on the core directly, not yet passed in SystemC
  // time (see step()).
  uint64_t pending_edges_ = 0;
  bool direct() const { return skip_cfu_ && !skip_cfu_->tracing(); }
  void sync_time();
};

// The Verilated RTL (a --cc model behind RtlModel) as a module of the same
// design: on every rising edge of the same clock it samples the same bus
// inputs as Cfu and drives its own copies of the outputs.
SC_MODULE(RtlShell) {
  sc_core::sc_in<bool> clk{"clk"}, reset{"reset"}, cmd_valid{"cmd_valid"}, rsp_ready{"rsp_ready"};
  sc_core::sc_in<uint32_t> cmd_payload_function_id{"cmd_payload_function_id"},
      cmd_payload_inputs_0{"cmd_payload_inputs_0"}, cmd_payload_inputs_1{"cmd_payload_inputs_1"};
  sc_core::sc_out<bool> cmd_ready{"cmd_ready"}, rsp_valid{"rsp_valid"};
  sc_core::sc_out<uint32_t> rsp_payload_outputs_0{"rsp_payload_outputs_0"};

  RtlShell(sc_core::sc_module_name name, std::unique_ptr<RtlModel> rtl);
  SC_HAS_PROCESS(RtlShell);
  // The outputs as driven on this module's ports (fault injection included).
  BusOut outputs() {
    BusOut o = rtl_->outputs();
    if (o.rsp_valid && responses_ == fault_at_) o.rsp_payload ^= 1u;
    return o;
  }

 private:
  void on_clock();
  std::unique_ptr<RtlModel> rtl_;
  int64_t responses_ = 0, fault_at_ = -1;
};

// Compares the model's and the RTL's bus outputs in the middle of every cycle
// (after the rising edge that produced them): cmd_ready, rsp_valid and, when
// the model's rsp_valid is 1, rsp_payload_outputs_0. Keeps the last cycles
// for a waveform of the first mismatch.
class BusChecker : public sc_core::sc_module {
 public:
  sc_core::sc_in<bool> clk{"clk"};
  BusChecker(sc_core::sc_module_name name, Cfu* model, RtlShell* rtl, const sc_core::sc_signal<bool>* cmd_valid,
             const sc_core::sc_signal<uint32_t>* fid, const sc_core::sc_signal<uint32_t>* in0,
             const sc_core::sc_signal<uint32_t>* in1);
  SC_HAS_PROCESS(BusChecker);
  // Starts a comparison: clears the verdict; `context` fills instruction,
  // tile and layer of a mismatch; the VCD goes to `vcd_path`.
  void arm(std::function<void(Mismatch*)> context, const std::string& vcd_path);
  const Mismatch& mismatch() const { return mismatch_; }
  bool vcd_written() const { return vcd_written_; }

 private:
  void on_negedge();
  bool vcd_written_ = false;
  Cfu* model_;
  RtlShell* rtl_;
  const sc_core::sc_signal<bool>* cmd_valid_;
  const sc_core::sc_signal<uint32_t>*fid_, *in0_, *in1_;
  std::function<void(Mismatch*)> context_;
  std::string vcd_path_;
  Mismatch mismatch_;
  std::deque<BusSample> history_;
};

// The elaborated design: clock, bus signals, Cfu and HostAgent bound.
class ScSystem {
 public:
  ScSystem(const HwConfig& hw);
  Cfu& cfu() { return *cfu_; }
  HostAgent& host() { return *host_; }
  // Opens a VCD waveform; must be called before the first run_job.
  void trace_vcd(const std::string& path_without_ext);
  void close_trace();
  // Adds the RTL on the same clock and bus, and a checker comparing it with
  // the model every cycle; must be called before the first run_job.
  void attach_rtl(std::unique_ptr<RtlModel> rtl);
  BusChecker* checker() { return checker_.get(); }

 private:
  sc_core::sc_signal<bool> clk_{"clk"};
  std::unique_ptr<ClockGen> clock_;
  sc_core::sc_signal<bool> reset_{"reset"}, cmd_valid_{"cmd_valid"}, cmd_ready_{"cmd_ready"};
  sc_core::sc_signal<uint32_t> fid_{"cmd_payload_function_id"}, in0_{"cmd_payload_inputs_0"},
      in1_{"cmd_payload_inputs_1"}, rsp_payload_{"rsp_payload_outputs_0"};
  sc_core::sc_signal<bool> rsp_valid_{"rsp_valid"}, rsp_ready_{"rsp_ready"};
  std::unique_ptr<Cfu> cfu_;
  std::unique_ptr<HostAgent> host_;
  sc_core::sc_signal<bool> rtl_cmd_ready_{"rtl_cmd_ready"}, rtl_rsp_valid_{"rtl_rsp_valid"};
  sc_core::sc_signal<uint32_t> rtl_rsp_payload_{"rtl_rsp_payload_outputs_0"};
  std::unique_ptr<RtlShell> rtl_;
  std::unique_ptr<BusChecker> checker_;
  sc_core::sc_trace_file* tf_ = nullptr;
};

}  // namespace sasim
