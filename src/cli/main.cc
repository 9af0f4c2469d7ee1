// sasim command-line entry point: main() sets up SystemC's environment and
// hands over to sc_main(), which parses the command line and runs the command.
#include <systemc>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdlib>

#include <unistd.h>

#include <algorithm>

#include "commands.h"

namespace {

// Levenshtein distance, for "did you mean".
size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// The closest of `names` to `word`, or "" when none is close.
std::string closest(const std::string& word, const std::vector<std::string>& names) {
  std::string best;
  size_t best_d = std::max<size_t>(2, word.size() / 3) + 1;
  for (const std::string& n : names) {
    const size_t d = edit_distance(word, n);
    if (d < best_d) {
      best_d = d;
      best = n;
    }
  }
  return best;
}

void add_common(CLI::App* sub, sasim::CommonOptions* common, std::vector<std::string>* sets) {
  sub->add_option("--hw", common->hw_path, "hardware config YAML (default: the embedded 8x8 ws config)");
  sub->add_option("--set", *sets, "override a config key before validation, e.g. --set array.rows=16")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false);  // one KEY=VALUE per --set; the rest are positionals
}

}  // namespace

int sc_main(int argc, char* argv[]) {
  // SystemC's info messages (tracing time unit, ...) would land in the middle
  // of sasim's tables; warnings and errors still print.
  sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  CLI::App app{"sasim: cycle-accurate systolic-array simulator for CFU Playground int8 CNN accelerators", "sasim"};
  app.require_subcommand(1);
  sasim::CommonOptions common;
  std::vector<std::string> sets;

  CLI::App* check = app.add_subcommand("check", "compare an engine's output with layer cases bit-exactly");
  std::string engine = "golden";
  std::vector<std::string> cases;
  add_common(check, &common, &sets);
  check->add_option("--engine", engine, "engine to check: golden | systemc | rtl")->capture_default_str();
  check->add_option("cases", cases, "case directories (../shared/vectors format)")->required();
  std::string check_cpu = "vexriscv";
  const std::string cpu_help =
      "the CPU in front of the CFU: vexriscv (the board's driver on the CPU model: the board estimate) | gap "
      "(fixed-gap host estimate, CFU-side only)";
  check->add_option("--cpu", check_cpu, cpu_help)->check(CLI::IsMember({"vexriscv", "gap"}))->capture_default_str();

  CLI::App* run = app.add_subcommand("run", "run a model on the cycle model and print its per-layer profile");
  sasim::RunOptions run_opt;
  add_common(run, &common, &sets);
  run->add_option("--model", run_opt.model_path, "model config YAML (e.g. models/resnet8.yaml) or a .tflite model (run end to end)")->required();
  run->add_option("--out", run_opt.out_dir, "output directory (default: out/<model name>)");
  run->add_option("--input", run_opt.input_path, ".tflite models: the input tensor (raw int8 .bin or int8 .npy)");
  run->add_option("--input-seed", run_opt.input_seed, ".tflite models: seed of a random input (default 1)")
      ->each([&](const std::string&) { run_opt.input_seed_given = true; });
  run->add_option("--trace-layer", run_opt.trace_layers, "timeline: only this layer (repeatable)")->type_name("NAME");
  run->add_option("--trace-cycles", run_opt.trace_cycles, "timeline: only cycles FROM:TO of the run")
      ->type_name("FROM:TO");
  run->add_flag("--wide", run_opt.wide, "print every column of the tables (default: fit 120 columns)");
  run->add_flag("--cold-layers", run_opt.cold_layers,
                "boot every layer and operator on a fresh board (cold caches, L2 and DRAM rows), as check does; "
                "default: one inference, each operator starting with the caches the previous one left");
  run->add_flag("--no-fuse", run_opt.no_fuse,
                ".tflite models: run every ADD/MUL as an operator of its own; default: one that reads only the "
                "previous CFU layer's output is fused into that layer's readback (READ_EW) where the CFU has it");
  run->add_option("--cpu", run_opt.cpu, cpu_help)->check(CLI::IsMember({"vexriscv", "gap"}))->capture_default_str();
  run->add_option("--trace", run_opt.trace, "per-cycle profile: vcd (GTKWave) or timeline (Perfetto JSON)")
      ->check(CLI::IsMember({"vcd", "timeline"}));

  CLI::App* cosim = app.add_subcommand("cosim", "co-simulate the cycle model and the Verilated RTL cycle by cycle");
  sasim::CosimOptions co;
  add_common(cosim, &common, &sets);
  cosim->add_option("--model", co.model_path, "also run every layer of this model config");
  cosim->add_option("--out", co.out_dir, "where mismatch waveforms go (default: out/cosim)");
  cosim->add_option("cases", co.cases, "case directories (../shared/vectors format)");
  cosim->add_option("--cpu", co.cpu, cpu_help)->check(CLI::IsMember({"vexriscv", "gap"}))->capture_default_str();

  CLI::App* config = app.add_subcommand("config", "validate a hardware config and print it resolved, with derived bank geometry");
  add_common(config, &common, &sets);

  CLI::App* exec = app.add_subcommand("exec", "run a bare-metal rv32im ELF on the board model (CPU model + CFU model)");
  sasim::ExecOptions ex;
  add_common(exec, &common, &sets);
  exec->add_option("elf", ex.elf_path, "program (ELF, linked for main_ram at 0x40000000)")->required();
  exec->add_option("--max-cycles", ex.max_cycles, "stop with exit 1 after this many cycles")->capture_default_str();

  CLI::App* board_cmd = app.add_subcommand(
      "board", "run a CFU Playground firmware (software.elf) on the simulated board: CPU, memory, CFU and the SoC of its csr.json");
  sasim::BoardOptions bo;
  add_common(board_cmd, &common, &sets);
  board_cmd->add_option("elf", bo.elf_path, "the firmware (proj/<name>/build/software.elf)")->required();
  board_cmd->add_option("--csr-json", bo.csr_json, "the SoC build's csr.json (soc/build/<target>.<proj>/csr.json)")->required();
  board_cmd->add_option("--cfu", bo.cfu, "the CFU: model (sasim's cycle model), rtl (sasim's Verilated RTL) or PATH/cfu.v (your own, Verilated on demand)")->capture_default_str();
  board_cmd->add_option("--cfu-timeout", bo.cfu_timeout, "stop when a CFU instruction waits this many cycles for the CFU (0: never)")->capture_default_str();
  board_cmd->add_option("--uart-in", bo.uart_in, "input typed into the UART: TEXT (escapes \\n \\r \\xHH, \\w{N} waits N cycles) or @FILE");
  board_cmd->add_option("--until", bo.until, "stop once the UART has printed this text (e.g. 'cycles total')");
  board_cmd->add_option("--max-cycles", bo.max_cycles, "stop with exit 1 after this many cycles")->capture_default_str();
  board_cmd->add_option("--idle-cycles", bo.idle_cycles,
                        "end once all of --uart-in was taken and nothing was printed for this many cycles (0: never)")
      ->capture_default_str();
  board_cmd->add_option("--out", bo.out_dir, "write report.json, functions.csv, profile.csv and uart.txt here")->type_name("DIR");
  board_cmd->add_option("--model", bo.model_path,
                        "the .tflite model the firmware runs: its last profiled inference compared, operator by "
                        "operator, with sasim run of the model on this configuration (DIR/compare.csv with --out)")
      ->type_name("FILE.tflite");
  board_cmd->add_option("--trace", bo.trace, "timeline: DIR/timeline.json for Perfetto (functions sampled, UART characters)")
      ->check(CLI::IsMember({"timeline"}));

  CLI::App* export_cfu =
      app.add_subcommand("export-cfu", "write a CFU Playground project (RTL, kernels, driver, self-test) for the configuration");
  sasim::ExportOptions exo;
  add_common(export_cfu, &common, &sets);
  export_cfu->add_option("--out", exo.out_dir, "the project folder, e.g. CFU-Playground/proj/sasim_8x8")->required();
  export_cfu->add_option("--name", exo.name, "the project's name (default: the folder's)");
  export_cfu->add_flag("--force", exo.force, "replace an earlier export in the folder");
  export_cfu->add_option("--model", exo.model_path,
                         "a .tflite model: the bridge fuses its ADDs/MULs that read only the previous CFU layer's "
                         "output into that layer's readback, as `sasim run` does (default: none)")
      ->type_name("FILE.tflite");
  export_cfu->add_option("--selftest-case", exo.selftest_cases,
                         "a layer case folder (case.yaml and .bin files, as in ../shared/vectors) the self-test also "
                         "runs, its expected output the case's own; repeatable")
      ->type_name("DIR");

  CLI::App* import = app.add_subcommand(
      "import", "import a .tflite model as a whole-network sasim model config (accelerator layers and CPU operators)");
  std::string import_in, import_out;
  import->add_option("model", import_in, "the .tflite file")->required();
  import->add_option("--out", import_out, "the model config to write, e.g. models/resnet8_tflite.yaml")->required();

  CLI::App* sweep = app.add_subcommand("sweep", "run a design-space sweep, in parallel child processes");
  sasim::SweepOptions sw;
  std::string shard;
  sweep->add_option("spec", sw.spec_path, "sweep spec YAML (e.g. configs/sweep_arrays.yaml)");
  sweep->add_option("--jobs,-j", sw.jobs, "points run at once (default: number of cores)");
  sweep->add_option("--out", sw.out_dir, "output directory (default: out/sweep)");
  sweep->add_option("--shard", shard, "run only shard i of N (0 <= i < N), e.g. --shard 2/8")->type_name("i/N");
  sweep->add_flag("--resume", sw.resume, "skip points already in DIR/sweep.csv");
  sweep->add_option("--cpu", sw.cpu, cpu_help + "; passed to every point")
      ->check(CLI::IsMember({"vexriscv", "gap"}))
      ->capture_default_str();
  sweep->add_option("--merge", sw.merge_dirs, "merge the sweep.csv of shard output directories into --out")
      ->type_name("DIR...");
  sw.jobs = static_cast<int>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN)));

  app.set_version_flag("--version,-V", std::string("sasim ") + sasim_version());
  // Before CLI11 sees the command line: `help [COMMAND]`, an unknown command
  // ("did you mean"), and an unknown option of a known command (CLI11 would
  // first complain about a missing required option).
  std::vector<std::string> commands;
  for (const CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) commands.push_back(sub->get_name());
  if (argc > 1 && argv[1][0] != '-') {
    const std::string cmd = argv[1];
    if (cmd == "help") {
      if (argc > 2) {
        CLI::App* sub = nullptr;
        try {
          sub = app.get_subcommand(argv[2]);
        } catch (const CLI::OptionNotFound&) {
        }
        if (!sub) {
          fmt::print(stderr, "sasim help: unknown command '{}' (commands: {})\n", argv[2], fmt::join(commands, ", "));
          return sasim::kExitUsage;
        }
        fmt::print("{}", sub->help());
        return sasim::kExitOk;
      }
      fmt::print("{}", app.help());
      return sasim::kExitOk;
    }
    if (std::find(commands.begin(), commands.end(), cmd) == commands.end()) {
      const std::string near = closest(cmd, commands);
      fmt::print(stderr, "sasim: unknown command '{}'{}; commands: {} (sasim help)\n", cmd,
                 near.empty() ? "" : fmt::format(" (did you mean '{}'?)", near), fmt::join(commands, ", "));
      return sasim::kExitUsage;
    }
    CLI::App* sub = app.get_subcommand(cmd);
    std::vector<std::string> options;
    for (const CLI::Option* o : sub->get_options())
      for (const std::string& n : o->get_lnames()) options.push_back("--" + n);
    options.push_back("--help");
    for (int i = 2; i < argc; ++i) {
      std::string a = argv[i];
      if (a == "--") break;
      if (a.rfind("--", 0) != 0) continue;
      a = a.substr(0, a.find('='));
      if (std::find(options.begin(), options.end(), a) != options.end()) continue;
      const std::string near = closest(a, options);
      fmt::print(stderr, "sasim {}: unknown option '{}'{}; see sasim help {}\n", cmd, a,
                 near.empty() ? "" : fmt::format(" (did you mean '{}'?)", near), cmd);
      return sasim::kExitUsage;
    }
  }

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
    if (!run_opt.model_overrides.empty() && !run->parsed() && !cosim->parsed())
      throw sasim::ConfigError({{"--set " + run_opt.model_overrides[0].text, 0, 0, "",
                                 "model.* keys apply to a --model config: only run and cosim take one"}});
    co.model_overrides = run_opt.model_overrides;
    if (check->parsed()) return sasim::cmd_check(common, engine, cases, check_cpu);
    if (run->parsed()) return sasim::cmd_run(common, run_opt);
    if (config->parsed()) return sasim::cmd_config(common);
    if (exec->parsed()) return sasim::cmd_exec(common, ex);
    if (board_cmd->parsed()) return sasim::cmd_board(common, bo);
    if (export_cfu->parsed()) return sasim::cmd_export_cfu(common, exo);
    if (import->parsed()) return sasim::cmd_import(import_in, import_out);
    if (cosim->parsed()) {
      if (co.cases.empty() && co.model_path.empty())
        throw sasim::ConfigError({{"cosim", 0, 0, "", "give case directories and/or --model M"}});
      return sasim::cmd_cosim(common, co);
    }
    if (sweep->parsed()) {
      if (!shard.empty()) {
        const size_t slash = shard.find('/');
        int64_t i = -1, n = -1;
        if (slash == std::string::npos || !sasim::parse_int64(shard.substr(0, slash), &i) ||
            !sasim::parse_int64(shard.substr(slash + 1), &n) || n < 1 || i < 0 || i >= n)
          throw sasim::ConfigError({{"--shard " + shard, 0, 0, "", "expected i/N with 0 <= i < N, e.g. --shard 0/4"}});
        sw.shard = static_cast<int>(i);
        sw.shards = static_cast<int>(n);
      }
      if (sw.spec_path.empty() && sw.merge_dirs.empty())
        throw sasim::ConfigError({{"sweep", 0, 0, "", "give a sweep spec, or --merge DIR... --out DIR"}});
      return sasim::cmd_sweep(sw);
    }
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
