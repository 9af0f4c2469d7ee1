#include "sasim/layer.h"

#include <fmt/format.h>

#include "sasim/quant.h"

namespace sasim {

const char* op_name(OpKind op) {
  switch (op) {
    case OpKind::kConv2d: return "conv2d";
    case OpKind::kDepthwiseConv2d: return "depthwise_conv2d";
    case OpKind::kFullyConnected: return "fully_connected";
  }
  return "?";
}

bool parse_op(const std::string& s, OpKind* op) {
  if (s == "conv2d") *op = OpKind::kConv2d;
  else if (s == "depthwise_conv2d") *op = OpKind::kDepthwiseConv2d;
  else if (s == "fully_connected") *op = OpKind::kFullyConnected;
  else return false;
  return true;
}

namespace {
bool is_fc(const LayerSpec& l) { return l.op == OpKind::kFullyConnected; }
int64_t product(const std::vector<int>& v) {
  int64_t p = 1;
  for (int d : v) p *= d;
  return p;
}
}  // namespace

// For fully_connected the input tensor may have any rank (TFLite flattens it);
// it is read as [batches, depth] with depth = filter_shape[1].
int LayerSpec::batches() const {
  if (is_fc(*this)) return static_cast<int>(product(input_shape) / filter_shape[1]);
  return input_shape[0];
}
int LayerSpec::in_h() const { return is_fc(*this) ? 1 : input_shape[1]; }
int LayerSpec::in_w() const { return is_fc(*this) ? 1 : input_shape[2]; }
int LayerSpec::in_c() const { return is_fc(*this) ? filter_shape[1] : input_shape[3]; }
int LayerSpec::out_h() const { return is_fc(*this) ? 1 : output_shape[1]; }
int LayerSpec::out_w() const { return is_fc(*this) ? 1 : output_shape[2]; }
int LayerSpec::out_c() const { return is_fc(*this) ? filter_shape[0] : output_shape[3]; }
int LayerSpec::kernel_h() const { return is_fc(*this) ? 1 : filter_shape[1]; }
int LayerSpec::kernel_w() const { return is_fc(*this) ? 1 : filter_shape[2]; }
int LayerSpec::reduction_depth() const {
  switch (op) {
    case OpKind::kConv2d: return kernel_h() * kernel_w() * in_c();
    case OpKind::kDepthwiseConv2d: return kernel_h() * kernel_w();
    case OpKind::kFullyConnected: return filter_shape[1];
  }
  return 0;
}
int64_t LayerSpec::input_elems() const { return product(input_shape); }
int64_t LayerSpec::filter_elems() const { return product(filter_shape); }
int64_t LayerSpec::output_elems() const { return product(output_shape); }

// MACs as TFLite tools count them: every tap, including those falling into
// padding (this matches the `macs` field of the vector cases).
int64_t LayerSpec::macs() const {
  return static_cast<int64_t>(batches()) * out_h() * out_w() * out_c() * reduction_depth();
}

int conv_out_size(int in, int k, int stride, int dilation, Padding p) {
  const int eff = (k - 1) * dilation + 1;
  if (p == Padding::kSame) return (in + stride - 1) / stride;
  return in >= eff ? (in - eff + stride) / stride : 0;
}

int conv_total_pad(int in, int k, int stride, int dilation, int out) {
  const int total = (out - 1) * stride + (k - 1) * dilation + 1 - in;
  return total > 0 ? total : 0;
}

bool validate_layer(LayerSpec* l, std::vector<FieldError>* errors) {
  const size_t before = errors->size();
  auto err = [&](const char* key, std::string msg) { errors->push_back({key, std::move(msg)}); };
  auto positive = [](const std::vector<int>& v) {
    for (int d : v)
      if (d <= 0) return false;
    return true;
  };
  const bool fc = is_fc(*l);

  // Ranks and positivity first: geometry checks below index into the shapes.
  bool shapes_ok = true;
  if (fc) {
    if (l->filter_shape.size() != 2) { err("filter_shape", fmt::format("fully_connected filter must be [units, depth], got rank {}", l->filter_shape.size())); shapes_ok = false; }
    if (l->output_shape.size() != 2) { err("output_shape", fmt::format("fully_connected output must be [batches, units], got rank {}", l->output_shape.size())); shapes_ok = false; }
    if (l->input_shape.empty()) { err("input_shape", "must not be empty"); shapes_ok = false; }
  } else {
    if (l->input_shape.size() != 4) { err("input_shape", fmt::format("must be NHWC (rank 4), got rank {}", l->input_shape.size())); shapes_ok = false; }
    if (l->filter_shape.size() != 4) { err("filter_shape", fmt::format("must have rank 4, got rank {}", l->filter_shape.size())); shapes_ok = false; }
    if (l->output_shape.size() != 4) { err("output_shape", fmt::format("must be NHWC (rank 4), got rank {}", l->output_shape.size())); shapes_ok = false; }
  }
  if (shapes_ok) {
    if (!positive(l->input_shape)) { err("input_shape", "every dimension must be >= 1"); shapes_ok = false; }
    if (!positive(l->filter_shape)) { err("filter_shape", "every dimension must be >= 1"); shapes_ok = false; }
    if (!positive(l->output_shape)) { err("output_shape", "every dimension must be >= 1"); shapes_ok = false; }
  }
  if (!fc) {
    if (l->stride_h < 1 || l->stride_w < 1) err("stride", "must be >= 1");
    if (l->dilation_h < 1 || l->dilation_w < 1) err("dilation", "must be >= 1");
  }
  if (l->op == OpKind::kDepthwiseConv2d && l->depth_multiplier < 1) err("depth_multiplier", "must be >= 1");
  // Size limits: every tensor and the GEMM the driver builds must index with
  // 32-bit ints and fit in memory (2^26 elements: 64 MiB of int8).
  const int64_t kMaxElems = int64_t{1} << 26;
  auto capped = [&](const char* key, const std::vector<int>& v) {
    int64_t p = 1;
    for (int d : v) {
      p *= d;
      if (p > kMaxElems) {
        err(key, fmt::format("more than {} elements: too large to simulate", kMaxElems));
        return;
      }
    }
  };
  capped("input_shape", l->input_shape);
  capped("filter_shape", l->filter_shape);
  capped("output_shape", l->output_shape);
  if (errors->size() != before) return false;

  if (fc) {
    const int depth = l->filter_shape[1];
    const int64_t in_elems = product(l->input_shape);
    if (in_elems % depth != 0) {
      err("input_shape", fmt::format("{} elements is not a multiple of the filter depth {}", in_elems, depth));
    } else {
      const int64_t b = in_elems / depth;
      if (l->output_shape[0] != b || l->output_shape[1] != l->filter_shape[0])
        err("output_shape", fmt::format("must be [{}, {}] for input {} elements and filter [{}, {}], got [{}, {}]", b,
                                        l->filter_shape[0], in_elems, l->filter_shape[0], depth, l->output_shape[0],
                                        l->output_shape[1]));
    }
  } else {
    const int kh = l->filter_shape[1], kw = l->filter_shape[2];
    int want_c;
    if (l->op == OpKind::kConv2d) {
      if (l->filter_shape[3] != l->input_shape[3])
        err("filter_shape", fmt::format("filter input channels {} != input channels {}", l->filter_shape[3], l->input_shape[3]));
      want_c = l->filter_shape[0];
    } else {
      if (l->filter_shape[0] != 1) err("filter_shape", fmt::format("depthwise filter must be [1, KH, KW, C*dm], got leading dimension {}", l->filter_shape[0]));
      want_c = l->input_shape[3] * l->depth_multiplier;
      if (l->filter_shape[3] != want_c)
        err("filter_shape", fmt::format("depthwise filter channels {} != input channels {} x depth_multiplier {}", l->filter_shape[3], l->input_shape[3], l->depth_multiplier));
    }
    const int oh = conv_out_size(l->input_shape[1], kh, l->stride_h, l->dilation_h, l->padding);
    const int ow = conv_out_size(l->input_shape[2], kw, l->stride_w, l->dilation_w, l->padding);
    if (oh < 1 || ow < 1) {
      err("filter_shape", fmt::format("dilated kernel {}x{} does not fit the {}x{} input with valid padding", (kh - 1) * l->dilation_h + 1, (kw - 1) * l->dilation_w + 1, l->input_shape[1], l->input_shape[2]));
    } else if (l->output_shape[0] != l->input_shape[0] || l->output_shape[1] != oh || l->output_shape[2] != ow || l->output_shape[3] != want_c) {
      err("output_shape", fmt::format("must be [{}, {}, {}, {}] for this input, filter, stride, dilation and padding, got [{}, {}, {}, {}]",
                                      l->input_shape[0], oh, ow, want_c, l->output_shape[0], l->output_shape[1], l->output_shape[2], l->output_shape[3]));
    } else if (static_cast<int64_t>(kh) * kw * l->input_shape[3] > kMaxElems) {
      err("filter_shape", fmt::format("a reduction of more than {} taps is too large to simulate", kMaxElems));
    } else {
      const int th = conv_total_pad(l->input_shape[1], kh, l->stride_h, l->dilation_h, oh);
      const int tw = conv_total_pad(l->input_shape[2], kw, l->stride_w, l->dilation_w, ow);
      if (l->padding == Padding::kSame) {
        l->pad_top = th / 2; l->pad_bottom = th - th / 2;
        l->pad_left = tw / 2; l->pad_right = tw - tw / 2;
      } else {
        l->pad_top = l->pad_bottom = l->pad_left = l->pad_right = 0;
      }
    }
  }

  auto int8_range = [&](const char* key, int32_t v) {
    if (v < -128 || v > 127) err(key, fmt::format("{} is outside int8 [-128, 127]", v));
  };
  int8_range("input_zero_point", l->input_zero_point);
  int8_range("output_zero_point", l->output_zero_point);
  int8_range("activation_min", l->act_min);
  int8_range("activation_max", l->act_max);
  if (l->act_min > l->act_max) err("activation_max", fmt::format("activation_min {} > activation_max {}", l->act_min, l->act_max));

  if (errors->size() == before) {
    const size_t oc = static_cast<size_t>(l->out_c());
    const bool one_ok = fc;  // per-tensor FC carries a single multiplier
    auto count_ok = [&](size_t n) { return n == oc || (one_ok && n == 1); };
    if (!count_ok(l->output_multiplier.size()))
      err("output_multiplier", fmt::format("needs {} entries (one per output channel{}), got {}", oc, one_ok ? ", or 1" : "", l->output_multiplier.size()));
    if (!count_ok(l->output_shift.size()))
      err("output_shift", fmt::format("needs {} entries (one per output channel{}), got {}", oc, one_ok ? ", or 1" : "", l->output_shift.size()));
    else if (l->output_shift.size() != l->output_multiplier.size())
      err("output_shift", fmt::format("has {} entries but output_multiplier has {}: give both per channel or both per tensor",
                                      l->output_shift.size(), l->output_multiplier.size()));
  }
  for (size_t i = 0; i < l->output_multiplier.size(); ++i)
    if (l->output_multiplier[i] < 0) {
      err("output_multiplier", fmt::format("entry {} is {}: multipliers are non-negative Q31 values", i, l->output_multiplier[i]));
      break;
    }
  for (size_t i = 0; i < l->output_shift.size(); ++i)
    if (l->output_shift[i] < kMinShift || l->output_shift[i] > kMaxShift) {
      err("output_shift", fmt::format("entry {} is {}: shift must be in [{}, {}]", i, l->output_shift[i], kMinShift, kMaxShift));
      break;
    }
  return errors->size() == before;
}

}  // namespace sasim
