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
  failed += check_eltwise(kAdd, &passed);
  failed += check_eltwise(kSub, &passed);
  failed += check_eltwise(kMul, &passed);
  std::printf("%d passed, %d failed\n", passed, failed);
  if (passed + failed == 0) return 2;
  return failed ? 1 : 0;
}
