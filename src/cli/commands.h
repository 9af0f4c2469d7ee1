// The sasim command-line tool: the only code that knows about processes, files
// given by the user and exit codes (0 ok, 1 mismatch or simulation failure,
// 2 usage or configuration error).
#pragma once

#include <cstdint>
#include <signal.h>
#include <string>
#include <utility>
#include <vector>

#include "export/cfu_project.h"  // OperatorCycles
#include "sasim/config.h"
#include "sasim/layer.h"

namespace sasim::tflite {
struct Model;
struct Imported;
struct ImportedLayer;
struct ArenaPlan;
}  // namespace sasim::tflite
namespace sasim_drv {
struct HwDesc;
}  // namespace sasim_drv

namespace sasim {
struct EngineOptions;

// "0.1.0 (git <rev>)", generated at build time (cmake/version.cmake).
}  // namespace sasim
const char* sasim_version();
namespace sasim {

constexpr int kExitOk = 0;
constexpr int kExitMismatch = 1;
constexpr int kExitUsage = 2;

// Creates `dir` and its parents; ConfigError (exit 2) naming it on failure.
void make_dirs(const std::string& dir);

struct LayerCase;
// Loads one CASE_DIR argument of check/cosim. A regular file (a README caught
// by a shell glob) is skipped with a note; an unreadable or inconsistent case
// is reported on stderr and counted in *bad. Returns true when `c` is loaded.
bool load_case_arg(const std::string& dir, LayerCase* c, int* bad);
// Exit 2 when the arguments held no case directory at all.
void require_some_case(int loaded, int bad);

// Options every subcommand shares.
struct CommonOptions {
  std::string hw_path;  // empty: the embedded default
  std::vector<Override> overrides;
};

// Ctrl-C while a command simulates: SIGINT sets a flag that the command
// checks between steps it can stop at (a layer, an operator, a slice of a
// program's cycles), then writes what is complete and exits 130. One scope
// per command; the previous handler comes back when it ends.
class SigintScope {
 public:
  SigintScope();
  ~SigintScope();
  SigintScope(const SigintScope&) = delete;
  SigintScope& operator=(const SigintScope&) = delete;
  static bool interrupted();
  // Test hook: SASIM_TEST_SIGINT_AFTER_LAYERS=N raises SIGINT before step N
  // (a layer, an operator, an exec slice of 20 M cycles).
  static void test_hook(size_t step);

 private:
  struct sigaction old_ = {};
};
constexpr int kExitInterrupted = 130;

// The output directory is a directory we can write (checked before any
// simulation: a file, or a read-only directory, would otherwise fail at the end).
void check_writable_dir(const std::string& dir);
// Writes `text` to `path` through a temporary file and a rename, so that an
// earlier file there is never left half-written (ConfigError naming it).
void write_file_atomic(const std::string& path, const std::string& text);

class Engine;

struct RunOptions {
  std::string model_path;
  std::vector<Override> model_overrides;  // --set model.KEY=VALUE, applied to the model config
  std::string out_dir;                    // empty: out/<model name>
  std::string trace;                      // "", "vcd" or "timeline"
  std::string cpu = "vexriscv";           // --cpu: vexriscv | gap
  bool wide = false;                      // --wide: every column of the tables
  bool cold_layers = false;               // --cold-layers: every layer and operator on a fresh board
  bool no_fuse = false;                   // --no-fuse: no elementwise operator fused into a layer's readback
  std::vector<std::string> trace_layers;  // --trace-layer NAME (repeatable)
  std::string trace_cycles;               // --trace-cycles FROM:TO
  std::string input_path;                 // .tflite models: --input FILE (.bin or .npy)
  int64_t input_seed = 1;                 // .tflite models: --input-seed N
  bool input_seed_given = false;         // --input-seed was on the command line
  // For callers (export-cfu --model): nothing on stdout, and every
  // operator's cycles into *per_operator when set.
  bool quiet = false;
  std::vector<OperatorCycles>* per_operator = nullptr;
  // The caller's engine (a process has one SystemC elaboration; export-cfu
  // has made it for its self-test): used instead of a new one, with the
  // caller's options (no traces); the caller finishes it.
  Engine* engine = nullptr;
};

// The exported bridge's preparation store (bytes, layers) that im's layers
// need on hw: the export's defaults, or more (StoreAllocator::
// store_bytes_for). export-cfu --model writes it into the project's
// Makefile, and sasim run models that project.
std::pair<unsigned, int> prepared_store(const sasim_drv::HwDesc& hw, const tflite::Imported& im);

// A .tflite model end to end (src/cli/run_tflite.cc).
int cmd_run_tflite(const CommonOptions& common, const RunOptions& opt);
// A whole network (from a .tflite file or a whole-network model config), on
// `hw`, its input from opt.input_path / opt.input_seed.
int run_network(const HwConfig& hw, const RunOptions& opt, const tflite::Model& m, const tflite::Imported& im);
// Whether the operator after the CFU layer at position pos of m is fused
// into its readback (tflite::fusable_eltwise, then the driver's
// sasim_drv::fused_eltwise_supported for hw): then *spec is the layer's with
// the operator (LayerSpec::fused) and *x_index its other input. The runner
// (run_network) and export-cfu --model decide the same way. With `plan`
// (TFLite Micro's arena plan, tflite/arena_plan.h), the layers where the
// plan puts the operator's output over the layer's input run in place
// (LayerSpec::in_place) where the driver can (sasim_drv::in_place_supported);
// false where it cannot, or where the output lies over the operator's other
// input, as the exported bridge decides; *prevented is then set (the runner
// says so).
bool fusion_after(const sasim_drv::HwDesc& hw, const tflite::Model& m, size_t pos, const tflite::ImportedLayer& layer,
                  LayerSpec* spec, int* x_index, const tflite::ArenaPlan* plan = nullptr, bool* prevented = nullptr);
// The output keep (docs/microarchitecture.md, "Output kept in A"): whether
// the layer at position pos leaves its output in the CFU's A bank for the
// next operator, a CFU layer (`next`) whose input is that output, and the
// next takes it from there: neither runs fused with an operator after it in
// the producer's case, both on the CFU by the driver's cost model, and the
// driver's keep_out_supported / kept_in_supported. 0: no; 1: kept, the
// output stored too; 2: kept only, the next operator being the output's only
// reader (not a model output). The runner (run_network) and export-cfu
// --model (src/sasim_fuse.h's keep table) decide the same way.
// Whether the CFU's elementwise unit takes the tables of the elementwise
// chain at operator pos (tflite::elementwise_chain), as the exported bridge
// builds them: the chain then runs as one table pass.
bool chain_supported(const sasim_drv::HwDesc& hw, const tflite::Model& m, size_t pos);
// Paired layers (sasim_drv::run_pair): per operator, whether it runs with
// the next one, a CFU layer that is its output's only reader (no model
// output), band by band, its output never stored: the graph's rule and the
// driver's (pair_supported on the two at the arena plan's addresses, both
// weights in the store), neither fused nor in an output-keep chain, each
// layer in one pair at most (where the next layer pairs over a larger
// tensor, that pair goes first). The runner (run_network, which also needs
// the store's room) and export-cfu --model (the keep table's bits 3 and 4)
// decide so.
std::vector<bool> paired_layers(const sasim_drv::HwDesc& hw, const tflite::Model& m, const tflite::Imported& im);
int keep_chain_after(const sasim_drv::HwDesc& hw, const tflite::Model& m, size_t pos,
                      const tflite::ImportedLayer& layer, const tflite::ImportedLayer* next);
// --trace, --trace-layer (one of `names`, from `source`) and --trace-cycles
// into *eo, validated; the trace files go to out_dir.
void set_trace_options(const RunOptions& opt, const std::vector<std::string>& names, const std::string& source,
                       const std::string& out_dir, EngineOptions* eo);

// Runs a whole model on the SystemC engine; prints the per-layer profile and
// writes layers.csv, report.json and the resolved hardware config.
int cmd_run(const CommonOptions& common, const RunOptions& opt);

struct SweepOptions {
  std::string spec_path;
  int jobs = 1;
  std::string out_dir;  // empty: out/sweep
  int shard = 0, shards = 1;
  bool resume = false;
  std::vector<std::string> merge_dirs;  // non-empty: merge mode
  std::string cpu = "vexriscv";          // --cpu, passed to every point's run
};

// Runs a design-space sweep (or merges shard outputs); exit 1 if any point failed.
int cmd_sweep(const SweepOptions& o);

// Prints the resolved hardware config and the bank geometry derived from it
// (lines per bank), as YAML; used by scripts/synth for the RTL parameters.
int cmd_config(const CommonOptions& common);

struct CosimOptions {
  std::string model_path;          // optional: every layer of a model, in sequence
  std::vector<Override> model_overrides;
  std::vector<std::string> cases;  // case directories
  std::string out_dir;             // mismatch waveforms (default: out/cosim)
  std::string cpu = "vexriscv";    // --cpu: vexriscv | gap
};

// Lock-step co-simulation of the model and the Verilated RTL: MATCH/MISMATCH
// per case or layer, then "N passed, M failed"; exit 1 on any mismatch.
int cmd_cosim(const CommonOptions& common, const CosimOptions& o);

struct ExportOptions {
  std::string out_dir;  // the project folder to write
  std::string model_path;  // --model: a .tflite whose fusable layers the bridge fuses (empty: none)
  std::string name;     // empty: the folder's name
  bool force = false;   // replace an earlier export in out_dir
  // --selftest-case: layer cases (../shared/vectors' format) the self-test
  // runs after its own three layers, e.g. a model's own layers.
  std::vector<std::string> selftest_cases;
};

// Writes a CFU Playground project for the configuration (src/cli/export_cfu.cc).
int cmd_export_cfu(const CommonOptions& common, const ExportOptions& o);

struct ExecOptions {
  std::string elf_path;
  int64_t max_cycles = 2'000'000'000;  // --max-cycles: at least 1
};

// Runs a bare-metal rv32im ELF on the board model; console to stdout, then
// "result words: ..." and "exit code N after C cycles". Exit 1 when the
// program stops otherwise (cycle limit, illegal instruction, bad access).
int cmd_exec(const CommonOptions& common, const ExecOptions& o);

struct BoardOptions {
  std::string elf_path;
  std::string csr_json;   // --csr-json: the build's csr.json
  std::string cfu = "model";  // --cfu model | rtl | PATH/cfu.v
  int64_t cfu_timeout = 10'000'000;  // --cfu-timeout: cycles a CFU instruction may wait (0: forever)
  std::string uart_in;    // --uart-in TEXT|@FILE
  std::string until;      // --until TEXT: stop once the UART has printed it
  int64_t max_cycles = 4'000'000'000;
  // --idle-cycles: end (exit 0) once all of --uart-in was taken and the UART
  // has printed nothing for this long (0: never)
  int64_t idle_cycles = 200'000'000;
  std::string out_dir;    // --out DIR: report.json, functions.csv, profile.csv, uart.txt
  std::string trace;      // --trace timeline: DIR/timeline.json (Perfetto)
  // --model FILE.tflite: the model the firmware runs; its last profiled
  // inference against `sasim run` of it, operator by operator
  std::string model_path;
};

// Runs a CFU Playground firmware on the simulated board (docs/board.md):
// UART output to stdout as it is sent, a summary on stderr. Exit 0 when it
// ends (--until matched, main returned, the sim finish register), 1 when it
// stops otherwise (cycle limit, an unmodelled register, a trap with no
// handler).
int cmd_board(const CommonOptions& common, const BoardOptions& o);

// Imports a .tflite model: its CONV_2D, DEPTHWISE_CONV_2D and
// FULLY_CONNECTED layers as a sasim model config with the weights beside it.
int cmd_import(const std::string& tflite_path, const std::string& out_yaml);

int cmd_check(const CommonOptions& common, const std::string& engine, const std::vector<std::string>& cases,
              const std::string& cpu = "vexriscv");

}  // namespace sasim
