// Typed configuration: hardware (the accelerator and its host CPU) and models.
//
// Contract: every loader either returns a fully validated struct or throws
// ConfigError carrying *all* problems found in that input, each with the file,
// line, column and dotted key path (`file:line:col: key.path: message`).
// Nothing outside src/config*.cc sees YAML. `--set key.path=value` overrides
// are applied to the parsed tree before validation, so they are checked by the
// same rules as file contents.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "sasim/dataflow.h"
#include "sasim/layer.h"

namespace sasim {

struct Diagnostic {
  std::string file;  // file name, or "--set K=V" for a command-line override
  int line = 0;      // 1-based; 0 when unknown
  int col = 0;       // 1-based; 0 when unknown
  std::string path;  // dotted key path, e.g. "array.rows" or "layers[2].stride"
  std::string message;
  std::string str() const;
};

class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(std::vector<Diagnostic> diags);
  const std::vector<Diagnostic>& diagnostics() const { return diags_; }

 private:
  std::vector<Diagnostic> diags_;
};

// One `--set key.path=value` override, as typed by the user.
struct Override {
  std::string key;
  std::string value;
  std::string text;  // "key=value" verbatim, for messages
};
// Splits "a.b=c"; throws ConfigError when there is no '=' or the key is empty.
Override parse_override(const std::string& text);

// Whole-string scalar parses shared by config readers and the command line:
// no silent truncation ("1.5" is not an integer, "12abc" is an error).
bool parse_int64(const std::string& s, int64_t* out);
bool parse_double(const std::string& s, double* out);

const char* dataflow_name(Dataflow d);  // "ws" / "os"

struct BufferConfig {
  int64_t size_bytes = 0;   // per bank
  bool double_buffered = true;
};

// Cycle costs of the board's CPU (VexRiscv, 5-stage, in order) around CFU
// instructions; defaults from ../shared/cfu-playground.md. Used by the host
// driver's timing model to decide the cycle each instruction is issued.
struct HostTiming {
  int cfu_issue_cycles = 1;        // a CFU instruction in the execute stage
  int load_cycles = 2;             // an operand load that a CFU op waits behind
  int store_cycles = 1;            // storing a read-back word to memory
  int loop_overhead_cycles = 2;    // increment + compare + branch per loop iteration
};

// The board's CPU for the CPU model (src/cpu/, docs/cpu-model.md): which
// VexRiscv core (cpu.variant), its caches and the memory latency seen by its
// Wishbone buses. Defaults: CFU Playground's 2022 perf+cfu core at the
// documented DDR point 24/2/3.
enum class CpuVariant {
  kPerfCfu,      // "perf+cfu": CFU Playground's own VexRiscv_PerfCfu.v (2022-08, VexRiscv 24795ef0)
  kFullCfu,      // "full+cfu": pythondata-cpu-vexriscv 11ac8e1's VexRiscv_FullCfu.v (same generator,
                 // 4 KiB caches, no performance-counter CSRs): what a plain `make prog` builds
  kPerfCfu2021,  // "perf+cfu-2021": pythondata-cpu-vexriscv 9f85993's VexRiscv_PerfCfu.v (2021-09,
                 // VexRiscv 68e704f3): the CfuPlugin that forks (F19) and replays (F20-F22)
};
const char* cpu_variant_name(CpuVariant v);  // "perf+cfu", "full+cfu", "perf+cfu-2021"
// The caches a variant is generated with (cpu.icache_bytes / cpu.dcache_bytes
// default to it).
int cpu_variant_cache_bytes(CpuVariant v);

// What the CPU's buses see behind them (cpu.memory.model, docs/memory-model.md).
enum class CpuMemoryModel {
  kBoard,  // "board": the Nexys A7 SoC's path: shared bus, LiteX L2, LiteDRAM + DDR2
  kFixed,  // "fixed": a fixed latency per access (memory.read_first / read_beat / write)
};

const char* memory_model_name(CpuMemoryModel m);  // "board", "fixed"

struct CpuConfig {
  CpuVariant variant = CpuVariant::kPerfCfu;
  CpuMemoryModel memory_model = CpuMemoryModel::kBoard;
  int icache_bytes = 8192;  // direct-mapped, power of two (default: the variant's)
  int dcache_bytes = 8192;  // direct-mapped, write-through, no write-allocate (default: the variant's)
  int line_bytes = 32;      // both caches
  int read_first = 24;      // memory.read_first: STB to ACK of a read's first beat (fixed model)
  int read_beat = 2;        // memory.read_beat: each further beat of a refill burst (fixed model)
  int write = 3;            // memory.write: each (write-through) store (fixed model)
  bool refresh = true;      // memory.refresh: DRAM refresh (board model; false is an ablation)
  int l2_bytes = 8192;      // l2.size_bytes: LiteX's L2 (board model; 0 = none)
  int l2_line_bytes = 16;   // l2.line_bytes
  // memory.ram_bytes: main_ram at 0x40000000 (Nexys A7: 128 MiB DDR2; Arty:
  // 256 MiB). Programs, the runner's arena and the stack live in it.
  uint32_t ram_bytes = 128u << 20;
};
// How reports name the memory: "fixed 24/2/3" or "board: L2 8 KiB, nexys_a7 DDR2".
std::string memory_description(const CpuConfig& c);

struct HwConfig {
  int rows = 8;
  int cols = 8;
  Dataflow dataflow = Dataflow::kWeightStationary;
  bool im2col = true;  // the im2col extension (array.im2col; os: its tile form)
  // array.read_prefetch: the pipelined post-processor working ahead of the
  // read pointer; false: the combinational one of the board reference.
  bool read_prefetch = true;
  // array.eltwise: the elementwise extension (EW_CONFIG, EW_MULT, EW_OP:
  // ADD, SUB, MUL on the CFU); false: the command set of the board reference.
  bool eltwise = true;
  BufferConfig buf_a, buf_b, buf_c;
  // buffers.w: the weight store (docs/command-set.md), single-buffered;
  // 0 bytes: none. Only with the im2col extension.
  BufferConfig buf_w{0, false};
  double clock_mhz = 75.0;
  HostTiming host;
  CpuConfig cpu;
  std::string source;  // file it came from, or "<embedded default>"
  std::vector<Override> overrides;  // the --set overrides applied, for messages
  // Where a key's value came from: "--set K=V" when overridden, else `source`.
  std::string origin_of(const std::string& key) const {
    for (const Override& o : overrides)
      if (o.key == key) return "--set " + o.text;
    return source;
  }
  // The first --set of a key under any of `prefixes` ("array" covers
  // array.rows), else the source file: what to blame for a problem of a whole
  // section.
  std::string origin_of_section(std::initializer_list<const char*> prefixes) const {
    for (const Override& o : overrides)
      for (const char* p : prefixes)
        if (o.key == p || o.key.rfind(std::string(p) + ".", 0) == 0) return "--set " + o.text;
    return source;
  }
};

// The embedded default (8x8, weight-stationary), used when no --hw is given.
const char* default_hw_yaml();

// Loads `path` (or the embedded default when empty), applies the overrides,
// validates. Throws ConfigError.
HwConfig load_hw_config(const std::string& path, const std::vector<Override>& overrides);
HwConfig parse_hw_config(const std::string& yaml_text, const std::string& source_name,
                         const std::vector<Override>& overrides);
// The resolved configuration as YAML (every key, defaults filled in), written
// next to results so a run can be reproduced exactly.
std::string hw_config_to_yaml(const HwConfig& hw);

// A model layer: the spec plus where its tensors come from.
struct ModelLayer {
  LayerSpec spec;
  // Seeded generation (used when filter_file is empty): int8 weights uniform in
  // [-127, 127], int32 bias uniform in [-bias_range, bias_range], int8 input
  // uniform in [-128, 127], all from std::mt19937 with the given seeds.
  uint32_t weight_seed = 0;
  uint32_t input_seed = 0;
  std::string filter_file, bias_file;  // resolved paths, raw little-endian
  Diagnostic filter_at, bias_at;       // where the config names them (for errors reading them)
};

// A whole-network model config (one with a top-level `input:`): every entry
// of `layers:` is an operator, in execution order, reading named tensors (the
// model input or an earlier entry's output) and producing one tensor named
// after the entry. Accelerator entries are also in ModelConfig::layers (so
// check, sweep and cosim still run each alone on its seeded input); CPU
// operators exist only here. docs/model-config.md describes the keys.
struct GraphTensor {  // the model input, or a constant operand read from `file`
  std::string name;
  std::vector<int> shape;
  double scale = 0;
  int zero_point = 0;
  std::string file;  // resolved path; empty for the model input
  Diagnostic file_at;  // where the config names it (for errors reading it)
};
struct GraphOperand {
  std::string name;                 // an earlier entry or the model input; empty for a constant
  int constant = -1;                // index into ModelConfig::constants
};
struct GraphNode {
  std::string name;
  std::string op;     // "conv2d", ..., "add", "average_pool_2d", ...: the YAML spelling
  int layer = -1;     // accelerator entries: index into ModelConfig::layers
  int line = 0, column = 0;  // 1-based position of the entry, for messages
  std::vector<GraphOperand> inputs;
  // The output tensor: its shape, int8 quantization, or float32 (dequantize).
  std::vector<int> output_shape;
  double output_scale = 0;
  int output_zero_point = 0;
  bool output_float = false;
  // CPU operator parameters (those of its op only; see docs/model-config.md).
  std::string activation = "none";  // none, relu, relu6, relu_n1_to_1
  int filter_h = 1, filter_w = 1, stride_h = 1, stride_w = 1;
  bool padding_same = false;
  std::vector<std::pair<int, int>> paddings;  // pad/padv2: (before, after) per dimension
  bool has_pad_value = false;
  int pad_value = 0;
  std::vector<int> axes;  // mean
  int axis = 0;           // concatenation
  double beta = 1.0;      // softmax
  double alpha = 0.0;     // leaky_relu
};

struct ModelConfig {
  std::string name;
  std::string source;
  std::vector<ModelLayer> layers;
  // Whole-network configs only (`input:` present): the graph, in order.
  bool whole_network = false;
  GraphTensor input;
  std::string output;  // the entry whose tensor is the network's output
  std::vector<GraphNode> graph;
  std::vector<GraphTensor> constants;
};

ModelConfig load_model_config(const std::string& path, const std::vector<Override>& overrides);
// Whether the file at `path` carries the TFLite identifier ("TFL3" at byte
// 4): a .tflite model, not a model config. False when it cannot be read.
bool is_tflite_file(const std::string& path);
// Layers whose input is no earlier layer's output (nor the model's input):
// one warning each, naming both layers.
std::vector<std::string> model_shape_warnings(const ModelConfig& m);
ModelConfig parse_model_config(const std::string& yaml_text, const std::string& source_name,
                               const std::string& base_dir, const std::vector<Override>& overrides);
// A whole-network config's constant operand: its int8 values from its file.
// Throws ConfigError naming the file on a size mismatch or read failure.
std::vector<int8_t> read_constant_tensor(const GraphTensor& t);
// Materialises the tensors of one layer (reads .bin files or generates them).
// Throws ConfigError naming the file on a size mismatch or read failure.
LayerData make_layer_data(const ModelLayer& layer);

}  // namespace sasim
