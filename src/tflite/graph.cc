#include "tflite/graph.h"

#include <fmt/format.h>

#include <stdexcept>

#include "sasim/cpu_ops.h"
#include "sasim/golden.h"

namespace sasim::tflite {

namespace {

QuantParam qparam(const Tensor& t) {
  QuantParam q;
  if (!t.quant.scale.empty()) q.scale = t.quant.scale[0];
  if (!t.quant.zero_point.empty()) q.zero_point = static_cast<int32_t>(t.quant.zero_point[0]);
  return q;
}

}  // namespace

std::vector<int8_t> run_golden_op(const Model& m, const Imported& im, const Operator& op,
                                  const std::map<int, std::vector<int8_t>>& t) {
  std::vector<int8_t> constant;
  auto value = [&](int index) -> const std::vector<int8_t>& {
    auto it = t.find(index);
    if (it != t.end()) return it->second;
    const Tensor& x = m.tensors[static_cast<size_t>(index)];
    if (!x.constant() || x.type != kInt8) throw std::runtime_error(fmt::format("tensor {} has no value", index));
    constant.assign(reinterpret_cast<const int8_t*>(x.data.data()),
                    reinterpret_cast<const int8_t*>(x.data.data()) + x.data.size());
    return constant;
  };
  const Tensor& o = m.tensors[static_cast<size_t>(op.outputs[0])];
  std::vector<int8_t> result;
  switch (op.code) {
    case kConv2d: case kDepthwiseConv2d: case kFullyConnected: {
      const ImportedLayer* layer = nullptr;
      for (const auto& l : im.layers)
        if (l.op_index == op.index) layer = &l;
      if (!layer) throw std::runtime_error(fmt::format("operator {} was not imported", op.index));
      LayerData d;
      d.input = value(op.inputs[0]);
      d.filter = layer->filter;
      d.bias = layer->bias;
      golden_layer(layer->spec, d, &result);
      break;
    }
    case kAdd: {
      const Tensor& a = m.tensors[static_cast<size_t>(op.inputs[0])];
      const Tensor& b = m.tensors[static_cast<size_t>(op.inputs[1])];
      const std::vector<int8_t> va = value(op.inputs[0]);
      add_int8(va, qparam(a), value(op.inputs[1]), qparam(b), qparam(o), static_cast<int>(op.options.activation),
               &result);
      break;
    }
    case kSub:
    case kMul: {
      const Tensor& a = m.tensors[static_cast<size_t>(op.inputs[0])];
      const Tensor& b = m.tensors[static_cast<size_t>(op.inputs[1])];
      const std::vector<int8_t> va = value(op.inputs[0]);
      const std::vector<int8_t>& vb = value(op.inputs[1]);
      (op.code == kSub ? sub_int8 : mul_int8)(va, a.shape, qparam(a), vb, b.shape, qparam(b), qparam(o),
                                              static_cast<int>(op.options.activation), o.shape, &result);
      break;
    }
    case kAveragePool2d: {
      const Tensor& in = m.tensors[static_cast<size_t>(op.inputs[0])];
      const Options& x = op.options;
      PoolParams p{in.shape[0], in.shape[1], in.shape[2], in.shape[3], o.shape[1], o.shape[2],
                   x.filter_h, x.filter_w, x.stride_h, x.stride_w, 0, 0};
      // ComputePaddingHeightWidth (dilation 1).
      p.pad_top = std::max(0, ((p.out_h - 1) * p.stride_h + p.filter_h - p.in_h) / 2);
      p.pad_left = std::max(0, ((p.out_w - 1) * p.stride_w + p.filter_w - p.in_w) / 2);
      if (x.padding == Padding::kValid) p.pad_top = p.pad_left = 0;
      int8_activation_range(static_cast<int>(x.activation), qparam(o), &p.act_min, &p.act_max);
      average_pool_int8(value(op.inputs[0]), p, &result);
      break;
    }
    case kReshape: result = value(op.inputs[0]); break;
    case kSoftmax: {
      const Tensor& in = m.tensors[static_cast<size_t>(op.inputs[0])];
      softmax_int8(value(op.inputs[0]), in.shape.back(), qparam(in).scale, op.options.beta, &result);
      break;
    }
    default:
      throw std::runtime_error(fmt::format("operator {} ({}): not in the golden library yet", op.index, op_name(op.code)));
  }
  return result;
}

std::vector<int8_t> run_golden(const Model& m, const Imported& im, const std::vector<int8_t>& input,
                               std::map<int, std::vector<int8_t>>* keep) {
  std::map<int, std::vector<int8_t>> t;
  t[m.inputs[0]] = input;
  for (const Operator& op : m.operators) t[op.outputs[0]] = run_golden_op(m, im, op, t);
  std::vector<int8_t> out = t.at(m.outputs[0]);
  if (keep) *keep = std::move(t);
  return out;
}

}  // namespace sasim::tflite
