#include "config/graph_yaml.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace sasim {

std::string name_problem(const std::string& n);  // config.cc

namespace {

constexpr int64_t kMaxDim = 1 << 16;
constexpr int64_t kMaxElements = int64_t{1} << 26;  // 64 Mi elements: a bound on what a config makes us allocate

const char* const kCpuOps[] = {"add", "sub", "mul", "average_pool_2d", "max_pool_2d", "reshape", "softmax", "mean",
                               "pad", "padv2", "quantize", "dequantize", "concatenation", "logistic", "leaky_relu"};

// A tensor shape; a scalar ([]) only where `scalar_ok` (constant operands).
bool read_shape(MapReader& r, const char* key, std::vector<int>* out, bool scalar_ok = false) {
  std::vector<int64_t> v;
  if (!r.get_int_list(key, 1, kMaxDim, &v)) return false;
  if ((v.empty() && !scalar_ok) || v.size() > 5) {
    r.error(key, fmt::format("expected {} to 5 dimensions, got {}", scalar_ok ? 0 : 1, v.size()));
    return false;
  }
  int64_t n = 1;
  for (int64_t d : v) n *= d;
  if (n > kMaxElements) {
    r.error(key, fmt::format("{} elements is more than sasim allows in one tensor ({})", n, kMaxElements));
    return false;
  }
  out->assign(v.begin(), v.end());
  return true;
}

bool read_pair(MapReader& r, const char* key, int* h, int* w) {
  std::vector<int64_t> v;
  if (!r.get_int_list(key, 1, 1024, &v, true, 2)) return false;
  *h = static_cast<int>(v[0]);
  *w = static_cast<int>(v[1]);
  return true;
}

int64_t elements(const std::vector<int>& s) {
  int64_t n = 1;
  for (int d : s) n *= d;
  return n;
}

}  // namespace

bool is_cpu_op_name(const std::string& op) {
  return std::find(std::begin(kCpuOps), std::end(kCpuOps), op) != std::end(kCpuOps);
}

void read_graph_input(MapReader& top, ModelConfig* m, TensorTable* known) {
  MapReader ir = top.child("input");
  if (!ir.ok()) return;
  if (ir.get_string("name", &m->input.name)) {
    const std::string why = name_problem(m->input.name);
    if (!why.empty()) ir.error("name", why);
  }
  read_shape(ir, "shape", &m->input.shape);
  ir.get_double("scale", 1e-30, 1e30, &m->input.scale);
  ir.get_int("zero_point", -128, 127, &m->input.zero_point);
  ir.finish();
  (*known)[m->input.name] = {m->input.shape, m->input.scale, m->input.zero_point, false};
}

bool read_node_inputs(MapReader& lr, const std::string& base_dir, ModelConfig* m, const TensorTable& known,
                      GraphNode* n) {
  if (!lr.has("inputs")) {
    lr.error("inputs", "missing required key (the tensors this entry reads: the model input or earlier entries)");
    return false;
  }
  const YAML::Node list = lr.raw("inputs");
  if (!list.IsSequence() || list.size() == 0) {
    lr.error("inputs", "expected a non-empty list of tensor names (the model input or earlier entries)");
    return false;
  }
  ReadContext* ctx = lr.context();
  std::vector<std::string> names;
  for (const auto& [k, v] : known) names.push_back(k);
  bool ok = true;
  for (size_t i = 0; i < list.size(); ++i) {
    const YAML::Node item = list[i];
    const std::string path = fmt::format("{}[{}]", lr.path_of("inputs"), i);
    GraphOperand o;
    if (item.IsScalar()) {
      o.name = item.Scalar();
      if (!known.count(o.name)) {
        const std::string near = did_you_mean(o.name, names);
        ctx->error_at(item.Mark(), path,
                      fmt::format("'{}' is neither the model input nor an earlier entry{}", o.name,
                                  near.empty() ? "" : fmt::format(" (did you mean '{}'?)", near)));
        ok = false;
        continue;
      }
    } else if (item.IsMap()) {
      // A constant operand: int8 values in a raw file.
      MapReader cr(ctx, item, path, lr.mark());
      GraphTensor c;
      c.name = fmt::format("{}.inputs[{}]", n->name, i);
      if (cr.get_string("file", &c.file)) {
        c.file = resolve_path(base_dir, c.file);
        c.file_at = cr.locate("file");
      }
      read_shape(cr, "shape", &c.shape, true);
      cr.get_double("scale", 1e-30, 1e30, &c.scale);
      cr.get_int("zero_point", -128, 127, &c.zero_point);
      cr.finish();
      o.constant = static_cast<int>(m->constants.size());
      m->constants.push_back(std::move(c));
    } else {
      ctx->error_at(item.Mark(), path, "expected a tensor name or a constant {file, shape, scale, zero_point}");
      ok = false;
      continue;
    }
    n->inputs.push_back(std::move(o));
  }
  return ok;
}

void read_cpu_node(MapReader& lr, bool inputs_ok, GraphNode* n) {
  const std::string& op = n->op;
  read_shape(lr, "output_shape", &n->output_shape);
  if (op == "dequantize") {
    n->output_float = true;
    for (const char* k : {"output_scale", "output_zero_point"})
      if (lr.has(k)) lr.error(k, "dequantize writes float32: its output has no quantization");
  } else {
    lr.get_double("output_scale", 1e-30, 1e30, &n->output_scale);
    lr.get_int("output_zero_point", -128, 127, &n->output_zero_point);
  }
  const bool binary = op == "add" || op == "sub" || op == "mul";
  const bool pool = op == "average_pool_2d" || op == "max_pool_2d";
  if (binary || pool) lr.get_enum("fused_activation", {"none", "relu", "relu6", "relu_n1_to_1"}, &n->activation, false);
  if (pool) {
    read_pair(lr, "filter", &n->filter_h, &n->filter_w);
    read_pair(lr, "stride", &n->stride_h, &n->stride_w);
    std::string pad;
    if (lr.get_enum("padding", {"same", "valid"}, &pad)) n->padding_same = pad == "same";
  }
  if (op == "pad" || op == "padv2") {
    const YAML::Node p = lr.raw("paddings");
    if (!p.IsDefined()) {
      lr.error("paddings", "missing required key");
    } else if (!p.IsSequence() || p.size() == 0 || p.size() > 5) {
      lr.error("paddings", "expected one [before, after] pair per dimension, e.g. [[0, 0], [1, 1], [1, 1], [0, 0]]");
    } else {
      for (size_t k = 0; k < p.size(); ++k) {
        int64_t b = -1, a = -1;
        const bool ok = p[k].IsSequence() && p[k].size() == 2 && p[k][0].IsScalar() && p[k][1].IsScalar() &&
                        parse_int64(p[k][0].Scalar(), &b) && parse_int64(p[k][1].Scalar(), &a) && b >= 0 &&
                        a >= 0 && b <= kMaxDim && a <= kMaxDim;
        if (!ok) {
          lr.context()->error_at(p[k].Mark(), fmt::format("{}[{}]", lr.path_of("paddings"), k),
                                 fmt::format("expected [before, after], each in [0, {}]", kMaxDim));
          break;
        }
        n->paddings.emplace_back(static_cast<int>(b), static_cast<int>(a));
      }
    }
    if (op == "padv2") n->has_pad_value = lr.get_int("pad_value", -128, 127, &n->pad_value, false);
  }
  if (op == "mean") {
    std::vector<int64_t> axes;
    if (lr.get_int_list("axes", -5, 4, &axes)) n->axes.assign(axes.begin(), axes.end());
  }
  if (op == "concatenation") lr.get_int("axis", -5, 4, &n->axis);
  if (op == "softmax") lr.get_double("beta", 1e-30, 1e30, &n->beta, false);
  if (op == "leaky_relu") lr.get_double("alpha", -1e30, 1e30, &n->alpha);

  const size_t want = binary ? 2 : 1;
  if (inputs_ok && (op == "concatenation" ? n->inputs.empty() : n->inputs.size() != want))
    lr.error("inputs", fmt::format("{} reads {} tensor{}, got {}", op, want, want == 1 ? "" : "s", n->inputs.size()));
}

void check_layer_node(MapReader& lr, const LayerSpec& s, const LayerScales& scales, const TensorTable& known,
                      GraphNode* n) {
  n->output_shape = s.output_shape;
  n->output_zero_point = s.output_zero_point;
  n->output_scale = scales.output;
  if (!(scales.output > 0))
    lr.error("output_scale", "missing: a whole-network entry gives its output tensor's scale (the operators "
                             "reading it need it)");
  if (n->inputs.size() != 1 || n->inputs[0].constant >= 0) {
    if (!n->inputs.empty()) lr.error("inputs", "an accelerator layer reads one tensor (its weights are under weights:)");
    return;
  }
  const TensorInfo& in = known.at(n->inputs[0].name);
  if (in.unknown) return;
  if (in.is_float) {
    lr.error("inputs", fmt::format("'{}' is float32; the accelerator reads int8", n->inputs[0].name));
    return;
  }
  const bool fc = s.op == OpKind::kFullyConnected;
  if (fc ? elements(in.shape) != elements(s.input_shape) : in.shape != s.input_shape)
    lr.error("input_shape", fmt::format("[{}] does not match '{}', which is [{}]", fmt::join(s.input_shape, ", "),
                                        n->inputs[0].name, fmt::join(in.shape, ", ")));
  if (in.zero_point != s.input_zero_point)
    lr.error("input_zero_point", fmt::format("{} does not match '{}', whose zero point is {}", s.input_zero_point,
                                             n->inputs[0].name, in.zero_point));
  if (scales.input > 0 && static_cast<float>(scales.input) != static_cast<float>(in.scale))
    lr.error("input_scale", fmt::format("{} does not match '{}', whose scale is {}", scales.input, n->inputs[0].name,
                                        in.scale));
}

}  // namespace sasim
