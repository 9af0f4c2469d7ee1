#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <unistd.h>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "layer_report.h"
#include "tflite/network_config.h"
#include "sasim/engine.h"
#include "sasim/golden.h"
#include "sasim/resources.h"
#include "model/core.h"
#include "model/core_params.h"
#include "model/host.h"
#include "cpu/feed_bench.h"
#include "cpu/params.h"

namespace sasim {

using namespace report;

namespace {

volatile std::sig_atomic_t g_interrupted = 0;

}  // namespace

SigintScope::SigintScope() {
  g_interrupted = 0;
  struct sigaction sa = {};
  sa.sa_handler = [](int) { g_interrupted = 1; };
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &old_);
}

SigintScope::~SigintScope() { sigaction(SIGINT, &old_, nullptr); }

bool SigintScope::interrupted() { return g_interrupted != 0; }

void SigintScope::test_hook(size_t step) {
  const char* hook = std::getenv("SASIM_TEST_SIGINT_AFTER_LAYERS");
  if (hook && std::atol(hook) >= 0 && static_cast<size_t>(std::atol(hook)) == step) std::raise(SIGINT);
}

void check_writable_dir(const std::string& dir) {
  struct stat st;
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    throw ConfigError({{dir, 0, 0, "", "output path exists and is not a directory"}});
  const std::string probe = dir + "/.sasim_write_test";
  const int fd = open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0)
    throw ConfigError({{dir, 0, 0, "", fmt::format("cannot write in the output directory: {}", std::strerror(errno))}});
  close(fd);
  std::remove(probe.c_str());
}

void make_dirs(const std::string& dir) {
  std::string cur;
  for (size_t i = 0; i <= dir.size(); ++i) {
    if (i == dir.size() || dir[i] == '/') {
      if (!cur.empty() && mkdir(cur.c_str(), 0777) != 0 && errno != EEXIST)
        throw ConfigError({{dir, 0, 0, "", fmt::format("cannot create output directory: {}", std::strerror(errno))}});
    }
    if (i < dir.size()) cur += dir[i];
  }
}

// Writes via a temporary file and rename, so an existing result is never left
// half-written.
void write_file_atomic(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary);
    if (!f || !(f << text) || !f.flush())
      throw ConfigError({{path, 0, 0, "", fmt::format("cannot write: {}", std::strerror(errno))}});
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    throw ConfigError({{path, 0, 0, "", fmt::format("cannot write: {}", std::strerror(errno))}});
}

int cmd_config(const CommonOptions& common) {
  const HwConfig hw = load_hw_config(common.hw_path, common.overrides);
  const CoreParams p = core_params_from(hw);
  fmt::print("{}derived:\n  a_lines: {}\n  b_lines: {}\n  c_lines: {}\n  w_lines: {}\n  a_double: {}\n  b_double: {}\n"
             "  c_double: {}\n",
             hw_config_to_yaml(hw), p.a_lines, p.b_lines, p.c_lines, p.w_lines, p.a_double ? 1 : 0, p.b_double ? 1 : 0,
             p.c_double ? 1 : 0);
  return kExitOk;
}

void set_trace_options(const RunOptions& opt, const std::vector<std::string>& names, const std::string& source,
                       const std::string& out_dir, EngineOptions* eo) {
  if (!opt.trace_layers.empty() && opt.trace.empty())
    throw ConfigError({{"--trace-layer", 0, 0, "", "selects what --trace records: give --trace vcd or timeline"}});
  if (!opt.trace_cycles.empty() && opt.trace != "timeline")
    throw ConfigError({{"--trace-cycles", 0, 0, "", "selects what --trace timeline records (a VCD window is by "
                                                    "layer: --trace-layer)"}});
  for (const std::string& n : opt.trace_layers)
    if (std::find(names.begin(), names.end(), n) == names.end())
      throw ConfigError({{"--trace-layer " + n, 0, 0, "", fmt::format("no such layer in {} (layers: {})", source,
                                                                      fmt::join(names, ", "))}});
  eo->trace_layers = opt.trace_layers;
  if (!opt.trace_cycles.empty()) {
    const size_t colon = opt.trace_cycles.find(':');
    int64_t a = -1, b = -1;
    if (colon == std::string::npos || !parse_int64(opt.trace_cycles.substr(0, colon), &a) ||
        !parse_int64(opt.trace_cycles.substr(colon + 1), &b) || a < 0 || b < a)
      throw ConfigError({{"--trace-cycles " + opt.trace_cycles, 0, 0, "", "expected FROM:TO with 0 <= FROM <= TO"}});
    eo->trace_from = static_cast<uint64_t>(a);
    eo->trace_to = static_cast<uint64_t>(b);
  }
  if (opt.trace == "vcd") {
    eo->vcd_path = out_dir + "/trace.vcd";
    // cfu.control.cycle_kind by name in GTKWave: show the signal as decimal,
    // then Data Format > Translate Filter File > this file.
    write_file_atomic(out_dir + "/cycle_kind.gtkw.txt", "0 compute\n1 fill_drain\n2 bank_swap\n3 readback\n4 host\n");
  }
  if (opt.trace == "timeline") eo->timeline_path = out_dir + "/timeline.json";
}

int cmd_run(const CommonOptions& common, const RunOptions& opt) {
  if (is_tflite_file(opt.model_path)) return cmd_run_tflite(common, opt);  // a .tflite model runs end to end
  const HwConfig hw = load_hw_config(common.hw_path, common.overrides);
  if (const std::string w = fit_warning(hw); !w.empty()) fmt::print(stderr, "warning: {}\n", w);
  const ModelConfig model = load_model_config(opt.model_path, opt.model_overrides);
  // A whole-network config runs like the .tflite it may come from.
  if (model.whole_network) {
    const tflite::Network net = tflite::network_from_config(model);
    return run_network(hw, opt, net.model, net.imported);
  }
  // A layer-list config's layers have their own inputs (seeded or from files).
  if (!opt.input_path.empty() || opt.input_seed_given)
    throw ConfigError({{opt.model_path, 0, 0, "",
                        fmt::format("{} applies to whole networks only (a .tflite model or a model config with "
                                    "input:); this model config sets each layer's input itself",
                                    opt.input_path.empty() ? "--input-seed" : "--input")}});
  for (const std::string& w : model_shape_warnings(model)) fmt::print(stderr, "warning: {}\n", w);
  const std::string out_dir = opt.out_dir.empty() ? "out/" + model.name : opt.out_dir;
  // Inputs (weights files) are read before any output is written.
  std::vector<LayerData> data;
  for (const ModelLayer& l : model.layers) data.push_back(make_layer_data(l));
  make_dirs(out_dir);
  check_writable_dir(out_dir);  // before simulating, not after

  EngineOptions eo;
  eo.cpu = opt.cpu;
  // The layers are one inference, in order, unless each boots a cold board.
  if (!opt.cold_layers) eo.inference = std::make_shared<InferenceCarry>();
  // The timeline window (traces of big models stay small).
  {
    std::vector<std::string> names;
    for (const ModelLayer& l : model.layers) names.push_back(l.spec.name);
    set_trace_options(opt, names, model.source, out_dir, &eo);
  }
  std::unique_ptr<Engine> engine = make_engine("systemc", hw, eo);

  std::vector<Row> rows;
  LayerStats total;
  double sim_seconds = 0;  // wall time inside the engine (the simulation alone)
  bool all_exact = true;
  fmt::print("sasim run: {} on {}x{} {} ({}), {} MHz\n", model.name, hw.rows, hw.cols, dataflow_name(hw.dataflow),
             hw.source, hw.clock_mhz);
  const bool cpu_model = opt.cpu == "vexriscv";
  if (cpu_model)
    fmt::print("cycles: board estimate, the driver on the VexRiscv {} CPU model (memory {})\n",
               cpu_variant_name(hw.cpu.variant), memory_description(hw.cpu));
  else
    fmt::print("cycles: fixed-gap host estimate (--cpu gap): CFU-side only, the CPU's work not counted\n");
  // The layer table: 120 columns by default, every column with --wide. Units:
  // cycles are clock cycles, sram_* count 32-bit words, cfu_ops are CFU
  // instructions; the array's cycles by cause add up to `cycles`.
  const std::vector<Column> cols = array_columns();
  auto layer_cells = [&](const std::string& name, const std::string& op, const LayerStats& s, const std::string& ex) {
    return array_cells(hw, name, op, s, ex);
  };
  fmt::print("array cycles by cause: compute, host (waiting for the CPU), fill/drn{}, readback{}\n",
             opt.wide ? ", swap" : "", opt.wide ? "" : " (--wide: all columns)");
  print_head(cols, opt.wide);
  // The CPU's fastest feed rates, measured once on the CPU model.
  const cpu::FeedRates feed = cpu::measure_feed_rates(cpu::cpu_params_from(hw), core_params_from(hw));
  // Ctrl-C: finish the layer in flight, then write what is done and stop.
  SigintScope sigint;
  size_t layers_done = 0;
  // Board estimate: the layers' weights in the CFU's weight store as a
  // deployed network has them after its first inference (the exported
  // bridge's allocation, in layer order).
  // Its preparation store sized for the model's layers, as a project
  // exported for the network would size it (export-cfu --model).
  const sasim_drv::HwDesc store_hw = hw_desc_from(core_params_from(hw));
  uint64_t prep_bytes = 0;
  for (size_t i = 0; i < model.layers.size(); ++i)
    prep_bytes += StoreAllocator::prepared_bytes(store_hw, layer_desc_from(model.layers[i].spec, data[i], nullptr));
  StoreAllocator store(store_hw, StoreAllocator::store_bytes_for(prep_bytes),
                       StoreAllocator::store_layers_for(static_cast<int>(model.layers.size())));
  for (size_t i = 0; i < model.layers.size(); ++i) {
    SigintScope::test_hook(i);
    if (SigintScope::interrupted()) break;
    ++layers_done;
    const ModelLayer& l = model.layers[i];
    LayerSpec spec = l.spec;
    if (cpu_model) {
      spec.w_store = store.place(spec, data[i], spec.name);
      spec.prepared = store.last_prepared();
    }
    const auto t_sim0 = std::chrono::steady_clock::now();
    EngineResult r = engine->run(spec, data[i]);
    r.stats.raw_weights = cpu_model && store.last_unprepared();
    sim_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t_sim0).count();
    std::vector<int8_t> want;
    golden_layer(l.spec, data[i], &want);
    const bool exact = want == r.output;
    all_exact = all_exact && exact;
    rows.push_back({l.spec.name, op_name(l.spec.op), r.stats, exact});
    {
      // The array's MAC bound and the feed bound (every input, weight and
      // output byte over the CFU bus once, at the CPU's fastest rates).
      Row& row = rows.back();
      row.mac_bound = static_cast<double>(l.spec.macs()) / (hw.rows * hw.cols);
      const double in_bytes = static_cast<double>(l.spec.input_elems() + l.spec.filter_elems() +
                                                  (data[i].bias.empty() ? 0 : 4 * data[i].bias.size()));
      row.feed_bound = std::ceil(in_bytes / 8) * feed.write_cycles_per_8_bytes +
                       std::ceil(static_cast<double>(l.spec.output_elems()) / 4) * feed.read_cycles_per_4_bytes;
    }
    accumulate(&total, r.stats);
    print_row(cols, layer_cells(l.spec.name, op_name(l.spec.op), r.stats, exact ? "yes" : "NO"), opt.wide);
    std::fflush(stdout);
  }
  print_row(cols, layer_cells("total", "", total, ""), opt.wide);
  if (cpu_model && !store.summary().empty()) fmt::print("{}\n", store.summary());
  if (cpu_model && !store.size_note().empty()) fmt::print("{}\n", store.size_note());
  warn_legacy(legacy_layers(rows));
  if (cpu_model && !store.unprepared_warning().empty()) fmt::print(stderr, "{}\n", store.unprepared_warning());

  if (cpu_model) print_cpu_tables(hw, rows, total, opt.wide);
  print_bounds(rows, feed);

  std::string csv = layers_csv_header() + "\n";
  nlohmann::json layers = nlohmann::json::array();
  for (const Row& r : rows) {
    csv += layers_csv_row(hw, r) + "\n";
    layers.push_back(row_json(hw, r));
  }
  nlohmann::json report = {{"model", model.name},
                           {"cpu_model", cpu_model ? fmt::format("vexriscv (board estimate: the driver on the VexRiscv {} CPU model)",
                                                               cpu_variant_name(hw.cpu.variant))
                                                   : "gap (fixed-gap host estimate, CFU-side only)"},
                           {"cpu_variant", cpu_variant_name(hw.cpu.variant)},
                           {"memory", memory_description(hw.cpu)},
                           {"model_file", model.source},
                           {"hardware",
                            {{"rows", hw.rows}, {"cols", hw.cols}, {"dataflow", dataflow_name(hw.dataflow)},
                             {"clock_mhz", hw.clock_mhz}, {"source", hw.source}}},
                           {"total", stats_json(total, hw)},
                           {"weight_store", {{"lines_used", store.lines_used()}, {"layers", store.layers()},
                                             {"layers_not_fitting", store.layers_not_fitting()}}},
                           {"layers", layers},
                           {"bit_exact", all_exact},
                           {"simulation_seconds", sim_seconds},
                           {"sasim_version", sasim_version()}};
  if (!cpu_model) report.erase("weight_store");  // the store is modelled on the board estimate only
  const bool interrupted = layers_done < model.layers.size();
  if (interrupted) report["interrupted_after_layer"] = layers_done;
  write_file_atomic(out_dir + "/layers.csv", csv);
  write_file_atomic(out_dir + "/report.json", report.dump(2) + "\n");
  write_file_atomic(out_dir + "/hw.resolved.yaml", hw_config_to_yaml(hw));
  engine->finish();  // traces last: a failure there loses none of the results above
  // Trace files of an earlier run that this one did not write are stale.
  for (const char* f : {"trace.vcd", "timeline.json"})
    if (opt.trace.empty() || (opt.trace == "vcd") != (std::string(f) == "trace.vcd"))
      std::remove((out_dir + "/" + f).c_str());
  if (interrupted) {
    fmt::print(stderr, "interrupted after layer {} of {}: wrote the rows of the layers done\n", layers_done,
               model.layers.size());
    return kExitInterrupted;
  }
  fmt::print("wrote {0}/layers.csv, {0}/report.json, {0}/hw.resolved.yaml{1}\n", out_dir,
             opt.trace.empty() ? ""
                               : fmt::format(", {}/{}", out_dir,
                                             opt.trace == "vcd" ? "trace.vcd (cycle_kind names: cycle_kind.gtkw.txt)"
                                                                : "timeline.json"));
  if (!all_exact) {
    fmt::print(stderr, "error: a layer's output differs from the golden model\n");
    return kExitMismatch;
  }
  return kExitOk;
}

}  // namespace sasim
