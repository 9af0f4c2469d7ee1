// Helpers shared by the test binaries: the shared vector cases (read in
// place from ../shared/vectors) and hardware configs with the array overridden.
#pragma once

#include <dirent.h>

#include <algorithm>
#include <string>
#include <vector>

#include "sasim/config.h"
#include "sasim/cpu_ops.h"
#include "sasim/golden.h"
#include "sasim/layer.h"

namespace sasim_test {

// Every case directory under SASIM_SHARED_DIR/vectors, sorted.
inline std::vector<std::string> vector_cases() {
  std::vector<std::string> out;
  const std::string root = std::string(SASIM_SHARED_DIR) + "/vectors";
  DIR* d = opendir(root.c_str());
  if (!d) return out;
  while (dirent* e = readdir(d)) {
    const std::string n = e->d_name;
    if (n[0] == '.' || n == "README.md") continue;
    out.push_back(root + "/" + n);
  }
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

// s with an elementwise operator fused into its readback (LayerSpec::fused):
// op (sasim_isa::EwOp) of the layer's result (quantized qy) and an operand
// (qx) into qo, with the multipliers and shifts m, sh of its Prepare
// (sasim::add_multipliers and the like) and the range [lo, hi].
inline void set_fused(sasim::LayerSpec* s, int op, const int32_t m[3], const int sh[3], sasim::QuantParam qy,
                      sasim::QuantParam qx, sasim::QuantParam qo, int32_t lo = -128, int32_t hi = 127) {
  s->has_fused = true;
  s->fused.op = op;
  s->fused.a_zp = qy.zero_point;
  s->fused.b_zp = qx.zero_point;
  s->fused.out_zp = qo.zero_point;
  s->fused.act_min = lo;
  s->fused.act_max = hi;
  s->fused.m_a = m[0];
  s->fused.s_a = sh[0];
  s->fused.m_b = m[1];
  s->fused.s_b = sh[1];
  s->fused.m_out = m[2];
  s->fused.s_out = sh[2];
}

// The embedded default with array.rows/cols/dataflow set through --set
// overrides, exactly as a user would.
inline sasim::HwConfig hw_of(int rows, int cols, const char* dataflow) {
  return sasim::load_hw_config("", {sasim::parse_override("array.rows=" + std::to_string(rows)),
                                    sasim::parse_override("array.cols=" + std::to_string(cols)),
                                    sasim::parse_override(std::string("array.dataflow=") + dataflow)});
}

// A random conv, depthwise or fully connected layer (shapes, strides,
// dilation, padding, zero points, activation range, bias, per-channel or,
// for FC, per-tensor requantization); false when its output would be empty.
template <class Pick>
bool random_layer_spec(Pick&& pick, sasim::LayerSpec* s) {
  const int op = pick(0, 2);
  s->op = op == 0 ? sasim::OpKind::kConv2d : op == 1 ? sasim::OpKind::kDepthwiseConv2d : sasim::OpKind::kFullyConnected;
  s->input_zero_point = pick(-128, 127);
  s->output_zero_point = pick(-128, 127);
  s->act_min = pick(-128, 0);
  s->act_max = pick(s->act_min, 127);
  s->has_bias = pick(0, 1) == 1;
  int oc;
  if (s->op == sasim::OpKind::kFullyConnected) {
    const int batches = pick(1, 4), depth = pick(1, 70), units = pick(1, 40);
    s->input_shape = {batches, depth};
    s->filter_shape = {units, depth};
    s->output_shape = {batches, units};
    oc = units;
  } else {
    const int ih = pick(1, 12), iw = pick(1, 12), ic = pick(1, 9);
    const int kh = pick(1, 7), kw = pick(1, 7);
    s->stride_h = pick(1, 3);
    s->stride_w = pick(1, 3);
    s->dilation_h = pick(1, 2);
    s->dilation_w = pick(1, 2);
    s->padding = pick(0, 1) ? sasim::Padding::kSame : sasim::Padding::kValid;
    const int oh = sasim::conv_out_size(ih, kh, s->stride_h, s->dilation_h, s->padding);
    const int ow = sasim::conv_out_size(iw, kw, s->stride_w, s->dilation_w, s->padding);
    if (oh < 1 || ow < 1) return false;
    if (s->op == sasim::OpKind::kConv2d) {
      oc = pick(1, 20);
      s->filter_shape = {oc, kh, kw, ic};
    } else {
      s->depth_multiplier = pick(1, 3);
      oc = ic * s->depth_multiplier;
      s->filter_shape = {1, kh, kw, oc};
    }
    const int n = pick(1, 2);
    s->input_shape = {n, ih, iw, ic};
    s->output_shape = {n, oh, ow, oc};
  }
  const bool per_tensor = s->op == sasim::OpKind::kFullyConnected && pick(0, 1);
  for (int i = 0; i < (per_tensor ? 1 : oc); ++i) {
    s->output_multiplier.push_back(pick(1 << 30, INT32_MAX));
    s->output_shift.push_back(pick(-12, 2));
  }
  return true;
}

// Random operands for a layer: input over the whole int8 range, filter in
// -127 .. 127, and, with has_bias, an int32 bias per output channel in
// -20000 .. 20000; pick(lo, hi) draws an int in [lo, hi].
template <class Pick>
sasim::LayerData random_layer_data(const sasim::LayerSpec& s, Pick&& pick) {
  sasim::LayerData d;
  for (int64_t i = 0; i < s.input_elems(); ++i) d.input.push_back(static_cast<int8_t>(pick(-128, 127)));
  for (int64_t i = 0; i < s.filter_elems(); ++i) d.filter.push_back(static_cast<int8_t>(pick(-127, 127)));
  if (s.has_bias)
    for (int64_t i = 0; i < s.output_shape.back(); ++i) d.bias.push_back(pick(-20000, 20000));
  return d;
}

// A random pair of chained layers for the output keep: a conv or depthwise
// (1x1 or 3x3, stride 1, same padding) on an h x w image of c0 channels, a
// multiple of `rows`, then a conv or depthwise reading its output, with
// their operands and golden outputs (d1.input = y0). valid: both specs
// passed validate_layer. h and w are drawn from 1 .. max_hw.
struct ChainPair {
  bool valid = true;
  int h = 0, w = 0, c0 = 0;
  bool dw0 = false, dw1 = false;
  sasim::LayerSpec s0, s1;
  sasim::LayerData d0, d1;
  std::vector<int8_t> y0, y1;
};
template <class Pick>
ChainPair random_chain_pair(int rows, int max_hw, Pick&& pick) {
  ChainPair c;
  c.h = pick(1, max_hw);
  c.w = pick(1, max_hw);
  c.c0 = rows * pick(1, 4);
  const int c1 = pick(0, 1) ? c.c0 : 4 * pick(1, 10);
  auto make = [&](bool dw, int in_c, int out_c) {
    sasim::LayerSpec s;
    s.op = dw ? sasim::OpKind::kDepthwiseConv2d : sasim::OpKind::kConv2d;
    s.input_zero_point = pick(-128, 127);
    s.output_zero_point = pick(-128, 127);
    s.has_bias = true;
    const int k = pick(0, 1) ? 3 : 1;
    s.stride_h = s.stride_w = 1;
    s.padding = sasim::Padding::kSame;
    if (dw) s.depth_multiplier = 1;
    s.filter_shape = dw ? std::vector<int>{1, k, k, out_c} : std::vector<int>{out_c, k, k, in_c};
    s.input_shape = {1, c.h, c.w, in_c};
    s.output_shape = {1, c.h, c.w, out_c};
    for (int i = 0; i < out_c; ++i) {
      s.output_multiplier.push_back(pick(1 << 30, INT32_MAX));
      s.output_shift.push_back(pick(-12, -6));
    }
    std::vector<sasim::FieldError> errs;
    c.valid = sasim::validate_layer(&s, &errs) && c.valid;
    return s;
  };
  c.dw0 = pick(0, 2) == 0;
  c.dw1 = pick(0, 1) == 0;
  c.s0 = make(c.dw0, c.c0, c.c0);
  c.s1 = make(c.dw1, c.c0, c.dw1 ? c.c0 : c1);
  c.d0 = random_layer_data(c.s0, pick);
  c.d1 = random_layer_data(c.s1, pick);
  if (!c.valid) return c;
  sasim::golden_layer(c.s0, c.d0, &c.y0);
  c.d1.input = c.y0;  // the chain: layer 1 reads layer 0's output
  sasim::golden_layer(c.s1, c.d1, &c.y1);
  return c;
}

}  // namespace sasim_test

namespace sasim_test {

// A random pair for run_pair (driver.h, "Paired layers"): a producer on an
// h x w image of c0 channels, mostly a 1x1 stride-1 conv to c1 channels (c1
// a multiple of `rows`), else a 3x3 conv or depthwise of stride 1 or 2
// (same padding), then a depthwise (3x3) or conv (1x1 or 3x3, to c2
// channels) of stride 1 or 2, same or valid padding, reading its output;
// operands and golden outputs as ChainPair (h, w: the producer's input).
template <class Pick>
ChainPair random_fed_pair(int rows, int max_hw, Pick&& pick) {
  ChainPair c;
  c.h = pick(3, max_hw);
  c.w = pick(3, max_hw);
  c.dw0 = pick(0, 4) == 0;
  const bool expand = !c.dw0 && pick(0, 2) != 0;  // 1x1 stride 1
  c.c0 = c.dw0 ? rows * pick(1, 4) : pick(0, 3) == 0 ? pick(1, 4) : 4 * pick(1, 2 * rows / 4 + 1);
  const int c1 = c.dw0 ? c.c0 : rows * pick(1, 4);
  const int k0 = expand ? 1 : 3, stride0 = expand ? 1 : pick(1, 2);
  const int h1 = (c.h + stride0 - 1) / stride0, w1 = (c.w + stride0 - 1) / stride0;
  const int stride = pick(1, 2);
  const bool same = pick(0, 3) != 0 || h1 < 3 || w1 < 3;
  c.dw1 = pick(0, 2) != 0;
  const int k1 = c.dw1 || pick(0, 1) ? 3 : 1;
  const int c2 = c.dw1 ? c1 : 4 * pick(1, 6);
  auto make = [&](bool dw, int k, int s, bool pad_same, int in_c, int out_c, int ih, int iw) {
    sasim::LayerSpec sp;
    sp.op = dw ? sasim::OpKind::kDepthwiseConv2d : sasim::OpKind::kConv2d;
    sp.input_zero_point = pick(-128, 127);
    sp.output_zero_point = pick(-128, 127);
    sp.has_bias = true;
    sp.stride_h = sp.stride_w = s;
    sp.padding = pad_same ? sasim::Padding::kSame : sasim::Padding::kValid;
    if (dw) sp.depth_multiplier = 1;
    sp.filter_shape = dw ? std::vector<int>{1, k, k, out_c} : std::vector<int>{out_c, k, k, in_c};
    const int oh = pad_same ? (ih + s - 1) / s : (ih - k) / s + 1;
    const int ow = pad_same ? (iw + s - 1) / s : (iw - k) / s + 1;
    sp.input_shape = {1, ih, iw, in_c};
    sp.output_shape = {1, oh, ow, out_c};
    for (int i = 0; i < out_c; ++i) {
      sp.output_multiplier.push_back(pick(1 << 30, INT32_MAX));
      sp.output_shift.push_back(pick(-12, -6));
    }
    std::vector<sasim::FieldError> errs;
    c.valid = sasim::validate_layer(&sp, &errs) && c.valid;
    return sp;
  };
  c.s0 = make(c.dw0, k0, stride0, true, c.c0, c1, c.h, c.w);
  c.s1 = make(c.dw1, k1, stride, same, c1, c2, h1, w1);
  c.d0 = random_layer_data(c.s0, pick);
  c.d1 = random_layer_data(c.s1, pick);
  if (!c.valid) return c;
  sasim::golden_layer(c.s0, c.d0, &c.y0);
  c.d1.input = c.y0;
  sasim::golden_layer(c.s1, c.d1, &c.y1);
  return c;
}

}  // namespace sasim_test
