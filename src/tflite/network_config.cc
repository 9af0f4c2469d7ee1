#include "tflite/network_config.h"

#include <fmt/format.h>

#include <cstring>
#include <map>

namespace sasim::tflite {

namespace {

int32_t op_code_of(const std::string& op) {
  static const std::map<std::string, int32_t> codes = {
      {"conv2d", kConv2d}, {"depthwise_conv2d", kDepthwiseConv2d}, {"fully_connected", kFullyConnected},
      {"add", kAdd}, {"sub", kSub}, {"mul", kMul}, {"average_pool_2d", kAveragePool2d},
      {"max_pool_2d", kMaxPool2d}, {"reshape", kReshape}, {"softmax", kSoftmax}, {"mean", kMean}, {"pad", kPad},
      {"padv2", kPadV2}, {"quantize", kQuantize}, {"dequantize", kDequantize}, {"concatenation", kConcatenation},
      {"logistic", kLogistic}, {"leaky_relu", kLeakyRelu}};
  return codes.at(op);  // the config reader admits only these
}

Activation activation_of(const std::string& a) {
  if (a == "relu") return Activation::kRelu;
  if (a == "relu6") return Activation::kRelu6;
  if (a == "relu_n1_to_1") return Activation::kReluN1To1;
  return Activation::kNone;
}

// Scales are float32 in a TFLite model; a config holds the value as a decimal
// that converts back to the same float.
Quantization quant(double scale, int zero_point) {
  Quantization q;
  q.scale = {static_cast<float>(scale)};
  q.zero_point = {zero_point};
  return q;
}

template <typename T>
std::vector<uint8_t> bytes_of(const std::vector<T>& v) {
  std::vector<uint8_t> b(v.size() * sizeof(T));
  if (!b.empty()) std::memcpy(b.data(), v.data(), b.size());
  return b;
}

}  // namespace

Network network_from_config(const ModelConfig& cfg) {
  Network net;
  Model& m = net.model;
  m.path = cfg.source;
  m.description = "whole-network model config";
  net.imported.name = cfg.name;
  auto add_tensor = [&](Tensor t) {
    t.index = static_cast<int>(m.tensors.size());
    m.tensors.push_back(std::move(t));
    return m.tensors.back().index;
  };
  std::map<std::string, int> by_name;  // tensor of each entry (and of the model input)
  {
    Tensor in;
    in.name = cfg.input.name;
    in.shape = cfg.input.shape;
    in.type = kInt8;
    in.quant = quant(cfg.input.scale, cfg.input.zero_point);
    const int index = add_tensor(std::move(in));
    by_name[cfg.input.name] = index;
    m.inputs = {0};
  }
  for (size_t i = 0; i < cfg.graph.size(); ++i) {
    const GraphNode& n = cfg.graph[i];
    Operator op;
    op.index = static_cast<int>(i);
    op.code = op_code_of(n.op);
    for (const GraphOperand& o : n.inputs) {
      if (o.constant < 0) {
        op.inputs.push_back(by_name.at(o.name));
        continue;
      }
      const GraphTensor& c = cfg.constants[static_cast<size_t>(o.constant)];
      Tensor t;
      t.name = c.name;
      t.shape = c.shape;
      t.type = kInt8;
      t.quant = quant(c.scale, c.zero_point);
      t.data = bytes_of(read_constant_tensor(c));
      op.inputs.push_back(add_tensor(std::move(t)));
    }
    // The parameters TFLite carries as constant tensors.
    auto int32_constant = [&](const std::string& what, const std::vector<int32_t>& v, std::vector<int> shape) {
      Tensor t;
      t.name = n.name + "." + what;
      t.shape = std::move(shape);
      t.type = kInt32;
      t.data = bytes_of(v);
      op.inputs.push_back(add_tensor(std::move(t)));
    };
    if (n.op == "pad" || n.op == "padv2") {
      std::vector<int32_t> p;
      for (const auto& [before, after] : n.paddings) p.insert(p.end(), {before, after});
      int32_constant("paddings", p, {static_cast<int>(n.paddings.size()), 2});
      if (n.has_pad_value) {
        Tensor t;
        t.name = n.name + ".pad_value";
        t.shape = {1};
        t.type = kInt8;
        t.quant = quant(n.output_scale, n.output_zero_point);
        t.data = {static_cast<uint8_t>(static_cast<int8_t>(n.pad_value))};
        op.inputs.push_back(add_tensor(std::move(t)));
      }
    }
    if (n.op == "mean") {
      int32_constant("axes", std::vector<int32_t>(n.axes.begin(), n.axes.end()), {static_cast<int>(n.axes.size())});
    }
    Options& x = op.options;
    x.activation = activation_of(n.activation);
    x.filter_h = n.filter_h;
    x.filter_w = n.filter_w;
    x.stride_h = n.stride_h;
    x.stride_w = n.stride_w;
    x.padding = n.padding_same ? Padding::kSame : Padding::kValid;
    x.axis = n.axis;
    x.beta = static_cast<float>(n.beta);
    x.alpha = static_cast<float>(n.alpha);
    x.new_shape = n.output_shape;
    x.keep_dims = n.output_shape.size() == m.tensors[static_cast<size_t>(op.inputs[0])].shape.size();

    Tensor out;
    out.name = n.name;
    out.shape = n.output_shape;
    out.type = n.output_float ? kFloat32 : kInt8;
    if (!n.output_float) out.quant = quant(n.output_scale, n.output_zero_point);
    const int oi = add_tensor(std::move(out));
    by_name[n.name] = oi;
    op.outputs = {oi};

    if (n.layer >= 0) {
      const ModelLayer& ml = cfg.layers[static_cast<size_t>(n.layer)];
      ImportedLayer L;
      L.op_index = op.index;
      L.spec = ml.spec;
      LayerData d = make_layer_data(ml);
      L.filter = std::move(d.filter);
      L.bias = std::move(d.bias);
      net.imported.layers.push_back(std::move(L));
    } else {
      check_cpu_op(m, op, [&](const Operator&, const std::string& why) {
        return ConfigError({{cfg.source, n.line, n.column, fmt::format("layers[{}] ({})", i, n.name), why}});
      });
      net.imported.cpu_ops.push_back({op.index, op_name(op.code), ""});
    }
    m.operators.push_back(std::move(op));
  }
  m.outputs = {by_name.at(cfg.output)};
  return net;
}

}  // namespace sasim::tflite
