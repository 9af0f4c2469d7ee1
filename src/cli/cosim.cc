// sasim cosim: the SystemC cycle model and the Verilated RTL on one clock,
// driven by the same host agent and instruction stream, compared every cycle.
#include <fmt/format.h>
#include <sys/stat.h>

#include "commands.h"
#include "cosim/lockstep.h"
#include "cosim/rtl_build.h"
#include "cpu/board_host.h"
#include "cpu/params.h"
#include "model/core_params.h"
#include "sc/cfu_sc.h"
#include "driver/driver.h"
#include "sasim/case_io.h"
#include "sasim/golden.h"

namespace sasim {

namespace {

struct Verdict {
  bool ok;
  std::string detail;
  uint64_t cycles;
};

// Runs one layer on the model and the RTL in one SystemC simulation, on one
// clock; `reset` first pulses the synchronous reset of both.
// `board` (--cpu vexriscv): the board's driver on the CPU model drives the
// bus; null: the host agent with the fixed-gap timing.
Verdict cosim_layer(ScSystem* sys, const CoreParams& p, bool reset, const std::string& name, const LayerSpec& spec,
                    const LayerData& data, const std::vector<int8_t>& want, const std::string& vcd,
                    cpu::BoardHost* board) {
  HostAgent& host = sys->host();
  const CfuCore& core = sys->cfu().core();
  const uint64_t c0 = core.counters().cycles, i0 = host.instructions(), p0 = core.counters().passes;
  sys->checker()->arm(
      [&](Mismatch* m) {
        m->cycle -= c0;
        // The host counts an instruction when it sees its response, at the
        // same falling edge as the checker: in a response cycle it is counted.
        m->instruction = host.instructions() - i0 - (core.outputs().rsp_valid ? 1 : 0);
        m->tile = core.counters().passes - p0;
        m->layer = name;
      },
      vcd);
  std::vector<int8_t> out(static_cast<size_t>(spec.output_elems()), 0);
  int rc = 0;
  uint64_t board_cycles = 0;
  std::string board_error;
  host.run_job([&] {
    if (reset) host.pulse_reset();
    if (!board) {
      sasim_drv::EltwiseDesc fused;
      std::vector<int32_t> tensors;
      const sasim_drv::LayerDesc l = layer_tensors(spec, data, &tensors, &fused);
      rc = sasim_drv::run_layer(hw_desc_from(p), l);
      std::copy(l.output, l.output + out.size(), out.begin());
      return;
    }
    try {
      cpu::CpuLayerProfile prof;
      rc = board->run_layer(hw_desc_from(p), spec, data, out.data(), &prof);
      board_cycles = prof.cycles;
    } catch (const std::exception& e) {
      board_error = e.what();
    }
  });
  // With the CPU model a layer's cycles are the board's (the runner's mcycle
  // delta around run_layer), as everywhere else.
  const uint64_t cycles = board ? board_cycles : core.counters().cycles - c0;
  if (!board_error.empty() && !sys->checker()->mismatch().found) return {false, board_error, cycles};
  const Mismatch& mm = sys->checker()->mismatch();
  if (mm.found)
    return {false, mm.str() + (sys->checker()->vcd_written() ? "; waveform " + vcd : "; no waveform: cannot write " + vcd),
            cycles};
  if (rc != sasim_drv::kOk) return {false, fmt::format("driver status {} (command rejected)", rc), cycles};
  size_t diff = 0, first = 0;
  for (size_t i = 0; i < out.size(); ++i)
    if (out[i] != want[i] && diff++ == 0) first = i;
  if (diff)
    return {false,
            fmt::format("model and RTL agree every cycle, but {}/{} outputs differ from the expected (first at flat "
                        "index {}: got {} want {})",
                        diff, out.size(), first, out[first], want[first]),
            cycles};
  return {true, "", cycles};
}

}  // namespace

// One elaboration for the whole command: the model (Cfu), the RTL (RtlShell)
// and the checker share the clock and the bus the host agent drives; each
// case starts with a reset of both.
int cmd_cosim(const CommonOptions& common, const CosimOptions& o) {
  const HwConfig hw = load_hw_config(common.hw_path, common.overrides);
  const CoreParams p = core_params_from(hw);
  const RtlConfig* rc = rtl_config_for(p);  // prebuilt, or Verilated now (cached)
  const std::string out_dir = o.out_dir.empty() ? "out/cosim" : o.out_dir;
  make_dirs(out_dir);
  ScSystem sys(hw);
  sys.attach_rtl(rc->make());
  std::unique_ptr<cpu::BoardHost> board;
  if (o.cpu == "vexriscv") board = std::make_unique<cpu::BoardHost>(cpu::cpu_params_from(hw), &sys.host());
  sys.host().set_abort([&sys] { return sys.checker()->mismatch().found; });
  int passed = 0, failed = 0, bad = 0;
  auto report = [&](const std::string& name, const Verdict& v) {
    if (v.ok) {
      fmt::print("MATCH {} cycles={}\n", name, v.cycles);
      ++passed;
    } else {
      fmt::print("MISMATCH {}: {}\n", name, v.detail);
      ++failed;
    }
    std::fflush(stdout);
  };
  if (!o.model_path.empty()) {
    const ModelConfig m = load_model_config(o.model_path, o.model_overrides);
    bool first = true;
    for (const ModelLayer& l : m.layers) {
      const LayerData d = make_layer_data(l);
      std::vector<int8_t> want;
      golden_layer(l.spec, d, &want);
      const std::string name = m.name + "/" + l.spec.name;
      const Verdict v = cosim_layer(&sys, p, first, name, l.spec, d, want,
                                    fmt::format("{}/{}_{}_mismatch.vcd", out_dir, m.name, l.spec.name), board.get());
      first = false;
      report(name, v);
      if (!v.ok) break;  // the two have diverged: later layers would compare nothing meaningful
    }
  }
  int loaded = 0;
  for (const std::string& dir : o.cases) {
    LayerCase c;
    if (!load_case_arg(dir, &c, &bad)) continue;
    ++loaded;
    report(c.name, cosim_layer(&sys, p, true, c.name, c.spec, c.data, c.data.output,
                               fmt::format("{}/{}_mismatch.vcd", out_dir, c.name), board.get()));
  }
  if (o.model_path.empty()) require_some_case(loaded, bad);
  fmt::print("{} passed, {} failed\n", passed, failed);
  if (bad) return kExitUsage;
  return failed ? kExitMismatch : kExitOk;
}

}  // namespace sasim
