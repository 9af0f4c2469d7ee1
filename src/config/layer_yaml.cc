#include "config/layer_yaml.h"

#include <fmt/format.h>

#include <cmath>

#include "sasim/quant.h"

namespace sasim {

namespace {
constexpr int64_t kMaxDim = 1 << 16;

bool read_shape(MapReader& r, const char* key, std::vector<int>* out) {
  std::vector<int64_t> v;
  if (!r.get_int_list(key, 1, kMaxDim, &v)) return false;
  out->assign(v.begin(), v.end());
  return true;
}

bool read_pair(MapReader& r, const char* key, int* h, int* w) {
  std::vector<int64_t> v;
  if (!r.get_int_list(key, 1, 64, &v, true, 2)) return false;
  *h = static_cast<int>(v[0]);
  *w = static_cast<int>(v[1]);
  return true;
}

// TFLM's CalculateActivationRangeQuantized for int8.
void activation_range(const std::string& act, double output_scale, int32_t zp, int32_t* lo, int32_t* hi) {
  // Clamped in double first: a tiny scale must not overflow the int cast.
  auto quantize = [&](double f) {
    const double q = static_cast<double>(zp) + std::round(f / output_scale);
    return static_cast<int32_t>(std::min(127.0, std::max(-128.0, q)));
  };
  *lo = -128;
  *hi = 127;
  if (act == "relu" || act == "relu6") *lo = std::max<int32_t>(-128, quantize(0.0));
  if (act == "relu6") *hi = std::min<int32_t>(127, quantize(6.0));
}
}  // namespace

bool read_layer_fields(MapReader& r, LayerSource src, LayerSpec* s, LayerScales* scales) {
  const size_t before = r.context()->diags.size();
  // Every layer key is known up front, so that an early failure (say, an
  // unknown op) does not make the remaining keys look unknown too.
  for (const char* k : {"op", "input_shape", "filter_shape", "output_shape", "stride", "dilation", "padding",
                        "depth_multiplier", "input_zero_point", "output_zero_point", "filter_zero_point",
                        "output_multiplier", "output_shift", "input_scale", "filter_scales", "output_scale",
                        "activation_min", "activation_max", "fused_activation"})
    r.has(k);
  std::string op;
  if (!r.get_enum("op", {"conv2d", "depthwise_conv2d", "fully_connected"}, &op)) return false;
  parse_op(op, &s->op);
  const bool fc = s->op == OpKind::kFullyConnected;

  read_shape(r, "input_shape", &s->input_shape);
  read_shape(r, "filter_shape", &s->filter_shape);
  read_shape(r, "output_shape", &s->output_shape);

  if (fc) {
    for (const char* k : {"stride", "dilation", "padding", "depth_multiplier"})
      if (r.has(k)) r.error(k, "not used by fully_connected");
  } else {
    read_pair(r, "stride", &s->stride_h, &s->stride_w);
    read_pair(r, "dilation", &s->dilation_h, &s->dilation_w);
    std::string pad;
    if (r.get_enum("padding", {"same", "valid"}, &pad)) s->padding = pad == "same" ? Padding::kSame : Padding::kValid;
    if (s->op == OpKind::kDepthwiseConv2d) r.get_int("depth_multiplier", 1, 256, &s->depth_multiplier);
    else if (r.has("depth_multiplier")) r.error("depth_multiplier", "only depthwise_conv2d has a depth multiplier");
  }

  r.get_int("input_zero_point", -128, 127, &s->input_zero_point);
  r.get_int("output_zero_point", -128, 127, &s->output_zero_point);
  int fzp = 0;
  if (r.get_int("filter_zero_point", -128, 127, &fzp, false) && fzp != 0)
    r.error("filter_zero_point", "int8 weights in TFLite are symmetric: filter_zero_point must be 0");

  const bool explicit_q = r.has("output_multiplier") || r.has("output_shift");
  const bool scales_q = r.has("input_scale") || r.has("filter_scales");
  double in_scale = 0, out_scale = 0;
  std::vector<double> f_scales;
  if (src == LayerSource::kModel && explicit_q && scales_q) {
    r.error("output_multiplier", "give either output_multiplier/output_shift or input_scale/filter_scales, not both");
    return false;  // the activation bounds depend on which one was meant
  } else if (explicit_q || src == LayerSource::kVectorCase) {
    std::vector<int64_t> m, sh;
    if (r.get_int_list("output_multiplier", 0, INT32_MAX, &m)) s->output_multiplier.assign(m.begin(), m.end());
    if (r.get_int_list("output_shift", kMinShift, kMaxShift, &sh)) s->output_shift.assign(sh.begin(), sh.end());
    if (src == LayerSource::kVectorCase) {  // informational, but must be well-formed when present
      r.get_double("input_scale", 0, 1e9, &in_scale, false);
      r.get_double("output_scale", 0, 1e9, &out_scale, false);
      r.get_double_list("filter_scales", 0, 1e9, &f_scales, false);
    } else {
      r.get_double("output_scale", 1e-30, 1e30, &out_scale, false);  // the output tensor's, when given
    }
  } else {
    const bool ok = r.get_double("input_scale", 1e-30, 1e30, &in_scale) &
                    r.get_double("output_scale", 1e-30, 1e30, &out_scale) &
                    r.get_double_list("filter_scales", 1e-30, 1e30, &f_scales);
    if (ok) {
      // Derived as TFLM prepares conv/depthwise/per-channel FC: in double.
      for (size_t i = 0; i < f_scales.size(); ++i) {
        int32_t mult;
        int shift;
        const double real = in_scale * f_scales[i] / out_scale;
        if (!quantize_multiplier(real, &mult, &shift)) {
          r.error("filter_scales", fmt::format("entry {}: effective scale {} needs a shift outside [{}, {}]", i, real, kMinShift, kMaxShift));
          break;
        }
        s->output_multiplier.push_back(mult);
        s->output_shift.push_back(shift);
      }
      // One filter scale for a conv means per-tensor: TFLM repeats it per channel.
      if (!fc && s->output_multiplier.size() == 1 && s->output_shape.size() == 4) {
        s->output_multiplier.assign(s->output_shape[3], s->output_multiplier[0]);
        s->output_shift.assign(s->output_shape[3], s->output_shift[0]);
      }
    }
  }

  const bool explicit_act = r.has("activation_min") || r.has("activation_max");
  std::string act;
  if (src == LayerSource::kVectorCase || explicit_act) {
    if (src == LayerSource::kModel && r.has("fused_activation"))
      r.error("fused_activation", "give either fused_activation or activation_min/activation_max, not both");
    r.get_int("activation_min", -128, 127, &s->act_min);
    r.get_int("activation_max", -128, 127, &s->act_max);
    if (src == LayerSource::kVectorCase) r.get_enum("fused_activation", {"none", "relu", "relu6"}, &act, false);
  } else if (r.get_enum("fused_activation", {"none", "relu", "relu6"}, &act)) {
    if (act != "none" && !(out_scale > 0))
      r.error("fused_activation", "relu/relu6 bounds are derived from output_scale, which explicit "
                                  "output_multiplier/output_shift do not give: add output_scale or use "
                                  "activation_min/activation_max");
    else
      activation_range(act, out_scale, s->output_zero_point, &s->act_min, &s->act_max);
  }

  if (scales) {
    scales->input = in_scale;
    scales->output = out_scale;
  }
  if (r.context()->diags.size() != before) return false;
  std::vector<FieldError> errs;
  if (!validate_layer(s, &errs)) {
    for (const auto& e : errs) r.error(e.key, e.message);
    return false;
  }
  return true;
}

}  // namespace sasim
