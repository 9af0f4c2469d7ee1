#include "sasim/config.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdlib>
#include <cstring>

#include <sys/stat.h>
#include <fstream>
#include <random>
#include <sstream>

#include "config/graph_yaml.h"
#include "config/layer_yaml.h"
#include "config/yaml_reader.h"

namespace sasim {

const char* dataflow_name(Dataflow d) { return d == Dataflow::kWeightStationary ? "ws" : "os"; }

const char* cpu_variant_name(CpuVariant v) {
  switch (v) {
    case CpuVariant::kPerfCfu: return "perf+cfu";
    case CpuVariant::kFullCfu: return "full+cfu";
    case CpuVariant::kPerfCfu2021: return "perf+cfu-2021";
  }
  return "?";
}

const char* memory_model_name(CpuMemoryModel m) { return m == CpuMemoryModel::kFixed ? "fixed" : "board"; }

std::string memory_description(const CpuConfig& c) {
  if (c.memory_model == CpuMemoryModel::kFixed)
    return fmt::format("fixed {}/{}/{}", c.read_first, c.read_beat, c.write);
  std::string l2 = !c.l2_bytes           ? std::string("no L2")
                   : c.l2_bytes % 1024 ? fmt::format("L2 {} bytes", c.l2_bytes)
                                       : fmt::format("L2 {} KiB", c.l2_bytes / 1024);
  return fmt::format("board: {}, nexys_a7 DDR2{}", l2, c.refresh ? "" : ", refresh off");
}

int cpu_variant_cache_bytes(CpuVariant v) { return v == CpuVariant::kFullCfu ? 4096 : 8192; }

// The embedded default is also configs/default.yaml (a test keeps them equal).
const char* default_hw_yaml() {
  return R"(# sasim hardware configuration: 8x8 weight-stationary array on the Nexys A7.
array:
  rows: 8
  cols: 8
  dataflow: ws          # ws (weight-stationary) | os (output-stationary)
  im2col: true          # the CFU walks the input itself (ws: im2col rows; os: im2col tiles; docs/command-set.md)
  read_prefetch: true   # the post-processor requantizes ahead of READ NEXT (pipelined for 75 MHz)
  eltwise: true         # elementwise ADD/SUB/MUL on the CFU (docs/command-set.md)
buffers:                # per bank; 32-bit words so that they map to block RAM
  a: {size_bytes: 32768, double_buffered: true}   # activations (im2col rows; docs/microarchitecture.md, 4)
  b: {size_bytes: 8192, double_buffered: true}    # weights
  c: {size_bytes: 16384, double_buffered: true}   # int32 accumulators / outputs
  w: {size_bytes: 98304}                          # weight store: weights kept across layers and inferences (im2col)
clock_mhz: 75
host:                   # VexRiscv cycle costs around CFU instructions
  cfu_issue_cycles: 1
  load_cycles: 2
  store_cycles: 1
  loop_overhead_cycles: 2
cpu:                    # the board's CPU for the CPU model (docs/cpu-model.md)
  variant: perf+cfu     # perf+cfu (CFU Playground's 2022 core) | full+cfu (4 KiB caches: plain `make prog`) | perf+cfu-2021
                        # icache_bytes / dcache_bytes: the variant's (8 KiB; full+cfu 4 KiB) unless set
  line_bytes: 32
  memory:               # what the CPU's buses see (docs/memory-model.md)
    model: board        # board: the Nexys A7 SoC's shared bus, L2, LiteDRAM and DDR2 | fixed: the latencies below
    board: nexys_a7     # the board's DRAM: nexys_a7 (MT47H64M16 DDR2, 1:2 PHY at 75 MHz)
    refresh: true       # DRAM refresh every 7.8 us (false: an ablation, not the board)
    read_first: 24      # fixed model: first beat of a read (line refill, uncached load)
    read_beat: 2        # fixed model: each further beat of a refill burst
    write: 3            # fixed model: each store (write-through)
    ram_bytes: 134217728  # main_ram: the Nexys A7's 128 MiB DDR2 (Arty: 268435456)
  l2:                   # LiteX's L2 in front of the DRAM (board model): direct mapped, write-back, write-allocate
    size_bytes: 8192    # 0: none
    line_bytes: 16
)";
}

namespace {

// The size of a regular file; ConfigError when it is missing or not a file.
uint64_t regular_file_size(const std::string& path, const char* what) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0)
    throw ConfigError({{path, 0, 0, "", fmt::format("cannot open {}: {}", what, std::strerror(errno))}});
  if (S_ISDIR(st.st_mode)) throw ConfigError({{path, 0, 0, "", fmt::format("is a directory, not a {}", what)}});
  if (!S_ISREG(st.st_mode)) throw ConfigError({{path, 0, 0, "", fmt::format("is not a regular file (a {} is)", what)}});
  return static_cast<uint64_t>(st.st_size);
}

std::string read_file_or_throw(const std::string& path, const char* what) {
  regular_file_size(path, what);
  std::ifstream f(path, std::ios::binary);
  if (!f) throw ConfigError({{path, 0, 0, "", fmt::format("cannot open {}: {}", what, std::strerror(errno))}});
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

constexpr uint64_t kMaxConfigBytes = 64u << 20;


// A YAML config: a text file. Says what a binary file is when it can tell.
std::string read_text_config(const std::string& path, const char* what) {
  if (regular_file_size(path, what) > kMaxConfigBytes)
    throw ConfigError({{path, 0, 0, "", fmt::format("is larger than 64 MiB: not a {}", what)}});
  const std::string text = read_file_or_throw(path, what);
  if (text.size() >= 8 && text.compare(4, 4, "TFL3") == 0)
    throw ConfigError({{path, 0, 0, "", fmt::format("this is a TFLite model (.tflite), not a {}: import its "
                                                     "accelerator layers first (sasim import {} --out models/NAME.yaml)",
                                                     what, path)}});
  if (path.size() > 7 && path.compare(path.size() - 7, 7, ".tflite") == 0) {
    // Named as a TFLite model but without its identifier: a damaged file,
    // not a config that happens to be binary.
    std::string id;
    for (size_t i = 4; i < 8 && i < text.size(); ++i) id += fmt::format("{:02x}", static_cast<unsigned char>(text[i]));
    throw ConfigError({{path, 0, 0, "", fmt::format("a damaged TFLite file: the FlatBuffer identifier at offset 4 is "
                                                     "{} (hex), not 'TFL3'{}",
                                                     id.empty() ? "missing" : id,
                                                     text.size() < 8 ? " (the file is shorter than 8 bytes)" : "")}});
  }
  if (text.size() >= 4 && text.compare(0, 4, "\x7f" "ELF") == 0)
    throw ConfigError({{path, 0, 0, "", fmt::format("this is an ELF program, not a {}: run it with sasim exec", what)}});
  int line = 1;
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\n') ++line;
    if (c < 0x20 && c != '\n' && c != '\r' && c != '\t')
      throw ConfigError({{path, line, 0, "", fmt::format("not a text file (byte 0x{:02x} at offset {}): not a {}", c, i,
                                                          what)}});
  }
  return text;
}

constexpr int64_t kMaxBufferBytes = int64_t{16} << 20;

void read_buffer(MapReader& parent, const char* key, BufferConfig* b) {
  MapReader r = parent.child(key);
  if (r.ok()) {
    if (r.get_int("size_bytes", int64_t{64}, kMaxBufferBytes, &b->size_bytes) && b->size_bytes % 4 != 0)
      r.error("size_bytes", fmt::format("{} is not a multiple of 4 (buffers hold 32-bit words)", b->size_bytes));
    r.get_bool("double_buffered", &b->double_buffered);
  }
  r.finish();
}

// Parses `text` and applies the overrides; syntax or override errors throw.
YAML::Node load_tree(ReadContext* ctx, const std::string& text, const std::string& source,
                     const std::vector<Override>& overrides) {
  ctx->file = source;
  YAML::Node root = parse_yaml_text(ctx, text);
  ctx->throw_if_errors();
  apply_overrides(ctx, &root, overrides);
  ctx->throw_if_errors();
  return root;
}

}  // namespace

HwConfig parse_hw_config(const std::string& text, const std::string& source, const std::vector<Override>& overrides) {
  ReadContext ctx;
  YAML::Node root = load_tree(&ctx, text, source, overrides);

  HwConfig hw;
  hw.source = source;
  hw.overrides = overrides;
  MapReader top(&ctx, root, "");
  if (top.ok() && top.has("layers") && !top.has("array"))
    throw ConfigError({{source, 1, 1, "", "this looks like a model config (it has layers:); did you mean --model?"}});
  {
    MapReader a = top.child("array");
    a.get_int("rows", 1, 64, &hw.rows);
    a.get_int("cols", 1, 64, &hw.cols);
    std::string df;
    if (a.get_enum("dataflow", {"ws", "os"}, &df))
      hw.dataflow = df == "ws" ? Dataflow::kWeightStationary : Dataflow::kOutputStationary;
    // The im2col extension (docs/command-set.md), either dataflow: on
    // unless `im2col: false`, which gives the command set the board
    // reference was measured with.
    a.get_bool("im2col", &hw.im2col, false);
    // The pipelined post-processor that works ahead of the read pointer
    // (docs/command-set.md, "READ NEXT"); `false` is the combinational one
    // the board reference was measured with (READ NEXT latency 2).
    a.get_bool("read_prefetch", &hw.read_prefetch, false);
    // The elementwise extension (docs/command-set.md), either dataflow.
    a.get_bool("eltwise", &hw.eltwise, false);
    a.finish();
  }
  {
    MapReader b = top.child("buffers");
    read_buffer(b, "a", &hw.buf_a);
    read_buffer(b, "b", &hw.buf_b);
    read_buffer(b, "c", &hw.buf_c);
    // The weight store: one bank (no double_buffered key), 0 for none.
    if (b.has("w")) {
      MapReader w = b.child("w");
      if (w.get_int("size_bytes", int64_t{0}, kMaxBufferBytes, &hw.buf_w.size_bytes) && hw.buf_w.size_bytes % 8 != 0)
        w.error("size_bytes", fmt::format("{} is not a multiple of 8 (the store is written 8 bytes at a time)",
                                          hw.buf_w.size_bytes));
      w.finish();
    }
    b.finish();
  }
  top.get_double("clock_mhz", 1.0, 1000.0, &hw.clock_mhz);
  // The host section is optional as a whole: its defaults are the documented
  // VexRiscv figures, and the resolved config written with results shows them.
  if (top.has("host")) {
    MapReader h = top.child("host");
    h.get_int("cfu_issue_cycles", 1, 1000, &hw.host.cfu_issue_cycles, false);
    h.get_int("load_cycles", 0, 1000, &hw.host.load_cycles, false);
    h.get_int("store_cycles", 0, 1000, &hw.host.store_cycles, false);
    h.get_int("loop_overhead_cycles", 0, 1000, &hw.host.loop_overhead_cycles, false);
    h.finish();
  }
  // The cpu section is optional as a whole too; its defaults are the
  // perf+cfu core at the DDR memory point. The variant comes first: the cache
  // sizes default to the ones it is generated with.
  if (top.has("cpu")) {
    MapReader c = top.child("cpu");
    std::string variant;
    if (c.get_enum("variant", {"perf+cfu", "full+cfu", "perf+cfu-2021"}, &variant, false)) {
      hw.cpu.variant = variant == "full+cfu"        ? CpuVariant::kFullCfu
                       : variant == "perf+cfu-2021" ? CpuVariant::kPerfCfu2021
                                                    : CpuVariant::kPerfCfu;
    }
    hw.cpu.icache_bytes = hw.cpu.dcache_bytes = cpu_variant_cache_bytes(hw.cpu.variant);
    auto pow2 = [&](const char* key, int lo, int hi, int* v) {
      if (c.get_int(key, lo, hi, v, false) && (*v & (*v - 1)) != 0)
        c.error(key, fmt::format("{} is not a power of two", *v));
    };
    pow2("icache_bytes", 64, 1 << 20, &hw.cpu.icache_bytes);
    pow2("dcache_bytes", 64, 1 << 20, &hw.cpu.dcache_bytes);
    pow2("line_bytes", 8, 256, &hw.cpu.line_bytes);
    if (c.has("memory")) {
      MapReader m = c.child("memory");
      std::string model;
      if (m.get_enum("model", {"board", "fixed"}, &model, false))
        hw.cpu.memory_model = model == "fixed" ? CpuMemoryModel::kFixed : CpuMemoryModel::kBoard;
      std::string board;
      m.get_enum("board", {"nexys_a7"}, &board, false);
      m.get_bool("refresh", &hw.cpu.refresh, false);
      m.get_int("read_first", 1, 10000, &hw.cpu.read_first, false);
      m.get_int("read_beat", 1, 10000, &hw.cpu.read_beat, false);
      m.get_int("write", 1, 10000, &hw.cpu.write, false);
      int64_t ram = hw.cpu.ram_bytes;
      if (m.get_int("ram_bytes", int64_t{1} << 20, int64_t{1} << 30, &ram, false)) {
        if (ram % 65536 != 0) m.error("ram_bytes", fmt::format("{} is not a multiple of 64 KiB", ram));
        else hw.cpu.ram_bytes = static_cast<uint32_t>(ram);
      }
      m.finish();
    }
    if (c.has("l2")) {
      MapReader l2 = c.child("l2");
      if (l2.get_int("size_bytes", 0, 1 << 24, &hw.cpu.l2_bytes, false) && hw.cpu.l2_bytes != 0 &&
          (hw.cpu.l2_bytes & (hw.cpu.l2_bytes - 1)) != 0)
        l2.error("size_bytes", fmt::format("{} is not 0 or a power of two", hw.cpu.l2_bytes));
      if (l2.get_int("line_bytes", 8, 256, &hw.cpu.l2_line_bytes, false) &&
          (hw.cpu.l2_line_bytes & (hw.cpu.l2_line_bytes - 1)) != 0)
        l2.error("line_bytes", fmt::format("{} is not a power of two", hw.cpu.l2_line_bytes));
      else if (hw.cpu.l2_bytes != 0 && hw.cpu.l2_line_bytes > hw.cpu.l2_bytes)
        l2.error("line_bytes", "larger than size_bytes");
      l2.finish();
    }
    if (hw.cpu.line_bytes > hw.cpu.icache_bytes) c.error("line_bytes", "larger than icache_bytes");
    else if (hw.cpu.line_bytes > hw.cpu.dcache_bytes) c.error("line_bytes", "larger than dcache_bytes");
    c.finish();
  }
  top.finish();
  ctx.throw_if_errors();
  return hw;
}

HwConfig load_hw_config(const std::string& path, const std::vector<Override>& overrides) {
  if (path.empty()) return parse_hw_config(default_hw_yaml(), "<embedded default>", overrides);
  return parse_hw_config(read_text_config(path, "hardware config"), path, overrides);
}

std::string hw_config_to_yaml(const HwConfig& hw) {
  auto buf = [](const BufferConfig& b) {
    return fmt::format("{{size_bytes: {}, double_buffered: {}}}", b.size_bytes, b.double_buffered ? "true" : "false");
  };
  return fmt::format(
      "# resolved from {}\narray:\n  rows: {}\n  cols: {}\n  dataflow: {}\n  im2col: {}\n  read_prefetch: {}\n  eltwise: {}\nbuffers:\n  a: {}\n  b: {}\n  c: {}\n  w: {{size_bytes: {}}}\n"
      "clock_mhz: {}\nhost:\n  cfu_issue_cycles: {}\n  load_cycles: {}\n  store_cycles: {}\n  loop_overhead_cycles: {}\n"
      "cpu:\n  variant: {}\n  icache_bytes: {}\n  dcache_bytes: {}\n  line_bytes: {}\n  memory:\n    model: {}\n    board: nexys_a7\n"
      "    refresh: {}\n    read_first: {}\n    read_beat: {}\n    write: {}\n    ram_bytes: {}\n  l2:\n    size_bytes: {}\n"
      "    line_bytes: {}\n",
      hw.source, hw.rows, hw.cols, dataflow_name(hw.dataflow), hw.im2col ? "true" : "false",
      hw.read_prefetch ? "true" : "false", hw.eltwise ? "true" : "false", buf(hw.buf_a), buf(hw.buf_b), buf(hw.buf_c), hw.buf_w.size_bytes, hw.clock_mhz,
      hw.host.cfu_issue_cycles, hw.host.load_cycles, hw.host.store_cycles, hw.host.loop_overhead_cycles,
      cpu_variant_name(hw.cpu.variant), hw.cpu.icache_bytes, hw.cpu.dcache_bytes, hw.cpu.line_bytes,
      memory_model_name(hw.cpu.memory_model), hw.cpu.refresh ? "true" : "false", hw.cpu.read_first, hw.cpu.read_beat,
      hw.cpu.write, hw.cpu.ram_bytes, hw.cpu.l2_bytes, hw.cpu.l2_line_bytes);
}

// A name printed in tables and written into CSV and JSON: valid UTF-8, no
// control characters, not empty. "" when it is fine.
std::string name_problem(const std::string& n) {
  if (n.empty()) return "must not be empty";
  for (size_t i = 0; i < n.size();) {
    const unsigned char c = static_cast<unsigned char>(n[i]);
    int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || i + static_cast<size_t>(len) > n.size())
      return fmt::format("is not valid UTF-8 (byte 0x{:02x} at {})", c, i);
    for (int k = 1; k < len; ++k)
      if ((static_cast<unsigned char>(n[i + static_cast<size_t>(k)]) >> 6) != 2)
        return fmt::format("is not valid UTF-8 (byte 0x{:02x} at {})", static_cast<unsigned char>(n[i + k]), i + k);
    if (len == 1 && (c < 0x20 || c == 0x7f)) return fmt::format("contains a control character (0x{:02x})", c);
    i += static_cast<size_t>(len);
  }
  return "";
}

// ---------------------------------------------------------------- models ----

ModelConfig parse_model_config(const std::string& text, const std::string& source, const std::string& base_dir,
                               const std::vector<Override>& overrides) {
  ReadContext ctx;
  YAML::Node root = load_tree(&ctx, text, source, overrides);

  ModelConfig m;
  m.source = source;
  MapReader top(&ctx, root, "");
  if (top.ok() && !top.has("layers") && (top.has("array") || top.has("buffers")))
    throw ConfigError({{source, 1, 1, "", "this looks like a hardware config (it has array:/buffers:, no layers:); "
                                          "did you mean --hw?"}});
  if (top.get_string("name", &m.name)) {
    // The model's name names its default output directory (out/<name>).
    const std::string why = name_problem(m.name);
    if (!why.empty()) top.error("name", why);
    else if (m.name.find_first_of("/\\") != std::string::npos || m.name == "." || m.name == "..")
      top.error("name", "must be a plain name (it names the output directory out/<name>): no '/', '\\', '.' or '..'");
  }
  // A top-level input: makes a whole-network config (docs/model-config.md).
  TensorTable known;
  m.whole_network = top.has("input");
  if (m.whole_network) read_graph_input(top, &m, &known);
  else if (top.has("output")) top.error("output", "only a whole-network config (one with input:) names its output");
  YAML::Node layers;
  std::vector<std::string> names;  // of the entries, by position
  if (!top.has("layers")) {
    top.error("layers", "missing required key");
  } else if (!(layers = top.raw("layers")).IsSequence() || layers.size() == 0) {
    top.error("layers", "expected a non-empty list of layers");
  } else {
    for (size_t i = 0; i < layers.size(); ++i) {
      MapReader lr(&ctx, layers[i], fmt::format("layers[{}]", i), top.mark());
      ModelLayer ml;
      GraphNode node;
      if (!layers[i].Mark().is_null()) {
        node.line = layers[i].Mark().line + 1;
        node.column = layers[i].Mark().column + 1;
      }
      names.emplace_back();
      if (lr.ok()) {
        if (lr.get_string("name", &ml.spec.name)) {
          const std::string why = name_problem(ml.spec.name);
          if (!why.empty()) lr.error("name", why);
        }
        for (const auto& n : names)
          if (!ml.spec.name.empty() && n == ml.spec.name) lr.error("name", fmt::format("duplicate layer name '{}'", n));
        if (m.whole_network && ml.spec.name == m.input.name)
          lr.error("name", fmt::format("'{}' is the model input's name", m.input.name));
        names.back() = ml.spec.name;
        node.name = ml.spec.name;
        const YAML::Node op = lr.raw("op");
        node.op = op.IsScalar() ? op.Scalar() : "";
        OpKind kind;
        if (m.whole_network && op.IsScalar() && !parse_op(node.op, &kind) && !is_cpu_op_name(node.op)) {
          lr.error("op", fmt::format("'{}' is not an operator sasim runs: conv2d, depthwise_conv2d, fully_connected "
                                     "(accelerator) or add, sub, mul, average_pool_2d, max_pool_2d, reshape, "
                                     "softmax, mean, pad, padv2, quantize, dequantize, concatenation, logistic, "
                                     "leaky_relu (CPU)", node.op));
          lr.finish(true);
          continue;
        }
        bool inputs_ok = true;
        if (m.whole_network) inputs_ok = read_node_inputs(lr, base_dir, &m, known, &node);
        else if (lr.has("inputs")) lr.error("inputs", "only a whole-network config (one with input:) wires tensors");
        if (is_cpu_op_name(node.op)) {
          // A CPU operator: whole-network configs only.
          if (!m.whole_network) {
            lr.error("op", fmt::format("{} runs on the CPU: it belongs in a whole-network config (add a top-level "
                                       "input:, see docs/model-config.md)", node.op));
          } else {
            const size_t errors_before = ctx.diags.size();
            read_cpu_node(lr, inputs_ok, &node);
            known[node.name] = {node.output_shape, node.output_scale, node.output_zero_point, node.output_float,
                                !inputs_ok || ctx.diags.size() > errors_before};
            m.graph.push_back(std::move(node));
          }
          lr.finish(!m.whole_network);  // its keys are not the point there
          continue;
        }
        LayerScales scales;
        const bool layer_ok = read_layer_fields(lr, LayerSource::kModel, &ml.spec, &scales);
        if (m.whole_network) {
          if (layer_ok) check_layer_node(lr, ml.spec, scales, known, &node);
          node.layer = static_cast<int>(m.layers.size());
          known[node.name] = {node.output_shape, node.output_scale, node.output_zero_point, false, !layer_ok};
          m.graph.push_back(std::move(node));
        }
        // A whole-network layer reads its input from the graph; its seed is
        // for running it alone (check, sweep, cosim): default entry + 1.
        int64_t seed = static_cast<int64_t>(i) + 1;
        if (lr.get_int("input_seed", 0, UINT32_MAX, &seed, !m.whole_network)) ml.input_seed = static_cast<uint32_t>(seed);
        else if (m.whole_network) ml.input_seed = static_cast<uint32_t>(seed);
        MapReader w = lr.child("weights");
        if (w.ok()) {
          const bool from_files = w.has("filter_file");
          if (from_files) {
            std::string f, b;
            if (w.get_string("filter_file", &f)) {
              ml.filter_file = resolve_path(base_dir, f);
              ml.filter_at = w.locate("filter_file");
            }
            if (w.get_string("bias_file", &b, false)) {
              ml.bias_file = resolve_path(base_dir, b);
              ml.bias_at = w.locate("bias_file");
              ml.spec.has_bias = true;
            }
            if (w.has("seed")) w.error("seed", "give either seed or filter_file, not both");
          } else {
            if (w.get_int("seed", 0, UINT32_MAX, &seed)) ml.weight_seed = static_cast<uint32_t>(seed);
            w.get_bool("bias", &ml.spec.has_bias);
          }
        }
        w.finish();
      }
      lr.finish();
      m.layers.push_back(std::move(ml));
    }
  }
  if (m.whole_network && !m.graph.empty()) {
    if (top.get_string("output", &m.output, false)) {
      bool found = false;
      for (const GraphNode& n : m.graph) found = found || n.name == m.output;
      if (!found) top.error("output", fmt::format("'{}' is no entry of layers:", m.output));
    } else {
      m.output = m.graph.back().name;
    }
  }
  top.finish();
  // Errors inside a layer name it: "layers[4] (s2_conv1).stride".
  for (Diagnostic& d : ctx.diags) {
    if (d.path.rfind("layers[", 0) != 0) continue;
    const size_t close = d.path.find(']');
    if (close == std::string::npos) continue;
    const size_t i = static_cast<size_t>(std::atoi(d.path.c_str() + 7));
    const std::string& name = i < names.size() ? names[i] : std::string();
    if (!name.empty() && name_problem(name).empty()) d.path.insert(close + 1, " (" + name + ")");
  }
  ctx.throw_if_errors();
  return m;
}

std::vector<std::string> model_shape_warnings(const ModelConfig& m) {
  // A layer's input should come from some earlier layer's output (residual
  // models read from earlier than the previous layer), or be the model's
  // input. CPU operators between (pooling, reshape, padding) are not in a
  // sasim model, and they keep the channel count: a layer follows when its
  // input has the shape, or the channels, of an earlier output.
  std::vector<std::string> out;
  for (size_t i = 1; i < m.layers.size(); ++i) {
    const LayerSpec& s = m.layers[i].spec;
    bool follows = s.input_shape == m.layers[0].spec.input_shape;
    for (size_t j = 0; j < i && !follows; ++j) {
      const std::vector<int>& o = m.layers[j].spec.output_shape;
      follows = s.input_shape == o || (!s.input_shape.empty() && !o.empty() && s.input_shape.back() == o.back());
    }
    if (!follows)
      out.push_back(fmt::format("{}: layer '{}' takes input [{}], which follows from no earlier layer's output (the "
                                "previous layer '{}' outputs [{}])",
                                m.source, s.name, fmt::join(s.input_shape, ","), m.layers[i - 1].spec.name,
                                fmt::join(m.layers[i - 1].spec.output_shape, ",")));
  }
  return out;
}

bool is_tflite_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  char head[8] = {};
  return f.read(head, 8) && std::string(head + 4, 4) == "TFL3";
}

ModelConfig load_model_config(const std::string& path, const std::vector<Override>& overrides) {
  const size_t slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  return parse_model_config(read_text_config(path, "model config"), path, dir, overrides);
}

namespace {
template <typename T>
void read_bin_file(const std::string& path, size_t count, std::vector<T>* out) {
  // The size first: a wrong file is refused without reading it.
  const uint64_t size = regular_file_size(path, "tensor file");
  if (size != count * sizeof(T))
    throw ConfigError({{path, 0, 0, "", fmt::format("holds {} bytes, expected {} ({} x {}-byte elements)", size,
                                                     count * sizeof(T), count, sizeof(T))}});
  const std::string bytes = read_file_or_throw(path, "tensor file");
  if (bytes.size() != count * sizeof(T))
    throw ConfigError({{path, 0, 0, "", fmt::format("holds {} bytes, expected {} ({} x {}-byte elements)", bytes.size(),
                                                     count * sizeof(T), count, sizeof(T))}});
  out->resize(count);
  std::memcpy(out->data(), bytes.data(), bytes.size());  // little-endian host, as the files
}

// The same, an error reported at the config key that names the file (`at`:
// file:line:col and key path), the tensor file in the message.
template <typename T>
void read_bin(const std::string& path, size_t count, std::vector<T>* out, const Diagnostic& at) {
  try {
    read_bin_file(path, count, out);
  } catch (const ConfigError& e) {
    if (at.file.empty()) throw;
    Diagnostic d = at;
    d.message = fmt::format("{}: {}", path, e.diagnostics().empty() ? e.what() : e.diagnostics()[0].message);
    throw ConfigError({d});
  }
}
}  // namespace

std::vector<int8_t> read_constant_tensor(const GraphTensor& t) {
  int64_t n = 1;
  for (int d : t.shape) n *= d;
  std::vector<int8_t> v;
  read_bin(t.file, static_cast<size_t>(n), &v, t.file_at);
  return v;
}

LayerData make_layer_data(const ModelLayer& l) {
  LayerData d;
  const LayerSpec& s = l.spec;
  const size_t n_in = static_cast<size_t>(s.input_elems()), n_f = static_cast<size_t>(s.filter_elems());
  const size_t n_b = static_cast<size_t>(s.out_c());
  if (!l.filter_file.empty()) {
    read_bin(l.filter_file, n_f, &d.filter, l.filter_at);
    if (!l.bias_file.empty()) read_bin(l.bias_file, n_b, &d.bias, l.bias_at);
  } else {
    std::mt19937 rng(l.weight_seed);
    std::uniform_int_distribution<int> w(-127, 127);
    d.filter.resize(n_f);
    for (auto& v : d.filter) v = static_cast<int8_t>(w(rng));
    if (s.has_bias) {
      // Bias of the magnitude real layers have: a few hundred input*weight products.
      std::uniform_int_distribution<int32_t> b(-(1 << 14), 1 << 14);
      d.bias.resize(n_b);
      for (auto& v : d.bias) v = b(rng);
    }
  }
  std::mt19937 rng(l.input_seed);
  std::uniform_int_distribution<int> a(-128, 127);
  d.input.resize(n_in);
  for (auto& v : d.input) v = static_cast<int8_t>(a(rng));
  return d;
}

}  // namespace sasim
