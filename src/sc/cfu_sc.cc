#include "sc/cfu_sc.h"
#include "model/core_params.h"

#include <cstdlib>

namespace sasim {

using sc_core::sc_time;
using sc_core::SC_NS;

namespace {
// The CFU inputs as a module with CFU Playground's port names sees them.
template <class M>
BusIn sample_bus(M& m) {
  BusIn in;
  in.cmd_valid = m.cmd_valid.read();
  in.function_id = m.cmd_payload_function_id.read();
  in.inputs_0 = m.cmd_payload_inputs_0.read();
  in.inputs_1 = m.cmd_payload_inputs_1.read();
  in.rsp_ready = m.rsp_ready.read();
  return in;
}
}  // namespace

Cfu::Cfu(sc_core::sc_module_name name, const CoreParams& p) : sc_module(name), core_(p) {
  SC_METHOD(on_clock);
  sensitive << clk.pos();
  dont_initialize();
}

void Cfu::drive_outputs() {
  const BusOut o = core_.outputs();
  cmd_ready.write(o.cmd_ready);
  rsp_valid.write(o.rsp_valid);
  rsp_payload_outputs_0.write(o.rsp_payload);
}

void Cfu::on_clock() {
  if (reset.read()) {  // synchronous, active high
    core_.reset();
    drive_outputs();
    return;
  }
  const CycleKind kind = core_.step(sample_bus(*this));
  drive_outputs();
  if (trace_signals_ && trace_active_) update_trace_signals(kind);
  if (timeline_) update_timeline();
}

void Cfu::update_trace_signals(CycleKind kind) {
  frontend.held.write(core_.holding());
  frontend.held_funct3.write(static_cast<uint32_t>(core_.held_funct3()));
  control.error.write(core_.error());
  control.passes.write(static_cast<uint32_t>(core_.counters().passes));
  control.cycle_kind.write(static_cast<uint32_t>(kind));
  buffers.a_bank.write(core_.buffers().a_active != 0);
  buffers.b_bank.write(core_.buffers().b_active != 0);
  buffers.a_wr_ptr.write(core_.a_write_ptr());
  buffers.b_wr_ptr.write(core_.b_write_ptr());
  const ArrayModel& a = core_.array();
  array.busy.write(a.busy());
  array.pass_cycle.write(a.busy() ? a.cycle() : 0);
  array.active_pes.write(static_cast<uint32_t>(a.active_pes()));
  array.c_bank.write(static_cast<uint32_t>(a.pass().c_bank));
  postproc.reading.write(core_.holding() && core_.held_funct3() == sasim_isa::kRead);
}

// Cycle c is the c-th rising edge's following cycle: a pass started at the
// edge just processed occupies cycles [now, now + T).
void Cfu::update_timeline() {
  const ArrayModel& a = core_.array();
  const uint64_t now = core_.counters().cycles;
  const bool started = a.busy() && a.cycle() == 0;
  if (was_busy_ && (!a.busy() || started))
    timeline_(TimelineEvent{TimelineEvent::kPass, pass_begin_, now, pass_index_, last_pass_.mt, last_pass_.kt,
                          last_pass_.nt});
  if (started) {
    pass_begin_ = now;
    last_pass_ = a.pass();
    pass_index_ = static_cast<uint32_t>(core_.counters().passes);
  }
  // Shadow-bank fill (bytes the host has written for the next pass), sampled
  // when it changes but at most every 16 cycles to keep traces small.
  const uint32_t occ = core_.a_write_ptr() + core_.b_write_ptr();
  if (occ != last_occupancy_ && (occ == 0 || now >= last_occupancy_cycle_ + 16)) {
    timeline_(TimelineEvent{TimelineEvent::kOccupancy, now, now, occ, 0, 0, 0});
    last_occupancy_ = occ;
    last_occupancy_cycle_ = now;
  }
  const int active = a.busy() ? a.active_pes() : 0;
  if (active != last_active_) {
    timeline_(TimelineEvent{TimelineEvent::kActivePes, now, now, static_cast<uint32_t>(active), 0, 0, 0});
    last_active_ = active;
  }
  was_busy_ = a.busy();
}

HostAgent::HostAgent(sc_core::sc_module_name name, const HostTiming& t, sc_time period)
    : sc_module(name), timing_(t), period_(period) {
  SC_THREAD(thread);
  set_stack_size(1 << 20);
}

void HostAgent::run_job(std::function<void()> job) {
  job_ = std::move(job);
  first_op_ = true;
  timing_.reset();  // each layer starts afresh: its cycle count does not depend on what ran before
  job_event_.notify(sc_core::SC_ZERO_TIME);
  sc_core::sc_start();  // returns when thread() calls sc_pause()
}

// Between jobs the agent waits on an event, not on the clock, so that no cycle
// passes between the last response of one layer and the first command of the
// next: per-layer counts equal PlainHost's.
void HostAgent::sync_time() {
  if (pending_edges_ == 0) return;
  const uint64_t n = pending_edges_;
  pending_edges_ = 0;
  cmd_valid.write(false);
  rsp_ready.write(true);
  clock_->skip(n);
  wait(period_ * static_cast<double>(n));
  // The Cfu's output ports catch up at the next rising edge (thread() waits
  // for it), which its own clock process drives.
}

void HostAgent::thread() {
  cmd_valid.write(false);
  rsp_ready.write(true);
  // Time 0 counts as a falling edge: the clock first rises at period/2.
  while (true) {
    if (!job_) wait(job_event_);
    set_cfu_target(this);
    job_();
    job_ = nullptr;
    sync_time();
    wait(period_);  // the rising edge that takes the last response
    sc_core::sc_pause();
  }
}

void HostAgent::pulse_reset() {
  reset.write(true);
  wait(period_);  // the rising edge in between resets both sides
  reset.write(false);
}

uint32_t HostAgent::cfu_op(int funct3, int funct7, uint32_t a, uint32_t b) {
  if (abort_ && abort_()) return sasim_isa::kErrorResponse;
  // Earliest presentation: the cycle after the previous response, plus the
  // CPU work in between; the first instruction of a job starts right away.
  const int gap = timing_.gap(funct3, funct7) + (first_op_ ? 0 : 1);
  first_op_ = false;
  if (gap > 0) wait(period_ * gap);
  cmd_valid.write(true);
  cmd_payload_function_id.write(static_cast<uint32_t>(funct3 & 7) | static_cast<uint32_t>(funct7 & 0x7f) << 3);
  cmd_payload_inputs_0.write(a);
  cmd_payload_inputs_1.write(b);
  while (!cmd_ready.read()) wait(period_);
  wait(period_);  // transferred at the rising edge just passed
  cmd_valid.write(false);
  while (!rsp_valid.read()) wait(period_);
  ++instructions_;  // counted when complete, as LockstepHost does
  return rsp_payload_outputs_0.read();  // taken at the next rising edge (rsp_ready = 1)
}

// With the model alone on the bus and nothing traced, the CPU model's port
// steps the Cfu's core directly (the same CfuCore::step the clock process
// would call, with the same inputs) and passes the SystemC time in one go at
// the end of the job (sync_time): per-cycle thread switches would otherwise
// cost more than the whole CPU model. The cycles are identical (the CLI test
// same_cycles compares them with the RTL and cosim, which step every edge).
BusOut HostAgent::outputs() const {
  if (direct()) return skip_cfu_->core().outputs();
  BusOut o;
  o.cmd_ready = cmd_ready.read();
  o.rsp_valid = rsp_valid.read();
  o.rsp_payload = rsp_payload_outputs_0.read();
  return o;
}

void HostAgent::step(const BusIn& in) {
  if (direct()) {
    CfuCore& core = skip_cfu_->core();
    if (core.outputs().rsp_valid && in.rsp_ready) ++instructions_;
    core.step(in);
    ++pending_edges_;
    return;
  }
  if (rsp_valid.read() && in.rsp_ready) ++instructions_;  // a response taken completes an instruction
  cmd_valid.write(in.cmd_valid);
  cmd_payload_function_id.write(in.function_id & 0x3ff);
  cmd_payload_inputs_0.write(in.inputs_0);
  cmd_payload_inputs_1.write(in.inputs_1);
  rsp_ready.write(in.rsp_ready);
  wait(period_);
}

void HostAgent::idle(uint64_t n, bool ready) {
  if (n == 0) return;
  if (direct()) {
    CfuCore& core = skip_cfu_->core();
    if (ready) {
      core.idle(n);
    } else {
      BusIn in;
      in.rsp_ready = false;
      for (uint64_t i = 0; i < n; ++i) core.step(in);
    }
    pending_edges_ += n;
    return;
  }
  cmd_valid.write(false);
  rsp_ready.write(ready);
  if (skip_cfu_ && ready && !skip_cfu_->tracing()) {
    // Step until the core is quiescent, then count the rest in bulk.
    while (n > 0 && !skip_cfu_->core().quiescent()) {
      wait(period_);
      --n;
    }
    if (n == 0) return;
    skip_cfu_->skip_idle_edges(n);
    clock_->skip(n);
  }
  wait(period_ * static_cast<double>(n));
}

ClockGen::ClockGen(sc_core::sc_module_name name, sc_time period) : sc_module(name), period_(period) {
  SC_THREAD(thread);
}

void ClockGen::thread() {
  // high + low == period exactly in the time resolution, so the edges never
  // drift from the host agent's k * period grid.
  const sc_time high = period_ / 2;
  const sc_time low = period_ - high;
  clk.write(false);
  wait(low);
  while (true) {
    if (skip_ > 0) {  // requested at the falling edge before this rising edge
      const uint64_t n = skip_;
      skip_ = 0;
      wait(period_ * static_cast<double>(n));
      continue;
    }
    clk.write(true);
    wait(high);
    clk.write(false);
    wait(low);
  }
}

ScSystem::ScSystem(const HwConfig& hw)
    // Rising edges at period/2 + k*period, falling edges at k*period: the host
    // agent's first action (a falling edge) precedes the first rising edge,
    // so no edge passes before the first command, as with PlainHost.
    : clock_(std::make_unique<ClockGen>("clock", sc_time(1000.0 / hw.clock_mhz, SC_NS))) {
  clock_->clk(clk_);
  const CoreParams p = core_params_from(hw);
  cfu_ = std::make_unique<Cfu>("cfu", p);
  host_ = std::make_unique<HostAgent>("host", hw.host, clock_->period());
  Cfu& c = *cfu_;
  c.clk(clk_);
  c.reset(reset_);
  c.cmd_valid(cmd_valid_);
  c.cmd_ready(cmd_ready_);
  c.cmd_payload_function_id(fid_);
  c.cmd_payload_inputs_0(in0_);
  c.cmd_payload_inputs_1(in1_);
  c.rsp_valid(rsp_valid_);
  c.rsp_ready(rsp_ready_);
  c.rsp_payload_outputs_0(rsp_payload_);
  HostAgent& h = *host_;
  h.clk(clk_);
  h.cmd_valid(cmd_valid_);
  h.cmd_payload_function_id(fid_);
  h.cmd_payload_inputs_0(in0_);
  h.cmd_payload_inputs_1(in1_);
  h.cmd_ready(cmd_ready_);
  h.rsp_valid(rsp_valid_);
  h.rsp_ready(rsp_ready_);
  h.rsp_payload_outputs_0(rsp_payload_);
  h.reset(reset_);
  h.set_skippable(cfu_.get(), clock_.get());
  cmd_ready_.write(true);
}

void ScSystem::attach_rtl(std::unique_ptr<RtlModel> rtl) {
  rtl->reset();
  const BusOut o = rtl->outputs();
  rtl_cmd_ready_.write(o.cmd_ready);
  rtl_rsp_valid_.write(o.rsp_valid);
  rtl_rsp_payload_.write(o.rsp_payload);
  rtl_ = std::make_unique<RtlShell>("rtl", std::move(rtl));
  host_->set_skippable(nullptr, nullptr);  // the RTL is clocked every cycle
  RtlShell& r = *rtl_;
  r.clk(clk_);
  r.reset(reset_);
  r.cmd_valid(cmd_valid_);
  r.rsp_ready(rsp_ready_);
  r.cmd_payload_function_id(fid_);
  r.cmd_payload_inputs_0(in0_);
  r.cmd_payload_inputs_1(in1_);
  r.cmd_ready(rtl_cmd_ready_);
  r.rsp_valid(rtl_rsp_valid_);
  r.rsp_payload_outputs_0(rtl_rsp_payload_);
  checker_ = std::make_unique<BusChecker>("checker", cfu_.get(), rtl_.get(), &cmd_valid_, &fid_, &in0_, &in1_);
  checker_->clk(clk_);
}

RtlShell::RtlShell(sc_core::sc_module_name name, std::unique_ptr<RtlModel> rtl) : sc_module(name), rtl_(std::move(rtl)) {
  // Checker self-test (tests/cli_tests.cmake): SASIM_COSIM_INJECT_FAULT=N
  // flips bit 0 of the RTL's Nth response payload (0-based, counted from the
  // start of the simulation), so a run proves the comparison can fail.
  int64_t n;
  if (const char* f = std::getenv("SASIM_COSIM_INJECT_FAULT"))
    if (parse_int64(f, &n) && n >= 0) fault_at_ = n;
  SC_METHOD(on_clock);
  sensitive << clk.pos();
  dont_initialize();
}

void RtlShell::on_clock() {
  if (reset.read()) {
    rtl_->reset();
  } else {
    const BusIn in = sample_bus(*this);
    if (rtl_->outputs().rsp_valid && in.rsp_ready) ++responses_;
    rtl_->step(in);
  }
  BusOut o = rtl_->outputs();
  if (o.rsp_valid && responses_ == fault_at_) o.rsp_payload ^= 1u;
  cmd_ready.write(o.cmd_ready);
  rsp_valid.write(o.rsp_valid);
  rsp_payload_outputs_0.write(o.rsp_payload);
}

BusChecker::BusChecker(sc_core::sc_module_name name, Cfu* model, RtlShell* rtl,
                       const sc_core::sc_signal<bool>* cmd_valid, const sc_core::sc_signal<uint32_t>* fid,
                       const sc_core::sc_signal<uint32_t>* in0, const sc_core::sc_signal<uint32_t>* in1)
    : sc_module(name), model_(model), rtl_(rtl), cmd_valid_(cmd_valid), fid_(fid), in0_(in0), in1_(in1) {
  SC_METHOD(on_negedge);
  sensitive << clk.neg();
  dont_initialize();
}

void BusChecker::arm(std::function<void(Mismatch*)> context, const std::string& vcd_path) {
  context_ = std::move(context);
  vcd_path_ = vcd_path;
  mismatch_ = Mismatch{};
  history_.clear();
}

void BusChecker::on_negedge() {
  if (!context_ || mismatch_.found) return;
  const BusOut m = model_->core().outputs(), r = rtl_->outputs();
  const uint64_t cycle = model_->core().counters().cycles;
  BusIn in;
  in.cmd_valid = cmd_valid_->read();
  in.function_id = fid_->read();
  in.inputs_0 = in0_->read();
  in.inputs_1 = in1_->read();
  history_.push_back({cycle, in, m, r});
  if (history_.size() > 64) history_.pop_front();
  const char* sig = nullptr;
  uint32_t mv = 0, rv = 0;
  if (m.cmd_ready != r.cmd_ready) { sig = "cmd_ready"; mv = m.cmd_ready; rv = r.cmd_ready; }
  else if (m.rsp_valid != r.rsp_valid) { sig = "rsp_valid"; mv = m.rsp_valid; rv = r.rsp_valid; }
  else if (m.rsp_valid && m.rsp_payload != r.rsp_payload) { sig = "rsp_payload_outputs_0"; mv = m.rsp_payload; rv = r.rsp_payload; }
  if (!sig) return;
  mismatch_.found = true;
  mismatch_.cycle = cycle;
  mismatch_.signal = sig;
  mismatch_.model_value = mv;
  mismatch_.rtl_value = rv;
  context_(&mismatch_);
  vcd_written_ = !vcd_path_.empty() && write_bus_vcd(vcd_path_, history_, cycle);
}

void ScSystem::trace_vcd(const std::string& path_without_ext) {
  tf_ = sc_core::sc_create_vcd_trace_file(path_without_ext.c_str());
  // An explicit unit: SystemC would otherwise print an info line about its
  // default in the middle of the report.
  tf_->set_time_unit(1, sc_core::SC_PS);
  auto t = [&](const auto& sig, const std::string& name) { sc_core::sc_trace(tf_, sig, name); };
  t(clk_, "clk");
  t(reset_, "reset");
  t(cmd_valid_, "cmd_valid");
  t(cmd_ready_, "cmd_ready");
  t(fid_, "cmd_payload_function_id");
  t(in0_, "cmd_payload_inputs_0");
  t(in1_, "cmd_payload_inputs_1");
  t(rsp_valid_, "rsp_valid");
  t(rsp_ready_, "rsp_ready");
  t(rsp_payload_, "rsp_payload_outputs_0");
  Cfu& c = *cfu_;
  t(c.frontend.held, "cfu.frontend.held");
  t(c.frontend.held_funct3, "cfu.frontend.held_funct3");
  t(c.control.error, "cfu.control.error");
  t(c.control.passes, "cfu.control.passes");
  t(c.control.cycle_kind, "cfu.control.cycle_kind");
  t(c.buffers.a_bank, "cfu.buffers.a_bank");
  t(c.buffers.b_bank, "cfu.buffers.b_bank");
  t(c.buffers.a_wr_ptr, "cfu.buffers.a_wr_ptr");
  t(c.buffers.b_wr_ptr, "cfu.buffers.b_wr_ptr");
  t(c.array.busy, "cfu.array.busy");
  t(c.array.pass_cycle, "cfu.array.pass_cycle");
  t(c.array.active_pes, "cfu.array.active_pes");
  t(c.array.c_bank, "cfu.array.c_bank");
  t(c.postproc.reading, "cfu.postproc.reading");
  c.enable_waveform_signals();
}

void ScSystem::close_trace() {
  if (tf_) sc_core::sc_close_vcd_trace_file(tf_);
  tf_ = nullptr;
}

}  // namespace sasim
