// sasim board's reading of what the firmware printed: TFLite Micro's
// profile (parse_profile), and with --model its comparison, operator by
// operator, with `sasim run` of the same model on the same configuration
// (compare_with_run; docs/board.md, "Against sasim run").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sasim/config.h"

namespace sasim {

namespace tflite {
struct Model;
struct Imported;
}  // namespace tflite

// TFLite Micro's profile as the firmware prints it: a line "Event","Tag","Ticks"
// and then "N,TAG,TICKS" lines (1 tick = 1024 cycles), once per inference
// (numbered from 1).
struct ProfileRow {
  int inference;
  std::string event, tag;
  uint64_t ticks;
};
std::vector<ProfileRow> parse_profile(const std::string& uart_text);

// Each "N cycles total" the firmware printed, in order: N plain, or as CFU
// Playground's common/src/perf.c prints it, "  3595k (      3595000 )  cycles
// total" (the exact figure in parentheses).
std::vector<uint64_t> firmware_totals(const std::string& uart_text);

struct ProfileComparison {
  bool matched = false;  // the profile's operators are the model's, in order
  std::string text;      // for stderr: the table and its totals, or why there is none
  std::string csv;       // compare.csv (matched only)
};
// The last inference of `rows` against `sasim run` of the model (m, im) on
// hw: each operator's cycles in the firmware (ticks x 1024) beside run's,
// the difference, and the totals beside the firmware's last "cycles total"
// (firmware_total, 0: none). run_dir receives `sasim run`'s files.
ProfileComparison compare_with_run(const HwConfig& hw, const std::string& model_path, const tflite::Model& m,
                                   const tflite::Imported& im, const std::vector<ProfileRow>& rows,
                                   uint64_t firmware_total, const std::string& run_dir);

}  // namespace sasim
