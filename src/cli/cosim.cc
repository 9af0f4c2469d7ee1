// sasim cosim: the cycle model and the Verilated RTL in lock-step on the same
// instruction stream, compared every cycle.
#include <fmt/format.h>
#include <sys/stat.h>

#include "commands.h"
#include "cosim/lockstep.h"
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

// Runs one layer on both; `core` and `rtl` keep their state across calls.
Verdict cosim_layer(const HwConfig& hw, const CoreParams& p, CfuCore* core, RtlModel* rtl, const std::string& name,
                    const LayerSpec& spec, const LayerData& data, const std::vector<int8_t>& want,
                    const std::string& vcd) {
  LockstepHost host(core, rtl, hw.host);
  host.set_layer(name);
  host.set_vcd_on_mismatch(vcd);
  set_cfu_target(&host);
  std::vector<int8_t> out(static_cast<size_t>(spec.output_elems()), 0);
  const int rc = sasim_drv::run_layer(hw_desc_from(p), layer_desc_from(spec, data, out.data()));
  if (host.mismatch().found) return {false, host.mismatch().str() + "; waveform " + vcd, host.cycles()};
  if (rc != sasim_drv::kOk) return {false, fmt::format("driver status {} (command rejected)", rc), host.cycles()};
  size_t diff = 0, first = 0;
  for (size_t i = 0; i < out.size(); ++i)
    if (out[i] != want[i] && diff++ == 0) first = i;
  if (diff)
    return {false,
            fmt::format("model and RTL agree every cycle, but {}/{} outputs differ from the expected (first at flat "
                        "index {}: got {} want {})",
                        diff, out.size(), first, out[first], want[first]),
            host.cycles()};
  return {true, "", host.cycles()};
}

}  // namespace

int cmd_cosim(const CommonOptions& common, const CosimOptions& o) {
  const HwConfig hw = load_hw_config(common.hw_path, common.overrides);
  const CoreParams p = core_params_from(hw);
  std::string available;
  const RtlConfig* rc = find_rtl_config(p, &available);
  if (!rc)
    throw ConfigError({{hw.source, 0, 0, "array",
                        fmt::format("no Verilated RTL is built for {}x{} {} with these buffers; built configurations: {}",
                                    p.rows, p.cols, dataflow_name(p.dataflow), available)}});
  const std::string out_dir = o.out_dir.empty() ? "out/cosim" : o.out_dir;
  mkdir("out", 0777);
  mkdir(out_dir.c_str(), 0777);
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
    const ModelConfig m = load_model_config(o.model_path, {});
    CfuCore core(p);
    std::unique_ptr<RtlModel> rtl = rc->make();
    rtl->reset();
    for (const ModelLayer& l : m.layers) {
      const LayerData d = make_layer_data(l);
      std::vector<int8_t> want;
      golden_layer(l.spec, d, &want);
      const std::string name = m.name + "/" + l.spec.name;
      const Verdict v = cosim_layer(hw, p, &core, rtl.get(), name, l.spec, d, want,
                                    fmt::format("{}/{}_{}_mismatch.vcd", out_dir, m.name, l.spec.name));
      report(name, v);
      if (!v.ok) break;  // the two have diverged: later layers would compare nothing meaningful
    }
  }
  for (const std::string& dir : o.cases) {
    struct stat st;
    if (stat(dir.c_str(), &st) == 0 && S_ISREG(st.st_mode)) continue;  // e.g. a README in a glob
    LayerCase c;
    try {
      c = load_case(dir);
    } catch (const ConfigError& e) {
      fmt::print(stderr, "error: case {}:\n{}\n", dir, e.what());
      ++bad;
      continue;
    }
    CfuCore core(p);
    std::unique_ptr<RtlModel> rtl = rc->make();
    rtl->reset();
    report(c.name, cosim_layer(hw, p, &core, rtl.get(), c.name, c.spec, c.data, c.data.output,
                               fmt::format("{}/{}_mismatch.vcd", out_dir, c.name)));
  }
  fmt::print("{} passed, {} failed\n", passed, failed);
  if (bad) return kExitUsage;
  return failed ? kExitMismatch : kExitOk;
}

}  // namespace sasim
