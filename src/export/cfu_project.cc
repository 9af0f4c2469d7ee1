#include "export/cfu_project.h"

#include <fmt/format.h>

#include <cstring>
#include <regex>
#include <sstream>
#include <stdexcept>

#include "cpu/params.h"
#include "driver/cfu_isa.h"
#include "export/embedded.h"
#include "model/core_params.h"
#include "model/host.h"
#include "sasim/case_io.h"
#include "sasim/golden.h"
#include "sasim/quant.h"
#include "sasim/resources.h"

namespace sasim {

namespace {

std::string source(const char* path) {
  const char* t = embedded_file(path);
  if (!t) throw std::logic_error(fmt::format("sasim was built without {} (cmake/embed_files.cmake)", path));
  return t;
}

// sasim's include paths ("driver/...", "model/...", "sasim/...") as the
// project's: its src/ is an include root of CFU Playground's build, and
// sasim's parts live under src/sasim/ there.
std::string project_includes(const std::string& text) {
  static const std::regex inc(R"re(#include "(driver|model)/)re");
  return std::regex_replace(text, inc, "#include \"sasim/$1/");
}

// ---- the self-test's layers ---------------------------------------------------

// A fixed pseudo-random sequence (64-bit LCG, high bits), so that every export
// of every configuration carries the same cases.
class Lcg {
 public:
  int pick(int lo, int hi) {
    s_ = s_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return lo + static_cast<int>((s_ >> 33) % static_cast<uint64_t>(hi - lo + 1));
  }

 private:
  uint64_t s_ = 0x5a5a2026ULL;
};

SelftestCase make_case(const std::string& name, LayerSpec s, double scale, Lcg* rng) {
  std::vector<FieldError> errors;
  if (!validate_layer(&s, &errors))
    throw std::logic_error(fmt::format("self-test layer {}: {}: {}", name, errors[0].key, errors[0].message));
  SelftestCase c;
  c.name = name;
  for (int64_t i = 0; i < s.input_elems(); ++i) c.data.input.push_back(static_cast<int8_t>(rng->pick(-128, 127)));
  for (int64_t i = 0; i < s.filter_elems(); ++i) c.data.filter.push_back(static_cast<int8_t>(rng->pick(-127, 127)));
  for (int i = 0; i < s.out_c(); ++i) c.data.bias.push_back(rng->pick(-4000, 4000));
  // Channel scales spread around `scale` so that every channel requantizes
  // differently and the outputs use the int8 range.
  const int channels = static_cast<int>(s.output_multiplier.size());
  for (int i = 0; i < channels; ++i) {
    int32_t m = 0;
    int sh = 0;
    quantize_multiplier(scale * (0.75 + 0.5 * i / std::max(1, channels)), &m, &sh);
    s.output_multiplier[static_cast<size_t>(i)] = m;
    s.output_shift[static_cast<size_t>(i)] = sh;
  }
  c.spec = s;
  golden_layer(c.spec, c.data, &c.expected);
  return c;
}

}  // namespace

std::vector<SelftestCase> selftest_cases() {
  Lcg rng;
  std::vector<SelftestCase> cases;
  {
    LayerSpec s;
    s.name = "conv_3x3_s1_same";
    s.op = OpKind::kConv2d;
    s.input_shape = {1, 10, 10, 8};
    s.filter_shape = {16, 3, 3, 8};
    s.output_shape = {1, 10, 10, 16};
    s.padding = Padding::kSame;
    s.input_zero_point = -3;
    s.output_zero_point = 5;
    s.has_bias = true;
    s.output_multiplier.assign(16, 0);
    s.output_shift.assign(16, 0);
    cases.push_back(make_case(s.name, s, 1.0 / 1500, &rng));
  }
  {
    LayerSpec s;
    s.name = "depthwise_3x3_s2_valid";
    s.op = OpKind::kDepthwiseConv2d;
    s.input_shape = {1, 11, 11, 16};
    s.filter_shape = {1, 3, 3, 16};
    s.output_shape = {1, 5, 5, 16};
    s.stride_h = s.stride_w = 2;
    s.padding = Padding::kValid;
    s.input_zero_point = 7;
    s.output_zero_point = -2;
    s.act_min = 0;  // a fused ReLU
    s.has_bias = true;
    s.output_multiplier.assign(16, 0);
    s.output_shift.assign(16, 0);
    cases.push_back(make_case(s.name, s, 1.0 / 300, &rng));
  }
  {
    LayerSpec s;
    // Large enough for the CFU (the driver's cost model leaves smaller
    // fully connected layers on the CPU: sasim_drv::layer_on_cfu).
    s.name = "fully_connected_128x32";
    s.op = OpKind::kFullyConnected;
    s.input_shape = {4, 128};
    s.filter_shape = {32, 128};
    s.output_shape = {4, 32};
    s.input_zero_point = -1;
    s.output_zero_point = 3;
    s.has_bias = true;
    s.output_multiplier.assign(1, 0);
    s.output_shift.assign(1, 0);
    cases.push_back(make_case(s.name, s, 1.0 / 4000, &rng));
  }
  return cases;
}

SelftestCase selftest_case_from(const LayerCase& lc) {
  const LayerSpec& s = lc.spec;
  const std::string yaml = lc.dir + "/case.yaml";
  const char* why = s.has_fused  ? "a fused elementwise operator"
                    : s.in_place ? "an in-place layer"
                    : s.op == OpKind::kFullyConnected && s.output_multiplier.size() != 1
                        ? "a fully connected layer with per-channel multipliers (TFLite Micro's FullyConnected takes one)"
                        : nullptr;
  if (why)
    throw ConfigError({{yaml, 0, 0, "--selftest-case",
                        fmt::format("{}: the self-test's TFLite Micro calls cannot run {}", lc.name, why)}});
  SelftestCase c;
  c.name = lc.name;
  c.spec = s;
  c.data = lc.data;
  c.expected = lc.data.output;
  c.data.output.clear();
  if (s.op != OpKind::kFullyConnected && c.spec.output_multiplier.size() == 1) {
    c.spec.output_multiplier.assign(static_cast<size_t>(s.out_c()), s.output_multiplier[0]);
    c.spec.output_shift.assign(static_cast<size_t>(s.out_c()), s.output_shift[0]);
  }
  if (!s.has_bias) {
    c.spec.has_bias = true;
    c.data.bias.assign(static_cast<size_t>(s.out_c()), 0);
  }
  return c;
}

// ---- generated files ----------------------------------------------------------

std::string configured_cfu_v(const HwConfig& hw) {
  const CoreParams p = core_params_from(hw);
  const std::vector<std::pair<std::string, int>> values = {
      {"Rows", p.rows},
      {"Cols", p.cols},
      {"Dataflow", p.dataflow == Dataflow::kWeightStationary ? 0 : 1},
      {"ALines", p.a_lines},
      {"BLines", p.b_lines},
      {"CLines", p.c_lines},
      {"ADouble", p.a_double ? 1 : 0},
      {"BDouble", p.b_double ? 1 : 0},
      {"CDouble", p.c_double ? 1 : 0},
      {"Im2col", p.im2col ? 1 : 0},
      {"WLines", p.w_lines},
      {"Prefetch", p.prefetch ? 1 : 0},
      {"Eltwise", p.eltwise ? 1 : 0},
  };
  std::string text = source("rtl/cfu.v");
  for (const auto& [name, value] : values) {
    const std::regex param("(\\n  parameter integer " + name + " +=) [^\\n]*?(,?)(\\n)");
    std::smatch m;
    if (!std::regex_search(text, m, param))
      throw std::logic_error(fmt::format("rtl/cfu.v has no parameter {} (cfu_project.cc)", name));
    text = m.prefix().str() + m[1].str() + " " + std::to_string(value) + m[2].str() + m[3].str() + m.suffix().str();
  }
  return text;
}

namespace {

std::string config_summary(const HwConfig& hw) {
  const bool im2col = hw.im2col;
  return fmt::format("{}x{} {}{}, A {} / B {} / C {} bytes per bank{}", hw.rows, hw.cols, dataflow_name(hw.dataflow),
                     std::string(im2col ? " im2col" : "") + (hw.eltwise ? " eltwise" : ""), hw.buf_a.size_bytes,
                     hw.buf_b.size_bytes, hw.buf_c.size_bytes,
                     im2col && hw.buf_w.size_bytes > 0 ? fmt::format(", weight store {} bytes", hw.buf_w.size_bytes)
                                                       : std::string());
}

std::string hw_header(const HwConfig& hw, const std::string& version) {
  const CoreParams p = core_params_from(hw);
  std::string s = fmt::format(
      "// Generated by sasim {} export-cfu: the accelerator this project's cfu.v builds,\n"
      "// as the driver (src/sasim/driver/) and the software CFU see it.\n"
      "#ifndef SASIM_HW_H_\n#define SASIM_HW_H_\n\n",
      version);
  s += fmt::format("#define SASIM_HW_CONFIG \"{}\"\n", config_summary(hw));
  s += fmt::format("#define SASIM_HW_ROWS {}\n#define SASIM_HW_COLS {}\n", p.rows, p.cols);
  s += fmt::format("#define SASIM_HW_DATAFLOW {}  // {}\n",
                   p.dataflow == Dataflow::kWeightStationary ? sasim_isa::kDataflowWs : sasim_isa::kDataflowOs,
                   dataflow_name(p.dataflow));
  s += fmt::format("#define SASIM_HW_A_LINES {}\n#define SASIM_HW_B_LINES {}\n#define SASIM_HW_C_LINES {}\n",
                   p.a_lines, p.b_lines, p.c_lines);
  s += fmt::format("#define SASIM_HW_A_DOUBLE {}\n#define SASIM_HW_B_DOUBLE {}\n#define SASIM_HW_C_DOUBLE {}\n",
                   p.a_double ? 1 : 0, p.b_double ? 1 : 0, p.c_double ? 1 : 0);
  s += fmt::format("#define SASIM_HW_IM2COL {}\n", p.im2col ? 1 : 0);
  s += fmt::format("#define SASIM_HW_W_LINES {}  // the weight store (W_SEEK / W_BASE / WRITE_W); 0: none\n",
                   p.w_lines);
  s += fmt::format("#define SASIM_HW_ELTWISE {}  // EW_CONFIG / EW_MULT / EW_OP\n", p.eltwise ? 1 : 0);
  s += fmt::format("#define SASIM_HW_READ_PREFETCH {}  // the prefetching post-processor\n", p.prefetch ? 1 : 0);
  s += fmt::format("#define SASIM_HW_KEEP {}  // the output keep (KEEP)\n", has_keep(p) ? 1 : 0);
  s += "// Cycles the board's memory takes per store (an L2 hit; cpu.memory.write in\n"
       "// the fixed model): the driver's streaming loops that store faster than\n"
       "// this are not used (HwDesc::store_cycles).\n";
  s += fmt::format("#define SASIM_HW_STORE_CYCLES {}\n\n#endif  // SASIM_HW_H_\n",
                   cpu::typical_store_cycles(cpu::cpu_params_from(hw).memory));
  return s;
}

// The project README's timing statement for this configuration: the
// longest path sasim's scripts/synth measured for it, or the command that
// measures it (docs/microarchitecture.md in sasim, "Timing at 75 MHz").
std::string timing_verdict(const HwConfig& hw) {
  if (!hw.read_prefetch)
    return "this configuration has the combinational post-processor (`array.read_prefetch: false`), which does "
           "not meet 75 MHz (its READ path is about 38 ns by sasim's `scripts/synth`); export with the prefetch "
           "for the board.";
  // Measured with the default buffers (A 32768 B, B 8192 B, C 16384 B per
  // bank, double-buffered; ws: the 98304 B weight store) and the im2col
  // extension as configured by default.
  struct Measured {
    int rows, cols;
    Dataflow df;
    double ns;
  };
  static const Measured kMeasured[] = {{8, 8, Dataflow::kWeightStationary, 10.0}, {8, 8, Dataflow::kOutputStationary, 10.8}};
  const bool default_buffers = hw.buf_a.size_bytes == 32768 && hw.buf_b.size_bytes == 8192 &&
                               hw.buf_c.size_bytes == 16384 && hw.buf_a.double_buffered && hw.buf_b.double_buffered &&
                               hw.buf_c.double_buffered &&
                               (!hw.im2col || hw.buf_w.size_bytes == 98304);
  const std::string cmd = fmt::format("`scripts/synth --set array.rows={} --set array.cols={} --set array.dataflow={}`",
                                      hw.rows, hw.cols, dataflow_name(hw.dataflow));
  for (const Measured& m : kMeasured)
    if (default_buffers && m.rows == hw.rows && m.cols == hw.cols && m.df == hw.dataflow)
      return fmt::format("sasim's `scripts/synth` estimates this configuration's ({}x{} {}) longest path at {:.1f} ns "
                         "against the board's 13.33 ns: it meets 75 MHz by that estimate (yosys cell delays plus "
                         "0.5 ns per routed net). Vivado's report after place and route is the word that counts.",
                         hw.rows, hw.cols, dataflow_name(hw.dataflow), m.ns);
  return fmt::format("not estimated for this configuration ({}x{} {}{}): run {} in sasim (with the same buffer "
                     "settings) for its longest path against the board's 13.33 ns; Vivado's report after place and "
                     "route is the word that counts.",
                     hw.rows, hw.cols, dataflow_name(hw.dataflow), default_buffers ? "" : ", non-default buffers", cmd);
}

template <class T>
std::string c_array(const std::string& type, const std::string& name, const std::vector<T>& v) {
  std::string s = fmt::format("static const {} {}[{}] = {{", type, name, std::max<size_t>(v.size(), 1));
  for (size_t i = 0; i < v.size(); ++i) s += fmt::format("{}{}", i % 16 == 0 ? "\n    " : " ", static_cast<int64_t>(v[i])) + ",";
  if (v.empty()) s += "0";
  return s + "\n};\n";
}

std::string dims4(const std::vector<int>& d) {
  std::string s = "{";
  for (size_t i = 0; i < 4; ++i) s += fmt::format("{}{}", i ? ", " : "", i < d.size() ? d[i] : 0);
  return s + "}";
}

std::string selftest_data(const std::vector<SelftestCase>& cases, const std::string& version) {
  std::string s = fmt::format(
      "// Generated by sasim {} export-cfu: the self-test's layers (sasim_selftest.h), with\n"
      "// outputs from sasim's golden model and sasim's board estimate of their cycles.\n"
      "#ifndef SASIM_SELFTEST_DATA_H_\n#define SASIM_SELFTEST_DATA_H_\n\n#include \"sasim_selftest.h\"\n\n",
      version);
  size_t max_out = 1;
  for (size_t k = 0; k < cases.size(); ++k) {
    const SelftestCase& c = cases[k];
    const std::string p = fmt::format("sasim_st{}_", k);
    s += c_array("int8_t", p + "input", c.data.input);
    s += c_array("int8_t", p + "filter", c.data.filter);
    s += c_array("int32_t", p + "bias", c.data.bias);
    s += c_array("int32_t", p + "multiplier", c.spec.output_multiplier);
    s += c_array("int32_t", p + "shift", c.spec.output_shift);
    s += c_array("int8_t", p + "expected", c.expected);
    s += "\n";
    max_out = std::max(max_out, c.expected.size());
  }
  s += fmt::format("#define SASIM_SELFTEST_CASES {}\n#define SASIM_SELFTEST_MAX_OUTPUT {}\n\n", cases.size(), max_out);
  s += "static const SasimSelftestCase sasim_selftest_cases_data[SASIM_SELFTEST_CASES] = {\n";
  for (size_t k = 0; k < cases.size(); ++k) {
    const SelftestCase& c = cases[k];
    const LayerSpec& l = c.spec;
    const bool fc = l.op == OpKind::kFullyConnected;
    const int kind = l.op == OpKind::kConv2d ? 0 : l.op == OpKind::kDepthwiseConv2d ? 1 : 2;
    const std::string p = fmt::format("sasim_st{}_", k);
    s += fmt::format(
        "    {{\"{}\", {}, {}, {}, {}, {},\n     {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {},\n"
        "     {}input, {}filter, {}bias, {}multiplier, {}shift, {}expected, {}u}},\n",
        c.name, kind, fc ? 2 : 4, dims4(fc ? std::vector<int>{l.batches(), l.in_c()} : l.input_shape),
        dims4(l.filter_shape), dims4(l.output_shape), l.stride_h, l.stride_w, l.pad_top, l.pad_left, l.dilation_h,
        l.dilation_w, l.depth_multiplier, -l.input_zero_point, l.output_zero_point, l.act_min, l.act_max, p, p, p, p,
        p, p, c.sasim_cycles);
  }
  return s + "};\n\n#endif  // SASIM_SELFTEST_DATA_H_\n";
}

// CFU Playground's model choices (common/src/models, its project template's
// DEFINES), and the one for a .tflite file sasim knows by name: the MLPerf
// Tiny v0.1 models and the TFLite Micro examples of ../shared/models.
const char* const kModelDefines[] = {
    "INCLUDE_MODEL_PDTI8",
    "INCLUDE_MODEL_MICRO_SPEECH",
    "INCLUDE_MODEL_MAGIC_WAND",
    "INCLUDE_MODEL_MNV2",
    "INCLUDE_MODEL_HPS",
    "INCLUDE_MODEL_MLCOMMONS_TINY_V01_ANOMD",
    "INCLUDE_MODEL_MLCOMMONS_TINY_V01_IMGC",
    "INCLUDE_MODEL_MLCOMMONS_TINY_V01_KWS",
    "INCLUDE_MODEL_MLCOMMONS_TINY_V01_VWW",
};
std::string model_define(const std::string& model_file) {
  static const std::pair<const char*, const char*> known[] = {
      {"pretrainedResnet_quant", "INCLUDE_MODEL_MLCOMMONS_TINY_V01_IMGC"},
      {"kws_ref_model", "INCLUDE_MODEL_MLCOMMONS_TINY_V01_KWS"},
      {"vww_96_int8", "INCLUDE_MODEL_MLCOMMONS_TINY_V01_VWW"},
      {"ad01_int8", "INCLUDE_MODEL_MLCOMMONS_TINY_V01_ANOMD"},
      {"model_pdti8", "INCLUDE_MODEL_PDTI8"},
      {"model_micro_speech", "INCLUDE_MODEL_MICRO_SPEECH"},
  };
  for (const auto& k : known)
    if (model_file.rfind(k.first, 0) == 0) return k.second;
  return "";
}

std::string makefile(const HwConfig& hw, const std::string& version, const std::string& fuse_model,
                     unsigned prepared_bytes, int prepared_layers) {
  // The bridge's defaults (src/sasim_tflm.cc), as sasim run's StoreAllocator
  // models them; a larger store is written out uncommented.
  const unsigned kBytes = StoreAllocator::kPreparedBytes;
  const int kLayers = StoreAllocator::kPreparedLayers;
  const bool bytes_sized = prepared_bytes > kBytes, layers_sized = prepared_layers > kLayers;
  // The model the firmware includes: the --model one where CFU Playground
  // has it, else pdti8 (the template's default); every other choice listed.
  std::string chosen = fuse_model.empty() ? "" : model_define(fuse_model);
  std::string models;
  if (!fuse_model.empty() && chosen.empty())
    models += fmt::format("# {} is not one of CFU Playground's models: add it to common/src/models\n"
                          "# (the bridge fuses its operators by src/sasim_fuse.h).\n",
                          fuse_model);
  if (chosen.empty()) chosen = "INCLUDE_MODEL_PDTI8";
  // CFU Playground sizes the tensor arena as the largest of the included
  // models' (common/src/tflite.cc): ResNet-8's 53 KiB is short for its TFLite
  // Micro (54,428 bytes: "Failed to allocate tail memory", then a store
  // through a null tensor; its own proj_template_v fails alike on `sasim
  // board`), so Person Detection's 81 KiB stays included to give it room.
  const bool imgc = chosen == "INCLUDE_MODEL_MLCOMMONS_TINY_V01_IMGC";
  for (const char* d : kModelDefines) {
    if (chosen == d && !fuse_model.empty()) models += fmt::format("# {} (export-cfu --model):\n", fuse_model);
    const bool arena = imgc && std::string(d) == "INCLUDE_MODEL_PDTI8";
    if (arena)
      models += "# Kept for its 81 KiB tensor arena: CFU Playground gives ResNet-8 (IMGC) 53 KiB,\n"
                "# 156 bytes short for its TFLite Micro (the arena is the largest included model's).\n";
    models += fmt::format("{}DEFINES += {}\n", chosen == d || arena ? "" : "#", d);
  }
  return fmt::format(
      "# CFU Playground project: the sasim accelerator, {}.\n"
      "# Generated by sasim {} export-cfu (README.md says what is here).\n"
      "\n"
      "export DEFINES :=\n"
      "\n"
      "# Uncomment to run the CFU's commands on sasim's cycle model in software\n"
      "# (src/software_cfu.cc) instead of the gateware.\n"
      "#DEFINES += CFU_SOFTWARE_DEFINED\n"
      "\n"
      "# Uncomment this line to skip debug code (large effect on performance)\n"
      "DEFINES += NDEBUG\n"
      "#DEFINES += NPROFILE\n"
      "\n"
      "# The model(s) the firmware includes (CFU Playground's names).\n"
      "{}"
      "\n"
      "# The arena and table in which the kernels keep each layer's prepared weights\n"
      "# (src/sasim_tflm.cc): bytes and layers{}.\n"
      "{}DEFINES += SASIM_PREPARED_BYTES={}\n"
      "{}DEFINES += SASIM_PREPARED_LAYERS={}\n"
      "\n"
      "# The CPU: CFU Playground's 2022 VexRiscv (perf+cfu, full+cfu) needs no fence\n"
      "# before a CFU instruction behind stores; a tree of 2021-10 .. 2022-08 builds\n"
      "# the 2021 core: comment the line out there (sasim cpu.variant perf+cfu-2021).\n"
      "{}DEFINES += SASIM_CPU_2022\n"
      "\n"
      "include ../proj.mk\n",
      config_summary(hw), version, models,
      bytes_sized || layers_sized
          ? fmt::format("; sized for {} (export-cfu --model: the defaults, {} and {}, are too small for its "
                        "prepared weights on this configuration, whose layers would run from their raw filters)",
                        fuse_model, kBytes, kLayers)
          : std::string(),
      bytes_sized ? "" : "#", bytes_sized ? prepared_bytes : kBytes, layers_sized ? "" : "#",
      layers_sized ? prepared_layers : kLayers,
      hw.cpu.variant == CpuVariant::kPerfCfu2021 ? "#" : "");
}

std::string readme(const ProjectInputs& in) {
  const HwConfig& hw = in.hw;
  const ResourceEstimate r = estimate_resources(hw);
  std::string s = fmt::format("# {}: the sasim accelerator on CFU Playground\n\n", in.name);
  s += fmt::format(
      "Generated by sasim {} (`sasim export-cfu`) for **{}**; `sasim-hw.yaml` is the\n"
      "configuration, resolved: `sasim run --hw sasim-hw.yaml ...` simulates this project.\n\n",
      in.version, config_summary(hw));
  s += "## Build and run on the board (Nexys A7-100T)\n\n"
       "Copy this folder to `CFU-Playground/proj/` and, from it:\n\n"
       "```sh\n"
       "make prog TARGET=digilent_nexys4ddr USE_VIVADO=1 EXTRA_LITEX_ARGS=\"--cpu-variant=perf+cfu\"\n"
       "make load TARGET=digilent_nexys4ddr\n"
       "```\n\n"
       "`perf+cfu` is the CPU variant sasim models (VexRiscv with 8 KiB caches, the\n"
       "performance counters and the CFU port). In the firmware's menu, `3` opens the\n"
       "project menu: `1` runs the self-test (below), `2` switches TFLite Micro's\n"
       "conv, depthwise and fully connected kernels between the CFU and the reference\n"
       "code, `3` counts the layers run on each. Without a board,\n"
       "`#DEFINES += CFU_SOFTWARE_DEFINED` in the Makefile runs the CFU's commands on\n"
       "sasim's cycle model in software (bit-exact; the CPU then does the CFU's\n"
       "work, so cycles are not the hardware's).\n\n";
  s += "## What is here\n\n"
       "| file | what |\n|---|---|\n"
       "| `cfu.v` | top module `Cfu`, its parameters set to this configuration; the other `sasim_*.v` files are `include`d |\n"
       "| `src/tensorflow/lite/kernels/internal/reference/integer_ops/{conv,depthwise_conv,fully_connected,add,mul}.h` | TFLite Micro's int8 kernels (`ConvPerChannel`, `DepthwiseConvPerChannel`, `FullyConnected`, `FullyConnectedPerChannel`, `Add`, `BroadcastAdd4DSlow`, `Mul`, `BroadcastMul4DSlow`) on the CFU, TFLite Micro's reference arithmetic for anything else |\n"
       "| `src/tensorflow/lite/kernels/internal/reference/integer_ops/pooling.h` | TFLite Micro's integer pooling (`AveragePool`, `MaxPool`) on the CPU, the int8 ones eight channels per window visit (about 5x TFLite Micro's loop on the board), as `sasim run` times them |\n"
       "| `src/tensorflow/lite/kernels/internal/reference/sub.h` | TFLite Micro's SUB kernels, the int8 `Sub` and `BroadcastQuantSubSlow` on the CFU's elementwise unit |\n"
       "| `src/sasim_reference.h` | the reference arithmetic the three kernel headers share |\n"
       "| `src/sasim_tflm.{h,cc}` | the bridge: kernel arguments to the driver's layer description, the fallback rules, the prepared-weights cache |\n"
       "| `src/sasim/driver/` | sasim's driver (the code sasim's CPU model runs), unchanged but for include paths and the CFU seam (`cfu_seam.h`: `cfu_op`); `driver.cc` is its parts (sasim's `src/driver/`, one file per mapping) joined into one translation unit |\n"
       "| `src/sasim/model/`, `src/software_cfu.cc` | sasim's cycle model as the software CFU (`CFU_SOFTWARE_DEFINED`) |\n"
       "| `src/sasim_hw.h` | the configuration as the driver sees it |\n"
       "| `src/sasim_fuse.h` | the layers whose next ADD/MUL the bridge fuses into their readback (`sasim "
       "export-cfu --model`) |\n"
       "| `src/sasim_selftest.{h,cc}`, `src/sasim_selftest_data.h`, `src/proj_menu.cc` | the self-test and the project menu |\n\n";
  s += "A layer falls back to the reference code when the CFU cannot hold its\n"
       "quantization (a zero point outside int8, a shift outside [-31, 30]), for a\n"
       "grouped conv, a nonzero filter zero point, int16 activations, or a shape the\n"
       "driver cannot tile. A layer's first call prepares its weights (the folded\n"
       "biases and the weights in the CFU's order) in a static arena, as sasim assumes\n"
       "they are prepared before inference; later calls reuse them.\n\n";
  s += fmt::format(
      "## Resources (sasim's estimate; `scripts/synth` in sasim synthesizes)\n\n"
      "| | LUT | FF | DSP48E1 | BRAM36 |\n|---|---|---|---|---|\n"
      "| this CFU | {} | {} | {} | {:.1f} |\n| budget (XC7A100T less the SoC) | {} | {} | {} | {:.0f} |\n\n{}\n\n"
      "**Timing:** {}\n\n",
      r.lut, r.ff, r.dsp, r.bram36, ResourceEstimate::kLut, ResourceEstimate::kFf, ResourceEstimate::kDsp,
      ResourceEstimate::kBram36,
      r.fits() ? "It fits." : "**It does not fit: " + r.over() + ".** Vivado will fail to place it.",
      timing_verdict(hw));
  s += "## Expected cycles\n\n"
       "sasim's board estimate of the self-test's layers: the driver's cycles from\n"
       "the layer's start to its return (`mcycle`), weights prepared, caches warm\n"
       "from a first call. The self-test prints its own measurement beside each:\n"
       "it times TFLite Micro's kernel entry, so it adds the bridge's work (the\n"
       "argument checks, the prepared-weights lookup) and the firmware's code\n"
       "layout in the 8 KiB instruction cache; on sasim's board model the exported\n"
       "self-test measures a few hundred to a few thousand cycles more.\n\n"
       "| layer | MACs | cycles | ms at 75 MHz |\n|---|---|---|---|\n";
  for (const SelftestCase& c : in.selftest)
    s += fmt::format("| {} | {} | {} | {:.3f} |\n", c.name, c.spec.macs(), c.sasim_cycles,
                     static_cast<double>(c.sasim_cycles) / (hw.clock_mhz * 1e3));
  if (!in.model_ops.empty()) {
    // TFLite Micro's profiler (the firmware's `"Event","Tag","Ticks"` table)
    // counts ticks of 1024 cycles.
    int64_t total = 0;
    s += fmt::format(
        "\n### `{}`, per operator\n\n"
        "`sasim run --model {}` on this configuration (board estimate, the whole\n"
        "inference, the state of the third and later inferences: weights prepared,\n"
        "fusions learned). Ticks are cycles / 1024, as TFLite Micro's profiler\n"
        "prints them. The profiler's ticks for an operator also hold its kernel's\n"
        "`Eval` around the exported entry (5-9 k cycles: 5-9 ticks more; a fused\n"
        "operator's row is its `Eval` only), the interpreter adds about 1 k cycles\n"
        "per operator between them, and their code evicts some of the entry's from\n"
        "the caches (the entry itself takes up to a tenth longer on a small layer);\n"
        "the first inference prepares the weights (several times slower), the\n"
        "second learns the fused operators. `cfu+`: the layer with its next\n"
        "operator fused into its readback (that operator then takes a few ticks of\n"
        "its own `Eval` only).\n\n"
        "| # | op | where | cycles | ticks |\n|---|---|---|---|---|\n",
        in.model_name, in.model_name);
    for (const OperatorCycles& o : in.model_ops) {
      if (o.cycles >= 0) total += o.cycles;
      s += fmt::format("| {} | {} | {} | {} | {} |\n", o.index, o.op, o.where,
                       o.cycles >= 0 ? std::to_string(o.cycles) : std::string(o.where == "fused" ? "in the layer before" : "not timed"),
                       o.cycles >= 0 ? std::to_string((o.cycles + 512) / 1024) : std::string());
    }
    s += fmt::format("| | total | | {} | {} |\n", total, (total + 512) / 1024);
  }
  s += "\nsasim's numbers are the board's `mcycle` counts for the CPU running the\n"
       "driver and the CFU together; on the board, TFLite Micro's profiler adds its\n"
       "own overhead per operator.\n";
  return s;
}

}  // namespace

uint32_t fnv1a(const int8_t* p, size_t n) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; ++i) {
    h ^= static_cast<uint8_t>(p[i]);
    h *= 16777619u;
  }
  return h;
}

namespace {

// src/sasim_fuse.h: the layers whose next operator the bridge fuses
// (FuseEntry), as an initializer the bridge's table takes.
std::string fuse_header(const ProjectInputs& in) {
  std::string s = fmt::format(
      "// Generated by sasim {} export-cfu{}: the layers whose next operator (an ADD or\n"
      "// MUL that reads only the layer's output) the bridge fuses into the layer's\n"
      "// readback (READ_EW; sasim_tflm.cc), known by their filter: FNV-1a of its\n"
      "// bytes, their count, the output channels. Another model's layers never\n"
      "// match: its operators run as they are.\n"
      "#ifndef SASIM_FUSE_H_\n#define SASIM_FUSE_H_\n\n",
      in.version, in.fuse_model.empty() ? "" : " --model " + in.fuse_model);
  s += fmt::format("#define SASIM_FUSE_COUNT {}\n", in.fuse.size());
  s += "#define SASIM_FUSE_TABLE \\\n  {";
  if (in.fuse.empty()) s += "{0u, 0u, 0}";
  for (size_t i = 0; i < in.fuse.size(); ++i) {
    const FuseEntry& e = in.fuse[i];
    s += fmt::format("{}{{0x{:08x}u, {}u, {}}} /* operator {}, then {} */", i ? ", \\\n   " : "", e.filter_hash,
                     e.filter_bytes, e.out_c, e.op_index, e.fused);
  }
  s += "}\n\n";
  s += "// The output keep (docs/microarchitecture.md, \"Output kept in A\"): keep bit 0,\n"
       "// the layer leaves its output in the CFU's A bank for the next operator, a CFU\n"
       "// layer reading it; bit 1, the layer is that operator and takes its input from\n"
       "// there when its producer ran right before; bit 2, that operator is the output's\n"
       "// only reader: after the first inference the output goes only into the CFU;\n"
       "// bit 3, the layer (a conv or depthwise) is paired with the next, its output's only\n"
       "// reader, and bit 4 marks that reader: from the second inference the two run\n"
       "// band by band in the reader's call, the output never stored (run_pair).\n";
  s += fmt::format("#define SASIM_KEEP_COUNT {}\n", in.keep.size());
  s += "#define SASIM_KEEP_TABLE \\\n  {";
  if (in.keep.empty()) s += "{0u, 0u, 0, 0}";
  for (size_t i = 0; i < in.keep.size(); ++i) {
    const KeepEntry& e = in.keep[i];
    s += fmt::format("{}{{0x{:08x}u, {}u, {}, {}}} /* operator {} */", i ? ", \\\n   " : "", e.filter_hash,
                     e.filter_bytes, e.out_c, e.keep, e.op_index);
  }
  s += "}\n\n";
  s += "// Elementwise chains (docs/export-cfu.md in sasim, \"Elementwise chains\"): the\n"
       "// heads, each an ADD (0), SUB (1) or MUL (2) of a tensor and a one-element\n"
       "// constant whose output only the next operator, another such, reads: known by\n"
       "// the operation, the element count, the constant and the output's offset,\n"
       "// multiplier and shift. The bridge runs the two as one 256-entry table pass.\n";
  s += fmt::format("#define SASIM_CHAIN_COUNT {}\n", in.chain.size());
  s += "#define SASIM_CHAIN_TABLE \\\n  {";
  if (in.chain.empty()) s += "{-1, 0, 0, 0, 0, 0}";
  for (size_t i = 0; i < in.chain.size(); ++i) {
    const ChainEntry& e = in.chain[i];
    s += fmt::format("{}{{{}, {}, {}, {}, {}, {}}} /* operator {}, then {} */", i ? ", \\\n   " : "", e.op,
                     e.elements, e.c, e.output_offset, e.output_multiplier, e.output_shift, e.op_index, e.tail);
  }
  s += "}\n\n#endif  // SASIM_FUSE_H_\n";
  return s;
}

}  // namespace

std::vector<ProjectFile> cfu_project(const ProjectInputs& in) {
  std::vector<ProjectFile> files;
  auto add = [&](std::string path, std::string text) { files.push_back({std::move(path), std::move(text)}); };
  add("Makefile", makefile(in.hw, in.version, in.fuse_model, in.prepared_bytes, in.prepared_layers));
  add("README.md", readme(in));
  add("sasim-hw.yaml", hw_config_to_yaml(in.hw));
  add("cfu.v", fmt::format("// sasim {} export-cfu: the parameters below are set for {}.\n", in.version,
                           config_summary(in.hw)) +
                   configured_cfu_v(in.hw));
  for (const char* v : {"sasim_ram_sdp.v", "sasim_opbuf.v", "sasim_cbuf.v", "sasim_pe_ws.v", "sasim_pe_os.v",
                        "sasim_array_ws.v", "sasim_array_os.v", "sasim_requant.v", "sasim_postproc.v", "sasim_eltwise.v",
                        "sasim_frontend.v", "sasim_ctrl.v", "lint_waivers.vlt"})
    add(v, source((std::string("rtl/") + v).c_str()));
  // sasim's driver and cycle model, under src/sasim/.
  // The driver's parts joined into one file (cmake/amalgamate.cmake), as
  // the board model runs it: CFU Playground compiles every .cc under src/.
  for (const char* f : {"driver/driver.h", "driver/runner.h", "driver/placement.h", "driver/stream.h", "driver/gemm.h",
                        "driver/eltwise.cc", "driver/cfu_isa.h", "model/core.h", "model/core.cc"})
    add(std::string("src/sasim/") + f, project_includes(source((std::string("src/") + f).c_str())));
  add("src/sasim/driver/driver.cc", project_includes(source("src/driver/driver_one_tu.cc")));
  add("src/sasim/driver/cfu_seam.h", source("src/export/proj/cfu_seam.h"));
  for (const char* f : {"quant.h", "dataflow.h"})
    add(std::string("src/sasim/") + f, source((std::string("include/sasim/") + f).c_str()));
  // The project's own sources.
  for (const char* f : {"sasim_reference.h", "sasim_tflm.h", "sasim_tflm.cc", "software_cfu.cc", "sasim_selftest.h", "sasim_selftest.cc",
                        "proj_menu.cc", "tensorflow/lite/kernels/internal/reference/integer_ops/conv.h",
                        "tensorflow/lite/kernels/internal/reference/integer_ops/depthwise_conv.h",
                        "tensorflow/lite/kernels/internal/reference/integer_ops/fully_connected.h",
                        "tensorflow/lite/kernels/internal/reference/integer_ops/add.h",
                        "tensorflow/lite/kernels/internal/reference/integer_ops/mul.h",
                        "tensorflow/lite/kernels/internal/reference/integer_ops/pooling.h",
                        "tensorflow/lite/kernels/internal/reference/sub.h"})
    add(std::string("src/") + f, source((std::string("src/export/proj/") + f).c_str()));
  add("src/sasim_hw.h", hw_header(in.hw, in.version));
  add("src/sasim_fuse.h", fuse_header(in));
  add("src/sasim_selftest_data.h", selftest_data(in.selftest, in.version));
  return files;
}

}  // namespace sasim
