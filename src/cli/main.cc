// sasim command-line entry point. libsystemc.so provides main() and calls
// sc_main(), so the tool's entry point is sc_main even for subcommands that
// never elaborate a SystemC design.
#include <systemc>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

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

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? sasim::kExitOk : sasim::kExitUsage;
  }

  try {
    for (const std::string& s : sets) common.overrides.push_back(sasim::parse_override(s));
    if (check->parsed()) return sasim::cmd_check(common, engine, cases);
  } catch (const sasim::ConfigError& e) {
    fmt::print(stderr, "{}\n", e.what());
    return sasim::kExitUsage;
  }
  return sasim::kExitUsage;
}
