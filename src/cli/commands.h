// The sasim command-line tool: the only code that knows about processes, files
// given by the user and exit codes (0 ok, 1 mismatch or simulation failure,
// 2 usage or configuration error).
#pragma once

#include <string>
#include <vector>

#include "sasim/config.h"

namespace sasim {

constexpr int kExitOk = 0;
constexpr int kExitMismatch = 1;
constexpr int kExitUsage = 2;

// Options every subcommand shares.
struct CommonOptions {
  std::string hw_path;  // empty: the embedded default
  std::vector<Override> overrides;
};

struct RunOptions {
  std::string model_path;
  std::vector<Override> model_overrides;  // --set model.KEY=VALUE, applied to the model config
  std::string out_dir;                    // empty: out/<model name>
  std::string trace;                      // "", "vcd" or "timeline"
};

// Runs a whole model on the SystemC engine; prints the per-layer profile and
// writes layers.csv, report.json and the resolved hardware config.
int cmd_run(const CommonOptions& common, const RunOptions& opt);

int cmd_check(const CommonOptions& common, const std::string& engine, const std::vector<std::string>& cases);

}  // namespace sasim
