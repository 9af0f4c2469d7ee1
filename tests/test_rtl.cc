// Co-simulation of the Verilog accelerator (rtl/cfu.v, Verilated) against the
// plain C++ cycle model (src/model/core.h) in lock step.
//
// Every cycle the same CFU bus inputs go to both; before each rising edge the
// bus outputs are compared: cmd_ready, rsp_valid and, while the model's
// rsp_valid is 1, rsp_payload_outputs_0. The first difference is recorded
// (cycle, instruction, signal, both values) and the run stops there.
//
// Two harnesses, one comparison rule:
//  * sasim::LockstepHost (src/cosim/lockstep.h), a CfuTarget that runs the
//    board's driver with the host timing model exactly like PlainHost; used
//    for the shared vector cases, as `sasim cosim` does;
//  * CycleLockStep below, driven cycle by cycle by a random CPU that PlainHost
//    cannot be: random gaps, commands presented while a response is pending,
//    random rsp_ready back-pressure, random payloads while cmd_valid is 0.
//
// Tests:
//  * vectors: every shared vector case on each Verilated configuration of
//    the registry, bit-exact against the expected output, with no lock-step
//    difference;
//  * stress: seeded random command streams (legal, plus some that must be
//    rejected, plus soft RESETs) on every configuration, >= 100,000
//    instructions per dataflow; the weight store's commands and KEEP among
//    them (kept words reach the bus when a later pass reads the A bank);
//  * weight store: weights written once to the store (W_SEEK, WRITE_W), B_COLS
//    passes, conv and depthwise layers loading them from there (W_BASE),
//    bit-exact, its bounds and rejections, in lock step;
//  * output keep: KEEP rejected where it is not built (os, a 24-byte A
//    pitch, no prefetch); a tile's readback kept into the shadow A bank
//    (Nt 8, 4, 6, stride 0, RESET, SEEK, READ RAW, READ_EW, the bank's end,
//    32-bit wrap), the bank read back through IM2COL passes and compared
//    with the test's own copy, in lock step; the driver's chained layers
//    (the producer keeps its output, the consumer sends no input) equal
//    the golden layers in lock step;
//  * harness: a deliberate difference is caught at the expected cycle.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "Vcfu_12x10_ws_small.h"
#include "Vcfu_17x3_ws_small.h"
#include "Vcfu_3x10_ws_small.h"
#include "Vcfu_4x4_ws_noprefetch.h"
#include "Vcfu_5x9_os_small.h"
#include "Vcfu_8x4_ws_asingle.h"
#include "cosim/lockstep.h"
#include "driver/cfu_isa.h"
#include "model/core.h"
#include "model/core_params.h"
#include "model/host.h"
#include "sasim/case_io.h"
#include "sasim/cpu_ops.h"
#include "sasim/golden.h"
#include "sasim/quant.h"
#include "test_support.h"
#include "pair_support.h"
#include "verilated_cfu.h"

namespace {

using sasim::BusIn;
using sasim::BusOut;
using sasim::Mismatch;
using sasim::RtlConfig;
using sasim::RtlModel;
namespace isa = sasim_isa;

constexpr auto kWs = sasim::Dataflow::kWeightStationary;
constexpr auto kOs = sasim::Dataflow::kOutputStationary;

// Stress-only configurations (rtl/CMakeLists.txt): lines wider than 8 bytes,
// small odd bank depths, single-buffered buffers, a small weight store.
sasim::CoreParams small_params(int rows, int cols, sasim::Dataflow df, int a_lines, int b_lines, int c_lines,
                               bool a_double, bool b_double, bool c_double, int w_lines) {
  sasim::CoreParams p;
  p.rows = rows;
  p.cols = cols;
  p.dataflow = df;
  p.a_lines = a_lines;
  p.b_lines = b_lines;
  p.c_lines = c_lines;
  p.a_double = a_double;
  p.b_double = b_double;
  p.c_double = c_double;
  p.im2col = true;  // Cfu's Im2col = 1 (os: its tile form)
  p.w_lines = w_lines;
  return p;
}

sasim::CoreParams no_prefetch(sasim::CoreParams p) {
  p.prefetch = false;
  return p;
}

template <class V>
std::function<std::unique_ptr<RtlModel>()> factory() {
  return [] { return std::unique_ptr<RtlModel>(new sasim::VerilatedCfu<V>); };
}

const RtlConfig& config_named(const std::string& name) {
  static const std::vector<RtlConfig> extra = {
      {"12x10_ws_small", small_params(12, 10, kWs, 21, 9, 13, false, true, false, 0), factory<Vcfu_12x10_ws_small>()},
      {"5x9_os_small", small_params(5, 9, kOs, 11, 17, 4, true, false, true, 0), factory<Vcfu_5x9_os_small>()},
      {"3x10_ws_small", small_params(3, 10, kWs, 19, 7, 11, true, false, true, 13), factory<Vcfu_3x10_ws_small>()},
      {"8x4_ws_asingle", small_params(8, 4, kWs, 24, 16, 20, false, true, true, 0), factory<Vcfu_8x4_ws_asingle>()},
      {"17x3_ws_small", small_params(17, 3, kWs, 10, 20, 20, true, true, true, 0), factory<Vcfu_17x3_ws_small>()},
      {"4x4_ws_noprefetch", no_prefetch(small_params(4, 4, kWs, 40, 12, 10, true, true, true, 0)),
       factory<Vcfu_4x4_ws_noprefetch>()},
  };
  for (const auto& c : sasim::rtl_configs())
    if (name == c.name) return c;
  for (const auto& c : extra)
    if (name == c.name) return c;
  throw std::runtime_error("no RTL configuration " + name);
}

// An RTL model with a deliberate fault: from the `at`-th edge on (counting
// step() calls after reset), outputs() is altered in that one cycle.
class FaultyRtl : public RtlModel {
 public:
  enum What { kFlipPayloadBit0, kFlipCmdReady };
  FaultyRtl(std::unique_ptr<RtlModel> inner, uint64_t at, What what) : inner_(std::move(inner)), at_(at), what_(what) {}
  BusOut outputs() override {
    BusOut o = inner_->outputs();
    if (steps_ == at_) {
      if (what_ == kFlipPayloadBit0) o.rsp_payload ^= 1u;
      else o.cmd_ready = !o.cmd_ready;
    }
    return o;
  }
  void step(const BusIn& in) override {
    inner_->step(in);
    ++steps_;
  }
  void reset() override { inner_->reset(); }

 private:
  std::unique_ptr<RtlModel> inner_;
  uint64_t at_, steps_ = 0;
  What what_;
};

// Records the cycles in which rsp_valid is 1 (cycle = step() calls so far).
class RecordingRtl : public RtlModel {
 public:
  explicit RecordingRtl(std::unique_ptr<RtlModel> inner) : inner_(std::move(inner)) {}
  BusOut outputs() override {
    const BusOut o = inner_->outputs();
    if (o.rsp_valid && (valid_cycles.empty() || valid_cycles.back() != steps_)) valid_cycles.push_back(steps_);
    return o;
  }
  void step(const BusIn& in) override {
    inner_->step(in);
    ++steps_;
  }
  void reset() override { inner_->reset(); }
  std::vector<uint64_t> valid_cycles;

 private:
  std::unique_ptr<RtlModel> inner_;
  uint64_t steps_ = 0;
};

// ------------------------------------------------------------ vectors ------

struct CaseRun {
  size_t wrong_outputs = 0;
  bool driver_ok = false;
  bool model_error = false;
  Mismatch mismatch;
  uint64_t cycles = 0, instructions = 0;
  double seconds = 0;
};

// One layer through the driver on LockstepHost(model, rtl), fresh instances.
CaseRun run_case(const RtlConfig& cfg, const sasim::LayerCase& c, RtlModel* rtl) {
  CaseRun r;
  const auto t0 = std::chrono::steady_clock::now();
  sasim::CfuCore core(cfg.params);
  rtl->reset();
  sasim::LockstepHost host(&core, rtl, sasim::HostTiming{});
  host.set_layer(c.name);
  sasim::set_cfu_target(&host);
  std::vector<int8_t> out(c.data.output.size(), 0);
  const sasim_drv::LayerDesc l = sasim::layer_desc_from(c.spec, c.data, out.data());
  r.driver_ok = sasim_drv::run_layer(sasim::hw_desc_from(cfg.params), l) == sasim_drv::kOk;
  sasim::set_cfu_target(nullptr);
  r.model_error = core.error();
  r.mismatch = host.mismatch();
  r.cycles = host.cycles();
  r.instructions = host.instructions();
  for (size_t i = 0; i < out.size(); ++i) r.wrong_outputs += out[i] != c.data.output[i];
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

void check_all_vectors(const char* config_name) {
  const RtlConfig& cfg = config_named(config_name);
  const auto cases = sasim_test::vector_cases();
  REQUIRE(cases.size() >= 24);
  uint64_t total_cycles = 0, total_instr = 0;
  double total_s = 0;
  for (const auto& dir : cases) {
    const sasim::LayerCase c = sasim::load_case(dir);
    std::unique_ptr<RtlModel> rtl = cfg.make();
    const CaseRun r = run_case(cfg, c, rtl.get());
    std::printf("  rtl %-7s %-34s %9llu cycles %8llu instr %6.2f s\n", cfg.name.c_str(), c.name.c_str(),
                static_cast<unsigned long long>(r.cycles), static_cast<unsigned long long>(r.instructions),
                r.seconds);
    total_cycles += r.cycles;
    total_instr += r.instructions;
    total_s += r.seconds;
    INFO(c.name << " on " << cfg.name);
    if (r.mismatch.found) FAIL_CHECK("lock-step mismatch: " << r.mismatch.str());
    CHECK(r.driver_ok);
    CHECK_FALSE(r.model_error);
    CHECK(r.wrong_outputs == 0);
  }
  std::printf("rtl %s: %zu cases, %llu cycles, %llu instructions, %.1f s (%.2f Mcycles/s)\n", cfg.name.c_str(),
              cases.size(), static_cast<unsigned long long>(total_cycles),
              static_cast<unsigned long long>(total_instr), total_s, total_cycles / total_s / 1e6);
  std::fflush(stdout);
}

}  // namespace

TEST_CASE("rtl registry: the default-buffer configurations, as core_params_from derives them", "[rtl]") {
  const char* names[] = {"4x4_ws", "4x4_os", "8x8_ws", "8x8_os", "2x3_ws", "3x2_os"};
  const int shapes[][2] = {{4, 4}, {4, 4}, {8, 8}, {8, 8}, {2, 3}, {3, 2}};
  const char* dfs[] = {"ws", "os", "ws", "os", "ws", "os"};
  REQUIRE(sasim::rtl_configs().size() == 6);
  for (int i = 0; i < 6; ++i) {
    INFO(names[i]);
    const sasim::CoreParams p = sasim::core_params_from(sasim_test::hw_of(shapes[i][0], shapes[i][1], dfs[i]));
    // The match find_rtl_config() (src/cosim/rtl_engine.cc) makes: every field.
    const RtlConfig* rc = nullptr;
    for (const RtlConfig& c : sasim::rtl_configs()) {
      const sasim::CoreParams& q = c.params;
      if (q.rows == p.rows && q.cols == p.cols && q.dataflow == p.dataflow && q.a_lines == p.a_lines &&
          q.b_lines == p.b_lines && q.c_lines == p.c_lines && q.a_double == p.a_double && q.b_double == p.b_double &&
          q.c_double == p.c_double && q.im2col == p.im2col && q.prefetch == p.prefetch && q.eltwise == p.eltwise &&
          q.w_lines == p.w_lines)
        rc = &c;
    }
    REQUIRE(rc != nullptr);
    CHECK(rc->name == names[i]);
    // ID reports the shape and dataflow it was built with.
    std::unique_ptr<RtlModel> rtl = rc->make();
    sasim::CfuCore core(p);
    rtl->reset();
    sasim::LockstepHost host(&core, rtl.get(), sasim::HostTiming{});
    const uint32_t id = host.cfu_op(isa::kCfg, 1, 0, 0);
    CHECK(id == (static_cast<uint32_t>(shapes[i][0]) | static_cast<uint32_t>(shapes[i][1]) << 8 |
                 static_cast<uint32_t>(dfs[i][0] == 'o') << 16 | isa::kIsaVersion << 24));
    CHECK_FALSE(host.mismatch().found);
  }
}

TEST_CASE("rtl 4x4 ws: every vector case bit-exact, no lock-step difference", "[rtl][vectors]") {
  check_all_vectors("4x4_ws");
}
TEST_CASE("rtl 4x4 os: every vector case bit-exact, no lock-step difference", "[rtl][vectors]") {
  check_all_vectors("4x4_os");
}
TEST_CASE("rtl 8x8 ws: every vector case bit-exact, no lock-step difference", "[rtl][vectors]") {
  check_all_vectors("8x8_ws");
}
TEST_CASE("rtl 8x8 os: every vector case bit-exact, no lock-step difference", "[rtl][vectors]") {
  check_all_vectors("8x8_os");
}
TEST_CASE("rtl 2x3 ws: every vector case bit-exact, no lock-step difference", "[rtl][vectors]") {
  check_all_vectors("2x3_ws");
}
TEST_CASE("rtl 3x2 os: every vector case bit-exact, no lock-step difference", "[rtl][vectors]") {
  check_all_vectors("3x2_os");
}

// ResNet-8's three residual ADDs fused into the convs before them (READ_EW),
// as `sasim run` runs them: the driver on the model and the RTL in lock step,
// the output equal to the golden conv's through the golden ADD. In place:
// the ADD's output over the conv's input, where TFLite Micro's arena plan
// puts it (offset 0 for all three; tests/test_tflite.cc).
static void check_fused_residuals(bool in_place) {
  for (const char* config : {"8x8_ws", "4x4_ws", "8x8_os"}) {
    const RtlConfig& cfg = config_named(config);
    for (const char* name : {"resnet8__02_conv2d", "resnet8__06_conv2d", "resnet8__10_conv2d"}) {
      sasim::LayerCase c = sasim::load_case(std::string(SASIM_SHARED_DIR) + "/vectors/" + name);
      const size_t n = c.data.output.size();
      std::mt19937 rng(static_cast<uint32_t>(n));
      c.data.residual.resize(n);
      for (auto& v : c.data.residual) v = static_cast<int8_t>(rng() % 256);
      const sasim::QuantParam qy{0.04f, c.spec.output_zero_point}, qx{0.05f, -7}, qo{0.08f, 3};
      int32_t m[3] = {0, 0, 0};
      int s[3] = {0, 0, 0};
      sasim::add_multipliers(qy, qx, qo, m, s);
      sasim_test::set_fused(&c.spec, sasim_isa::kEwAdd, m, s, qy, qx, qo);
      c.spec.in_place = in_place;
      c.spec.in_place_offset = 0;
      std::vector<int8_t> want;
      const sasim::Shape flat{static_cast<int>(n)};
      sasim::add_int8(c.data.output, flat, qy, c.data.residual, flat, qx, qo, 0, flat, &want);
      sasim::CfuCore core(cfg.params);
      std::unique_ptr<RtlModel> rtl = cfg.make();
      rtl->reset();
      sasim::LockstepHost host(&core, rtl.get(), sasim::HostTiming{});
      host.set_layer(c.name);
      sasim::set_cfu_target(&host);
      std::vector<int32_t> tensors;
      sasim_drv::EltwiseDesc fd;
      const sasim_drv::LayerDesc l = sasim::layer_tensors(c.spec, c.data, &tensors, &fd);
      const sasim_drv::HwDesc hd = sasim::hw_desc_from(cfg.params);
      INFO(name << " on " << config << (in_place ? " in place" : ""));
      // In place: the im2col path takes all three, either dataflow (os: its
      // tile form on the same band schedule).
      CHECK(sasim_drv::in_place_supported(hd, l));
      const int rc = sasim_drv::run_layer(hd, l);
      sasim::set_cfu_target(nullptr);
      if (host.mismatch().found) FAIL_CHECK("lock-step mismatch: " << host.mismatch().str());
      CHECK(rc == sasim_drv::kOk);
      CHECK_FALSE(core.error());
      CHECK(std::vector<int8_t>(l.output, l.output + n) == want);
      std::printf("  rtl %-7s %-22s + ADD fused%s: %llu cycles\n", config, name, in_place ? " in place" : "",
                  static_cast<unsigned long long>(host.cycles()));
    }
  }
}

TEST_CASE("rtl: residual ADDs fused into the conv readback (READ_EW) in lock step", "[rtl][vectors]") {
  check_fused_residuals(false);
}
TEST_CASE("rtl: residual ADDs fused in place (the output over the conv's input) in lock step", "[rtl][vectors]") {
  check_fused_residuals(true);
}

// ------------------------------------------------------- harness checks ----

TEST_CASE("harness: a model built with another dataflow differs at the first ID response", "[rtl][harness]") {
  // RTL 4x4 WS against a 4x4 OS model: ID is presented after its gap of 2
  // idle cycles (cycles 0, 1), transfers at the edge ending cycle 2 and is
  // answered in cycle 3, where the dataflow field differs.
  std::unique_ptr<RtlModel> rtl = config_named("4x4_ws").make();
  sasim::CfuCore core(config_named("4x4_os").params);
  rtl->reset();
  sasim::LockstepHost host(&core, rtl.get(), sasim::HostTiming{});
  CHECK(host.cfu_op(isa::kCfg, 0, 0x7f8000, 0) == 0);  // SET_OUTPUT: equal on both
  REQUIRE_FALSE(host.mismatch().found);
  const uint64_t c0 = host.cycles();  // the cycle after the response was taken
  host.cfu_op(isa::kCfg, 1, 0, 0);
  const Mismatch& m = host.mismatch();
  REQUIRE(m.found);
  CHECK(m.cycle == c0 + 3);
  CHECK(m.instruction == 1);
  CHECK(m.signal == "rsp_payload_outputs_0");
  CHECK(m.model_value == 0x01010404u);
  CHECK(m.rtl_value == 0x01000404u);
}

TEST_CASE("rtl power-up: READ NEXT before any SET_OUTPUT clamps to the power-up range -128 .. 127", "[rtl]") {
  // The post-processor's registers power up as the model constructs them
  // (zero point 0, act_min -128, act_max 127) and RESET does not touch them:
  // a result below zero read before the first SET_OUTPUT shows act_min.
  // (A mutation of the RTL's power-up act_min to 0 went unnoticed before.)
  for (const RtlConfig& cfg : sasim::rtl_configs()) {
    INFO(cfg.name);
    std::unique_ptr<RtlModel> rtl = cfg.make();
    sasim::CfuCore core(cfg.params);
    rtl->reset();
    sasim::LockstepHost host(&core, rtl.get(), sasim::HostTiming{});
    // A[0][0] = B[0][0] = 100 (one 8-byte WRITE each: lane 0 of line 0).
    CHECK(host.cfu_op(isa::kWriteA, 0, 100, 0) == 0);
    CHECK(host.cfu_op(isa::kWriteB, 0, 100, 0) == 0);
    CHECK(host.cfu_op(isa::kParam, 0, 0, static_cast<uint32_t>(-20000)) == 0);  // BIAS: 10000 - 20000
    CHECK(host.cfu_op(isa::kParam, 1, 1u << 30, 0) == 0);                      // REQUANT x0.5, shift 0
    CHECK(host.cfu_op(isa::kStart, 0, 1u | 1u << 16, 1u | isa::kFlagClear << 8) == 0);
    CHECK(host.cfu_op(isa::kRead, 1, 0, 0) == 0);  // SEEK bank 0, line 0
    // -5000 clamped to -128 in lane 0; lanes >= Nt read 0.
    CHECK(host.cfu_op(isa::kRead, 0, 0, 0) == 0x80u);
    CHECK(host.cfu_op(isa::kCfg, 0, 0, 0) == 0);  // now SET_OUTPUT(0, act_min 0, act_max 0)
    CHECK(host.cfu_op(isa::kRead, 1, 0, 0) == 0);
    CHECK(host.cfu_op(isa::kRead, 0, 0, 0) == 0u);
    CHECK_FALSE(host.mismatch().found);
    CHECK_FALSE(core.error());
  }
}

TEST_CASE("harness: a one-bit fault in one response of a layer is caught in that cycle", "[rtl][harness]") {
  const RtlConfig& cfg = config_named("8x8_ws");
  const sasim::LayerCase c = sasim::load_case(std::string(SASIM_SHARED_DIR) + "/vectors/synthetic__01_conv2d");
  // Clean run: the cycles in which a response is valid (one per instruction,
  // rsp_ready being 1).
  RecordingRtl clean(cfg.make());
  const CaseRun r0 = run_case(cfg, c, &clean);
  REQUIRE_FALSE(r0.mismatch.found);
  REQUIRE(r0.wrong_outputs == 0);
  REQUIRE(clean.valid_cycles.size() == r0.instructions);
  REQUIRE(r0.instructions > 300);
  for (const uint64_t k : {uint64_t{0}, uint64_t{1}, uint64_t{137}, r0.instructions / 2, r0.instructions - 1}) {
    INFO("fault in the response of instruction " << k);
    FaultyRtl faulty(cfg.make(), clean.valid_cycles[k], FaultyRtl::kFlipPayloadBit0);
    const CaseRun r = run_case(cfg, c, &faulty);
    REQUIRE(r.mismatch.found);
    CHECK(r.mismatch.cycle == clean.valid_cycles[k]);
    CHECK(r.mismatch.instruction == k);
    CHECK(r.mismatch.signal == "rsp_payload_outputs_0");
    CHECK((r.mismatch.rtl_value ^ r.mismatch.model_value) == 1u);
  }
  // A cmd_ready fault in an idle cycle between two instructions.
  const uint64_t idle = clean.valid_cycles[200] + 2;
  FaultyRtl faulty(cfg.make(), idle, FaultyRtl::kFlipCmdReady);
  const CaseRun r = run_case(cfg, c, &faulty);
  REQUIRE(r.mismatch.found);
  CHECK(r.mismatch.cycle == idle);
  CHECK(r.mismatch.signal == "cmd_ready");
  CHECK(r.mismatch.instruction == 201);
}

// --------------------------------------------------------------- stress ----

namespace {

// ------------------------------------------------------- cycle lock step ----

// The lock step for a cycle-level driver: the same inputs to both each cycle,
// outputs compared before every edge (cmd_ready, rsp_valid, and the payload
// while the model's rsp_valid is 1). Stops at the first difference.
// SASIM_RTL_TRACE=<cycle> prints the bus from 12 cycles before <cycle> on.
class CycleLockStep {
 public:
  CycleLockStep(RtlModel* rtl, sasim::CfuCore* model) : rtl_(rtl), model_(model) {
    if (const char* t = std::getenv("SASIM_RTL_TRACE")) {
      trace_ = true;
      trace_from_ = std::strtoull(t, nullptr, 0);
    }
    rtl_->reset();
  }
  bool failed() const { return mismatch_.found; }
  const Mismatch& mismatch() const { return mismatch_; }
  uint64_t cycles() const { return cycle_; }
  // The model's outputs in the current cycle (the RTL's too unless failed).
  BusOut outputs() const { return model_->outputs(); }

  // One cycle with inputs `in`; false once a difference has been seen.
  bool cycle(const BusIn& in) {
    if (mismatch_.found) return false;
    const BusOut m = model_->outputs(), r = rtl_->outputs();
    if (trace_ && cycle_ + 12 >= trace_from_)
      std::printf("[%llu] in v=%d fid=0x%03x in0=0x%08x in1=0x%08x rdy=%d | model %d %d 0x%08x | rtl %d %d 0x%08x\n",
                  static_cast<unsigned long long>(cycle_), in.cmd_valid, in.function_id, in.inputs_0, in.inputs_1,
                  in.rsp_ready, m.cmd_ready, m.rsp_valid, m.rsp_payload, r.cmd_ready, r.rsp_valid, r.rsp_payload);
    auto differ = [&](const char* sig, uint32_t mv, uint32_t rv) {
      mismatch_ = Mismatch{true, cycle_, commands_ ? commands_ - 1 : 0, 0, "", sig, mv, rv};
    };
    if (m.cmd_ready != r.cmd_ready) differ("cmd_ready", m.cmd_ready, r.cmd_ready);
    else if (m.rsp_valid != r.rsp_valid) differ("rsp_valid", m.rsp_valid, r.rsp_valid);
    else if (m.rsp_valid && m.rsp_payload != r.rsp_payload)
      differ("rsp_payload_outputs_0", m.rsp_payload, r.rsp_payload);
    if (mismatch_.found) return false;
    if (in.cmd_valid && m.cmd_ready) ++commands_;
    model_->step(in);
    rtl_->step(in);
    ++cycle_;
    return true;
  }

 private:
  RtlModel* rtl_;
  sasim::CfuCore* model_;
  bool trace_ = false;
  uint64_t trace_from_ = 0;
  uint64_t cycle_ = 0, commands_ = 0;
  Mismatch mismatch_;
};


struct Cmd {
  int f3 = 0, f7 = 0;
  uint32_t in0 = 0, in1 = 0;
};

// Random command streams for one configuration. Mostly legal commands with
// operands in range (START within the buffer limits, PARAM columns that
// exist, shifts in -31..30, SEEK lines near the buffer), plus a few that the
// unit must reject, and rare soft RESETs. Operands the C++ model leaves
// undefined (negative SEEK lines or BIAS columns, shifts outside -31..30) are
// never generated.
class CmdGen {
 public:
  // Streams of an odd seed issue no SET_OUTPUT for their first 4000
  // commands, so that reads see the post-processor's power-up range.
  CmdGen(const sasim::CoreParams& p, uint32_t seed)
      : p_(p), rng_(seed), fill_rng_(seed ^ 0xa5f1u), no_cfg_until_(seed % 2 ? 4000 : 0),
        keep_(isa::has_keep(p.im2col, p.prefetch, p.rows)) {}

  Cmd next() {
    ++issued_;
    if (burst_left_ > 0) {
      --burst_left_;
      return one(burst_kind_);
    }
    // The weight store's commands (kinds 14, 15) where there is one; without
    // it the stream is the one before the store existed (case 10 sends its
    // funct7 values among the unknown ones). KEEP (kind 16) where the output
    // keep is built; without it the stream is the one before it existed.
    int k;
    if (keep_)
      k = p_.w_lines > 0 ? pick({14, 14, 8, 3, 10, 3, 10, 3, 4, 3, 2, 1, 6, 5, 5, 3, 10})
                         : pick({14, 14, 8, 3, 10, 3, 10, 3, 4, 3, 2, 1, 6, 5, 0, 0, 10});
    else
      k = p_.w_lines > 0 ? pick({14, 14, 8, 3, 10, 3, 10, 3, 4, 3, 2, 1, 6, 5, 5, 3})
                         : pick({14, 14, 8, 3, 10, 3, 10, 3, 4, 3, 2, 1, 6, 5});
    if (k == 3 && issued_ < no_cfg_until_) k = 6;  // a READ instead
    if (k == 13 && !p_.eltwise) k = 9;  // an ID instead
    // WRITE_A / WRITE_B / READ NEXT|RAW / EW_OP / WRITE_W in bursts
    if (k <= 1 || k == 6 || (k == 13 && chance(0.3)) || k == 15) {
      burst_kind_ = k;
      burst_left_ = uni(0, 20);
    }
    return one(k);
  }

 private:
  int uni(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  uint32_t u32() { return static_cast<uint32_t>(rng_()); }
  // A_FILL instead of some of the commands of case 12, from a generator of
  // its own, so that the other commands' streams stay those of their seeds.
  void maybe_a_fill(Cmd* c) {
    if (std::uniform_real_distribution<double>(0, 1)(fill_rng_) >= 0.12) return;
    const int parts = std::max(1, sasim_isa::line_pitch(p_.rows) / 8);
    std::uniform_int_distribution<int> d(0, 99);
    const int r = d(fill_rng_);
    c->f7 = isa::kCfgAFill;  // the parts a WRITE_A line takes (0: all; past them: rejected)
    c->in0 = static_cast<uint32_t>(r < 95 ? std::uniform_int_distribution<int>(0, parts)(fill_rng_)
                                   : r < 97 ? parts + 1
                                            : std::uniform_int_distribution<int>(0, 300)(fill_rng_));
    c->in1 = static_cast<uint32_t>(fill_rng_());
  }
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  int pick(std::initializer_list<int> weights) {
    std::discrete_distribution<int> d(weights.begin(), weights.end());
    return d(rng_);
  }
  // Mostly small values (short passes), sometimes anywhere up to `max`.
  int dim(int max) { return chance(0.75) ? uni(1, std::min(max, 12)) : uni(1, max); }

  Cmd one(int kind) {
    Cmd c;
    const bool ws = p_.dataflow == sasim::Dataflow::kWeightStationary;
    switch (kind) {
      case 0:  // WRITE_A
      case 1:  // WRITE_B
        c.f3 = kind == 0 ? isa::kWriteA : isa::kWriteB;
        c.in0 = u32();
        c.in1 = u32();
        break;
      case 2: {  // PARAM
        c.f3 = isa::kParam;
        c.f7 = uni(0, 3);
        const uint32_t col = static_cast<uint32_t>(uni(0, p_.cols - 1));
        int32_t mult;
        switch (pick({6, 2, 1, 1})) {
          case 0: mult = uni(1 << 30, INT32_MAX); break;
          case 1: mult = static_cast<int32_t>(u32()); break;
          case 2: mult = INT32_MIN; break;
          default: mult = uni(-1000, 1000); break;
        }
        int shift = chance(0.7) ? uni(-12, 2) : uni(sasim::kMinShift, sasim::kMaxShift);
        if (chance(0.03)) shift = chance(0.5) ? uni(-128, sasim::kMinShift - 1) : uni(sasim::kMaxShift + 1, 127);
        const uint32_t bias = chance(0.5) ? static_cast<uint32_t>(uni(-5000, 5000)) : u32();
        if (c.f7 == 0 || c.f7 == 2) {
          c.in0 = c.f7 == 0 ? col : u32();
          c.in1 = bias;
        } else {
          c.in0 = static_cast<uint32_t>(mult);
          c.in1 = (c.f7 == 1 ? col : (u32() & 0xff)) | (static_cast<uint32_t>(shift) & 0xff) << 8 |
                  (u32() & 0xffff0000u);
        }
        if (chance(0.04)) {  // rejected: a column that does not exist, or funct7 > 3
          if (chance(0.5)) {
            c.f7 = uni(0, 1);
            const uint32_t bad = static_cast<uint32_t>(uni(p_.cols, 300));
            if (c.f7 == 0) c.in0 = bad;
            else c.in1 = (c.in1 & ~0xffu) | (bad & 0xff);
            if (c.f7 == 1 && (bad & 0xff) < static_cast<uint32_t>(p_.cols)) c.in1 |= 0xff;
          } else {
            c.f7 = uni(4, 127);
          }
        }
        break;
      }
      case 3:  // SET_OUTPUT
        c.f3 = isa::kCfg;
        c.f7 = 0;
        c.in0 = u32();
        if (chance(0.7)) {  // act_min <= act_max
          int lo = uni(-128, 127), hi = uni(-128, 127);
          if (lo > hi) std::swap(lo, hi);
          c.in0 = (c.in0 & 0xff0000ffu) | (static_cast<uint32_t>(lo) & 0xff) << 8 | (static_cast<uint32_t>(hi) & 0xff) << 16;
        }
        break;
      case 4: {  // START
        c.f3 = isa::kStart;
        const int max_m = ws ? std::min(p_.a_lines, p_.c_lines) : std::min(p_.rows, p_.c_lines);
        const int max_k = ws ? std::min(p_.rows, p_.b_lines) : std::min(p_.a_lines, p_.b_lines);
        uint32_t mt = static_cast<uint32_t>(dim(max_m)), kt = static_cast<uint32_t>(dim(max_k));
        uint32_t nt = static_cast<uint32_t>(uni(1, p_.cols));
        if (chance(0.05)) {  // rejected operands
          switch (uni(0, 5)) {
            case 0: mt = 0; break;
            case 1: kt = 0; break;
            case 2: nt = 0; break;
            case 3: nt = static_cast<uint32_t>(uni(p_.cols + 1, 255)); break;
            case 4: mt = static_cast<uint32_t>(uni(max_m + 1, 65535)); break;
            default: kt = static_cast<uint32_t>(uni(max_k + 1, 65535)); break;
          }
        }
        uint32_t flags = 0;
        if (chance(0.75)) flags |= isa::kFlagClear;
        if (chance(0.5)) flags |= isa::kFlagCBank;
        if (chance(0.25)) flags |= isa::kFlagKeepA;
        if (chance(0.3)) flags |= isa::kFlagKeepB;
        // The im2col extension's flags (rejected without it, or without
        // GEOM/PIXEL, or with j >= the lines per pixel), its line offset j.
        if (chance(0.5)) flags |= isa::kFlagIm2col;
        if (chance(0.4)) {
          flags |= isa::kFlagBCols;
          if (chance(0.5)) flags = (flags & ~static_cast<uint32_t>(isa::kFlagKeepB)) | isa::kFlagHoldB;
        } else if (chance(0.05)) {
          flags |= isa::kFlagHoldB;  // without B_COLS: rejected
        }
        if (chance(0.25)) flags |= isa::kFlagSeq;  // a whole IM2COL_SEQ tile (mostly rejected without its flags)
        if (ws && chance(0.12))  // a tile as the driver starts one
          flags = (flags & (isa::kFlagCBank | isa::kFlagKeepA | isa::kFlagHoldB)) | isa::kFlagClear |
                  isa::kFlagIm2col | isa::kFlagBCols | isa::kFlagSeq;
        if (ws && p_.im2col && chance(0.15)) {
          // By rows (IM2COL without B_COLS) as the driver starts one: a
          // pass's `rows` lines from slot x rows, held, or a whole SEQ tile.
          flags = (flags & (isa::kFlagCBank | isa::kFlagKeepA | isa::kFlagClear)) | isa::kFlagIm2col |
                  (chance(0.5) ? isa::kFlagSeq : 0) | (chance(0.5) ? isa::kFlagHoldB : 0);
          if (chance(0.8)) kt = static_cast<uint32_t>(uni(1, p_.rows));
        }
        if (!ws && p_.im2col && chance(0.35)) {
          // The OS tile form as the driver starts one: Mt pixels over several
          // sub-passes, Kt whole chunks of `rows` steps (IM2COL_SEQ has 1 ..
          // 18; a few past them, or not whole: rejected), KEEP_B for a held
          // group.
          flags = (flags & (isa::kFlagCBank | isa::kFlagKeepA | isa::kFlagKeepB | isa::kFlagClear)) | isa::kFlagIm2col;
          mt = static_cast<uint32_t>(uni(1, std::min(p_.c_lines, 3 * p_.rows + 2)));
          const int fit = std::max(1, std::min(6, p_.b_lines / p_.rows));  // (mostly within B)
          kt = static_cast<uint32_t>(p_.rows * uni(1, chance(0.9) ? fit : 20) + (chance(0.04) ? uni(1, p_.rows) : 0));
        }
        c.in0 = mt | kt << 16;
        // j (IM2COL) and the weight slot (B_COLS): mostly small.
        const uint32_t slot = static_cast<uint32_t>(chance(0.7) ? 0 : chance(0.8) ? uni(1, 3) : uni(0, 255));
        c.in1 = nt | flags << 8 | static_cast<uint32_t>(chance(0.9) ? uni(0, 1) : uni(0, 255)) << isa::kStartJShift |
                slot << isa::kStartSlotShift;
        break;
      }
      case 12: {  // IM2COL_GEOM / _PIXEL / _ORIGIN / _SEQ, PARAM_BANK, mostly valid
        c.f3 = isa::kCfg;
        c.f7 = chance(0.15) ? isa::kCfgParamBank : uni(isa::kCfgIm2colGeom, isa::kCfgIm2colSeq);
        auto u16 = [](int v) { return static_cast<uint32_t>(v) & 0xffffu; };
        if (c.f7 == isa::kCfgParamBank) {  // the parameter sets PARAM writes (0: rejected)
          c.in0 = static_cast<uint32_t>(chance(0.95) ? uni(1, 3) : 0) | (u32() & 0xfffffffcu);
          c.in1 = u32();
        } else if (c.f7 == isa::kCfgIm2colGeom) {
          c.in0 = u16(uni(1, 12)) | u16(uni(1, 12)) << 16;
          c.in1 = u16(uni(1, 12)) | static_cast<uint32_t>(uni(1, 3)) << 16 | static_cast<uint32_t>(uni(1, 3)) << 24;
          if (chance(0.05)) c.in0 &= 0xffff0000u;  // in_w 0: rejected
        } else if (c.f7 == isa::kCfgIm2colPixel) {
          c.in0 = static_cast<uint32_t>(chance(0.95) ? uni(1, 4) : 0) | (u32() & 0xff) << 8 | (u32() & 0xffff0000u);
          c.in1 = static_cast<uint32_t>(chance(0.9) ? uni(0, 4) : uni(0, 65535)) | (u32() & 0xffff0000u);  // B stride
        } else if (c.f7 == isa::kCfgIm2colOrigin) {
          c.in0 = u16(uni(-4, 14)) | u16(uni(-4, 14)) << 16;
          c.in1 = u16(uni(-3, 3)) | u16(uni(0, 12)) << 16;  // ox >= out_w: rejected
        } else {  // SEQ: kernel rows, columns, lines per tap (0: rejected); row and column steps
          c.in0 = static_cast<uint32_t>(uni(chance(0.05) ? 0 : 1, 3)) | static_cast<uint32_t>(uni(1, 3)) << 8 |
                  static_cast<uint32_t>(uni(1, 2)) << 16 | (u32() & 0xff000000u);
          c.in1 = u16(uni(-2, 3)) | u16(uni(-2, 3)) << 16;
        }
        maybe_a_fill(&c);
        break;
      }
      case 13: {  // the elementwise extension: EW_OP mostly, its parameters, a few rejected
        c.f3 = isa::kCfg;
        c.f7 = burst_left_ > 0 || chance(0.7) ? isa::kCfgEwOp : chance(0.4) ? isa::kCfgEwConfig : isa::kCfgEwMult;
        if (c.f7 == isa::kCfgEwOp) {
          c.in0 = u32();
          c.in1 = u32();
        } else if (c.f7 == isa::kCfgEwConfig) {
          int lo = uni(-128, 127), hi = uni(-128, 127);
          if (lo > hi && chance(0.8)) std::swap(lo, hi);
          c.in0 = (u32() & 0xffffu) | static_cast<uint32_t>(uni(0, 2)) << 16;
          c.in1 = (u32() & 0xff0000ffu) | (static_cast<uint32_t>(lo) & 0xff) << 8 | (static_cast<uint32_t>(hi) & 0xff) << 16;
          if (chance(0.05)) c.in0 |= chance(0.5) ? 3u << 16 : 1u << uni(18, 31);  // rejected
        } else {
          const int which = uni(0, 2);
          int32_t mult;
          switch (pick({6, 2, 1, 1})) {
            case 0: mult = uni(1 << 30, INT32_MAX); break;
            case 1: mult = static_cast<int32_t>(u32()); break;
            case 2: mult = INT32_MIN; break;
            default: mult = uni(-1000, 1000); break;
          }
          int shift = which == isa::kEwMultOut ? (chance(0.7) ? uni(-20, 2) : uni(sasim::kMinShift, sasim::kMaxShift))
                                               : (chance(0.8) ? uni(-12, 0) : uni(sasim::kMinShift, 0));
          int w = which;
          if (chance(0.05)) {  // rejected: which 3 .. 255, or a shift out of range
            if (chance(0.5)) w = uni(3, 255);
            else shift = which == isa::kEwMultOut ? uni(sasim::kMaxShift + 1, 127) : uni(1, 127);
          }
          c.in0 = static_cast<uint32_t>(mult);
          c.in1 = static_cast<uint32_t>(w) | (static_cast<uint32_t>(shift) & 0xff) << 8 | (u32() & 0xffff0000u);
        }
        break;
      }
      case 5:  // READ SEEK
        c.f3 = isa::kRead;
        c.f7 = 1;
        c.in0 = chance(0.9) ? static_cast<uint32_t>(uni(0, 1)) : u32();
        // Mostly the first lines, which short passes write; sometimes any
        // line; sometimes past the end (rejected).
        switch (pick({6, 3, 1})) {
          case 0: c.in1 = static_cast<uint32_t>(uni(0, std::min(p_.c_lines - 1, ws ? 2 * p_.rows : p_.rows - 1))); break;
          case 1: c.in1 = static_cast<uint32_t>(uni(0, p_.c_lines - 1)); break;
          default: c.in1 = static_cast<uint32_t>(uni(p_.c_lines, p_.c_lines + 3)); break;
        }
        break;
      case 6:  // READ NEXT / RAW / READ_EW (rejected without the elementwise unit or the prefetch)
        c.f3 = isa::kRead;
        c.f7 = chance(0.5) ? 0 : chance(0.6) ? 2 : isa::kReadEw;
        c.in0 = u32();
        c.in1 = u32();
        break;
      case 7:  // WAIT
        c.f3 = isa::kWait;
        break;
      case 8:  // STATUS
        c.f3 = isa::kCfg;
        c.f7 = 2;
        break;
      case 9:  // ID
        c.f3 = isa::kCfg;
        c.f7 = 1;
        break;
      case 14: {  // the weight store: W_SEEK or W_BASE, mostly valid
        c.f3 = isa::kCfg;
        const int w = p_.w_lines;
        // W_SEEK takes a line at a multiple of 8 bytes.
        const int pitch = isa::line_pitch(p_.cols), per = pitch < 8 ? 8 / pitch : 1;
        auto line_near_end = [&]() { return std::max(0, w - uni(1, 40)); };
        if (chance(0.4)) {
          c.f7 = isa::kCfgWSeek;
          int line;
          switch (pick({6, 2, 1, 1})) {
            case 0: line = uni(0, std::min(w, 24)); break;  // the lines passes mostly read
            case 1: line = chance(0.5) ? line_near_end() : uni(0, std::max(0, w - 1)); break;
            case 2: line = uni(w, w + 5); break;  // past the end: rejected
            default: line = -1; break;
          }
          if (line >= 0 && line < w) line = line / per * per;
          if (line >= 0 && per > 1 && chance(0.1)) line |= 1;  // not at a multiple of 8 bytes: rejected
          c.in0 = line >= 0 ? static_cast<uint32_t>(line) : u32();
          c.in1 = u32();
        } else {
          c.f7 = isa::kCfgWBase;
          const bool on = chance(0.75);
          int base = 0;
          switch (pick({6, 2, 1, 1})) {
            case 0: base = uni(0, std::min(std::max(0, w - 1), 8)); break;
            case 1: base = line_near_end(); break;  // the START bounds reached
            case 2: base = uni(0, std::max(0, w - 1)); break;
            default: base = uni(w, w + 3); break;  // on: rejected
          }
          c.in0 = on || chance(0.5) ? static_cast<uint32_t>(base) : u32();
          if (on && chance(0.02)) c.in0 = u32() | 0x80000000u;  // rejected (all 32 bits compared)
          c.in1 = (u32() & ~1u) | (on ? 1u : 0u);
        }
        break;
      }
      case 16: {  // KEEP: the keep pointer and stride (the output keep)
        c.f3 = isa::kRead;
        c.f7 = isa::kReadKeep;
        const int a_pitch = isa::line_pitch(p_.rows);
        const int bank = p_.a_lines * a_pitch;
        uint32_t ptr;
        switch (pick({6, 2, 2, 1, 1})) {
          case 0: ptr = static_cast<uint32_t>(uni(0, std::min(bank, 16 * a_pitch))); break;  // lines passes read
          case 1: ptr = static_cast<uint32_t>(std::max(0, bank - uni(0, 40))); break;       // near the end
          case 2: ptr = static_cast<uint32_t>(bank + uni(0, 200)); break;                    // past it: dropped
          case 3: ptr = u32(); break;
          default: ptr = 0u - static_cast<uint32_t>(uni(1, 64)); break;  // wraps to the bank's start
        }
        uint32_t stride;
        switch (pick({2, 4, 2, 1, 1})) {
          case 0: stride = 0; break;  // off (bits 1:0 ignored: still off)
          case 1: stride = static_cast<uint32_t>(chance(0.5) ? a_pitch * uni(1, 3) : 4 * uni(1, 16)); break;
          case 2: stride = static_cast<uint32_t>(uni(0, 64)); break;
          case 3: stride = u32(); break;
          default: stride = 0u - static_cast<uint32_t>(a_pitch * uni(1, 2)); break;  // backwards
        }
        c.in0 = ptr | (u32() & 3);
        c.in1 = stride | (u32() & 3);
        break;
      }
      case 15:  // WRITE_W (held while a pass runs)
        c.f3 = isa::kWriteB;
        c.f7 = isa::kWriteW;
        c.in0 = u32();
        c.in1 = u32();
        break;
      case 10: {  // a funct7 that the command does not have
        static const int f3s[] = {isa::kCfg, isa::kWriteA, isa::kWriteB, isa::kStart, isa::kRead, isa::kWait, isa::kReset};
        c.f3 = f3s[uni(0, 6)];
        c.f7 = uni(c.f3 == isa::kCfg ? 6 : c.f3 == isa::kRead ? (keep_ ? 5 : 4) : 1, 127);
        c.in0 = u32();
        c.in1 = u32();
        break;
      }
      default:  // soft RESET (rare)
        c.f3 = chance(0.3) ? isa::kReset : isa::kWait;
        break;
    }
    if (c.f3 != isa::kParam && c.f3 != isa::kStart && c.f3 != isa::kRead && c.f3 != isa::kCfg &&
        c.f3 != isa::kWriteA && c.f3 != isa::kWriteB && chance(0.5)) {
      c.in0 = u32();  // operands that the command ignores
      c.in1 = u32();
    }
    return c;
  }

  sasim::CoreParams p_;
  std::mt19937 rng_, fill_rng_;
  int burst_kind_ = 0, burst_left_ = 0;
  uint64_t no_cfg_until_, issued_ = 0;
  bool keep_;
};

struct StressResult {
  uint64_t instructions = 0, cycles = 0, errors = 0, held_cycles = 0;
  // Coverage: commands an interlock held (answered later than their
  // latency), per funct3; soft RESETs; READ NEXT/RAW answers other than 0 and
  // 0xffffffff.
  uint64_t held_by_f3[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  uint64_t resets = 0, nonzero_next = 0, nonzero_raw = 0, nonzero_ew = 0, nonzero_read_ew = 0;
  uint64_t im2col_passes = 0, b_cols_passes = 0, hold_b_passes = 0, seq_starts = 0;  // accepted STARTs with the extension's flags
  // The weight store: WRITE_Ws an interlock held (not in held_by_f3), its
  // commands accepted, accepted B_COLS STARTs (SEQ tiles) loading from it,
  // and B_COLS STARTs with it on that were rejected.
  uint64_t held_write_w = 0, w_writes = 0, w_seeks = 0, w_bases_on = 0, w_passes = 0, w_seq = 0, w_rejected = 0;
  uint64_t rows_passes = 0, rows_seq = 0, rows_hold = 0, w_rows = 0;  // WS by rows (IM2COL without B_COLS)
  uint64_t a_fills_on = 0, a_writes_filled = 0;  // A_FILL leaving part of a line, WRITE_As under it
  // The output keep: KEEPs accepted (and with a stride, on), READ NEXTs
  // answered while it was on (their word written into the shadow A bank,
  // at a pointer inside the bank), and cycles a READ NEXT was not presented
  // because of the single-buffered A hazard (run_stress_on).
  uint64_t keeps = 0, keeps_on = 0, keep_nexts = 0, keep_nexts_in_bank = 0, keep_deferred = 0;
  bool lockstep_ok = true;
  Mismatch mismatch;
};

// A cycle-level CPU: each instruction is presented after a random gap that
// starts when the previous response is taken, or (sometimes) as soon as the
// previous command transferred, so that it waits with cmd_valid high while
// cmd_ready is low. rsp_ready is randomly low; while cmd_valid is low the
// payload inputs carry random values.
//
// One exception to "any stream": with A single-buffered and C double-
// buffered, a READ NEXT is not presented while the output keep is on and
// the array is busy (with C single-buffered READ waits for an idle array
// anyway). Its keep write would go to the A bank the running pass reads,
// and the model reads lane r of A line m at the edge of pass cycle
// L + m + r, after that edge's array step, while the RTL's RAM samples the
// whole line at the edge of cycle L + m - 1 (the skew registers delay the
// lanes): a write at an edge in between reaches the model's pass and not
// the RTL's (a directed run on 8x4_ws_asingle: kept lines written while
// the pass read them differed in 13 of 20 placements). The model leaves
// this case open: KEEP has no interlock, while WRITE_A to a single bank
// waits for an idle array. The array idle when a READ NEXT transfers stays
// idle until it executes: every START before it has executed, and no SEQ
// is running.
StressResult run_stress_on(const RtlConfig& cfg, RtlModel* rtl, uint32_t seed, uint64_t n_instructions) {
  sasim::CfuCore core(cfg.params);
  CycleLockStep ls(rtl, &core);
  CmdGen gen(cfg.params, seed);
  std::mt19937 rng(seed ^ 0x9e3779b9u);
  auto chance = [&](double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; };
  auto gap = [&]() {
    switch (std::discrete_distribution<int>({5, 4, 1})(rng)) {
      case 0: return 0;
      case 1: return std::uniform_int_distribution<int>(1, 6)(rng);
      default: return std::uniform_int_distribution<int>(7, 80)(rng);
    }
  };

  StressResult res;
  bool have_next = false, early = false, outstanding = false, answered = false;
  Cmd next, last;
  bool fill_on = false;   // the last accepted A_FILL leaves part of each A line unwritten (RESET: off)
  bool store_on = false;  // the last accepted W_BASE turned the store on (RESET: off)
  bool keep_on_at_transfer = false, keep_in_bank_at_transfer = false;
  const uint64_t a_bank_bytes = static_cast<uint64_t>(cfg.params.a_lines) * isa::line_pitch(cfg.params.rows);
  uint64_t transfer_cycle = 0;
  int gap_left = 0;
  const double p_not_ready = 0.25;
  while (res.instructions < n_instructions || outstanding || have_next) {
    if (!have_next && res.instructions < n_instructions) {
      next = gen.next();
      have_next = true;
      early = chance(0.2);
      gap_left = gap();
    }
    BusIn in;
    in.rsp_ready = !chance(p_not_ready);
    const bool keep_hazard = have_next && !cfg.params.a_double && cfg.params.c_double && core.keep_stride() != 0 &&
                             next.f3 == isa::kRead && next.f7 == 0 && core.array().busy();
    const bool may_present = have_next && gap_left == 0 && (early || !outstanding) && !keep_hazard;
    if (keep_hazard && gap_left == 0 && (early || !outstanding)) ++res.keep_deferred;
    if (may_present) {
      in.cmd_valid = true;
      in.function_id = static_cast<uint32_t>(next.f3) | static_cast<uint32_t>(next.f7) << 3;
      in.inputs_0 = next.in0;
      in.inputs_1 = next.in1;
    } else {
      in.cmd_valid = false;
      in.function_id = static_cast<uint32_t>(rng()) & 0x3ff;
      in.inputs_0 = static_cast<uint32_t>(rng());
      in.inputs_1 = static_cast<uint32_t>(rng());
    }
    const BusOut out = ls.outputs();
    if (out.rsp_valid && outstanding && !answered) {  // first cycle of the response
      answered = true;
      const bool read = last.f3 == isa::kRead && (last.f7 == 0 || last.f7 == 2);
      const bool ok = out.rsp_payload != isa::kErrorResponse;
      const bool write_w = last.f3 == isa::kWriteB && last.f7 == static_cast<int>(isa::kWriteW);
      if (ls.cycles() - transfer_cycle > (read && ok ? 2u : 1u)) ++(write_w ? res.held_write_w : res.held_by_f3[last.f3]);
      if (write_w && ok) ++res.w_writes;
      if (last.f3 == isa::kCfg && last.f7 == isa::kCfgWSeek && ok) ++res.w_seeks;
      if (last.f3 == isa::kCfg && last.f7 == isa::kCfgWBase && ok) {
        store_on = last.in1 & 1;
        if (store_on) ++res.w_bases_on;
      }
      if (last.f3 == isa::kReset && last.f7 == 0) store_on = false;
      // A_FILL: on while it leaves part of each A line unwritten.
      if (last.f3 == isa::kCfg && last.f7 == isa::kCfgAFill && ok) {
        fill_on = last.in0 > 0 && static_cast<int>(last.in0) < sasim_isa::line_pitch(cfg.params.rows) / 8;
        if (fill_on) ++res.a_fills_on;
      }
      if (last.f3 == isa::kReset && last.f7 == 0) fill_on = false;
      if (last.f3 == isa::kWriteA && last.f7 == 0 && ok && fill_on) ++res.a_writes_filled;
      // (B_COLS passes, WS passes by rows and OS tiles: IM2COL without
      // B_COLS; all load the store)
      if (last.f3 == isa::kStart && last.f7 == 0 && store_on &&
          ((last.in1 >> 8) & (isa::kFlagBCols | isa::kFlagIm2col))) {
        if (!ok) ++res.w_rejected;
        else if ((last.in1 >> 8) & isa::kFlagSeq) ++res.w_seq;
        else ++res.w_passes;
        if (ok && cfg.params.dataflow != kOs && !((last.in1 >> 8) & isa::kFlagBCols)) ++res.w_rows;
      }
      if (read && ok && out.rsp_payload != 0) ++(last.f7 == 0 ? res.nonzero_next : res.nonzero_raw);
      if (last.f3 == isa::kRead && last.f7 == static_cast<int>(isa::kReadKeep) && ok) {
        ++res.keeps;
        if (last.in1 >> 2) ++res.keeps_on;
      }
      if (read && ok && last.f7 == 0 && keep_on_at_transfer) {
        ++res.keep_nexts;
        if (keep_in_bank_at_transfer) ++res.keep_nexts_in_bank;
      }
      if (last.f3 == isa::kReset && last.f7 == 0) ++res.resets;
      if (last.f3 == isa::kCfg && last.f7 == isa::kCfgEwOp && ok && out.rsp_payload != 0) ++res.nonzero_ew;
      if (last.f3 == isa::kRead && last.f7 == isa::kReadEw && ok && out.rsp_payload != 0) ++res.nonzero_read_ew;
      if (last.f3 == isa::kStart && out.rsp_payload == 0) {
        if ((last.in1 >> 8) & isa::kFlagIm2col) ++res.im2col_passes;
        if ((last.in1 >> 8) & isa::kFlagBCols) ++res.b_cols_passes;
        const uint32_t fl = (last.in1 >> 8) & (isa::kFlagIm2col | isa::kFlagBCols);
        if (cfg.params.dataflow != kOs && fl == isa::kFlagIm2col) {
          ++res.rows_passes;
          if ((last.in1 >> 8) & isa::kFlagSeq) ++res.rows_seq;
          if ((last.in1 >> 8) & isa::kFlagHoldB) ++res.rows_hold;
        }
        if ((last.in1 >> 8) & isa::kFlagHoldB) ++res.hold_b_passes;
        if ((last.in1 >> 8) & isa::kFlagSeq) ++res.seq_starts;
      }
    }
    if (out.rsp_valid && in.rsp_ready) {
      outstanding = false;
      if (out.rsp_payload == isa::kErrorResponse) ++res.errors;
    }
    if (may_present) {
      if (out.cmd_ready) {
        outstanding = true;
        answered = false;
        have_next = false;
        last = next;
        transfer_cycle = ls.cycles();  // transfer at the edge ending this cycle
        keep_on_at_transfer = core.keep_stride() != 0;
        keep_in_bank_at_transfer = core.keep_ptr() < a_bank_bytes;
        ++res.instructions;
      } else {
        ++res.held_cycles;
      }
    } else if (have_next && gap_left > 0 && (early || !outstanding)) {
      --gap_left;
    }
    if (!ls.cycle(in)) break;
  }
  res.cycles = ls.cycles();
  res.lockstep_ok = !ls.failed();
  res.mismatch = ls.mismatch();
  return res;
}

StressResult run_stress(const RtlConfig& cfg, uint32_t seed, uint64_t n_instructions) {
  std::unique_ptr<RtlModel> rtl = cfg.make();
  return run_stress_on(cfg, rtl.get(), seed, n_instructions);
}

void check_stress(const std::vector<std::string>& configs, uint64_t per_config, uint32_t seed) {
  uint64_t total_i = 0, total_c = 0;
  for (const auto& name : configs) {
    const RtlConfig& cfg = config_named(name);
    const auto t0 = std::chrono::steady_clock::now();
    const StressResult r = run_stress(cfg, seed, per_config);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("  stress %-15s seed %u: %llu instructions, %llu cycles, %llu error responses, %llu cycles "
                "presented while not ready, %.2f s\n",
                cfg.name.c_str(), seed, static_cast<unsigned long long>(r.instructions),
                static_cast<unsigned long long>(r.cycles), static_cast<unsigned long long>(r.errors),
                static_cast<unsigned long long>(r.held_cycles), s);
    std::fflush(stdout);
    std::printf("    held by an interlock: START %llu, READ %llu, WRITE_A %llu, WRITE_B %llu, WAIT %llu; "
                "soft RESETs %llu; non-zero NEXT %llu, RAW %llu\n",
                static_cast<unsigned long long>(r.held_by_f3[isa::kStart]),
                static_cast<unsigned long long>(r.held_by_f3[isa::kRead]),
                static_cast<unsigned long long>(r.held_by_f3[isa::kWriteA]),
                static_cast<unsigned long long>(r.held_by_f3[isa::kWriteB]),
                static_cast<unsigned long long>(r.held_by_f3[isa::kWait]),
                static_cast<unsigned long long>(r.resets), static_cast<unsigned long long>(r.nonzero_next),
                static_cast<unsigned long long>(r.nonzero_raw));
    std::fflush(stdout);
    INFO(cfg.name << " seed " << seed);
    if (!r.lockstep_ok) FAIL_CHECK("lock-step mismatch: " << r.mismatch.str());
    CHECK(r.instructions == per_config);
    // The stream reaches the interlocks and real data.
    CHECK(r.held_by_f3[isa::kStart] > 0);
    CHECK(r.held_by_f3[isa::kRead] > 0);
    CHECK(r.held_by_f3[isa::kWait] > 0);
    if (!cfg.params.a_double) CHECK(r.held_by_f3[isa::kWriteA] > 0);
    if (!cfg.params.b_double) CHECK(r.held_by_f3[isa::kWriteB] > 0);
    if (cfg.params.a_double) CHECK(r.held_by_f3[isa::kWriteA] == 0);
    if (cfg.params.b_double) CHECK(r.held_by_f3[isa::kWriteB] == 0);
    CHECK(r.resets > 0);
    CHECK(r.nonzero_next > 100);
    CHECK(r.nonzero_raw > 50);
    std::printf("    elementwise extension: %llu EW_OP and %llu READ_EW results other than 0\n",
                static_cast<unsigned long long>(r.nonzero_ew), static_cast<unsigned long long>(r.nonzero_read_ew));
    if (cfg.params.eltwise) CHECK(r.nonzero_ew > 200);
    else CHECK(r.nonzero_ew == 0);
    // READ_EW (the readback through the unit) needs the prefetch too.
    if (cfg.params.eltwise && cfg.params.prefetch) CHECK(r.nonzero_read_ew > 10);
    else CHECK(r.nonzero_read_ew == 0);
    std::printf("    im2col extension: %llu IM2COL passes, %llu B_COLS passes, %llu HOLD_B passes, %llu SEQ tiles; "
                "by rows %llu (%llu SEQ, %llu HOLD_B, %llu from the store)\n",
                static_cast<unsigned long long>(r.im2col_passes), static_cast<unsigned long long>(r.b_cols_passes),
                static_cast<unsigned long long>(r.hold_b_passes), static_cast<unsigned long long>(r.seq_starts),
                static_cast<unsigned long long>(r.rows_passes), static_cast<unsigned long long>(r.rows_seq),
                static_cast<unsigned long long>(r.rows_hold), static_cast<unsigned long long>(r.w_rows));
    std::printf("    weight store: %llu WRITE_W (%llu held), %llu W_SEEK, %llu W_BASE on; from the store %llu B_COLS "
                "passes, %llu SEQ tiles, %llu rejected\n",
                static_cast<unsigned long long>(r.w_writes), static_cast<unsigned long long>(r.held_write_w),
                static_cast<unsigned long long>(r.w_seeks), static_cast<unsigned long long>(r.w_bases_on),
                static_cast<unsigned long long>(r.w_passes), static_cast<unsigned long long>(r.w_seq),
                static_cast<unsigned long long>(r.w_rejected));
    if (cfg.params.w_lines > 0) {
      CHECK(r.w_writes > 500);
      CHECK(r.held_write_w > (cfg.params.dataflow == kOs ? 5u : 10u));  // (os: shorter passes)
      CHECK(r.w_seeks > 50);
      CHECK(r.w_bases_on > 50);
      if (cfg.params.dataflow == kOs) {  // tiles from the store
        CHECK(r.w_passes > 25);
        CHECK(r.w_rejected > 20);
      } else if (cfg.params.rows <= cfg.params.cols) {
        CHECK(r.w_passes > 25);
        CHECK(r.w_seq > 5);
        CHECK(r.w_rejected > 20);
      }
    } else {
      CHECK(r.w_writes + r.held_write_w + r.w_seeks + r.w_bases_on == 0);
    }
    std::printf("    A_FILL: %llu leaving part of a line, %llu WRITE_A under one\n",
                static_cast<unsigned long long>(r.a_fills_on), static_cast<unsigned long long>(r.a_writes_filled));
    if (cfg.params.im2col && sasim_isa::line_pitch(cfg.params.rows) > 8) {
      CHECK(r.a_fills_on > 10);
      CHECK(r.a_writes_filled > 50);
    } else {
      CHECK(r.a_fills_on == 0);
    }
    std::printf("    output keep: %llu KEEP (%llu on), %llu READ NEXT keeping (%llu at a pointer in the bank), "
                "%llu cycles a READ NEXT waited for the single A bank\n",
                static_cast<unsigned long long>(r.keeps), static_cast<unsigned long long>(r.keeps_on),
                static_cast<unsigned long long>(r.keep_nexts), static_cast<unsigned long long>(r.keep_nexts_in_bank),
                static_cast<unsigned long long>(r.keep_deferred));
    if (isa::has_keep(cfg.params.im2col, cfg.params.prefetch, cfg.params.rows)) {
      CHECK(r.keeps > per_config / 100);
      CHECK(r.keeps_on > r.keeps / 2);
      CHECK(r.keep_nexts > per_config / (cfg.params.c_lines < 8 ? 200 : 100));  // (4 C lines: most READs past them)
      CHECK(r.keep_nexts_in_bank > per_config / 400);
      if (!cfg.params.a_double && cfg.params.c_double) CHECK(r.keep_deferred > 0);
      else CHECK(r.keep_deferred == 0);
    } else {
      CHECK(r.keeps + r.keep_nexts + r.keep_deferred == 0);
    }
    if (cfg.params.im2col) {
      CHECK(r.im2col_passes > 50);
      // A B bank of fewer lines than columns rejects most B_COLS passes.
      const uint64_t div = cfg.params.b_lines < cfg.params.cols ? 3 : 1;
      if (cfg.params.dataflow == kOs) {  // the tile form; B_COLS, HOLD_B and SEQ are ws only
        CHECK(r.b_cols_passes + r.hold_b_passes + r.seq_starts == 0);
      } else if (cfg.params.rows <= cfg.params.cols) {
        CHECK(r.b_cols_passes > 100 / div);
        CHECK(r.hold_b_passes > 30 / div);
        CHECK(r.seq_starts > 20 / div);
      }
      if (cfg.params.dataflow != kOs) {  // by rows, every shape
        CHECK(r.rows_passes > 40);
        CHECK(r.rows_seq > 0);  // (a small B bank rejects most sequences: P x rows lines)
        CHECK(r.rows_hold > 5);
        if (cfg.params.w_lines > 0) CHECK(r.w_rows > 5);
      }
    } else {
      CHECK(r.im2col_passes + r.b_cols_passes + r.hold_b_passes + r.seq_starts == 0);
    }
    total_i += r.instructions;
    total_c += r.cycles;
    ++seed;
  }
  std::printf("stress: %llu instructions, %llu cycles\n", static_cast<unsigned long long>(total_i),
              static_cast<unsigned long long>(total_c));
}

}  // namespace

TEST_CASE("rtl stress ws: random command streams, gaps and back-pressure in lock step", "[rtl][stress]") {
  check_stress({"4x4_ws", "8x8_ws", "2x3_ws", "12x10_ws_small", "3x10_ws_small"}, 40000, 1001);
}

TEST_CASE("rtl stress ws, output keep: A single-buffered beside C double-buffered; ws without the keep",
          "[rtl][stress][keep]") {
  check_stress({"8x4_ws_asingle", "17x3_ws_small", "4x4_ws_noprefetch"}, 40000, 4001);
}

TEST_CASE("rtl stress ws, weight store: longer streams on the configurations that read it", "[rtl][stress][store]") {
  // The store's START bounds (a store of 13 lines), its lines of two RAM
  // parts, and the default stores of 12288 and 24576 lines.
  check_stress({"3x10_ws_small", "8x8_ws", "2x3_ws"}, 150000, 3001);
}

TEST_CASE("rtl stress os: random command streams, gaps and back-pressure in lock step", "[rtl][stress]") {
  check_stress({"4x4_os", "8x8_os", "3x2_os", "5x9_os_small"}, 40000, 2001);
}

TEST_CASE("harness: the cycle-level lock step catches a fault at its cycle", "[rtl][harness]") {
  const RtlConfig& cfg = config_named("4x4_os");
  for (const uint64_t at : {uint64_t{0}, uint64_t{1}, uint64_t{4321}}) {
    INFO("cmd_ready flipped in cycle " << at);
    FaultyRtl faulty(cfg.make(), at, FaultyRtl::kFlipCmdReady);
    const StressResult r = run_stress_on(cfg, &faulty, 7, 2000);
    REQUIRE_FALSE(r.lockstep_ok);
    CHECK(r.mismatch.cycle == at);
    CHECK(r.mismatch.signal == "cmd_ready");
  }
  // Without the fault the same stream agrees.
  std::unique_ptr<RtlModel> rtl = cfg.make();
  CHECK(run_stress_on(cfg, rtl.get(), 7, 2000).lockstep_ok);
}

// ------------------------------------------------------------ weight store ----

namespace {

// A store line's lane r, and an A line's lane r (small, so that sums stay readable).
int8_t w_value(int line, int r) { return static_cast<int8_t>((line * 37 + r * 11 + 5) % 23 - 11); }
int8_t a_value(int m, int r) { return static_cast<int8_t>((m * 13 + r * 7 + 3) % 19 - 9); }

// Raw commands on one configuration in lock step (LockstepHost: the host's
// gaps), with the model's expectations where the test knows them.
struct StoreBench {
  const RtlConfig& cfg;
  sasim::CfuCore core;
  std::unique_ptr<RtlModel> rtl;
  sasim::LockstepHost host;
  int pitch, a_pitch;

  explicit StoreBench(const RtlConfig& c)
      : cfg(c), core(c.params), rtl(c.make()), host(&core, rtl.get(), sasim::HostTiming{}),
        pitch(isa::line_pitch(c.params.cols)), a_pitch(isa::line_pitch(c.params.rows)) {
    rtl->reset();
  }

  uint32_t op(int f3, int f7, uint32_t a, uint32_t b) { return host.cfu_op(f3, f7, a, b); }
  // 8-byte WRITEs of `bytes` (zero-padded to a multiple of 8).
  void write(int f3, int f7, std::vector<uint8_t> bytes) {
    bytes.resize((bytes.size() + 7) / 8 * 8, 0);
    for (size_t i = 0; i < bytes.size(); i += 8) {
      uint32_t w[2] = {0, 0};
      for (int k = 0; k < 8; ++k) w[k / 4] |= static_cast<uint32_t>(bytes[i + k]) << (8 * (k % 4));
      CHECK(op(f3, f7, w[0], w[1]) == 0);
    }
  }
  // Store lines [first, first + n) with w_value (W_SEEK to `first`, which
  // must be at a multiple of 8 bytes; the last write may run past the end).
  void fill_store(int first, int n) {
    REQUIRE(op(isa::kCfg, isa::kCfgWSeek, static_cast<uint32_t>(first), 0) == 0);
    std::vector<uint8_t> bytes(static_cast<size_t>(n) * pitch, 0);
    for (int l = 0; l < n; ++l)
      for (int r = 0; r < cfg.params.cols; ++r) bytes[static_cast<size_t>(l) * pitch + r] = static_cast<uint8_t>(w_value(first + l, r));
    write(isa::kWriteB, isa::kWriteW, bytes);
  }
  void fill_a(int mt) {
    std::vector<uint8_t> bytes(static_cast<size_t>(mt) * a_pitch, 0);
    for (int m = 0; m < mt; ++m)
      for (int r = 0; r < cfg.params.rows; ++r) bytes[static_cast<size_t>(m) * a_pitch + r] = static_cast<uint8_t>(a_value(m, r));
    write(isa::kWriteA, 0, bytes);
  }
  // A lines 0 .. mt-1 in the A bank passes read (a plain pass swaps it in;
  // later passes keep it with KEEP_A).
  void prime_a(int mt) {
    fill_a(mt);
    CHECK(op(isa::kStart, 0, start_in0(mt, 1), start_in1(1, isa::kFlagClear, 0)) == 0);
  }
  static uint32_t start_in0(int mt, int kt) { return static_cast<uint32_t>(mt) | static_cast<uint32_t>(kt) << 16; }
  static uint32_t start_in1(int nt, uint32_t flags, int slot) {
    return static_cast<uint32_t>(nt) | flags << 8 | static_cast<uint32_t>(slot) << isa::kStartSlotShift;
  }
  // C bank 0 as READ RAW returns it, Mt lines of Nt lanes.
  std::vector<int32_t> read_c(int mt, int nt) {
    CHECK(op(isa::kRead, 1, 0, 0) == 0);
    std::vector<int32_t> v;
    for (int i = 0; i < mt * nt; ++i) v.push_back(static_cast<int32_t>(op(isa::kRead, 2, 0, 0)));
    return v;
  }
  // What a B_COLS pass computes from store lines base + slot + u x stride
  // (stride 0: the diagonal).
  std::vector<int32_t> expect(int mt, int kt, int nt, int line0, int stride) const {
    std::vector<int32_t> v;
    for (int m = 0; m < mt; ++m)
      for (int u = 0; u < nt; ++u) {
        int32_t s = 0;
        for (int r = 0; r < kt; ++r)
          if (stride != 0 || r == u) s += a_value(m, r) * w_value(line0 + u * stride, r);
        v.push_back(s);
      }
    return v;
  }
};

}  // namespace

TEST_CASE("rtl weight store: B_COLS passes from the store, its latching, bounds and rejections in lock step",
          "[rtl][store]") {
  for (const char* name : {"8x8_ws", "4x4_ws", "2x3_ws", "3x10_ws_small"}) {
    const RtlConfig& cfg = config_named(name);
    const sasim::CoreParams& p = cfg.params;
    const int W = p.w_lines, R = p.rows, C = p.cols;
    INFO(name << ": " << W << " store lines");
    REQUIRE(W > 0);
    REQUIRE(R <= C);
    StoreBench t(cfg);
    const int per = t.pitch < 8 ? 8 / t.pitch : 1;  // lines per 8 bytes
    const int low = std::min(W, 48) / per * per;   // lines written at the start
    const int high = std::max(low, (W - 16) / per * per);  // and the last ones
    t.fill_store(0, low);
    if (high < W) t.fill_store(high, W - high);
    auto stored = [&](int l) { return l < low || l >= high; };
    const int mt = std::min(6, std::min(p.a_lines, p.c_lines)), kt = R, nt = C;
    t.prime_a(mt);
    const uint32_t bcols = isa::kFlagClear | isa::kFlagBCols;
    for (const int stride : {1, 0, 3}) {
      INFO("B stride " << stride);
      REQUIRE(t.op(isa::kCfg, isa::kCfgIm2colPixel, 1, static_cast<uint32_t>(stride)) == 0);
      // From the store at a base, A kept: the pass's results.
      for (const int base : {0, 5, high}) {
        const int slot = base == high ? 0 : 2;
        const int last = base + slot + (nt - 1) * stride;
        if (last >= W || !stored(base + slot) || !stored(last)) continue;
        INFO("base " << base << " slot " << slot);
        CHECK(t.op(isa::kCfg, isa::kCfgWBase, static_cast<uint32_t>(base), 1) == 0);
        CHECK(t.op(isa::kStart, 0, t.start_in0(mt, kt), t.start_in1(nt, bcols | isa::kFlagKeepA, slot)) == 0);
        CHECK(t.read_c(mt, nt) == t.expect(mt, kt, nt, base + slot, stride));
      }
      // The base is latched at START: a W_BASE while the weights load does
      // not reach the pass (nor does turning the store off).
      if (1 + (nt - 1) * stride < low) {
        CHECK(t.op(isa::kCfg, isa::kCfgWBase, 1, 1) == 0);
        CHECK(t.op(isa::kStart, 0, t.start_in0(mt, kt), t.start_in1(nt, bcols | isa::kFlagKeepA, 0)) == 0);
        CHECK(t.op(isa::kCfg, isa::kCfgWBase, 3, 1) == 0);
        CHECK(t.op(isa::kCfg, isa::kCfgWBase, 0, 0) == 0);
        CHECK(t.read_c(mt, nt) == t.expect(mt, kt, nt, 1, stride));
      }
    }
    // The bounds: slot + (Nt - 1) x stride < W lines - base.
    REQUIRE(t.op(isa::kCfg, isa::kCfgIm2colPixel, 1, 1) == 0);
    for (const int base : {W - 1, W - nt, W - nt - 3, std::max(0, W - 200)}) {
      if (base < 0) continue;
      INFO("bound at base " << base);
      const int room = W - base;  // lines base .. W - 1
      const int slot_ok = room - nt;  // the last line read is W - 1
      CHECK(t.op(isa::kCfg, isa::kCfgWBase, static_cast<uint32_t>(base), 1) == 0);
      if (slot_ok >= 0 && slot_ok <= 255) {
        CHECK(t.op(isa::kStart, 0, t.start_in0(mt, kt), t.start_in1(nt, bcols | isa::kFlagKeepA, slot_ok)) == 0);
        if (stored(base + slot_ok)) CHECK(t.read_c(mt, nt) == t.expect(mt, kt, nt, base + slot_ok, 1));
      }
      if (slot_ok + 1 >= 0 && slot_ok + 1 <= 255) {
        CHECK(t.op(isa::kStart, 0, t.start_in0(mt, kt), t.start_in1(nt, bcols | isa::kFlagKeepA, slot_ok + 1)) ==
              isa::kErrorResponse);
      }
      // Nt = 1 at the last line.
      if (room - 1 <= 255)
        CHECK(t.op(isa::kStart, 0, t.start_in0(mt, kt), t.start_in1(1, bcols | isa::kFlagKeepA, room - 1)) == 0);
    }
    // Rejected: W_BASE on at W lines or above (all 32 bits), W_SEEK past the
    // end or not at a multiple of 8 bytes; accepted: W_BASE off at anything.
    CHECK(t.op(isa::kCfg, isa::kCfgWBase, static_cast<uint32_t>(W), 1) == isa::kErrorResponse);
    CHECK(t.op(isa::kCfg, isa::kCfgWBase, 0x80000000u, 3) == isa::kErrorResponse);
    CHECK(t.op(isa::kCfg, isa::kCfgWBase, 0xffffffffu, 2) == 0);
    CHECK(t.op(isa::kCfg, isa::kCfgWSeek, static_cast<uint32_t>(W), 0) == isa::kErrorResponse);
    CHECK(t.op(isa::kCfg, isa::kCfgWSeek, 0x80000000u, 0) == isa::kErrorResponse);
    if (per > 1) CHECK(t.op(isa::kCfg, isa::kCfgWSeek, 1, 0) == isa::kErrorResponse);
    CHECK(t.op(isa::kCfg, isa::kCfgWSeek, static_cast<uint32_t>((W - 1) / per * per), 0) == 0);
    CHECK(t.op(isa::kWriteB, 2, 0, 0) == isa::kErrorResponse);  // WRITE_B with funct7 2: unknown
    // A WRITE_W waits for the pass; W_SEEK and W_BASE do not.
    t.fill_a(std::min(p.a_lines, p.c_lines));
    CHECK(t.op(isa::kStart, 0, t.start_in0(std::min(p.a_lines, p.c_lines), kt), t.start_in1(nt, isa::kFlagClear, 0)) == 0);
    CHECK(t.op(isa::kCfg, isa::kCfgWSeek, 0, 0) == 0);
    CHECK(t.op(isa::kCfg, isa::kCfgWBase, 0, 1) == 0);
    const uint64_t c0 = t.host.cycles();
    t.fill_store(0, low);  // rewrites the same values
    CHECK(t.host.cycles() - c0 > static_cast<uint64_t>(std::min(p.a_lines, p.c_lines)));
    // RESET: the store off, its pointer 0, its contents kept.
    CHECK(t.op(isa::kReset, 0, 0, 0) == 0);
    t.prime_a(mt);
    REQUIRE(t.op(isa::kCfg, isa::kCfgIm2colPixel, 1, 1) == 0);
    CHECK(t.op(isa::kCfg, isa::kCfgWBase, 2, 1) == 0);
    CHECK(t.op(isa::kStart, 0, t.start_in0(mt, kt), t.start_in1(nt, bcols | isa::kFlagKeepA, 0)) == 0);
    CHECK(t.read_c(mt, nt) == t.expect(mt, kt, nt, 2, 1));
    CHECK(t.op(isa::kReset, 0, 0, 0) == 0);
    // The pointer after RESET is line 0: new values there.
    std::vector<uint8_t> line0(static_cast<size_t>(t.pitch), 0);
    for (int r = 0; r < C; ++r) line0[static_cast<size_t>(r)] = static_cast<uint8_t>(r + 1);
    t.write(isa::kWriteB, isa::kWriteW, line0);  // (pitch < 8: line 1 too, zero)
    t.prime_a(mt);
    REQUIRE(t.op(isa::kCfg, isa::kCfgIm2colPixel, 1, 0) == 0);  // the diagonal
    CHECK(t.op(isa::kCfg, isa::kCfgWBase, 0, 1) == 0);
    CHECK(t.op(isa::kStart, 0, t.start_in0(mt, kt), t.start_in1(nt, bcols | isa::kFlagKeepA, 0)) == 0);
    std::vector<int32_t> want;
    for (int m = 0; m < mt; ++m)
      for (int u = 0; u < nt; ++u) want.push_back(u < kt ? a_value(m, u) * (u + 1) : 0);
    CHECK(t.read_c(mt, nt) == want);
    if (t.host.mismatch().found) FAIL_CHECK("lock-step mismatch: " << t.host.mismatch().str());
    CHECK_FALSE(t.core.error());  // nothing rejected since the RESET
  }
}

TEST_CASE("rtl weight store: conv and depthwise layers with their weights stored once, bit-exact in lock step",
          "[rtl][store][vectors]") {
  for (const char* name : {"8x8_ws", "4x4_ws"}) {
    const RtlConfig& cfg = config_named(name);
    const sasim_drv::HwDesc hd = sasim::hw_desc_from(cfg.params);
    REQUIRE(hd.w_lines == cfg.params.w_lines);
    // The layers whose SEQ tiles would load from the store, up to 3 convs
    // and 3 depthwise; their prepared weights one after the other.
    struct Layer {
      sasim::LayerCase c;
      std::vector<int8_t> out;
      std::vector<int32_t> folded, blob;
      sasim_drv::LayerDesc l;
      int lines = 0;
    };
    std::vector<std::unique_ptr<Layer>> layers;
    int convs = 0, dws = 0, next_line = 0;
    for (const auto& dir : sasim_test::vector_cases()) {
      auto L = std::make_unique<Layer>();
      L->c = sasim::load_case(dir);
      const bool dw = L->c.spec.op == sasim::OpKind::kDepthwiseConv2d;
      if (L->c.spec.op == sasim::OpKind::kFullyConnected || (dw ? dws : convs) >= 3) continue;
      L->out.assign(L->c.data.output.size(), 0);
      L->l = sasim::layer_desc_from(L->c.spec, L->c.data, L->out.data());
      L->folded.resize(static_cast<size_t>(L->l.out_c));
      sasim_drv::fold_biases(L->l, L->folded.data());
      L->l.folded_bias = L->folded.data();
      const int bytes = sasim_drv::packed_weights_bytes(hd, L->l);
      if (bytes <= 0) continue;
      L->blob.resize(static_cast<size_t>(bytes + 3) / 4);
      sasim_drv::pack_weights(hd, L->l, reinterpret_cast<int8_t*>(L->blob.data()));
      L->l.packed_weights = reinterpret_cast<const int8_t*>(L->blob.data());
      L->lines = sasim_drv::store_lines(hd, L->l);
      if (L->lines == 0 || next_line + L->lines > hd.w_lines) continue;
      L->l.w_store = next_line + 1;
      next_line += L->lines;
      ++(dw ? dws : convs);
      layers.push_back(std::move(L));
    }
    INFO(name << ": " << convs << " conv and " << dws << " depthwise layers, " << next_line << " store lines");
    REQUIRE(convs >= 2);
    REQUIRE(dws >= 1);
    sasim::CfuCore core(cfg.params);
    std::unique_ptr<RtlModel> rtl = cfg.make();
    rtl->reset();
    sasim::LockstepHost host(&core, rtl.get(), sasim::HostTiming{});
    sasim::set_cfu_target(&host);
    // Stored once (as the exported bridge does at the first inference).
    for (const auto& L : layers) CHECK(sasim_drv::store_weights(hd, L->l, L->l.w_store - 1) == sasim_drv::kOk);
    // Run twice, the second time in reverse order after a RESET (which
    // keeps the store's contents).
    for (int round = 0; round < 2; ++round) {
      if (round == 1) CHECK(host.cfu_op(isa::kReset, 0, 0, 0) == 0);
      for (size_t i = 0; i < layers.size(); ++i) {
        Layer& L = *layers[round == 0 ? i : layers.size() - 1 - i];
        std::fill(L.out.begin(), L.out.end(), 0);
        host.set_layer(L.c.name);
        const uint64_t i0 = host.instructions(), c0 = host.cycles();
        const int rc = sasim_drv::run_layer(hd, L.l);
        INFO(L.c.name << " round " << round);
        if (host.mismatch().found) FAIL_CHECK("lock-step mismatch: " << host.mismatch().str());
        CHECK(rc == sasim_drv::kOk);
        CHECK_FALSE(core.error());
        CHECK(L.out == L.c.data.output);
        std::printf("  rtl %-7s %-34s from the store: %9llu cycles %8llu instr\n", name, L.c.name.c_str(),
                    static_cast<unsigned long long>(host.cycles() - c0),
                    static_cast<unsigned long long>(host.instructions() - i0));
      }
    }
    sasim::set_cfu_target(nullptr);
    // The same layers without the store send their weights: more instructions.
    for (const auto& L : layers) {
      sasim::CfuCore core2(cfg.params);
      sasim::PlainHost plain(&core2, sasim::HostTiming{});
      sasim::set_cfu_target(&plain);
      sasim_drv::LayerDesc l = L->l;
      l.w_store = 0;
      REQUIRE(sasim_drv::run_layer(hd, l) == sasim_drv::kOk);
      const uint64_t without = plain.instructions();
      sasim::CfuCore core3(cfg.params);
      sasim::PlainHost plain3(&core3, sasim::HostTiming{});
      sasim::set_cfu_target(&plain3);
      REQUIRE(sasim_drv::store_weights(hd, L->l, L->l.w_store - 1) == sasim_drv::kOk);
      const uint64_t stored = plain3.instructions();
      REQUIRE(sasim_drv::run_layer(hd, L->l) == sasim_drv::kOk);
      sasim::set_cfu_target(nullptr);
      INFO(L->c.name);
      CHECK(plain3.instructions() - stored < without);
    }
  }
}

// ------------------------------------------------------------ output keep ----

namespace {

bool keep_built(const sasim::CoreParams& p) { return isa::has_keep(p.im2col, p.prefetch, p.rows); }

// Raw commands on a configuration with the output keep, in lock step, with
// the test's own copy of the bank KEEP writes into (the shadow A bank; bank
// 0 when A is single-buffered) and of the read pointer and keep pointer,
// the bank read back through the array (IM2COL passes, the weights the
// identity, READ RAW). The lock step compares the model and the RTL on
// every response; the copy checks both against the command set.
struct KeepBench : StoreBench {
  static constexpr int kUnknown = 1000;
  const sasim::CoreParams& p;
  const int kt_max;  // the largest Kt of a plain pass: the A lanes any pass can read
  const int bank;    // bytes of an A bank
  std::vector<int> want;      // the shadow A bank (kUnknown: not written by the test)
  std::vector<int8_t> out;    // the tile's READ NEXT outputs: line m, lane c at m * cols + c
  std::set<int> touched;      // A lines a keep write reached, and their neighbours
  int mt = 0, nt = 0;
  int line = 0, lane = 0;     // the read pointer
  uint32_t k = 0, s = 0;      // the keep pointer and stride
  uint64_t kept_bytes = 0, compared = 0;  // bytes kept (in the bank); A lanes read back and compared
  bool swapped = false;
  std::string phase;          // the scenario, for the messages       // a pass has read the bank since fill_shadow (it is the active one)

  explicit KeepBench(const RtlConfig& c)
      : StoreBench(c), p(c.params), kt_max(std::min(c.params.rows, c.params.b_lines)),
        bank(c.params.a_lines * isa::line_pitch(c.params.rows)) {
    // The post-processing the identity plus a bias per column: REQUANT
    // x0.5 << 1, zero point 0, range -128 .. 127.
    CHECK(op(isa::kCfg, 0, 0x7f8000u, 0) == 0);
    CHECK(op(isa::kParam, 3, 1u << 30, 1u << 8) == 0);
    for (int c = 0; c < p.cols; ++c) CHECK(op(isa::kParam, 0, static_cast<uint32_t>(c), static_cast<uint32_t>(bias(c))) == 0);
  }
  static int bias(int c) { return 10 * c + 1; }
  static int8_t filler(int b) { return static_cast<int8_t>((b * 7 + 3) % 251 - 125); }
  // C value of tile line m, lane c: B is the identity on Kt = kt_max lanes.
  int c_value(int m, int c) const { return c < kt_max ? a_value(m, c) : 0; }

  // B lines 0 .. kt_max - 1 = the identity shifted by `off` lanes (line r,
  // lane c: 1 if r = c + off), into the bank the next START swaps in.
  void write_identity_b(int off) {
    std::vector<uint8_t> bytes(static_cast<size_t>(kt_max) * pitch, 0);
    for (int r = 0; r < kt_max; ++r)
      if (r - off >= 0 && r - off < p.cols) bytes[static_cast<size_t>(r) * pitch + (r - off)] = 1;
    write(isa::kWriteB, 0, bytes);
  }
  // A tile in C bank 0: Mt lines of Nt lanes, out = c_value + bias, the
  // read pointer at its start; the A write pointer must be 0 (after a
  // START without KEEP_A, or a RESET).
  void tile(int mt_, int nt_) {
    mt = mt_;
    nt = nt_;
    fill_a(mt);
    write_identity_b(0);
    CHECK(op(isa::kStart, 0, start_in0(mt, kt_max), start_in1(nt, isa::kFlagClear, 0)) == 0);
    out.assign(static_cast<size_t>(mt) * p.cols, 0);
    for (int m = 0; m < mt; ++m)
      for (int c = 0; c < nt; ++c) out[static_cast<size_t>(m) * p.cols + c] = static_cast<int8_t>(c_value(m, c) + bias(c));
    seek(0);
  }
  // The shadow A bank's first `n` bytes (rounded up to 8) := filler, after
  // tile() (the pointer at 0); the rest unknown.
  void fill_shadow(int n) {
    n = std::min(bank, (n + 7) / 8 * 8);
    want.assign(static_cast<size_t>(bank), kUnknown);
    std::vector<uint8_t> bytes(static_cast<size_t>(n));
    for (int b = 0; b < n; ++b) {
      want[static_cast<size_t>(b)] = filler(b);
      bytes[static_cast<size_t>(b)] = static_cast<uint8_t>(filler(b));
    }
    write(isa::kWriteA, 0, bytes);
    touched.clear();
    swapped = false;
  }

  void keep(uint32_t in0, uint32_t in1) {
    CHECK(op(isa::kRead, isa::kReadKeep, in0, in1) == 0);
    k = in0 & ~3u;
    s = in1 & ~3u;
  }
  void seek(int l) {
    CHECK(op(isa::kRead, 1, 0, static_cast<uint32_t>(l)) == 0);
    line = l;
    lane = 0;
  }
  void step(int by, bool keeping) {
    lane += by;
    if (lane >= nt) {
      lane = 0;
      ++line;
      if (keeping) k += s;
    }
  }
  // READ NEXT: the word, and (keep on) its bytes at k + (lane & ~3).
  void next() {
    uint32_t w = 0;
    for (int j = 0; j < 4; ++j)
      if (lane + j < nt) w |= static_cast<uint32_t>(static_cast<uint8_t>(out[static_cast<size_t>(line) * p.cols + lane + j])) << (8 * j);
    INFO(phase << ": READ NEXT at line " << line << ", lane " << lane);
    CHECK(op(isa::kRead, 0, 0, 0) == w);
    const bool keeping = s != 0;
    if (keeping) {
      const uint32_t at = k + (static_cast<uint32_t>(lane) & ~3u);
      for (uint32_t i = 0; i < 4; ++i) {
        if (at + i >= static_cast<uint32_t>(bank)) continue;
        const int b = static_cast<int>(at + i);
        want[static_cast<size_t>(b)] = static_cast<int8_t>((w >> (8 * i)) & 0xff);
        ++kept_bytes;
        const int l = b / a_pitch;
        for (int d = -1; d <= 1; ++d)
          if (l + d >= 0 && l + d < p.a_lines) touched.insert(l + d);
      }
    }
    step(4, keeping);
  }
  void raw() {
    CHECK(op(isa::kRead, 2, 0, 0) == static_cast<uint32_t>(c_value(line, lane)));
    step(1, false);
  }
  void read_ew() {
    CHECK(op(isa::kRead, isa::kReadEw, 0x01020304u, 0) != isa::kErrorResponse);
    step(4, false);
  }
  void next_all() {  // READ NEXT to the end of the tile
    while (line < mt) next();
  }

  // A lines [l0, l0 + n) of the shadow bank as passes read them, against
  // `want` where it is known (lanes < kt_max: no pass reads the others).
  // IM2COL passes over a row of A-lines pixels, one line per pixel, B the
  // identity at lane offset `off`; the first since fill_shadow swaps the
  // bank in.
  void check_lines(int l0, int n) {
    INFO(phase << ": A lines " << l0 << " .. " << l0 + n - 1);
    const uint32_t al = static_cast<uint32_t>(p.a_lines);
    REQUIRE(op(isa::kCfg, isa::kCfgIm2colGeom, al | 1u << 16, al | 1u << 16 | 1u << 24) == 0);
    REQUIRE(op(isa::kCfg, isa::kCfgIm2colPixel, 1u | 0x5au << 8, 0) == 0);
    for (int l = l0; l < l0 + n; l += p.c_lines) {
      const int cn = std::min(p.c_lines, l0 + n - l);
      for (int off = 0; off < kt_max; off += p.cols) {
        REQUIRE(op(isa::kCfg, isa::kCfgIm2colOrigin, static_cast<uint32_t>(l) << 16, 0) == 0);
        write_identity_b(off);
        const uint32_t flags = isa::kFlagClear | isa::kFlagIm2col | (swapped ? static_cast<uint32_t>(isa::kFlagKeepA) : 0u);
        REQUIRE(op(isa::kStart, 0, start_in0(cn, kt_max), start_in1(p.cols, flags, 0)) == 0);
        swapped = true;
        CHECK(op(isa::kRead, 1, 0, 0) == 0);
        for (int m = 0; m < cn; ++m)
          for (int c = 0; c < p.cols; ++c) {
            const int32_t got = static_cast<int32_t>(op(isa::kRead, 2, 0, 0));
            if (off + c >= kt_max) continue;
            const int w = want[static_cast<size_t>(l + m) * a_pitch + off + c];
            if (w == kUnknown) continue;
            INFO("A line " << l + m << " lane " << off + c);
            CHECK(got == w);
            ++compared;
          }
      }
    }
  }
  // Every line a keep write reached since fill_shadow, and its neighbours.
  void check_touched() {
    for (auto it = touched.begin(); it != touched.end();) {
      const int l0 = *it;
      int l1 = l0;
      while (++it != touched.end() && *it == l1 + 1) ++l1;
      check_lines(l0, l1 - l0 + 1);
    }
  }
  void check_lockstep() {
    if (host.mismatch().found) FAIL("lock-step mismatch: " << host.mismatch().str());
    CHECK_FALSE(core.error());
  }
};

std::vector<std::string> keep_configs() {
  return {"8x8_ws", "4x4_ws", "2x3_ws", "12x10_ws_small", "3x10_ws_small", "8x4_ws_asingle"};
}

// Nt = 8, 4, 6 where the array has the columns, and all of them.
std::vector<int> keep_nts(int cols) {
  std::vector<int> v;
  for (const int nt : {8, 4, 6, cols})
    if (nt <= cols && std::find(v.begin(), v.end(), nt) == v.end()) v.push_back(nt);
  return v;
}

}  // namespace

TEST_CASE("rtl output keep: built exactly where has_keep says; rejected as unknown elsewhere", "[rtl][keep]") {
  for (const char* name : {"17x3_ws_small", "4x4_ws_noprefetch"}) {
    const RtlConfig& cfg = config_named(name);
    INFO(name);
    REQUIRE_FALSE(keep_built(cfg.params));
    StoreBench t(cfg);
    CHECK(t.op(isa::kRead, isa::kReadKeep, 0, 4) == isa::kErrorResponse);
    CHECK((t.op(isa::kCfg, 2, 0, 0) & 2u) == 2u);  // STATUS: the error flag
    CHECK(t.op(isa::kReset, 0, 0, 0) == 0);
    CHECK(t.op(isa::kRead, isa::kReadKeep, 0xffffffffu, 0) == isa::kErrorResponse);  // off too
    CHECK(t.op(isa::kReset, 0, 0, 0) == 0);
    CHECK((t.op(isa::kCfg, 2, 0, 0) & 2u) == 0u);
    if (t.host.mismatch().found) FAIL("lock-step mismatch: " << t.host.mismatch().str());
  }
  std::vector<std::string> built = keep_configs();
  for (const char* os : {"4x4_os", "8x8_os", "3x2_os", "5x9_os_small"}) built.push_back(os);  // (the extension: os too)
  for (const std::string& name : built) {
    const RtlConfig& cfg = config_named(name);
    INFO(name);
    REQUIRE(keep_built(cfg.params));
    StoreBench t(cfg);
    CHECK(t.op(isa::kRead, isa::kReadKeep, 0xffffffffu, 0xffffffffu) == 0);  // anything: no check, no wait
    CHECK(t.op(isa::kRead, 5, 0, 0) == isa::kErrorResponse);  // the next funct7: unknown
    if (t.host.mismatch().found) FAIL("lock-step mismatch: " << t.host.mismatch().str());
  }
}

TEST_CASE("rtl output keep: a tile's readback into the shadow A bank across lines (Nt 8, 4, 6), read back by passes",
          "[rtl][keep]") {
  for (const std::string& name : keep_configs()) {
    const RtlConfig& cfg = config_named(name);
    for (const int nt : keep_nts(cfg.params.cols)) {
      INFO(name << " Nt " << nt);
      KeepBench t(cfg);
      const int words = (nt + 3) / 4;
      // Gaps of 4 bytes between the lines kept (the filler stays there),
      // the pointer one line and 4 bytes in; bits 1:0 ignored.
      const uint32_t ptr = static_cast<uint32_t>(t.a_pitch + 4) & ~3u, stride = static_cast<uint32_t>(4 * words + 4);
      const int mt = std::min({5, cfg.params.c_lines, cfg.params.a_lines, (t.bank - static_cast<int>(ptr)) / static_cast<int>(stride)});
      REQUIRE(ptr + mt * stride <= static_cast<uint32_t>(t.bank));
      t.phase = "gaps between lines";
      t.tile(mt, nt);
      t.fill_shadow(static_cast<int>(ptr + mt * stride) + 2 * t.a_pitch);
      t.keep(ptr | 1u, stride | 2u);
      t.seek(0);
      t.next_all();
      CHECK(t.k == ptr + mt * stride);
      CHECK(t.kept_bytes == static_cast<uint64_t>(mt) * 4 * words);
      t.check_touched();
      // Contiguous lines (stride = 4 x words), a tile's lines from line 2
      // on, kept from byte 0.
      t.phase = "contiguous from byte 0";
      t.tile(mt, nt);
      t.fill_shadow(mt * 4 * words + 2 * t.a_pitch);
      t.keep(0, static_cast<uint32_t>(4 * words));
      t.seek(2);
      t.next_all();
      t.check_touched();
      CHECK(t.compared > static_cast<uint64_t>(mt));
      t.check_lockstep();
    }
  }
}

TEST_CASE("rtl output keep: off (stride 0), RESET, SEEK, READ RAW and READ_EW, the bank's end and 32-bit wrap",
          "[rtl][keep]") {
  for (const std::string& name : keep_configs()) {
    const RtlConfig& cfg = config_named(name);
    const int nt = std::min(cfg.params.cols, 6);
    INFO(name << " Nt " << nt);
    KeepBench t(cfg);
    const int words = (nt + 3) / 4;
    const int mt = std::min(4, std::min(cfg.params.c_lines, cfg.params.a_lines));
    const uint32_t stride = static_cast<uint32_t>(4 * words + 8);
    const int span = mt * static_cast<int>(stride) + 4 * t.a_pitch;
    // Stride 0 (bits 1:0 ignored): off, nothing written.
    t.phase = "stride 0";
    t.tile(mt, nt);
    t.fill_shadow(span);
    t.keep(8, 0);
    t.next();
    t.keep(8, 3);
    t.next();
    t.next_all();
    CHECK(t.kept_bytes == 0);
    t.check_lines(0, std::min(cfg.params.a_lines, span / t.a_pitch + 1));
    // SEEK keeps the pointer and stride; READ RAW and READ_EW move the read
    // pointer (to the next line too) and neither write nor step the keep
    // pointer; a READ NEXT at a lane not a multiple of 4 writes at
    // k + (lane & ~3).
    t.tile(mt, nt);
    t.fill_shadow(span);
    t.phase = "SEEK, RAW, READ_EW";
    t.keep(4, stride);
    t.seek(1);
    t.raw();   // lane 1
    t.next();  // lanes 1 .. 4 at k + 0
    t.next_all();
    t.seek(0);
    t.read_ew();
    if (nt > 4) t.next();
    t.read_ew();
    t.next();
    t.raw();
    t.next();
    CHECK(t.kept_bytes > 0);
    t.check_touched();
    t.check_lockstep();
    // RESET turns it off.
    t.phase = "RESET";
    t.keep(4, stride);
    CHECK(t.op(isa::kReset, 0, 0, 0) == 0);
    t.k = t.s = 0;
    t.kept_bytes = 0;
    t.tile(mt, nt);
    t.fill_shadow(span);
    t.next_all();
    CHECK(t.kept_bytes == 0);
    t.check_lines(0, std::min(cfg.params.a_lines, span / t.a_pitch + 1));
    // The bank's end: the word at its last 4 bytes is kept, the ones past
    // it dropped; a pointer past 2^32 - 4 wraps (k + lane, k + stride
    // modulo 2^32) to the bank's start.
    t.phase = "the bank's end, 32-bit wrap";
    t.tile(mt, nt);
    t.fill_shadow(t.bank);
    t.keep(static_cast<uint32_t>(t.bank - 4), stride);
    t.next_all();
    t.seek(0);
    t.keep(0xfffffffcu, 8);
    t.next_all();  // line 0 at 2^32 - 4 (dropped) and 0 (lanes 4 ..), line 1 at 4, ...
    t.seek(0);
    t.keep(0u - static_cast<uint32_t>(t.a_pitch * 2), static_cast<uint32_t>(t.a_pitch));
    t.next_all();
    CHECK(t.kept_bytes > 0);
    t.check_touched();
    CHECK(t.compared > 100u);
    t.check_lockstep();
  }
}

// The driver's use of it (LayerDesc::keep_out, a_kept; tests/test_model.cc
// has the model-only version): random producer/consumer pairs, the
// producer's readback keeping its output in the shadow A bank, the consumer
// sending no input; both on the RTL in lock step, equal to the golden layers.
TEST_CASE("rtl output keep: the driver's chained layers (kept output, no input sent) in lock step, bit-exact",
          "[rtl][keep][vectors]") {
  std::mt19937 rng(20261208);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (const char* name : {"8x8_ws", "4x4_ws"}) {
    const RtlConfig& cfg = config_named(name);
    const sasim::CoreParams& p = cfg.params;
    const sasim_drv::HwDesc hd = sasim::hw_desc_from(p);
    REQUIRE(hd.keep);
    int chained = 0, kept_only = 0;
    for (int iter = 0; iter < 40; ++iter) {
      const int rows = p.rows;
      sasim_test::ChainPair cp = sasim_test::random_chain_pair(rows, 10, pick);
      REQUIRE(cp.valid);
      const int ih = cp.h, iw = cp.w, c0 = cp.c0;
      const bool dw0 = cp.dw0, dw1 = cp.dw1;
      const sasim::LayerSpec &s0 = cp.s0, &s1 = cp.s1;
      const sasim::LayerData &d0 = cp.d0, &d1 = cp.d1;
      const std::vector<int8_t> &y0 = cp.y0, &y1 = cp.y1;
      std::vector<int8_t> o0(y0.size()), o1(y1.size());
      sasim_drv::LayerDesc l0 = sasim::layer_desc_from(s0, d0, o0.data());
      sasim_drv::LayerDesc l1 = sasim::layer_desc_from(s1, d1, o1.data());
      l1.input = o0.data();
      if (!sasim_drv::keep_out_supported(hd, l0) || !sasim_drv::kept_in_supported(hd, l1)) continue;
      INFO(name << " iteration " << iter << ": " << ih << "x" << iw << "x" << c0 << (dw0 ? " dw" : " conv") << " -> "
                << (dw1 ? "dw" : "conv") << " " << s1.output_shape[3]);
      sasim::CfuCore core(p);
      std::unique_ptr<RtlModel> rtl = cfg.make();
      rtl->reset();
      sasim::LockstepHost host(&core, rtl.get(), sasim::HostTiming{});
      sasim::set_cfu_target(&host);
      // Something else in both A banks first: the kept words must overwrite
      // it (each START swaps them and rewinds the write pointer).
      for (int bank = 0; bank < 2; ++bank) {
        for (int i = 0; i < static_cast<int>(y0.size() + 7) / 8 + 2; ++i)
          host.cfu_op(isa::kWriteA, 0, static_cast<uint32_t>(rng()), static_cast<uint32_t>(rng()));
        host.cfu_op(isa::kStart, 0, 1 | 1u << 16, 1u | isa::kFlagClear << 8);
      }
      host.cfu_op(isa::kWait, 0, 0, 0);
      const bool only = pick(0, 1) == 1;
      l0.keep_out = only ? 2 : 1;
      l1.a_kept = 1;
      std::fill(o0.begin(), o0.end(), int8_t{0x5a});
      const int rc0 = sasim_drv::run_layer(hd, l0);
      const uint64_t cmds0 = host.instructions();
      std::fill(o1.begin(), o1.end(), int8_t{0});
      const int rc1 = sasim_drv::run_layer(hd, l1);
      const uint64_t cmds_kept = host.instructions() - cmds0;
      // The consumer with its input sent (the model alone): one WRITE_A per
      // 8 input bytes more.
      sasim::CfuCore core2(p);
      sasim::PlainHost plain(&core2, sasim::HostTiming{});
      sasim::set_cfu_target(&plain);
      sasim_drv::LayerDesc l1_sent = l1;
      l1_sent.a_kept = 0;
      l1_sent.input = d1.input.data();
      std::vector<int8_t> o1_sent(y1.size());
      l1_sent.output = o1_sent.data();
      const int rc1_sent = sasim_drv::run_layer(hd, l1_sent);
      sasim::set_cfu_target(nullptr);
      if (host.mismatch().found) FAIL("lock-step mismatch: " << host.mismatch().str());
      CHECK(rc0 == sasim_drv::kOk);
      CHECK(rc1 == sasim_drv::kOk);
      CHECK_FALSE(core.error());
      if (!only) CHECK(o0 == y0);
      CHECK(o1 == y1);
      CHECK(rc1_sent == sasim_drv::kOk);
      CHECK(o1_sent == y1);
      CHECK(plain.instructions() == cmds_kept + y0.size() / 8);
      ++chained;
      kept_only += only;
    }
    std::printf("  rtl %-7s output keep: %d chained pairs (%d kept only) bit-exact in lock step\n", name, chained,
                kept_only);
    INFO(name << ": chained " << chained << ", kept only " << kept_only);
    CHECK(chained >= 15);
    CHECK(kept_only >= 3);
  }
}

// Paired layers (driver.h run_pair; tests/test_model.cc has the model-only
// version): random expansion + consumer pairs, band by band, the
// expansion's rows kept in the shadow A bank and never stored; the RTL in
// lock step, the consumer equal to the golden layer.
TEST_CASE("rtl paired layers: the driver's expansion + consumer bands in lock step, bit-exact",
          "[rtl][pair][vectors]") {
  std::mt19937 rng(20261209);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (const char* name : {"8x8_ws", "4x4_ws"}) {
    const RtlConfig& cfg = config_named(name);
    const sasim::CoreParams& p = cfg.params;
    const sasim_drv::HwDesc hd = sasim::hw_desc_from(p);
    int paired = 0, overlapped = 0;
    for (int iter = 0; iter < 40; ++iter) {
      sasim_test::ChainPair cp = sasim_test::random_fed_pair(p.rows, 12, pick);
      REQUIRE(cp.valid);
      std::vector<int8_t> o0(cp.y0.size(), int8_t{0x5a}), o1(cp.y1.size());
      // Half of them with the consumer's output over the producer's input,
      // at the same offset (as TFLite Micro's plan puts MobileNetV2's
      // stride-2 pairs: a band order from the last band up, when safe).
      std::vector<int8_t> x(cp.d0.input.begin(), cp.d0.input.end());
      x.resize(std::max(x.size(), o1.size()));
      const bool over = pick(0, 1) == 1;
      int8_t* const z = over ? x.data() : o1.data();
      sasim_drv::LayerDesc l0 = sasim::layer_desc_from(cp.s0, cp.d0, o0.data());
      sasim_drv::LayerDesc l1 = sasim::layer_desc_from(cp.s1, cp.d1, z);
      l0.input = x.data();
      l1.input = o0.data();
      sasim_test::StoredPair sp;
      sasim_test::prepare_stored_pair(hd, &l0, &l1, &sp);
      if (!sp.fits) continue;
      const int line1 = sp.line1;
      if (!sasim_drv::pair_supported(hd, l0, l1)) continue;
      INFO(name << " iteration " << iter << ": " << cp.h << "x" << cp.w << "x" << cp.c0 << (cp.dw0 ? " -> dw " : " -> conv ") << l0.k_h << "x" << l0.k_w
                << " s" << l0.stride_h << " " << l0.out_c
                << " -> " << (cp.dw1 ? "dw " : "conv ") << l1.k_h << "x" << l1.k_w << " s" << l1.stride_h);
      sasim::CfuCore core(p);
      std::unique_ptr<RtlModel> rtl = cfg.make();
      rtl->reset();
      sasim::LockstepHost host(&core, rtl.get(), sasim::HostTiming{});
      sasim::set_cfu_target(&host);
      const bool stored = sasim_drv::store_weights(hd, l0, 0) == sasim_drv::kOk &&
                          sasim_drv::store_weights(hd, l1, line1) == sasim_drv::kOk;
      const int rc = sasim_drv::run_pair(hd, l0, l1);
      sasim::set_cfu_target(nullptr);
      if (host.mismatch().found) FAIL("lock-step mismatch: " << host.mismatch().str());
      CHECK(stored);
      CHECK(rc == sasim_drv::kOk);
      CHECK_FALSE(core.error());
      CHECK(std::equal(cp.y1.begin(), cp.y1.end(), z));
      CHECK(std::all_of(o0.begin(), o0.end(), [](int8_t v) { return v == 0x5a; }));
      ++paired;
      overlapped += over;
    }
    std::printf("  rtl %-7s paired layers: %d pairs (%d with the output over the input) bit-exact in lock step\n",
                name, paired, overlapped);
    CHECK(paired >= 12);
    CHECK(overlapped >= 4);
  }
}

// The OS tile form (docs/command-set.md, "START with IM2COL (OS)") command by
// command: random bands (padding at every border), IM2COL_SEQ shapes, tiles
// of one to several sub-passes, the first Kt / rows chunks, the slot, from
// the B bank or the weight store; each tile's C read back raw. The lock step
// compares every response and handshake of every cycle.
TEST_CASE("rtl os tile form: walker, chunks, sub-passes, padding, B and store in lock step", "[rtl][os]") {
  for (const char* name : {"4x4_os", "3x2_os", "8x8_os", "5x9_os_small"}) {
    const RtlConfig& cfg = config_named(name);
    const sasim::CoreParams& p = cfg.params;
    INFO(name);
    REQUIRE(p.im2col);
    std::unique_ptr<RtlModel> rtl = cfg.make();
    sasim::CfuCore core(p);
    rtl->reset();
    sasim::LockstepHost host(&core, rtl.get(), sasim::HostTiming{});
    std::mt19937 rng(20261207);
    auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    const int R = p.rows, apitch = isa::line_pitch(R), bpitch = isa::line_pitch(p.cols);
    auto write = [&](int f3, int f7, int bytes) {
      for (int i = 0; i < bytes; i += 8) host.cfu_op(f3, f7, static_cast<uint32_t>(rng()), static_cast<uint32_t>(rng()));
    };
    int tiles = 0;
    for (int it = 0; it < 60 && !host.mismatch().found; ++it) {
      const int lines = pick(1, 3), in_w = pick(1, 6);
      const int in_h = std::max(1, std::min(pick(1, 5), p.a_lines / (in_w * lines)));
      if (in_w * in_h * lines > p.a_lines) continue;
      const int out_w = pick(1, 5), sw = pick(1, 2), sh = pick(1, 2);
      const int kr = pick(1, 3), kc = pick(1, 3), kl = pick(1, lines);
      const int P = kr * kc * kl;
      const int b_lines = p.b_lines;
      const int chunks = pick(1, P);
      if (chunks * R > b_lines) continue;
      const int slot = pick(0, (b_lines - chunks * R) / R);
      const int j = pick(0, lines - std::min(chunks, kl));
      const int mt = pick(1, std::min(p.c_lines, 3 * R + 1)), nt = pick(1, p.cols);
      const bool store = p.w_lines > 0 && pick(0, 1) == 1 && chunks * R + slot * R <= p.w_lines;
      INFO("iteration " << it << ": band " << in_w << "x" << in_h << "x" << lines << " out_w " << out_w << " s " << sw
                        << "x" << sh << " seq " << kr << "x" << kc << "x" << kl << " chunks " << chunks << " slot "
                        << slot << " j " << j << " Mt " << mt << " Nt " << nt << (store ? " store" : " B"));
      write(isa::kWriteA, 0, p.a_lines * apitch);
      write(isa::kWriteB, 0, p.b_lines * bpitch);
      REQUIRE(host.cfu_op(isa::kCfg, isa::kCfgIm2colGeom, static_cast<uint32_t>(in_w | in_h << 16),
                          static_cast<uint32_t>(out_w | sw << 16 | sh << 24)) == 0);
      REQUIRE(host.cfu_op(isa::kCfg, isa::kCfgIm2colPixel, static_cast<uint32_t>(lines | (pick(0, 255) << 8)), 0) == 0);
      const int dy = pick(-1, 2), dx = pick(-1, 2);
      REQUIRE(host.cfu_op(isa::kCfg, isa::kCfgIm2colSeq, static_cast<uint32_t>(kr | kc << 8 | kl << 16),
                          (static_cast<uint32_t>(dy) & 0xffff) | static_cast<uint32_t>(dx) << 16) == 0);
      if (p.w_lines > 0) {
        if (store) {
          REQUIRE(host.cfu_op(isa::kCfg, isa::kCfgWSeek, 0, 0) == 0);
          write(isa::kWriteB, isa::kWriteW, std::min(p.w_lines, (slot + chunks) * R + 8) * bpitch);
        }
        REQUIRE(host.cfu_op(isa::kCfg, isa::kCfgWBase, 0, store ? 1 : 0) == 0);
      }
      const int ox = pick(0, out_w - 1), iy = pick(-2, in_h), ix = pick(-2, in_w), ix_row = pick(-2, 1);
      REQUIRE(host.cfu_op(isa::kCfg, isa::kCfgIm2colOrigin,
                          (static_cast<uint32_t>(iy) & 0xffff) | static_cast<uint32_t>(ix) << 16,
                          (static_cast<uint32_t>(ix_row) & 0xffff) | static_cast<uint32_t>(ox) << 16) == 0);
      const uint32_t flags = isa::kFlagClear | isa::kFlagIm2col;
      CHECK(host.cfu_op(isa::kStart, 0, static_cast<uint32_t>(mt | chunks * R << 16),
                        static_cast<uint32_t>(nt) | flags << 8 | static_cast<uint32_t>(j) << isa::kStartJShift |
                            static_cast<uint32_t>(slot) << isa::kStartSlotShift) == 0);
      host.cfu_op(isa::kWait, 0, 0, 0);
      host.cfu_op(isa::kRead, 1, 0, 0);
      for (int w = 0; w < mt * nt; ++w) host.cfu_op(isa::kRead, 2, 0, 0);
      CHECK_FALSE(core.error());
      INFO(host.mismatch().str());
      CHECK_FALSE(host.mismatch().found);
      ++tiles;
    }
    INFO(host.mismatch().str());
    CHECK_FALSE(host.mismatch().found);
    CHECK(tiles >= 30);
  }
}
