#include "tflite/graph.h"

#include <fmt/format.h>

#include <cstring>
#include <stdexcept>

#include "sasim/cpu_ops.h"
#include "sasim/golden.h"

namespace sasim::tflite {

QuantParam quant_of(const Tensor& t) {
  QuantParam q;
  if (!t.quant.scale.empty()) q.scale = t.quant.scale[0];
  if (!t.quant.zero_point.empty()) q.zero_point = static_cast<int32_t>(t.quant.zero_point[0]);
  return q;
}

std::vector<int64_t> int_constant(const Tensor& x, const char* what) {
  std::vector<int64_t> v;
  if (!x.constant()) throw std::runtime_error(fmt::format("the {} tensor {} is not constant", what, x.index));
  if (x.type == kInt32) {
    for (size_t i = 0; i + 4 <= x.data.size(); i += 4) {
      int32_t w;
      std::memcpy(&w, &x.data[i], 4);
      v.push_back(w);
    }
  } else if (x.type == kInt64) {
    for (size_t i = 0; i + 8 <= x.data.size(); i += 8) {
      int64_t w;
      std::memcpy(&w, &x.data[i], 8);
      v.push_back(w);
    }
  } else {
    throw std::runtime_error(fmt::format("the {} tensor {} is {}, not int32 or int64", what, x.index, type_name(x.type)));
  }
  return v;
}

const std::vector<int8_t>& tensor_value(const Model& m, const std::map<int, std::vector<int8_t>>& t, int index,
                                        std::vector<int8_t>* scratch) {
  auto it = t.find(index);
  if (it != t.end()) return it->second;
  const Tensor& x = m.tensors[static_cast<size_t>(index)];
  if (!x.constant() || x.type != kInt8) throw std::runtime_error(fmt::format("tensor {} has no value", index));
  scratch->assign(reinterpret_cast<const int8_t*>(x.data.data()),
                  reinterpret_cast<const int8_t*>(x.data.data()) + x.data.size());
  return *scratch;
}

namespace {

// Float tensors travel as their bytes (little-endian float32).
std::vector<float> as_floats(const std::vector<int8_t>& bytes) {
  std::vector<float> f(bytes.size() / 4);
  std::memcpy(f.data(), bytes.data(), f.size() * 4);
  return f;
}
std::vector<int8_t> float_bytes(const std::vector<float>& f) {
  std::vector<int8_t> b(f.size() * 4);
  std::memcpy(b.data(), f.data(), b.size());
  return b;
}

PoolParams pool_params(const Tensor& in, const Tensor& o, const Options& x) {
  if (in.shape.size() != 4 || o.shape.size() != 4) throw std::runtime_error("pooling needs 4-D NHWC tensors");
  PoolParams p{in.shape[0], in.shape[1], in.shape[2], in.shape[3], o.shape[1], o.shape[2],
               x.filter_h, x.filter_w, x.stride_h, x.stride_w, 0, 0};
  // ComputePaddingHeightWidth (dilation 1).
  p.pad_top = std::max(0, ((p.out_h - 1) * p.stride_h + p.filter_h - p.in_h) / 2);
  p.pad_left = std::max(0, ((p.out_w - 1) * p.stride_w + p.filter_w - p.in_w) / 2);
  if (x.padding == Padding::kValid) p.pad_top = p.pad_left = 0;
  int8_activation_range(static_cast<int>(x.activation), quant_of(o), &p.act_min, &p.act_max);
  return p;
}

}  // namespace

std::vector<int8_t> run_golden_op(const Model& m, const Imported& im, const Operator& op,
                                  const std::map<int, std::vector<int8_t>>& t) {
  std::vector<int8_t> constant;
  auto value = [&](int index) -> const std::vector<int8_t>& { return tensor_value(m, t, index, &constant); };
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
      add_int8(va, a.shape, quant_of(a), value(op.inputs[1]), b.shape, quant_of(b), quant_of(o),
               static_cast<int>(op.options.activation), o.shape, &result);
      break;
    }
    case kSub:
    case kMul: {
      const Tensor& a = m.tensors[static_cast<size_t>(op.inputs[0])];
      const Tensor& b = m.tensors[static_cast<size_t>(op.inputs[1])];
      const std::vector<int8_t> va = value(op.inputs[0]);
      const std::vector<int8_t>& vb = value(op.inputs[1]);
      (op.code == kSub ? sub_int8 : mul_int8)(va, a.shape, quant_of(a), vb, b.shape, quant_of(b), quant_of(o),
                                              static_cast<int>(op.options.activation), o.shape, &result);
      break;
    }
    case kAveragePool2d:
      average_pool_int8(value(op.inputs[0]), pool_params(m.tensors[static_cast<size_t>(op.inputs[0])], o, op.options),
                        &result);
      break;
    case kMaxPool2d:
      max_pool_int8(value(op.inputs[0]), pool_params(m.tensors[static_cast<size_t>(op.inputs[0])], o, op.options),
                    &result);
      break;
    case kPad:
    case kPadV2: {
      const Tensor& in = m.tensors[static_cast<size_t>(op.inputs[0])];
      const std::vector<int64_t> p = int_constant(m.tensors[static_cast<size_t>(op.inputs[1])], "paddings");
      if (p.size() != 2 * in.shape.size()) throw std::runtime_error("PAD: the paddings are not [rank, 2]");
      std::vector<std::pair<int, int>> pads;
      for (size_t k = 0; k < in.shape.size(); ++k) pads.emplace_back(static_cast<int>(p[2 * k]), static_cast<int>(p[2 * k + 1]));
      int8_t pad_value = static_cast<int8_t>(quant_of(o).zero_point);
      if (op.code == kPadV2 && op.inputs.size() > 2 && op.inputs[2] >= 0) pad_value = value(op.inputs[2]).at(0);
      pad_int8(value(op.inputs[0]), in.shape, pads, pad_value, &result);
      break;
    }
    case kConcatenation: {
      // TFLite Micro concatenates int8 tensors by copying bytes (no rescaling).
      const int rank = static_cast<int>(o.shape.size());
      const int axis = op.options.axis < 0 ? op.options.axis + rank : op.options.axis;
      if (axis < 0 || axis >= rank) throw std::runtime_error("CONCATENATION: axis out of range");
      size_t outer = 1;
      for (int k = 0; k < axis; ++k) outer *= static_cast<size_t>(o.shape[static_cast<size_t>(k)]);
      std::vector<std::pair<const std::vector<int8_t>*, size_t>> parts;  // data, bytes per outer step
      std::vector<std::vector<int8_t>> held;
      held.reserve(op.inputs.size());
      for (int idx : op.inputs) {
        held.push_back(value(idx));
        const size_t n = held.back().size();
        if (outer == 0 || n % outer != 0) throw std::runtime_error("CONCATENATION: inputs do not match the output");
        parts.emplace_back(&held.back(), n / outer);
      }
      for (size_t i = 0; i < outer; ++i)
        for (const auto& [data, step] : parts)
          result.insert(result.end(), data->begin() + static_cast<std::ptrdiff_t>(i * step),
                        data->begin() + static_cast<std::ptrdiff_t>((i + 1) * step));
      break;
    }
    case kQuantize: {
      const Tensor& in = m.tensors[static_cast<size_t>(op.inputs[0])];
      if (in.type == kFloat32) quantize_float(as_floats(value(op.inputs[0])), quant_of(o), &result);
      else requantize_int8(value(op.inputs[0]), quant_of(in), quant_of(o), &result);
      break;
    }
    case kDequantize: {
      std::vector<float> f;
      dequantize_int8(value(op.inputs[0]), quant_of(m.tensors[static_cast<size_t>(op.inputs[0])]), &f);
      result = float_bytes(f);
      break;
    }
    case kLogistic:
      logistic_int8(value(op.inputs[0]), quant_of(m.tensors[static_cast<size_t>(op.inputs[0])]), &result);
      break;
    case kLeakyRelu:
      leaky_relu_int8(value(op.inputs[0]), quant_of(m.tensors[static_cast<size_t>(op.inputs[0])]), quant_of(o),
                      op.options.alpha, &result);
      break;
    case kMean: {
      const Tensor& in = m.tensors[static_cast<size_t>(op.inputs[0])];
      std::vector<int> axes;
      for (int64_t a : int_constant(m.tensors[static_cast<size_t>(op.inputs[1])], "axis")) axes.push_back(static_cast<int>(a));
      mean_int8(value(op.inputs[0]), in.shape, axes, quant_of(in), quant_of(o), &result);
      break;
    }
    case kReshape: result = value(op.inputs[0]); break;
    case kSoftmax: {
      const Tensor& in = m.tensors[static_cast<size_t>(op.inputs[0])];
      softmax_int8(value(op.inputs[0]), in.shape.back(), quant_of(in).scale, op.options.beta, &result);
      break;
    }
    default:
      throw std::runtime_error(fmt::format("operator {} ({}): not in the golden library yet", op.index, op_name(op.code)));
  }
  return result;
}

PoolParams pool_params_of(const Model& m, const Operator& op) {
  return pool_params(m.tensors[static_cast<size_t>(op.inputs[0])], m.tensors[static_cast<size_t>(op.outputs[0])],
                     op.options);
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
