#include "layer_report.h"

#include <fmt/format.h>

#include <algorithm>

namespace sasim::report {


nlohmann::json cpu_json(const CpuStats& c, uint64_t cycles) {
  if (!c.modelled) return nullptr;
  nlohmann::json by = nlohmann::json::object();
  for (size_t i = 0; i < cpu_class_names().size(); ++i) by[cpu_class_names()[i]] = c.by_class[i];
  nlohmann::json dm = nlohmann::json::object(), fm = nlohmann::json::object();
  for (size_t i = 0; i < mem_cause_names().size(); ++i) {
    dm[mem_cause_names()[i]] = c.data_mem_by_cause[i];
    fm[mem_cause_names()[i]] = c.fetch_miss_by_cause[i];
  }
  nlohmann::json top = nlohmann::json::array();
  for (const auto& [name, cyc] : c.top_functions) top.push_back({{"function", name}, {"cycles", cyc}});
  nlohmann::json fn_mem = nlohmann::json::object();
  for (const auto& [name, v] : c.data_mem_by_function) {
    nlohmann::json m = nlohmann::json::object();
    for (size_t i = 0; i < v.size() && i < mem_cause_names().size(); ++i) m[mem_cause_names()[i]] = v[i];
    fn_mem[name] = m;
  }
  return {{"instructions_retired", c.retired},
          {"ipc", cycles ? static_cast<double>(c.retired) / static_cast<double>(cycles) : 0.0},
          {"cycles_by_class", by},
          {"data_mem_by_cause", dm},
          {"fetch_miss_by_cause", fm},
          {"icache_misses", c.icache_misses},
          {"dcache_misses", c.dcache_misses},
          {"dcache_accesses", c.dcache_accesses},
          {"cfu_instructions", c.cfu_instructions},
          {"divides", c.divides},
          {"branches", c.branches},
          {"mispredicts", c.mispredicts},
          {"cfu_forks", c.forks},
          {"cfu_replays", c.replays},
          {"top_functions", top},
          {"data_mem_by_function", fn_mem}};
}

nlohmann::json stats_json(const LayerStats& s, const HwConfig& hw) {
  return {{"cycles", s.cycles},
          {"cpu", cpu_json(s.cpu, s.cycles)},
          {"macs", s.macs},
          {"utilisation", s.utilisation(hw.rows, hw.cols)},
          {"latency_us", static_cast<double>(s.cycles) / hw.clock_mhz},
          {"compute_cycles", s.compute_cycles},
          {"stall_cycles",
           {{"host", s.stall_host}, {"fill_drain", s.stall_fill_drain}, {"bank_swap", s.stall_bank_swap},
            {"readback", s.stall_readback}}},
          {"host_instructions", s.host_instructions},
          {"sram_reads", s.sram_reads},
          {"sram_writes", s.sram_writes},
          {"passes", s.tiles},
          {"mapping", s.mapping},
          {"mapping_why", s.mapping_why},
          {"raw_weights", s.raw_weights}};
}

void accumulate(LayerStats* t, const LayerStats& s) {
  t->cycles += s.cycles;
  t->macs += s.macs;
  t->compute_cycles += s.compute_cycles;
  t->stall_host += s.stall_host;
  t->stall_fill_drain += s.stall_fill_drain;
  t->stall_bank_swap += s.stall_bank_swap;
  t->stall_readback += s.stall_readback;
  t->host_instructions += s.host_instructions;
  t->sram_reads += s.sram_reads;
  t->sram_writes += s.sram_writes;
  t->tiles += s.tiles;
  CpuStats& c = t->cpu;
  c.modelled = s.cpu.modelled;
  c.retired += s.cpu.retired;
  for (size_t i = 0; i < 8; ++i) c.by_class[i] += s.cpu.by_class[i];
  for (size_t i = 0; i < mem_cause_names().size(); ++i) {
    c.data_mem_by_cause[i] += s.cpu.data_mem_by_cause[i];
    c.fetch_miss_by_cause[i] += s.cpu.fetch_miss_by_cause[i];
  }
  c.icache_misses += s.cpu.icache_misses;
  c.dcache_misses += s.cpu.dcache_misses;
  c.dcache_accesses += s.cpu.dcache_accesses;
  c.cfu_instructions += s.cpu.cfu_instructions;
  c.forks += s.cpu.forks;
  c.replays += s.cpu.replays;
  c.divides += s.cpu.divides;
  c.branches += s.cpu.branches;
  c.mispredicts += s.cpu.mispredicts;
  for (const auto& [name, v] : s.cpu.data_mem_by_function) {
    std::vector<uint64_t>& acc = c.data_mem_by_function[name];
    acc.resize(v.size());
    for (size_t i = 0; i < v.size(); ++i) acc[i] += v[i];
  }
  for (const auto& [name, cyc] : s.cpu.top_functions) {
    bool found = false;
    for (auto& [n2, c2] : c.top_functions)
      if (n2 == name) {
        c2 += cyc;
        found = true;
      }
    if (!found) c.top_functions.emplace_back(name, cyc);
  }
  std::sort(c.top_functions.begin(), c.top_functions.end(),
            [](const auto& a, const auto& b) { return a.second > b.second; });
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string o = "\"";
  for (char c : s) o += c == '"' ? std::string("\"\"") : std::string(1, c);
  return o + "\"";
}


void print_row(const std::vector<Column>& cols, const std::vector<std::string>& cells, bool wide) {
  std::string line;
  for (size_t i = 0; i < cols.size() && i < cells.size(); ++i) {
    if (cols[i].wide_only && !wide) continue;
    if (!line.empty()) line += ' ';
    line += (i == 0 || cols[i].left) ? fmt::format("{:<{}}", cells[i], cols[i].width)
                                      : fmt::format("{:>{}}", cells[i], cols[i].width);
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  fmt::print("{}\n", line);
}
void print_head(const std::vector<Column>& cols, bool wide) {
  std::vector<std::string> h;
  for (const Column& c : cols) h.push_back(c.head);
  print_row(cols, h, wide);
}

std::string short_fn(std::string n) {
  for (size_t a; (a = n.find("(anonymous namespace)::")) != std::string::npos;) n.erase(a, 23);
  const size_t paren = n.find('(');
  if (paren != std::string::npos) n.resize(paren);
  const size_t colon = n.rfind("::");
  if (colon != std::string::npos) n = n.substr(colon + 2);
  return n;
}

namespace {

// The first column: 14 wide, or as wide as the longest row name (a whole
// network's "11 DEPTHWISE_CONV_2D").
int name_width(const std::vector<Row>& rows) {
  size_t w = 14;
  for (const Row& r : rows) w = std::max(w, r.name.size());
  return static_cast<int>(w);
}

}  // namespace

std::vector<Column> array_columns() {
  return {{"layer", 14, false},     {"op", 16, false, true},   {"cycles", 10, false},     {"MACs", 9, false},
          {"util%", 6, false},      {"compute", 8, false},     {"host", 9, false},        {"fill/drn", 8, false},
          {"swap", 6, true},        {"readback", 8, false},    {"cfu_ops", 8, true},      {"sram_rd_w", 9, true},
          {"sram_wr_w", 9, true},   {"latency_us", 10, false}, {"exact", 5, false},     {"map", 6, false, true}};
}

std::vector<std::string> array_cells(const HwConfig& hw, const std::string& name, const std::string& op,
                                     const LayerStats& s, const std::string& exact) {
  return {name,
          op,
          std::to_string(s.cycles),
          std::to_string(s.macs),
          fmt::format("{:.2f}", 100.0 * s.utilisation(hw.rows, hw.cols)),
          std::to_string(s.compute_cycles),
          std::to_string(s.stall_host),
          std::to_string(s.stall_fill_drain),
          std::to_string(s.stall_bank_swap),
          std::to_string(s.stall_readback),
          std::to_string(s.host_instructions),
          std::to_string(s.sram_reads),
          std::to_string(s.sram_writes),
          fmt::format("{:.1f}", static_cast<double>(s.cycles) / hw.clock_mhz),
          exact,
          s.raw_weights ? s.mapping + " (raw weights)" : s.mapping};
}

void print_array_table(const HwConfig& hw, const std::vector<Row>& rows, bool wide) {
  std::vector<Column> cols = array_columns();
  cols[0].width = name_width(rows);
  fmt::print("array cycles by cause: compute, host (waiting for the CPU), fill/drn{}, readback{}\n",
             wide ? ", swap" : "", wide ? "" : " (--wide: all columns)");
  print_head(cols, wide);
  LayerStats total;
  for (const Row& r : rows) {
    if (!r.bounded) continue;
    print_row(cols, array_cells(hw, r.name, r.op, r.s, r.exact ? "yes" : "NO"), wide);
    accumulate(&total, r.s);
  }
  print_row(cols, array_cells(hw, "total", "", total, ""), wide);
}

void print_cpu_tables(const HwConfig& hw, const std::vector<Row>& rows, const LayerStats& total, bool wide) {
    // The CPU's cycles by class add up to `cycles` (one class per cycle).
    const std::vector<Column> ccols = {
        {"CPU: layer", name_width(rows), false}, {"retired", 10, false}, {"IPC", 5, false},      {"execute", 10, false},
        {"interlock", 9, false},   {"branch", 9, false},   {"fetch_ms", 8, false}, {"data_mem", 9, false},
        {"divider", 9, false},     {"cfu_cmd", 8, false},  {"cfu_rsp", 8, false},  {"I$miss", 7, true},
        {"D$miss", 7, true},       {"top function (cycles)", 1, true, true}};
    fmt::print("\n");
    print_head(ccols, wide);
    auto cpu_row = [&](const std::string& name, const LayerStats& s) {
      const CpuStats& c = s.cpu;
      const std::string top = c.top_functions.empty()
                                  ? ""
                                  : fmt::format("  {} ({})", short_fn(c.top_functions[0].first), c.top_functions[0].second);
      std::vector<std::string> cells = {name, std::to_string(c.retired),
                                        fmt::format("{:.2f}", s.cycles ? static_cast<double>(c.retired) / static_cast<double>(s.cycles) : 0.0)};
      for (int k = 0; k < 8; ++k) cells.push_back(std::to_string(c.by_class[k]));
      cells.push_back(std::to_string(c.icache_misses));
      cells.push_back(std::to_string(c.dcache_misses));
      cells.push_back(top);
      print_row(ccols, cells, wide);
    };
    for (const Row& r : rows) cpu_row(r.name, r.s);
    cpu_row("total", total);
    if (hw.cpu.memory_model == CpuMemoryModel::kBoard) {
      // The two memory classes by what the board's memory path spent them on
      // (docs/memory-model.md, "Attribution"): each adds up to its class.
      const std::vector<Column> mcols = {
          {"memory: layer", name_width(rows), false}, {"class", 10, false},   {"L2 hit", 8, false},  {"bus wait", 8, false},
          {"row hit", 8, false},        {"row miss", 8, false}, {"dirty wb", 8, false}, {"refresh", 8, false},
          {"core", 8, false}};
      fmt::print("\n");
      print_head(mcols, wide);
      auto mem_rows = [&](const std::string& name, const CpuStats& c) {
        for (int which = 0; which < 2; ++which) {
          const uint64_t* v = which == 0 ? c.data_mem_by_cause : c.fetch_miss_by_cause;
          std::vector<std::string> cells = {which == 0 ? name : "", which == 0 ? "data_mem" : "fetch_miss"};
          for (size_t k = 0; k < mem_cause_names().size(); ++k) cells.push_back(std::to_string(v[k]));
          print_row(mcols, cells, wide);
        }
      };
      for (const Row& r : rows) mem_rows(r.name, r.s.cpu);
      mem_rows("total", total.cpu);
    }
    uint64_t forks = total.cpu.forks;
    if (forks)
      fmt::print(stderr, "warning: {} CfuPlugin fork(s) (facts.md F19): on the board these corrupt results\n", forks);
    for (const Row& r : rows)
      if (r.s.cpu.replays)
        fmt::print(stderr,
                   "warning: layer {}: {} CFU command(s) sent twice (facts.md F20-F22, the perf+cfu-2021 core), the "
                   "first by the CFU instruction at pc 0x{:08x} behind the redone load at pc 0x{:08x}\n",
                   r.name, r.s.cpu.replays, r.s.cpu.replay_cfu_pc, r.s.cpu.replay_load_pc);
  }

void warn_legacy(const std::vector<std::pair<std::string, std::string>>& layers) {
  if (layers.empty()) return;
  fmt::print(stderr,
             "warning: the driver runs {} CFU layer{} on its legacy tile loop, not the im2col path (the CPU sends "
             "every tile's operands; docs/microarchitecture.md, \"The im2col path\"):\n",
             layers.size(), layers.size() == 1 ? "" : "s");
  std::vector<std::string> reasons;  // in order of first appearance
  for (const auto& l : layers)
    if (std::find(reasons.begin(), reasons.end(), l.second) == reasons.end()) reasons.push_back(l.second);
  for (const std::string& why : reasons) {
    std::vector<std::string> names;
    for (const auto& l : layers)
      if (l.second == why) names.push_back(l.first);
    fmt::print(stderr, "  {}: {}\n", why, fmt::join(names, ", "));
  }
}

std::vector<std::pair<std::string, std::string>> legacy_layers(const std::vector<Row>& rows) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const Row& r : rows)
    if (r.s.mapping == "legacy") out.emplace_back(r.name, r.s.mapping_why);
  return out;
}

void print_bounds(const std::vector<Row>& rows, const cpu::FeedRates& feed) {
  fmt::print("\nbounds (docs/bounds.md; feed at {:.1f} cycles per 8 bytes written, {:.1f} per 4 bytes read):\n",
             feed.write_cycles_per_8_bytes, feed.read_cycles_per_4_bytes);
  const std::vector<Column> bcols = {{"layer", name_width(rows), false}, {"cycles", 11, false},
                                     {"MAC bound", 11, false},           {"feed bound", 11, false},
                                     {"x bound", 9, false}};
  print_head(bcols, false);
  double tm = 0, tf = 0;
  uint64_t tc = 0;  // the cycles of the rows with bounds (a whole network's CPU operators have none)
  for (const Row& r : rows) {
    if (!r.bounded) continue;
    const double bound = std::max(r.mac_bound, r.feed_bound);
    print_row(bcols, {r.name, std::to_string(r.s.cycles), fmt::format("{:.0f}", r.mac_bound),
                      fmt::format("{:.0f}", r.feed_bound), fmt::format("{:.1f}", bound > 0 ? r.s.cycles / bound : 0.0)},
              false);
    tm += r.mac_bound;
    tf += r.feed_bound;
    tc += r.s.cycles;
  }
  const double tb = std::max(tm, tf);
  print_row(bcols, {"total", std::to_string(tc), fmt::format("{:.0f}", tm), fmt::format("{:.0f}", tf),
                    fmt::format("{:.1f}", tb > 0 ? static_cast<double>(tc) / tb : 0.0)},
            false);
}

std::string layers_csv_header() {
  std::string csv =
      "layer,op,cycles,macs,utilisation,compute_cycles,stall_host,stall_fill_drain,stall_bank_swap,stall_readback,"
      "host_instructions,sram_reads,sram_writes,passes,latency_us,bit_exact,cpu_model,cpu_retired";
  for (const std::string& n : cpu_class_names()) csv += ",cpu_" + n;
  for (const std::string& n : mem_cause_names()) csv += ",data_mem_" + n;
  for (const std::string& n : mem_cause_names()) csv += ",fetch_miss_" + n;
  csv += ",icache_misses,dcache_misses,top_function,top_function_cycles,mac_bound,feed_bound,bound_ratio,mapping,"
         "mapping_why,raw_weights";
  return csv;
}

std::string layers_csv_row(const HwConfig& hw, const Row& r) {
  const LayerStats& s = r.s;
  std::string csv = fmt::format("{},{},{},{},{:.6f},{},{},{},{},{},{},{},{},{},{:.3f},{}", csv_field(r.name), r.op,
                                s.cycles, s.macs, s.utilisation(hw.rows, hw.cols), s.compute_cycles, s.stall_host,
                                s.stall_fill_drain, s.stall_bank_swap, s.stall_readback, s.host_instructions,
                                s.sram_reads, s.sram_writes, s.tiles, static_cast<double>(s.cycles) / hw.clock_mhz,
                                r.exact ? 1 : 0);
  csv += fmt::format(",{},{}", s.cpu.modelled ? "vexriscv" : "gap", s.cpu.retired);
  for (size_t k = 0; k < cpu_class_names().size(); ++k) csv += fmt::format(",{}", s.cpu.by_class[k]);
  for (size_t k = 0; k < mem_cause_names().size(); ++k) csv += fmt::format(",{}", s.cpu.data_mem_by_cause[k]);
  for (size_t k = 0; k < mem_cause_names().size(); ++k) csv += fmt::format(",{}", s.cpu.fetch_miss_by_cause[k]);
  const bool has_top = !s.cpu.top_functions.empty();
  const double bound = std::max(r.mac_bound, r.feed_bound);
  csv += fmt::format(",{},{},\"{}\",{},{:.1f},{:.1f},{:.3f}", s.cpu.icache_misses, s.cpu.dcache_misses,
                     has_top ? short_fn(s.cpu.top_functions[0].first) : "", has_top ? s.cpu.top_functions[0].second : 0,
                     r.mac_bound, r.feed_bound, bound > 0 ? s.cycles / bound : 0.0);
  csv += fmt::format(",{},{},{}", s.mapping, csv_field(s.mapping_why), s.raw_weights ? 1 : 0);
  return csv;
}

nlohmann::json row_json(const HwConfig& hw, const Row& r) {
  const double bound = std::max(r.mac_bound, r.feed_bound);
  nlohmann::json j = stats_json(r.s, hw);
  j["mac_bound"] = r.mac_bound;
  j["feed_bound"] = r.feed_bound;
  j["bound_ratio"] = bound > 0 ? r.s.cycles / bound : 0.0;
  j["name"] = r.name;
  j["op"] = r.op;
  j["bit_exact"] = r.exact;
  return j;
}

}  // namespace sasim::report
