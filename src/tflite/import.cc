#include "tflite/import.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sys/stat.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>

#include "sasim/config.h"
#include "sasim/cpu_ops.h"
#include "sasim/quant.h"
#include "tflite/graph.h"

namespace sasim::tflite {

namespace {

// The operators that run on the CPU (the TFLite Micro reference semantics;
// sasim's golden library implements them).
bool is_cpu_op(int32_t code) {
  switch (code) {
    case kAdd: case kAveragePool2d: case kMaxPool2d: case kReshape: case kSoftmax: case kMean: case kPad:
    case kPadV2: case kQuantize: case kDequantize: case kConcatenation: case kMul: case kSub: case kLogistic:
    case kLeakyRelu:
      return true;
    default:
      return false;
  }
}

std::string base_name(const std::string& path) {
  std::string b = path.substr(path.find_last_of('/') + 1);
  const size_t dot = b.rfind('.');
  if (dot != std::string::npos && dot > 0) b.resize(dot);
  std::string out;
  for (char c : b) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-') ? c : '_';
  return out.empty() ? "model" : out;
}

std::string shape_str(const std::vector<int>& s) { return fmt::format("[{}]", fmt::join(s, ", ")); }

}  // namespace

void check_cpu_op(const Model& m, const Operator& op, const CheckFail& fail) {
  if (op.outputs.size() != 1 || op.outputs[0] < 0) throw fail(op, "has no single output");
  const Tensor& o = m.tensors[static_cast<size_t>(op.outputs[0])];
  auto input = [&](size_t i) -> const Tensor& {
    if (i >= op.inputs.size() || op.inputs[i] < 0) throw fail(op, fmt::format("has no input {}", i));
    return m.tensors[static_cast<size_t>(op.inputs[i])];
  };
  auto need_int8 = [&](const Tensor& t, const char* what) {
    if (t.type != kInt8) throw fail(op, fmt::format("the {} is {}; sasim runs this operator on int8", what, type_name(t.type)));
    if (!t.quant.present()) throw fail(op, fmt::format("the {} has no quantization parameters", what));
  };
  if (op.code != kDequantize) need_int8(o, "output");
  const Tensor& in = input(0);
  if (op.code != kQuantize) need_int8(in, "input");
  if (op.options.activation == Activation::kTanh || op.options.activation == Activation::kSignBit)
    throw fail(op, fmt::format("fused activation {} is not supported", activation_name(op.options.activation)));
  const size_t rank = o.shape.size();
  switch (op.code) {
    case kAdd: case kSub: case kMul: {
      const Tensor& b = input(1);
      need_int8(b, "second input");
      try {
        if (in.shape.size() > 5 || b.shape.size() > 5 || broadcast_shape(in.shape, b.shape) != o.shape)
          throw std::runtime_error("");
      } catch (const std::runtime_error&) {
        throw fail(op, fmt::format("inputs {} and {} do not broadcast to the output {}", shape_str(in.shape),
                                   shape_str(b.shape), shape_str(o.shape)));
      }
      break;
    }
    case kAveragePool2d: case kMaxPool2d: {
      const Options& x = op.options;
      if (in.shape.size() != 4 || rank != 4 || in.shape[0] != o.shape[0] || in.shape[3] != o.shape[3])
        throw fail(op, fmt::format("input {} and output {} are not matching NHWC tensors", shape_str(in.shape),
                                   shape_str(o.shape)));
      if (x.filter_h < 1 || x.filter_w < 1 || x.stride_h < 1 || x.stride_w < 1)
        throw fail(op, "filter and stride must be at least 1");
      // Every window must cover at least one input element.
      const int pt = x.padding == Padding::kValid ? 0
                                                  : std::max(0, ((o.shape[1] - 1) * x.stride_h + x.filter_h - in.shape[1]) / 2);
      const int pl = x.padding == Padding::kValid ? 0
                                                  : std::max(0, ((o.shape[2] - 1) * x.stride_w + x.filter_w - in.shape[2]) / 2);
      if ((o.shape[1] - 1) * x.stride_h - pt >= in.shape[1] || (o.shape[2] - 1) * x.stride_w - pl >= in.shape[2])
        throw fail(op, "the output is larger than the input's windows");
      // TFLite Micro's pooling does not rescale (PoolingPrepare).
      if (std::abs(static_cast<double>(quant_of(in).scale - quant_of(o).scale)) > 1e-6 ||
          quant_of(in).zero_point != quant_of(o).zero_point)
        throw fail(op, "input and output quantization differ (TFLite Micro's int8 pooling requires them equal)");
      break;
    }
    case kReshape:
      if (in.elements() != o.elements())
        throw fail(op, fmt::format("{} elements reshaped into {}", in.elements(), o.elements()));
      break;
    case kSoftmax:
      if (o.quant.zero_point.empty() || o.quant.zero_point[0] != -128 || o.quant.scale[0] != 1.0f / 256)
        throw fail(op, "an int8 SOFTMAX output must have scale 1/256 and zero point -128 (as TFLite Micro requires)");
      if (in.shape.empty() || in.elements() != o.elements()) throw fail(op, "input and output shapes differ");
      break;
    case kPad: case kPadV2: {
      const Tensor& p = input(1);
      if (!p.constant() || (p.type != kInt32 && p.type != kInt64))
        throw fail(op, "the paddings are not a constant int32/int64 tensor");
      const std::vector<int64_t> pads = int_constant(p, "paddings");
      if (pads.size() != 2 * in.shape.size() || in.shape.size() != rank || rank > 5)
        throw fail(op, fmt::format("the paddings are not [{}, 2]", in.shape.size()));
      for (size_t k = 0; k < rank; ++k) {
        const int64_t before = pads[2 * k], after = pads[2 * k + 1];
        if (before < 0 || after < 0 || in.shape[k] + before + after != o.shape[k])
          throw fail(op, fmt::format("paddings ({}, {}) of dimension {} do not give the output {}", before, after, k,
                                     shape_str(o.shape)));
      }
      if (op.code == kPadV2 && op.inputs.size() > 2 && op.inputs[2] >= 0) {
        const Tensor& c = input(2);
        if (c.type != kInt8 || !c.constant()) throw fail(op, "the constant value is not a constant int8 tensor");
        if (!c.quant.present() || quant_of(c).scale != quant_of(o).scale || quant_of(c).zero_point != quant_of(o).zero_point)
          throw fail(op, "the constant value's quantization differs from the output's (TFLite Micro requires them equal)");
      }
      break;
    }
    case kConcatenation: {
      const int axis = op.options.axis < 0 ? op.options.axis + static_cast<int>(rank) : op.options.axis;
      if (axis < 0 || axis >= static_cast<int>(rank)) throw fail(op, fmt::format("axis {} is out of range", op.options.axis));
      int64_t along = 0;
      for (size_t i = 0; i < op.inputs.size(); ++i) {
        const Tensor& t = input(i);
        need_int8(t, "input");
        if (t.shape.size() != rank) throw fail(op, "inputs differ in rank");
        if (quant_of(t).scale != quant_of(o).scale || quant_of(t).zero_point != quant_of(o).zero_point)
          throw fail(op, fmt::format("input {} is quantized unlike the output (TFLite Micro's int8 concatenation does "
                                     "not rescale)", i));
        for (size_t k = 0; k < rank; ++k)
          if (static_cast<int>(k) != axis && t.shape[k] != o.shape[k]) throw fail(op, "inputs differ off the axis");
        along += t.shape[static_cast<size_t>(axis)];
      }
      if (along != o.shape[static_cast<size_t>(axis)]) throw fail(op, "the inputs do not fill the output along the axis");
      break;
    }
    case kLogistic:
      if (o.quant.zero_point.empty() || o.quant.zero_point[0] != -128)
        throw fail(op, "an int8 LOGISTIC output must have zero point -128 (as TFLite Micro requires)");
      if (in.elements() != o.elements()) throw fail(op, "input and output shapes differ");
      break;
    case kLeakyRelu:
      if (in.elements() != o.elements()) throw fail(op, "input and output shapes differ");
      break;
    case kMean: {
      const Tensor& a = input(1);
      if (!a.constant() || a.type != kInt32) throw fail(op, "the axes are not a constant int32 tensor");
      const int r = static_cast<int>(in.shape.size());
      int64_t kept = 1;
      std::vector<bool> reduced(static_cast<size_t>(r), false);
      for (const int64_t v : int_constant(a, "axis")) {
        if (v < -r || v >= r) throw fail(op, fmt::format("axis {} is out of range for rank {}", v, r));
        reduced[static_cast<size_t>(v < 0 ? v + r : v)] = true;
      }
      for (int k = 0; k < r; ++k)
        if (!reduced[static_cast<size_t>(k)]) kept *= in.shape[static_cast<size_t>(k)];
      if (kept != o.elements()) throw fail(op, fmt::format("the output {} does not follow from the axes", shape_str(o.shape)));
      break;
    }
    case kQuantize:
      if (in.type != kInt8 && in.type != kFloat32) throw fail(op, fmt::format("input type {} is not supported", type_name(in.type)));
      if (in.elements() != o.elements()) throw fail(op, "input and output shapes differ");
      break;
    case kDequantize:
      if (o.type != kFloat32) throw fail(op, fmt::format("output type {} is not supported", type_name(o.type)));
      if (in.elements() != o.elements()) throw fail(op, "input and output shapes differ");
      break;
    default:
      break;
  }
}

Imported import_model(const Model& m) {
  auto fail = [&](const Operator& op, const std::string& what) {
    return ConfigError({{m.path, 0, 0, "", fmt::format("operator {} ({}): {}", op.index, op_name(op.code), what)}});
  };
  Imported out;
  out.name = base_name(m.path);
  const Tensor& model_in = m.tensors[static_cast<size_t>(m.inputs[0])];
  if (model_in.type == kFloat32)
    throw ConfigError({{m.path, 0, 0, "", "a float model: sasim runs int8-quantized models (the input tensor is float32)"}});

  // Every operator is checked before anything is imported.
  for (const Operator& op : m.operators) {
    const bool cfu = op.code == kConv2d || op.code == kDepthwiseConv2d || op.code == kFullyConnected;
    if (!cfu && !is_cpu_op(op.code))
      throw fail(op, "is not supported (sasim supports CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED on the "
                     "accelerator and ADD, AVERAGE_POOL_2D, MAX_POOL_2D, RESHAPE, SOFTMAX, MEAN, PAD, QUANTIZE, "
                     "DEQUANTIZE, CONCATENATION, MUL, SUB, LOGISTIC, LEAKY_RELU on the CPU)");
  }

  for (const Operator& op : m.operators) {
    auto tensor = [&](size_t i, const char* what) -> const Tensor& {
      if (i >= op.inputs.size() || op.inputs[i] < 0) throw fail(op, fmt::format("has no {} input", what));
      return m.tensors[static_cast<size_t>(op.inputs[i])];
    };
    if (is_cpu_op(op.code)) {
      check_cpu_op(m, op, fail);
      CpuOp c{op.index, op_name(op.code), ""};
      if (!op.outputs.empty()) c.detail = shape_str(m.tensors[static_cast<size_t>(op.outputs[0])].shape);
      out.cpu_ops.push_back(c);
      continue;
    }
    if (op.outputs.empty()) throw fail(op, "has no output");
    const Tensor& in = tensor(0, "input");
    const Tensor& w = tensor(1, "filter");
    const Tensor& o = m.tensors[static_cast<size_t>(op.outputs[0])];
    const Tensor* b = op.inputs.size() > 2 && op.inputs[2] >= 0 ? &m.tensors[static_cast<size_t>(op.inputs[2])] : nullptr;
    if (in.type != kInt8 || w.type != kInt8 || o.type != kInt8)
      throw fail(op, fmt::format("input/filter/output must be int8 (they are {}/{}/{})", type_name(in.type),
                                 type_name(w.type), type_name(o.type)));
    if (!w.constant()) throw fail(op, "the filter is not a constant tensor");
    if (b && (b->type != kInt32 || !b->constant())) throw fail(op, "the bias is not a constant int32 tensor");
    if (!in.quant.present() || !w.quant.present() || !o.quant.present())
      throw fail(op, "a tensor has no quantization parameters");
    for (int64_t z : w.quant.zero_point)
      if (z != 0) throw fail(op, "filter zero point is not 0 (only symmetric int8 weights are supported)");

    ImportedLayer L;
    L.op_index = op.index;
    LayerSpec& s = L.spec;
    s.name = fmt::format("op{:02}_{}", op.index, op.code == kConv2d ? "conv2d"
                                                  : op.code == kDepthwiseConv2d ? "depthwise_conv2d"
                                                                                  : "fully_connected");
    s.op = op.code == kConv2d ? OpKind::kConv2d
           : op.code == kDepthwiseConv2d ? OpKind::kDepthwiseConv2d
                                         : OpKind::kFullyConnected;
    s.filter_shape = w.shape;
    s.output_shape = o.shape;
    s.input_shape = in.shape;
    const Options& x = op.options;
    if (s.op == OpKind::kFullyConnected) {
      if (x.weights_format != 0) throw fail(op, "shuffled weights are not supported");
      if (w.shape.size() != 2) throw fail(op, fmt::format("filter shape {} is not [units, depth]", shape_str(w.shape)));
      const int depth = w.shape[1];
      if (depth <= 0 || in.elements() % depth != 0)
        throw fail(op, fmt::format("input {} does not divide into rows of {}", shape_str(in.shape), depth));
      s.input_shape = {static_cast<int>(in.elements() / depth), depth};
      s.output_shape = {static_cast<int>(in.elements() / depth), w.shape[0]};
    } else {
      s.stride_h = x.stride_h;
      s.stride_w = x.stride_w;
      s.dilation_h = x.dilation_h;
      s.dilation_w = x.dilation_w;
      s.padding = x.padding == tflite::Padding::kSame ? sasim::Padding::kSame : sasim::Padding::kValid;
      if (s.op == OpKind::kDepthwiseConv2d) {
        if (in.shape.size() != 4 || o.shape.size() != 4 || in.shape[3] <= 0 || o.shape[3] % in.shape[3] != 0)
          throw fail(op, "output channels are not a multiple of the input channels");
        s.depth_multiplier = o.shape[3] / in.shape[3];  // as TFLite Micro derives it
      }
    }
    s.input_zero_point = static_cast<int32_t>(in.quant.zero_point.empty() ? 0 : in.quant.zero_point[0]);
    s.output_zero_point = static_cast<int32_t>(o.quant.zero_point.empty() ? 0 : o.quant.zero_point[0]);
    const float in_scale = in.quant.scale[0], out_scale = o.quant.scale[0];
    const int out_c = s.op == OpKind::kFullyConnected ? w.shape[0] : o.shape.back();
    const bool per_channel = w.quant.scale.size() > 1;
    if (per_channel && static_cast<int>(w.quant.scale.size()) != out_c)
      throw fail(op, fmt::format("{} filter scales for {} output channels", w.quant.scale.size(), out_c));
    for (size_t c = 0; c < w.quant.scale.size(); ++c) {
      // TFLite Micro: conv, depthwise and per-channel FC in double; per-tensor
      // FC forms input_scale * filter_scale in float first.
      const double real = (s.op == OpKind::kFullyConnected && !per_channel)
                              ? static_cast<double>(in_scale * w.quant.scale[c]) / static_cast<double>(out_scale)
                              : static_cast<double>(in_scale) * static_cast<double>(w.quant.scale[c]) /
                                    static_cast<double>(out_scale);
      int32_t mult = 0;
      int shift = 0;
      if (!quantize_multiplier_tflm(real, &mult, &shift))
        throw fail(op, fmt::format("effective scale {} of channel {} is out of range", real, c));
      s.output_multiplier.push_back(mult);
      s.output_shift.push_back(shift);
    }
    if (s.op != OpKind::kFullyConnected && s.output_multiplier.size() == 1) {
      s.output_multiplier.assign(static_cast<size_t>(out_c), s.output_multiplier[0]);
      s.output_shift.assign(static_cast<size_t>(out_c), s.output_shift[0]);
    }
    // CalculateActivationRangeQuantized: quantize in float, as TFLite does.
    auto quantize = [&](float f) {
      const float q = std::round(f / out_scale);
      return std::min<int32_t>(127, std::max<int32_t>(-128, s.output_zero_point + static_cast<int32_t>(q)));
    };
    s.act_min = -128;
    s.act_max = 127;
    if (x.activation == Activation::kRelu || x.activation == Activation::kRelu6) s.act_min = std::max(-128, quantize(0.0f));
    if (x.activation == Activation::kRelu6) s.act_max = std::min(127, quantize(6.0f));
    if (x.activation == Activation::kReluN1To1) {
      s.act_min = std::max(-128, quantize(-1.0f));
      s.act_max = std::min(127, quantize(1.0f));
    }
    s.has_bias = b != nullptr;
    std::vector<FieldError> errors;
    if (!validate_layer(&s, &errors)) {
      std::string msg;
      for (const FieldError& e : errors) msg += fmt::format("{}{}: {}", msg.empty() ? "" : "; ", e.key, e.message);
      throw fail(op, "cannot be mapped: " + msg);
    }
    L.filter.resize(w.data.size());
    std::memcpy(L.filter.data(), w.data.data(), w.data.size());
    if (b) {
      if (b->elements() != out_c) throw fail(op, fmt::format("bias has {} entries for {} channels", b->elements(), out_c));
      L.bias.resize(static_cast<size_t>(out_c));
      std::memcpy(L.bias.data(), b->data.data(), b->data.size());
    }
    out.layers.push_back(std::move(L));
  }
  return out;
}

std::vector<std::string> write_model_yaml(const Model& m, const Imported& im, const std::string& yaml_path,
                                          const std::string& source_path) {
  auto fail = [&](const std::string& p, const std::string& what) { return ConfigError({{p, 0, 0, "", what}}); };
  std::string dir = yaml_path;
  if (dir.size() > 5 && dir.compare(dir.size() - 5, 5, ".yaml") == 0) dir.resize(dir.size() - 5);
  else throw fail(yaml_path, "the output must be a .yaml file");
  const std::string weights_dir_name = dir.substr(dir.find_last_of('/') + 1);
  if (mkdir(dir.c_str(), 0777) != 0 && errno != EEXIST)
    throw fail(dir, fmt::format("cannot create the weights folder: {}", std::strerror(errno)));
  std::vector<std::string> written;
  auto write_bin = [&](const std::string& name, const void* data, size_t bytes) {
    const std::string p = dir + "/" + name;
    std::ofstream f(p, std::ios::binary);
    if (!f || !f.write(static_cast<const char*>(data), static_cast<std::streamsize>(bytes)))
      throw fail(p, "cannot write");
    written.push_back(p);
    return weights_dir_name + "/" + name;
  };
  // Scales are float32 in the model; fmt prints a float's shortest decimal,
  // which reads back as the same float.
  auto scale_of = [](const Tensor& t) { return fmt::format("{}", t.quant.scale.empty() ? 0.0f : t.quant.scale[0]); };
  auto zp_of = [](const Tensor& t) { return t.quant.zero_point.empty() ? int64_t{0} : t.quant.zero_point[0]; };
  auto lower = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  // Each tensor an operator reads is the model input or an earlier entry's output.
  std::map<int, std::string> producer;
  const Tensor& model_in = m.tensors[static_cast<size_t>(m.inputs[0])];
  producer[model_in.index] = "input";

  std::string y = fmt::format(
      "# Imported by `sasim import` from {}.\n"
      "# A whole-network model config (docs/model-config.md): every operator of the model in\n"
      "# order, reading the tensors named in inputs:. The accelerator's layers carry the\n"
      "# model's weights (in {}/) and its quantization (multipliers and shifts derived as\n"
      "# TFLite Micro prepares them); the CPU operators carry their parameters.\n"
      "# `sasim run --model` on this file gives the .tflite file's output and cycles.\n",
      source_path, weights_dir_name);
  y += fmt::format("name: {}\n", im.name);
  y += fmt::format("input: {{name: input, shape: {}, scale: {}, zero_point: {}}}\n", shape_str(model_in.shape),
                   scale_of(model_in), zp_of(model_in));
  const size_t output_at = y.size();  // output: goes here, once its entry is named
  y += "layers:\n";
  for (const Operator& op : m.operators) {
    const Tensor& o = m.tensors[static_cast<size_t>(op.outputs[0])];
    const ImportedLayer* layer = nullptr;
    for (const auto& l : im.layers)
      if (l.op_index == op.index) layer = &l;
    const std::string name = layer ? layer->spec.name : fmt::format("op{:02}_{}", op.index, lower(op_name(op.code)));
    // inputs: the activation operands (constant int8 operands of CPU operators
    // as files; shape/parameter tensors become keys below).
    std::vector<std::string> inputs;
    const size_t n_act = layer ? 1
                         : (op.code == kPad || op.code == kPadV2 || op.code == kMean) ? 1
                         : op.code == kReshape ? 1
                                               : op.inputs.size();
    for (size_t k = 0; k < n_act && k < op.inputs.size(); ++k) {
      const int ti = op.inputs[k];
      auto it = producer.find(ti);
      if (it != producer.end()) {
        inputs.push_back(it->second);
        continue;
      }
      const Tensor& t = m.tensors[static_cast<size_t>(ti)];
      if (layer || !t.constant() || t.type != kInt8)
        throw fail(m.path, fmt::format("operator {} ({}) reads tensor {}, which is neither the model input nor an "
                                       "operator's output nor an int8 constant",
                                       op.index, op_name(op.code), ti));
      const std::string f = write_bin(fmt::format("op{:02}_input{}.bin", op.index, k), t.data.data(), t.data.size());
      inputs.push_back(fmt::format("{{file: {}, shape: {}, scale: {}, zero_point: {}}}", f, shape_str(t.shape),
                                   scale_of(t), zp_of(t)));
    }
    y += fmt::format("  - name: {}\n    op: {}\n    inputs: [{}]\n", name,
                     layer ? op_name(layer->spec.op) : lower(op_name(op.code)), fmt::join(inputs, ", "));
    producer[o.index] = name;
    if (!layer) {
      y += fmt::format("    output_shape: {}\n", shape_str(o.shape));
      if (op.code != kDequantize) y += fmt::format("    output_scale: {}\n    output_zero_point: {}\n", scale_of(o), zp_of(o));
      const Options& x = op.options;
      switch (op.code) {
        case kAdd: case kSub: case kMul:
          y += fmt::format("    fused_activation: {}\n", activation_name(x.activation));
          break;
        case kAveragePool2d: case kMaxPool2d:
          y += fmt::format("    filter: [{}, {}]\n    stride: [{}, {}]\n    padding: {}\n    fused_activation: {}\n",
                           x.filter_h, x.filter_w, x.stride_h, x.stride_w,
                           x.padding == tflite::Padding::kSame ? "same" : "valid", activation_name(x.activation));
          break;
        case kPad: case kPadV2: {
          const std::vector<int64_t> p = int_constant(m.tensors[static_cast<size_t>(op.inputs[1])], "paddings");
          std::vector<std::string> pairs;
          for (size_t k = 0; k + 1 < p.size(); k += 2) pairs.push_back(fmt::format("[{}, {}]", p[k], p[k + 1]));
          y += fmt::format("    paddings: [{}]\n", fmt::join(pairs, ", "));
          if (op.code == kPadV2 && op.inputs.size() > 2 && op.inputs[2] >= 0) {
            const Tensor& c = m.tensors[static_cast<size_t>(op.inputs[2])];
            y += fmt::format("    pad_value: {}\n", static_cast<int>(static_cast<int8_t>(c.data.at(0))));
          }
          break;
        }
        case kMean:
          y += fmt::format("    axes: [{}]\n",
                           fmt::join(int_constant(m.tensors[static_cast<size_t>(op.inputs[1])], "axis"), ", "));
          break;
        case kConcatenation: y += fmt::format("    axis: {}\n", x.axis); break;
        case kSoftmax: y += fmt::format("    beta: {}\n", x.beta); break;
        case kLeakyRelu: y += fmt::format("    alpha: {}\n", x.alpha); break;
        default: break;
      }
      continue;
    }
    const ImportedLayer& L = *layer;
    const LayerSpec& s = L.spec;
    y += fmt::format("    input_shape: {}\n    filter_shape: {}\n    output_shape: {}\n", shape_str(s.input_shape),
                     shape_str(s.filter_shape), shape_str(s.output_shape));
    if (s.op != OpKind::kFullyConnected) {
      y += fmt::format("    stride: [{}, {}]\n    dilation: [{}, {}]\n    padding: {}\n", s.stride_h, s.stride_w,
                       s.dilation_h, s.dilation_w, s.padding == sasim::Padding::kSame ? "same" : "valid");
      if (s.op == OpKind::kDepthwiseConv2d) y += fmt::format("    depth_multiplier: {}\n", s.depth_multiplier);
    }
    y += fmt::format("    input_zero_point: {}\n    output_zero_point: {}\n    output_scale: {}\n", s.input_zero_point,
                     s.output_zero_point, scale_of(o));
    y += fmt::format("    output_multiplier: {}\n    output_shift: {}\n", shape_str(std::vector<int>(
                                                                                 s.output_multiplier.begin(), s.output_multiplier.end())),
                     shape_str(std::vector<int>(s.output_shift.begin(), s.output_shift.end())));
    y += fmt::format("    activation_min: {}\n    activation_max: {}\n", s.act_min, s.act_max);
    const std::string f = write_bin(fmt::format("op{:02}_filter.bin", L.op_index), L.filter.data(), L.filter.size());
    if (L.bias.empty()) {
      y += fmt::format("    weights: {{filter_file: {}}}\n", f);
    } else {
      const std::string b = write_bin(fmt::format("op{:02}_bias.bin", L.op_index), L.bias.data(), L.bias.size() * 4);
      y += fmt::format("    weights: {{filter_file: {}, bias_file: {}}}\n", f, b);
    }
  }
  y.insert(output_at, fmt::format("output: {}\n", producer.at(m.outputs[0])));
  {
    std::ofstream f(yaml_path);
    if (!f || !(f << y)) throw fail(yaml_path, "cannot write");
  }
  written.push_back(yaml_path);
  return written;
}

}  // namespace sasim::tflite
