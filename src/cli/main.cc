// sasim command-line entry point: main() sets up SystemC's environment and
// hands over to sc_main(), which parses the command line and runs the command.
#include <systemc>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdlib>

#include "commands.h"

namespace {

void add_common(CLI::App* sub, sasim::CommonOptions* common, std::vector<std::string>* sets) {
  sub->add_option("--hw", common->hw_path, "hardware config YAML (default: the embedded 8x8 ws config)");
  sub->add_option("--set", *sets, "override a config key before validation, e.g. --set array.rows=16")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false);  // one KEY=VALUE per --set; the rest are positionals
}

}  // namespace

int sc_main(int argc, char* argv[]) {
  CLI::App app{"sasim: cycle-accurate systolic-array simulator for CFU Playground int8 CNN accelerators"};
  app.require_subcommand(1);
  sasim::CommonOptions common;
  std::vector<std::string> sets;

  CLI::App* check = app.add_subcommand("check", "compare an engine's output with layer cases bit-exactly");
  std::string engine = "golden";
  std::vector<std::string> cases;
  add_common(check, &common, &sets);
  check->add_option("--engine", engine, "engine to check: golden | systemc")->capture_default_str();
  check->add_option("cases", cases, "case directories (../shared/vectors format)")->required();

  CLI::App* run = app.add_subcommand("run", "run a model on the cycle model and print its per-layer profile");
  sasim::RunOptions run_opt;
  add_common(run, &common, &sets);
  run->add_option("--model", run_opt.model_path, "model config YAML (e.g. models/resnet8.yaml)")->required();
  run->add_option("--out", run_opt.out_dir, "output directory (default: out/<model name>)");
  run->add_option("--trace", run_opt.trace, "per-cycle profile: vcd (GTKWave) or timeline (Perfetto JSON)")
      ->check(CLI::IsMember({"vcd", "timeline"}));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? sasim::kExitOk : sasim::kExitUsage;
  }

  try {
    for (const std::string& s : sets) common.overrides.push_back(sasim::parse_override(s));
    // --set keys starting with "model." address the model config; the rest
    // the hardware config.
    std::vector<sasim::Override> hw_sets;
    for (const sasim::Override& o : common.overrides) {
      if (o.key.rfind("model.", 0) == 0) {
        sasim::Override m = o;
        m.key = o.key.substr(6);
        run_opt.model_overrides.push_back(m);
      } else {
        hw_sets.push_back(o);
      }
    }
    common.overrides = hw_sets;
    if (check->parsed()) return sasim::cmd_check(common, engine, cases);
    if (run->parsed()) return sasim::cmd_run(common, run_opt);
  } catch (const sasim::ConfigError& e) {
    fmt::print(stderr, "{}\n", e.what());
    return sasim::kExitUsage;
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: simulation failed: {}\n", e.what());
    return sasim::kExitMismatch;
  }
  return sasim::kExitUsage;
}

// libsystemc.so also defines main(); this one takes precedence so that the
// SystemC banner, printed when the kernel initialises, stays out of reports.
int main(int argc, char* argv[]) {
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
  return sc_core::sc_elab_and_sim(argc, argv);
}
