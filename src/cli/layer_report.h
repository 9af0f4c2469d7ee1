// The per-layer (per-operator) report of `sasim run`: the terminal tables
// (array cycles by cause, the CPU's cycles by class and their memory causes,
// the bounds), layers.csv's columns and report.json's rows, shared by
// layer-list runs (run.cc) and whole networks (run_tflite.cc).
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

#include "cpu/feed_bench.h"
#include "sasim/config.h"
#include "sasim/engine.h"

namespace sasim::report {

// One row: a layer on the CFU, or a CPU operator (bounded = false: the
// array's columns are 0 and it has no bounds).
struct Row {
  std::string name, op;
  LayerStats s;
  bool exact;
  double mac_bound = 0, feed_bound = 0;  // docs/bounds.md
  bool bounded = true;
};

nlohmann::json cpu_json(const CpuStats& c, uint64_t cycles);
nlohmann::json stats_json(const LayerStats& s, const HwConfig& hw);
// Adds s into *t (cycles, causes, the CPU's classes, top functions).
void accumulate(LayerStats* t, const LayerStats& s);
// A CSV field: quoted when it holds a comma, quote or line break.
std::string csv_field(const std::string& s);

// One column of a terminal table: header, width, whether only --wide shows it.
struct Column {
  const char* head;
  int width;
  bool wide_only;
  bool left = false;  // text columns
};
// Prints cells right-aligned under `cols` (the first left-aligned), skipping
// wide-only columns unless `wide`.
void print_row(const std::vector<Column>& cols, const std::vector<std::string>& cells, bool wide);
void print_head(const std::vector<Column>& cols, bool wide);
// Short function names for the terminal: "sasim_drv::run_layer(...)" -> "run_layer".
std::string short_fn(std::string n);

// The array's table: its columns (--wide: all) and one row's cells; the
// whole table for the rows on the array (a whole network's CFU layers).
std::vector<Column> array_columns();
std::vector<std::string> array_cells(const HwConfig& hw, const std::string& name, const std::string& op,
                                     const LayerStats& s, const std::string& exact);
void print_array_table(const HwConfig& hw, const std::vector<Row>& rows, bool wide);

// The CPU's cycles by class per row and in total (with --wide the misses and
// the top function), the board memory path's causes of its two memory
// classes, and warnings for CfuPlugin forks and replayed commands.
void print_cpu_tables(const HwConfig& hw, const std::vector<Row>& rows, const LayerStats& total, bool wide);
// The bounds table: the rows with bounds, and their total.
void print_bounds(const std::vector<Row>& rows, const cpu::FeedRates& feed);
// A warning on stderr naming every CFU layer the driver runs on its legacy
// tile loop ({name, why} each), if any, a line per reason: a silent slow
// path would be read as a property of the design. The rows' form:
// legacy_layers.
void warn_legacy(const std::vector<std::pair<std::string, std::string>>& layers);
std::vector<std::pair<std::string, std::string>> legacy_layers(const std::vector<Row>& rows);

// layers.csv: the header (no newline) and one row's line (no newline).
std::string layers_csv_header();
std::string layers_csv_row(const HwConfig& hw, const Row& r);
// report.json's object for one row.
nlohmann::json row_json(const HwConfig& hw, const Row& r);

}  // namespace sasim::report
