// Software in the loop for an exported CFU Playground project: every layer
// case of ../shared/vectors through TFLite Micro's kernel entry points of the
// export (src/tensorflow/.../integer_ops/*.h), compiled for the host with
// CFU_SOFTWARE_DEFINED, so that each cfu_op() reaches the project's
// software_cfu(), i.e. sasim's cycle model of the exported configuration.
// Each case must be bit-exact on the CFU (and must have run there), and again
// with the bridge off (the override's reference arithmetic).
//
//   test_export_sil_<config> VECTORS_DIR
// Exit 0 when every case passes, 1 otherwise, 2 when no case was found.
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "sasim/case_io.h"
#include "sasim/cpu_ops.h"
#include "sasim/golden.h"
#include "sasim_fuse.h"
#include "sasim_hw.h"
#include "sasim_tflm.h"
#include "tensorflow/lite/kernels/internal/reference/integer_ops/conv.h"
#include "tensorflow/lite/kernels/internal/reference/integer_ops/depthwise_conv.h"
#include "tensorflow/lite/kernels/internal/reference/integer_ops/fully_connected.h"
#include "tensorflow/lite/kernels/internal/reference/integer_ops/add.h"
#include "tensorflow/lite/kernels/internal/reference/integer_ops/mul.h"
#include "tensorflow/lite/kernels/internal/reference/sub.h"
#include "sasim/driver/cfu_isa.h"
#include "sasim/driver/driver.h"

namespace {

tflite::RuntimeShape shape(const std::vector<int>& d) {
  std::vector<int32_t> v(d.begin(), d.end());
  return tflite::RuntimeShape(static_cast<int>(v.size()), v.data());
}

// The case through the TFLite Micro entry point the interpreter would call.
std::vector<int8_t> run(const sasim::LayerCase& c) {
  const sasim::LayerSpec& s = c.spec;
  std::vector<int8_t> out(static_cast<size_t>(s.output_elems()), 0);
  const int32_t* bias = c.data.bias.empty() ? nullptr : c.data.bias.data();
  const int32_t out_c = s.out_c();
  const tflite::RuntimeShape bias_shape(1, &out_c);
  if (s.op == sasim::OpKind::kFullyConnected) {
    tflite::FullyConnectedParams p = tflite::FullyConnectedParams();
    p.input_offset = -s.input_zero_point;
    p.weights_offset = 0;
    p.output_offset = s.output_zero_point;
    p.quantized_activation_min = s.act_min;
    p.quantized_activation_max = s.act_max;
    const tflite::RuntimeShape in = shape({s.batches(), s.in_c()});
    if (s.output_multiplier.size() == 1) {
      p.output_multiplier = s.output_multiplier[0];
      p.output_shift = s.output_shift[0];
      tflite::reference_integer_ops::FullyConnected(p, in, c.data.input.data(), shape(s.filter_shape),
                                                    c.data.filter.data(), bias_shape, bias, shape(s.output_shape),
                                                    out.data());
    } else {
      const std::vector<int> shifts(s.output_shift.begin(), s.output_shift.end());
      tflite::reference_integer_ops::FullyConnectedPerChannel(
          p, s.output_multiplier.data(), shifts.data(), in, c.data.input.data(), shape(s.filter_shape),
          c.data.filter.data(), bias_shape, bias, shape(s.output_shape), out.data());
    }
    return out;
  }
  auto spatial = [&](auto* p) {
    p->padding_values.height = static_cast<int16_t>(s.pad_top);
    p->padding_values.width = static_cast<int16_t>(s.pad_left);
    p->stride_height = static_cast<int16_t>(s.stride_h);
    p->stride_width = static_cast<int16_t>(s.stride_w);
    p->dilation_height_factor = static_cast<int16_t>(s.dilation_h);
    p->dilation_width_factor = static_cast<int16_t>(s.dilation_w);
    p->input_offset = -s.input_zero_point;
    p->output_offset = s.output_zero_point;
    p->quantized_activation_min = s.act_min;
    p->quantized_activation_max = s.act_max;
  };
  if (s.op == sasim::OpKind::kDepthwiseConv2d) {
    tflite::DepthwiseParams p = tflite::DepthwiseParams();
    spatial(&p);
    p.depth_multiplier = static_cast<int16_t>(s.depth_multiplier);
    tflite::reference_integer_ops::DepthwiseConvPerChannel(
        p, s.output_multiplier.data(), s.output_shift.data(), shape(s.input_shape), c.data.input.data(),
        shape(s.filter_shape), c.data.filter.data(), bias_shape, bias, shape(s.output_shape), out.data());
  } else {
    tflite::ConvParams p = tflite::ConvParams();
    spatial(&p);
    tflite::reference_integer_ops::ConvPerChannel(p, s.output_multiplier.data(), s.output_shift.data(),
                                                  shape(s.input_shape), c.data.input.data(), shape(s.filter_shape),
                                                  c.data.filter.data(), bias_shape, bias, shape(s.output_shape),
                                                  out.data());
  }
  return out;
}

std::string first_diff(const std::vector<int8_t>& got, const std::vector<int8_t>& want) {
  size_t n = 0, first = 0;
  for (size_t i = 0; i < want.size(); ++i)
    if (got[i] != want[i] && n++ == 0) first = i;
  if (n == 0) return "";
  return std::to_string(n) + "/" + std::to_string(want.size()) + " differ, first at " + std::to_string(first) +
         ": got " + std::to_string(got[first]) + " want " + std::to_string(want[first]);
}

// The elementwise operators the export takes (sasim_isa::EwOp's order).
enum Ew { kAdd = 0, kSub = 1, kMul = 2 };
const char* const kEwName[] = {"add", "sub", "mul"};

// ADD's (SUB's, MUL's) parameters as TFLite Micro's Prepare derives them.
tflite::ArithmeticParams arithmetic_params(Ew op, sasim::QuantParam qa, sasim::QuantParam qb, sasim::QuantParam qo) {
  const bool mul = op == kMul;
  int32_t m[3] = {0, 0, 0};
  int s[3] = {0, 0, 0};
  if (mul) sasim::mul_multiplier(qa, qb, qo, &m[2], &s[2]);
  else if (op == kSub) sasim::sub_multipliers(qa, qb, qo, m, s);
  else sasim::add_multipliers(qa, qb, qo, m, s);
  tflite::ArithmeticParams p = tflite::ArithmeticParams();
  p.left_shift = mul ? 0 : 20;
  p.input1_offset = -qa.zero_point;
  p.input2_offset = -qb.zero_point;
  p.output_offset = qo.zero_point;
  p.input1_multiplier = m[0];
  p.input1_shift = s[0];
  p.input2_multiplier = m[1];
  p.input2_shift = s[1];
  p.output_multiplier = m[2];
  p.output_shift = s[2];
  return p;
}

// ADD (Add, BroadcastAdd4DSlow), SUB (reference_ops::Sub,
// BroadcastQuantSubSlow) or MUL (Mul, BroadcastMul4DSlow) through TFLite
// Micro's entry points, on the CFU's elementwise unit where the
// project has it and on the reference code, against sasim's golden
// operator. Returns the failures; prints a line per case.
int check_eltwise(Ew op, int* passed) {
  const bool mul = op == kMul;
  struct AddCase {
    const char* name;
    std::vector<int> a, b, out;  // shapes
    int act;                         // 0 none, 1 RELU
  };
  const AddCase cases[] = {
      {"1x8x8x16", {1, 8, 8, 16}, {1, 8, 8, 16}, {1, 8, 8, 16}, 0},
      {"1x5x7x9_relu", {1, 5, 7, 9}, {1, 5, 7, 9}, {1, 5, 7, 9}, 1},
      {"small_1x1x1x7", {1, 1, 1, 7}, {1, 1, 1, 7}, {1, 1, 1, 7}, 0},
      {"broadcast_channels", {1, 6, 6, 12}, {1, 1, 1, 12}, {1, 6, 6, 12}, 0},
      {"broadcast_scalar", {1, 10, 10, 3}, {1, 1, 1, 1}, {1, 10, 10, 3}, 0},
  };
  const sasim::QuantParam qa{0.05f, -4}, qb{0.08f, 9}, qo{0.1f, -3};
  tflite::ArithmeticParams p = arithmetic_params(op, qa, qb, qo);
  uint32_t seed = 12345;
  auto next = [&]() {
    seed = seed * 1103515245u + 12345u;
    return static_cast<int8_t>(seed >> 16);
  };
  int failed = 0;
  for (const AddCase& c : cases) {
    auto count = [](const std::vector<int>& v) {
      int n = 1;
      for (int d : v) n *= d;
      return n;
    };
    std::vector<int8_t> a(count(c.a)), b(count(c.b));
    for (auto& v : a) v = next();
    for (auto& v : b) v = next();
    int32_t lo, hi;
    sasim::int8_activation_range(c.act, qo, &lo, &hi);
    p.quantized_activation_min = lo;
    p.quantized_activation_max = hi;
    std::vector<int8_t> want;
    const sasim::Shape sa(c.a.begin(), c.a.end()), sb(c.b.begin(), c.b.end()), so(c.out.begin(), c.out.end());
    if (mul) sasim::mul_int8(a, sa, qa, b, sb, qb, qo, c.act, so, &want);
    else if (op == kSub) sasim::sub_int8(a, sa, qa, b, sb, qb, qo, c.act, so, &want);
    else sasim::add_int8(a, sa, qa, b, sb, qb, qo, c.act, so, &want);
    const bool broadcast = c.a != c.b;
    std::string diffs[2];
    bool on_cfu = false;
    for (int on = 1; on >= 0; --on) {
      sasim_tflm::SetEnabled(on != 0);
      const unsigned before = sasim_tflm::GetCounters().accelerated;
      std::vector<int8_t> got(want.size(), 0);
      namespace ops = tflite::reference_integer_ops;
      if (op == kSub && broadcast)
        tflite::reference_ops::BroadcastQuantSubSlow(p, shape(c.a), a.data(), shape(c.b), b.data(), shape(c.out),
                                                     got.data());
      else if (op == kSub)
        tflite::reference_ops::Sub(p, shape(c.a), a.data(), shape(c.b), b.data(), shape(c.out), got.data());
      else if (broadcast && mul)
        ops::BroadcastMul4DSlow(p, shape(c.a), a.data(), shape(c.b), b.data(), shape(c.out), got.data());
      else if (broadcast)
        ops::BroadcastAdd4DSlow(p, shape(c.a), a.data(), shape(c.b), b.data(), shape(c.out), got.data());
      else if (mul)
        ops::Mul(p, shape(c.a), a.data(), shape(c.b), b.data(), shape(c.out), got.data());
      else
        ops::Add(p, shape(c.a), a.data(), shape(c.b), b.data(), shape(c.out), got.data());
      if (on) on_cfu = sasim_tflm::GetCounters().accelerated == before + 1;
      diffs[on] = first_diff(got, want);
    }
    // On the CFU exactly when the project's CFU has the unit and the cost
    // model prefers it (the small case stays on the CPU).
    const bool want_cfu = SASIM_HW_ELTWISE != 0 && count(c.out) >= sasim_drv::eltwise_min_elements(op);
    if (diffs[0].empty() && diffs[1].empty() && on_cfu == want_cfu) {
      std::printf("PASS %s_%s (%s)\n", kEwName[op], c.name, on_cfu ? "CFU" : "CPU");
      ++*passed;
    } else {
      std::printf("FAIL %s_%s: on the %s (want the %s)%s%s\n", kEwName[op], c.name, on_cfu ? "CFU" : "CPU", want_cfu ? "CFU" : "CPU",
                  diffs[1].empty() ? "" : ("; enabled " + diffs[1]).c_str(),
                  diffs[0].empty() ? "" : ("; reference " + diffs[0]).c_str());
      ++failed;
    }
  }
  sasim_tflm::SetEnabled(true);
  return failed;
}

// The residual ADD fused into ResNet-8's second conv (sasim_fuse.h, export-
// cfu --model pretrainedResnet_quant.tflite): with TFLite Micro's buffers
// stable over inferences, the first runs the conv and the ADD as they are and
// teaches the bridge the ADD; from the second on the conv writes the ADD's
// output (never its own) and the ADD's call returns at once; a call other
// than the ADD after a fused conv makes the bridge write the conv's own
// output first. Then the same with the ADD's output in the conv's input
// buffer, as TFLite Micro's planner places it for ResNet-8: on a ws array
// with the im2col extension the conv runs fused in place
// (Counters::fused_in_place), otherwise the bridge refuses to fuse
// (Counters::fuse_refused) and both run plainly; a call other than the ADD
// after an in-place run is counted (Counters::in_place_lost). Every result
// bit-exact with the golden conv and ADD.
int check_fused(const std::string& vectors, int* passed) {
  if (SASIM_FUSE_COUNT == 0) return 0;  // this export has no model to fuse for
  const sasim::LayerCase c = sasim::load_case(vectors + "/resnet8__02_conv2d");
  sasim_tflm::ResetPrepared();
  sasim_tflm::SetEnabled(true);
  const size_t n = c.data.output.size();
  std::vector<int8_t> y(n), x(n), z(n), in, want;
  uint32_t seed = 777;
  for (auto& v : x) {
    seed = seed * 1103515245u + 12345u;
    v = static_cast<int8_t>(seed >> 16);
  }
  const sasim::QuantParam qy{0.04f, c.spec.output_zero_point}, qx{0.06f, 5}, qo{0.07f, -9};
  tflite::ArithmeticParams p = arithmetic_params(kAdd, qy, qx, qo);
  p.quantized_activation_min = -128;
  p.quantized_activation_max = 127;
  const sasim::Shape flat{static_cast<int>(n)};
  sasim::add_int8(c.data.output, flat, qy, x, flat, qx, qo, 0, flat, &want);
  const tflite::RuntimeShape os = shape(c.spec.output_shape);
  const sasim::LayerSpec& s = c.spec;
  const int32_t out_c = s.out_c();
  const tflite::RuntimeShape bias_shape(1, &out_c);
  const int8_t* conv_in = c.data.input.data();
  auto conv = [&]() {
    tflite::ConvParams cp = tflite::ConvParams();
    cp.padding_values.height = static_cast<int16_t>(s.pad_top);
    cp.padding_values.width = static_cast<int16_t>(s.pad_left);
    cp.stride_height = static_cast<int16_t>(s.stride_h);
    cp.stride_width = static_cast<int16_t>(s.stride_w);
    cp.dilation_height_factor = static_cast<int16_t>(s.dilation_h);
    cp.dilation_width_factor = static_cast<int16_t>(s.dilation_w);
    cp.input_offset = -s.input_zero_point;
    cp.output_offset = s.output_zero_point;
    cp.quantized_activation_min = s.act_min;
    cp.quantized_activation_max = s.act_max;
    tflite::reference_integer_ops::ConvPerChannel(cp, s.output_multiplier.data(), s.output_shift.data(),
                                                  shape(s.input_shape), conv_in, shape(s.filter_shape),
                                                  c.data.filter.data(), bias_shape, c.data.bias.data(), os, y.data());
  };
  std::string why;
  for (int inference = 0; inference < 3 && why.empty(); ++inference) {
    const unsigned fused0 = sasim_tflm::GetCounters().fused;
    std::fill(y.begin(), y.end(), 0);
    std::fill(z.begin(), z.end(), 0);
    conv();
    tflite::reference_integer_ops::Add(p, os, y.data(), os, x.data(), os, z.data());
    const bool fused = sasim_tflm::GetCounters().fused == fused0 + 1;
    if (first_diff(z, want) != "") why = "inference " + std::to_string(inference) + ": ADD " + first_diff(z, want);
    else if (fused != (inference > 0)) why = "inference " + std::to_string(inference) + (fused ? ": fused" : ": not fused");
    else if (inference > 0 && std::count(y.begin(), y.end(), 0) != static_cast<long>(n))
      why = "the fused conv wrote its own output";
    else if (inference == 0 && first_diff(y, c.data.output) != "") why = "conv " + first_diff(y, c.data.output);
  }
  // A fused conv followed by another call: its own output is written first.
  if (why.empty()) {
    std::fill(y.begin(), y.end(), 0);
    const unsigned fused0 = sasim_tflm::GetCounters().fused;
    conv();
    std::vector<int8_t> other(n);
    tflite::reference_integer_ops::Add(p, os, x.data(), os, x.data(), os, other.data());
    if (sasim_tflm::GetCounters().fused != fused0 + 1) why = "after another call: the conv did not run fused";
    else if (first_diff(y, c.data.output) != "") why = "after another call: conv " + first_diff(y, c.data.output);
  }
  // The ADD's output over the conv's input (same size here), rewritten with
  // the input before each inference as the layer before would write it.
  sasim_tflm::ResetPrepared();
  const bool in_place = SASIM_HW_DATAFLOW == sasim_isa::kDataflowWs && SASIM_HW_IM2COL;
  std::vector<int32_t> in_words((std::max(n, c.data.input.size()) + 3) / 4);
  int8_t* in_buf = reinterpret_cast<int8_t*>(in_words.data());
  conv_in = in_buf;
  for (int inference = 0; inference < 3 && why.empty(); ++inference) {
    const sasim_tflm::Counters c0 = sasim_tflm::GetCounters();
    std::copy(c.data.input.begin(), c.data.input.end(), in_buf);
    conv();
    tflite::reference_integer_ops::Add(p, os, y.data(), os, x.data(), os, in_buf);
    const sasim_tflm::Counters& c1 = sasim_tflm::GetCounters();
    const std::vector<int8_t> got(in_buf, in_buf + n);
    const std::string at = "in place, inference " + std::to_string(inference);
    const unsigned fused = c1.fused - c0.fused, fused_in_place = c1.fused_in_place - c0.fused_in_place,
                   refused = c1.fuse_refused - c0.fuse_refused;
    const unsigned later = inference > 0 ? 1 : 0;
    if (first_diff(got, want) != "") why = at + ": ADD " + first_diff(got, want);
    else if (fused != (in_place ? later : 0) || fused_in_place != fused || refused != (in_place ? 0 : later))
      why = at + ": fused " + std::to_string(fused) + " (in place " + std::to_string(fused_in_place) + "), refused " +
            std::to_string(refused);
  }
  // After an in-place run, a call other than its ADD: the conv's own output
  // cannot be written (its input is gone), and the bridge counts it.
  if (why.empty() && in_place) {
    const unsigned lost0 = sasim_tflm::GetCounters().in_place_lost;
    std::copy(c.data.input.begin(), c.data.input.end(), in_buf);
    conv();
    std::vector<int8_t> other(n);
    tflite::reference_integer_ops::Add(p, os, x.data(), os, x.data(), os, other.data());
    if (sasim_tflm::GetCounters().in_place_lost != lost0 + 1) why = "in place, then another call: not counted as lost";
  }
  conv_in = c.data.input.data();
  sasim_tflm::ResetPrepared();
  if (why.empty()) {
    std::printf("PASS fused resnet8__02_conv2d + ADD (3 inferences, 2 fused; then another call; then in place: 2 %s)\n",
                in_place ? "fused in place, then a lost output counted" : "refused");
    ++*passed;
    return 0;
  }
  std::printf("FAIL fused resnet8__02_conv2d + ADD: %s\n", why.c_str());
  return 1;
}

// Paired layers (docs/export-cfu.md, "Paired layers"): a 1 x 1 expansion
// (8 -> 16 channels at 14 x 14) and its 3 x 3 stride-2 depthwise reader,
// marked as the keep table would mark them (here through Adopt: bit 3 and
// bit 4, not seen yet, both weights in the store). Three inferences through
// TFLite Micro's entries: the first runs the two plainly and decides the
// pair, the later ones run it from the reader's call (Counters::paired),
// the expansion's output never written. Once with the reader's output
// apart from the expansion's input, once over it at the same offset (as
// TFLite Micro's planner puts MobileNetV2's stride-2 pairs: the bands then
// run from the last up). Then a deferred expansion followed by another
// call: its output is written first. Every result bit-exact.
int check_paired(int* passed) {
  if (!SASIM_HW_KEEP || SASIM_HW_W_LINES == 0 || SASIM_HW_DATAFLOW != sasim_isa::kDataflowWs || !SASIM_HW_IM2COL)
    return 0;
  const sasim_drv::HwDesc hw = {SASIM_HW_ROWS, SASIM_HW_COLS, SASIM_HW_DATAFLOW, SASIM_HW_A_LINES, SASIM_HW_B_LINES,
                                SASIM_HW_C_LINES, SASIM_HW_A_DOUBLE != 0, SASIM_HW_B_DOUBLE != 0,
                                SASIM_HW_C_DOUBLE != 0, SASIM_HW_IM2COL != 0, SASIM_HW_STORE_CYCLES,
                                SASIM_HW_ELTWISE != 0, SASIM_HW_ELTWISE != 0 && SASIM_HW_READ_PREFETCH != 0,
                                SASIM_HW_W_LINES, SASIM_HW_KEEP != 0};
  const int H = 14, C0 = 8, C1 = 16;
  auto spec = [&](bool dw) {
    sasim::LayerSpec sp;
    sp.op = dw ? sasim::OpKind::kDepthwiseConv2d : sasim::OpKind::kConv2d;
    sp.input_zero_point = dw ? 11 : -7;
    sp.output_zero_point = dw ? -3 : 9;
    sp.has_bias = true;
    sp.stride_h = sp.stride_w = dw ? 2 : 1;
    sp.padding = sasim::Padding::kSame;
    sp.filter_shape = dw ? std::vector<int>{1, 3, 3, C1} : std::vector<int>{C1, 1, 1, C0};
    sp.input_shape = {1, H, H, dw ? C1 : C0};
    sp.output_shape = {1, dw ? H / 2 : H, dw ? H / 2 : H, C1};
    for (int i = 0; i < C1; ++i) {
      sp.output_multiplier.push_back(1500000000 - 7000000 * i);
      sp.output_shift.push_back(-7 - i % 3);
    }
    std::vector<sasim::FieldError> errs;
    sasim::validate_layer(&sp, &errs);
    return sp;
  };
  const sasim::LayerSpec sp = spec(false), sq = spec(true);
  uint32_t seed = 4242;
  auto fill = [&](std::vector<int8_t>* v, size_t n) {
    v->resize(n);
    for (auto& b : *v) {
      seed = seed * 1103515245u + 12345u;
      b = static_cast<int8_t>(seed >> 16);
    }
  };
  sasim::LayerData dp, dq;
  fill(&dp.input, static_cast<size_t>(sp.input_elems()));
  fill(&dp.filter, static_cast<size_t>(sp.filter_elems()));
  fill(&dq.filter, static_cast<size_t>(sq.filter_elems()));
  for (int i = 0; i < C1; ++i) {
    dp.bias.push_back(300 * i - 2000);
    dq.bias.push_back(1700 - 250 * i);
  }
  std::vector<int8_t> y0, y1;
  sasim::golden_layer(sp, dp, &y0);
  dq.input = y0;
  sasim::golden_layer(sq, dq, &y1);
  std::string why;
  int runs = 0;  // placements the driver pairs
  for (const bool over : {false, true}) {
    sasim_tflm::ResetPrepared();
    sasim_tflm::SetEnabled(true);
    std::vector<int32_t> xw((std::max(y1.size(), dp.input.size()) + 3) / 4), zw((y1.size() + 3) / 4);
    int8_t* const x = reinterpret_cast<int8_t*>(xw.data());
    int8_t* const z = over ? x : reinterpret_cast<int8_t*>(zw.data());
    std::vector<int8_t> t(y0.size());
    auto call = [&](bool dw) {
      const sasim::LayerSpec& s = dw ? sq : sp;
      const sasim::LayerData& d = dw ? dq : dp;
      const int32_t out_c = C1;
      const tflite::RuntimeShape bias_shape(1, &out_c);
      if (!dw) {
        tflite::ConvParams c = tflite::ConvParams();
        c.stride_height = c.stride_width = c.dilation_height_factor = c.dilation_width_factor = 1;
        c.input_offset = -s.input_zero_point;
        c.output_offset = s.output_zero_point;
        c.quantized_activation_min = -128;
        c.quantized_activation_max = 127;
        tflite::reference_integer_ops::ConvPerChannel(c, s.output_multiplier.data(), s.output_shift.data(),
                                                      shape(s.input_shape), x, shape(s.filter_shape), d.filter.data(),
                                                      bias_shape, d.bias.data(), shape(s.output_shape), t.data());
        return;
      }
      tflite::DepthwiseParams c = tflite::DepthwiseParams();
      c.padding_values.height = static_cast<int16_t>(s.pad_top);
      c.padding_values.width = static_cast<int16_t>(s.pad_left);
      c.stride_height = c.stride_width = 2;
      c.dilation_height_factor = c.dilation_width_factor = 1;
      c.depth_multiplier = 1;
      c.input_offset = -s.input_zero_point;
      c.output_offset = s.output_zero_point;
      c.quantized_activation_min = -128;
      c.quantized_activation_max = 127;
      tflite::reference_integer_ops::DepthwiseConvPerChannel(c, s.output_multiplier.data(), s.output_shift.data(),
                                                             shape(s.input_shape), t.data(), shape(s.filter_shape),
                                                             d.filter.data(), bias_shape, d.bias.data(),
                                                             shape(s.output_shape), z);
    };
    // The bridge's state after preparation, as the firmware's first calls
    // leave it, with the keep table's pair bits (Adopt: the runner's door).
    auto desc = [](const sasim::LayerSpec& s, const sasim::LayerData& d, const int8_t* in, int8_t* out) {
      sasim_drv::LayerDesc l = sasim_drv::LayerDesc();
      l.kind = s.op == sasim::OpKind::kConv2d ? sasim_drv::kConv2d : sasim_drv::kDepthwiseConv2d;
      l.batches = 1;
      l.in_h = s.in_h();
      l.in_w = s.in_w();
      l.in_c = s.in_c();
      l.out_h = s.out_h();
      l.out_w = s.out_w();
      l.out_c = s.out_c();
      l.k_h = s.kernel_h();
      l.k_w = s.kernel_w();
      l.stride_h = s.stride_h;
      l.stride_w = s.stride_w;
      l.dil_h = l.dil_w = l.depth_multiplier = 1;
      l.pad_top = s.pad_top;
      l.pad_left = s.pad_left;
      l.input_zp = s.input_zero_point;
      l.output_zp = s.output_zero_point;
      l.act_min = -128;
      l.act_max = 127;
      l.input = in;
      l.filter = d.filter.data();
      l.bias = d.bias.data();
      l.multiplier = s.output_multiplier.data();
      l.shift = s.output_shift.data();
      l.output = out;
      return l;
    };
    sasim_drv::LayerDesc lp = desc(sp, dp, x, t.data()), lq = desc(sq, dq, t.data(), z);
    std::vector<int32_t> fp(C1), fq(C1), bp, bq;
    sasim_drv::fold_biases(lp, fp.data());
    sasim_drv::fold_biases(lq, fq.data());
    bp.resize((sasim_drv::packed_weights_bytes(hw, lp) + 3) / 4);
    bq.resize((sasim_drv::packed_weights_bytes(hw, lq) + 3) / 4);
    sasim_drv::pack_weights(hw, lp, reinterpret_cast<int8_t*>(bp.data()));
    sasim_drv::pack_weights(hw, lq, reinterpret_cast<int8_t*>(bq.data()));
    lp.packed_weights = reinterpret_cast<const int8_t*>(bp.data());
    lq.packed_weights = reinterpret_cast<const int8_t*>(bq.data());
    // Both in the store where they fit (W_SEEK: whole 8-byte words).
    const int pitch = sasim_isa::line_pitch(SASIM_HW_COLS), step = pitch < 8 ? 8 / pitch : 1;
    const int lines_p = sasim_drv::store_lines(hw, lp), lines_q = sasim_drv::store_lines(hw, lq);
    const int line_q = (lines_p + step - 1) / step * step;
    const bool stored = lines_p > 0 && lines_q > 0 && line_q + lines_q <= SASIM_HW_W_LINES;
    if (!sasim_tflm::Adopt(lp, fp.data(), lp.packed_weights, 0, 0, stored ? 1 : 0, 8) ||
        !sasim_tflm::Adopt(lq, fq.data(), lq.packed_weights, 0, 0, stored ? line_q + 1 : 0, 16)) {
      why = "the bridge did not adopt the pair";
      break;
    }
    // Whether the driver takes them on this array (a raw band needs C a
    // multiple of rows): otherwise the bridge runs them apart, exactly.
    lp.w_store = stored ? 1 : 0;
    lq.w_store = stored ? line_q + 1 : 0;
    lp.folded_bias = fp.data();
    lq.folded_bias = fq.data();
    const bool takes = sasim_drv::pair_supported(hw, lp, lq);
    runs += takes;
    const std::string where = over ? "output over input" : "apart";
    for (int inference = 0; inference < 3 && why.empty(); ++inference) {
      const unsigned paired0 = sasim_tflm::GetCounters().paired;
      std::copy(dp.input.begin(), dp.input.end(), x);
      std::fill(t.begin(), t.end(), int8_t{0x5a});
      call(false);
      call(true);
      const bool paired = sasim_tflm::GetCounters().paired == paired0 + 1;
      const std::string at = where + ", inference " + std::to_string(inference);
      if (first_diff(std::vector<int8_t>(z, z + y1.size()), y1) != "")
        why = at + ": " + first_diff(std::vector<int8_t>(z, z + y1.size()), y1);
      else if (paired != (takes && inference > 0)) why = at + (paired ? ": paired" : ": not paired");
      else if (takes && inference > 0 && std::count(t.begin(), t.end(), int8_t{0x5a}) != static_cast<long>(t.size()))
        why = at + ": the paired expansion wrote its output";
      else if (inference == 0 && first_diff(t, y0) != "") why = at + ": expansion " + first_diff(t, y0);
    }
    // A deferred expansion, then another call: its output first.
    if (why.empty() && takes) {
      std::copy(dp.input.begin(), dp.input.end(), x);
      std::fill(t.begin(), t.end(), int8_t{0x5a});
      call(false);
      const bool deferred = std::count(t.begin(), t.end(), int8_t{0x5a}) == static_cast<long>(t.size());
      tflite::ArithmeticParams p = arithmetic_params(kAdd, {0.05f, 1}, {0.05f, 1}, {0.1f, 0});
      p.quantized_activation_min = -128;
      p.quantized_activation_max = 127;
      std::vector<int8_t> a(64, 3), other(64);
      const tflite::RuntimeShape s64 = shape({64});
      tflite::reference_integer_ops::Add(p, s64, a.data(), s64, a.data(), s64, other.data());
      if (!deferred) why = where + ": the expansion ran at its own call";
      else if (first_diff(t, y0) != "") why = where + ", another call after the deferred expansion: " + first_diff(t, y0);
    }
    if (!why.empty()) break;
  }
  // 16 channels, a multiple of the array's rows: the driver pairs both.
  if (why.empty() && C1 % SASIM_HW_ROWS == 0 && runs != 2)
    why = std::to_string(runs) + " of the 2 placements paired on a " + std::to_string(SASIM_HW_ROWS) + "-row array";
  sasim_tflm::ResetPrepared();
  if (why.empty()) {
    std::printf("PASS paired 1x1 expansion + depthwise (3 inferences; apart and over its input: %s)\n",
                runs == 2 ? "2 paired each, then another call" : runs ? "paired apart only" : "run apart by the bridge");
    ++*passed;
    return 0;
  }
  std::printf("FAIL paired expansion + depthwise: %s\n", why.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s VECTORS_DIR\n", argv[0]);
    return 2;
  }
  std::vector<std::string> dirs;
  if (DIR* d = opendir(argv[1])) {
    while (dirent* e = readdir(d)) {
      const std::string dir = std::string(argv[1]) + "/" + e->d_name;
      struct stat st;
      if (e->d_name[0] != '.' && stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) dirs.push_back(dir);
    }
    closedir(d);
  }
  std::sort(dirs.begin(), dirs.end());
  int passed = 0, failed = 0, stored = 0;
  for (const std::string& dir : dirs) {
    const sasim::LayerCase c = sasim::load_case(dir);
    // Each case's tensors are fresh buffers: forget what earlier cases prepared.
    sasim_tflm::ResetPrepared();
    sasim_tflm::SetEnabled(true);
    const unsigned before = sasim_tflm::GetCounters().accelerated, cpu_before = sasim_tflm::GetCounters().on_cpu,
                   stored_before = sasim_tflm::GetCounters().stored;
    const std::string cfu = first_diff(run(c), c.data.output);
    // The first call put the weights into the CFU's store (ws im2col
    // exports), where the second call finds them.
    const bool in_store = sasim_tflm::GetCounters().stored == stored_before + 1;
    stored += in_store ? 1 : 0;
    // On the CFU unless the driver's cost model prefers the CPU (a small
    // fully connected layer: the bridge counts it and TFLite Micro's
    // reference code runs).
    const int64_t fc_passes = static_cast<int64_t>((c.spec.in_c() + SASIM_HW_ROWS - 1) / SASIM_HW_ROWS) *
                              ((c.spec.out_c() + SASIM_HW_COLS - 1) / SASIM_HW_COLS);
    const bool small_fc = c.spec.op == sasim::OpKind::kFullyConnected &&
                          sasim_drv::kFcCfuFixed + sasim_drv::kFcCfuPerPass * fc_passes >=
                              sasim_drv::kFcCpuPerMac * c.spec.macs();
    const bool on_cfu = small_fc ? sasim_tflm::GetCounters().on_cpu == cpu_before + 1
                                 : sasim_tflm::GetCounters().accelerated == before + 1;
    // A second call reuses the prepared weights.
    const std::string again = first_diff(run(c), c.data.output);
    sasim_tflm::SetEnabled(false);
    const std::string ref = first_diff(run(c), c.data.output);
    if (cfu.empty() && on_cfu && again.empty() && ref.empty()) {
      std::printf("PASS %s%s%s\n", c.name.c_str(), small_fc ? " (CPU: the cost model's choice)" : "",
                  in_store ? " (weights in the store)" : "");
      ++passed;
    } else {
      std::printf("FAIL %s:%s%s%s%s\n", c.name.c_str(), on_cfu ? "" : " fell back to the reference code;",
                  cfu.empty() ? "" : (" CFU " + cfu + ";").c_str(),
                  again.empty() ? "" : (" CFU, prepared " + again + ";").c_str(),
                  ref.empty() ? "" : (" reference " + ref).c_str());
      ++failed;
    }
  }
  // The weight store exists on ws exports with the im2col extension: conv
  // and depthwise cases on its SEQ tiles use it there (20 of the 24 on 8x8,
  // 7 on 3x5, whose 3-channel lines give fewer uniform tiles); nothing
  // else can.
  const bool has_store = SASIM_HW_W_LINES > 0;
  if (has_store ? stored < 5 : stored != 0) {
    std::printf("FAIL weight store: %d cases stored their weights (store of %d lines)\n", stored, SASIM_HW_W_LINES);
    ++failed;
  }
  failed += check_fused(argv[1], &passed);
  failed += check_paired(&passed);
  failed += check_eltwise(kAdd, &passed);
  failed += check_eltwise(kSub, &passed);
  failed += check_eltwise(kMul, &passed);
  std::printf("%d passed, %d failed\n", passed, failed);
  if (passed + failed == 0) return 2;
  return failed ? 1 : 0;
}
