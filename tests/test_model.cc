// The cycle model without SystemC: the plain C++ core driven by the board's
// driver through PlainHost. Values: bit-exact on every shared vector case for
// several array shapes and both dataflows. Timing: exact pass cycle counts.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <set>

#include "model/core.h"
#include "model/core_params.h"
#include "cosim/lockstep.h"
#include "model/host.h"
#include "sasim/case_io.h"
#include "test_support.h"
#include "pair_support.h"
#include "sasim/cpu_ops.h"
#include "sasim/golden.h"

namespace {

using sasim_test::hw_of;
using sasim_test::vector_cases;

size_t run_case_plain(const sasim::HwConfig& hw, const sasim::LayerCase& c, uint64_t* cycles) {
  const sasim::CoreParams p = sasim::core_params_from(hw);
  sasim::CfuCore core(p);
  sasim::PlainHost host(&core, hw.host);
  sasim::set_cfu_target(&host);
  std::vector<int8_t> out(c.data.output.size(), 0);
  const sasim_drv::LayerDesc l = sasim::layer_desc_from(c.spec, c.data, out.data());
  REQUIRE(sasim_drv::run_layer(sasim::hw_desc_from(p), l) == sasim_drv::kOk);
  REQUIRE_FALSE(core.error());
  *cycles = core.counters().cycles;
  size_t diff = 0;
  for (size_t i = 0; i < out.size(); ++i) diff += out[i] != c.data.output[i];
  return diff;
}

}  // namespace

TEST_CASE("plain core: every vector case bit-exact on several shapes, ws and os", "[model][golden]") {
  const auto cases = vector_cases();
  REQUIRE(cases.size() >= 24);
  const int shapes[][2] = {{1, 1}, {2, 2}, {4, 4}, {3, 5}, {8, 8}, {16, 16}};
  for (const auto& dir : cases) {
    const sasim::LayerCase c = sasim::load_case(dir);
    for (const auto& rc : shapes)
      for (const char* df : {"ws", "os"}) {
        // 1x1 arrays take long on the big layers; they still cover every op.
        if (rc[0] == 1 && c.spec.macs() > 600000) continue;
        INFO(c.name << " on " << rc[0] << "x" << rc[1] << " " << df);
        uint64_t cycles = 0;
        CHECK(run_case_plain(hw_of(rc[0], rc[1], df), c, &cycles) == 0);
      }
  }
}

namespace {

// Drives the core's bus directly: one command, returns its response; counts
// nothing but the core's own cycles.
// Drives the core's bus with no CPU work between commands: PlainHost with
// every host cost at zero, plus a helper to stream bytes to WRITE_A/B.
sasim::HostTiming no_host_work() {
  sasim::HostTiming t;
  t.load_cycles = t.store_cycles = t.loop_overhead_cycles = 0;
  return t;
}

struct Bus {
  explicit Bus(sasim::CfuCore* c) : host(c, no_host_work()) {}
  sasim::PlainHost host;
  uint32_t op(int f3, int f7, uint32_t a, uint32_t b) { return host.cfu_op(f3, f7, a, b); }
  void write_bytes(int f3, const std::vector<int8_t>& bytes) {
    for (size_t i = 0; i < bytes.size(); i += 8) {
      uint32_t w[2] = {0, 0};
      for (size_t j = 0; j < 8 && i + j < bytes.size(); ++j)
        w[j / 4] |= static_cast<uint32_t>(static_cast<uint8_t>(bytes[i + j])) << (8 * (j % 4));
      op(f3, 0, w[0], w[1]);
    }
  }
};

struct TileCase {
  int rows, cols;
  const char* df;
  int mt, kt, nt;
};

}  // namespace

// A single pass: the array is busy for exactly T cycles after the edge at
// which START executes (still busy after T-1, idle after T), and the int32
// accumulators equal A x B.
TEST_CASE("timing: a single pass takes exactly the documented cycles", "[model][timing]") {
  const TileCase cases[] = {{4, 4, "ws", 4, 4, 4},  {4, 4, "os", 4, 4, 4},   {8, 8, "ws", 20, 8, 8},
                            {8, 8, "os", 8, 30, 8}, {3, 5, "ws", 7, 3, 5},   {3, 5, "os", 3, 9, 4},
                            {16, 16, "ws", 33, 16, 16}, {16, 16, "os", 16, 40, 13}, {1, 1, "ws", 5, 1, 1},
                            {1, 1, "os", 1, 5, 1},  {2, 7, "ws", 1, 2, 7},   {7, 2, "os", 5, 1, 2}};
  for (const auto& tc : cases) {
    INFO(tc.rows << "x" << tc.cols << " " << tc.df << " Mt=" << tc.mt << " Kt=" << tc.kt << " Nt=" << tc.nt);
    const sasim::CoreParams p = sasim::core_params_from(hw_of(tc.rows, tc.cols, tc.df));
    const bool ws = p.dataflow == sasim::Dataflow::kWeightStationary;
    sasim::CfuCore core(p);
    Bus bus(&core);
    // Operands: A[m][k] = (3m + k) % 11 - 5, B[k][n] = (2k - n) % 7.
    auto A = [](int m, int k) { return static_cast<int8_t>((3 * m + k) % 11 - 5); };
    auto B = [](int k, int n) { return static_cast<int8_t>((2 * k - n) % 7); };
    const int ap = sasim_isa::line_pitch(tc.rows), bp = sasim_isa::line_pitch(tc.cols);
    std::vector<int8_t> a, b;
    for (int line = 0; line < (ws ? tc.mt : tc.kt); ++line)
      for (int lane = 0; lane < ap; ++lane) {
        const int m = ws ? line : lane, k = ws ? lane : line;
        a.push_back((m < tc.mt && k < tc.kt) ? A(m, k) : 0);
      }
    for (int k = 0; k < tc.kt; ++k)
      for (int lane = 0; lane < bp; ++lane) b.push_back(lane < tc.nt ? B(k, lane) : 0);
    bus.write_bytes(sasim_isa::kWriteA, a);
    bus.write_bytes(sasim_isa::kWriteB, b);

    // Present START for one edge: the array is idle, so it executes there.
    sasim::BusIn start;
    start.cmd_valid = true;
    start.function_id = sasim_isa::kStart;
    start.inputs_0 = static_cast<uint32_t>(tc.mt) | static_cast<uint32_t>(tc.kt) << 16;
    start.inputs_1 = static_cast<uint32_t>(tc.nt) | static_cast<uint32_t>(sasim_isa::kFlagClear) << 8;
    REQUIRE(core.outputs().cmd_ready);
    REQUIRE_FALSE(core.array().busy());
    core.step(start);
    REQUIRE(core.array().busy());
    const uint32_t T = ws ? static_cast<uint32_t>(2 * tc.kt + tc.mt + tc.nt - 1)
                          : static_cast<uint32_t>(tc.kt + tc.mt + tc.nt - 1);
    REQUIRE(core.array().pass().cycles == T);
    sasim::BusIn idle;
    for (uint32_t i = 1; i < T; ++i) core.step(idle);
    CHECK(core.array().busy());  // cycle T-1 after START: not done
    core.step(idle);
    CHECK_FALSE(core.array().busy());  // cycle T: done

    // Accumulators equal A x B.
    bus.op(sasim_isa::kRead, 1, 0, 0);
    for (int m = 0; m < tc.mt; ++m)
      for (int n = 0; n < tc.nt; ++n) {
        int32_t want = 0;
        for (int k = 0; k < tc.kt; ++k) want += A(m, k) * B(k, n);
        INFO("C[" << m << "][" << n << "]");
        CHECK(static_cast<int32_t>(bus.op(sasim_isa::kRead, 2, 0, 0)) == want);
      }
    CHECK_FALSE(core.error());
  }
}

TEST_CASE("timing: keep_b skips the WS weight load; back-to-back passes have no bubble", "[model][timing]") {
  const sasim::CoreParams p = sasim::core_params_from(hw_of(4, 4, "ws"));
  sasim::CfuCore core(p);
  Bus bus(&core);
  bus.write_bytes(sasim_isa::kWriteA, std::vector<int8_t>(4 * 6, 1));
  bus.write_bytes(sasim_isa::kWriteB, std::vector<int8_t>(4 * 4, 2));
  const uint32_t mt = 6, kt = 4, nt = 4;
  bus.op(sasim_isa::kStart, 0, mt | kt << 16, nt | (sasim_isa::kFlagClear << 8));
  // A second pass reusing the weights, accepted while the first runs: it
  // executes in the first pass's last cycle and starts right after it.
  bus.write_bytes(sasim_isa::kWriteA, std::vector<int8_t>(4 * 6, 3));
  const uint64_t before = core.counters().cycles;
  const uint32_t first_remaining = core.array().pass().cycles - core.array().cycle();
  bus.op(sasim_isa::kStart, 0, mt | kt << 16,
         nt | ((sasim_isa::kFlagClear | sasim_isa::kFlagCBank | sasim_isa::kFlagKeepB) << 8));
  REQUIRE(core.array().pass().cycles ==
          sasim_isa::pass_cycles_ws(mt, kt, nt, sasim_isa::ws_lead_cycles(kt, nt, true, false, false)));
  CHECK(core.array().pass().cycles == kt + mt + nt - 1);
  // START was held until the first pass's last cycle, executed at that edge.
  CHECK(core.counters().cycles - before == first_remaining + 1);
  CHECK(core.array().cycle() == 1);
  bus.op(sasim_isa::kWait, 0, 0, 0);
  bus.op(sasim_isa::kRead, 1, 1, 0);
  CHECK(static_cast<int32_t>(bus.op(sasim_isa::kRead, 2, 0, 0)) == 4 * 3 * 2);  // kept weights (2) x new A (3)
}

TEST_CASE("timing: READ of the bank being written waits for the pass; other bank does not", "[model][timing]") {
  const sasim::CoreParams p = sasim::core_params_from(hw_of(4, 4, "os"));
  sasim::CfuCore core(p);
  Bus bus(&core);
  // Pass 1 fills bank 1 (Kt = 1); pass 2 then writes bank 0 for a while.
  bus.write_bytes(sasim_isa::kWriteA, std::vector<int8_t>(4 * 1, 2));
  bus.write_bytes(sasim_isa::kWriteB, std::vector<int8_t>(4 * 1, 3));
  bus.op(sasim_isa::kStart, 0, 4u | 1u << 16, 4u | ((sasim_isa::kFlagClear | sasim_isa::kFlagCBank) << 8));
  bus.write_bytes(sasim_isa::kWriteA, std::vector<int8_t>(4 * 10, 1));
  bus.write_bytes(sasim_isa::kWriteB, std::vector<int8_t>(4 * 10, 1));
  bus.op(sasim_isa::kWait, 0, 0, 0);
  bus.op(sasim_isa::kStart, 0, 4u | 10u << 16, 4u | (sasim_isa::kFlagClear << 8));
  const uint32_t end_cycle = static_cast<uint32_t>(core.counters().cycles) + core.array().pass().cycles -
                             core.array().cycle();
  bus.op(sasim_isa::kRead, 1, 1, 0);  // other bank: no wait
  const uint64_t t0 = core.counters().cycles;
  CHECK(static_cast<int32_t>(bus.op(sasim_isa::kRead, 2, 0, 0)) == 6);
  CHECK(core.counters().cycles - t0 == 1 + sasim_isa::kReadLatency);  // accepted at once, latency 2
  CHECK(core.array().busy());
  bus.op(sasim_isa::kRead, 1, 0, 0);  // the bank being written
  CHECK(static_cast<int32_t>(bus.op(sasim_isa::kRead, 2, 0, 0)) == 10);
  CHECK(core.counters().cycles > end_cycle);
}

TEST_CASE("a buffer too small for one tile line is rejected with a clear message", "[model][config]") {
  try {
    sasim::core_params_from(sasim::load_hw_config(
        "", {sasim::parse_override("array.cols=64"), sasim::parse_override("buffers.c.size_bytes=128")}));
    FAIL("accepted");
  } catch (const sasim::ConfigError& e) {
    CHECK(std::string(e.what()) ==
          "--set buffers.c.size_bytes=128: buffers.c.size_bytes: 128 bytes cannot hold one tile line: a line of 64 "
          "int32 lanes (cols) needs 256 bytes");
  }
}

namespace {

// A stand-in for a Verilated model: another CfuCore, optionally with one
// fault: the payload of its Nth response has bit 0 flipped.
class CoreAsRtl : public sasim::RtlModel {
 public:
  CoreAsRtl(const sasim::CoreParams& p, int faulty_response) : core_(p), fault_at_(faulty_response) {}
  sasim::BusOut outputs() override {
    sasim::BusOut o = core_.outputs();
    if (o.rsp_valid && responses_ == fault_at_) o.rsp_payload ^= 1;
    return o;
  }
  void step(const sasim::BusIn& in) override {
    if (core_.outputs().rsp_valid && in.rsp_ready) ++responses_;
    core_.step(in);
  }
  void reset() override { core_.reset(); }

 private:
  sasim::CfuCore core_;
  int fault_at_;
  int responses_ = 0;
};

}  // namespace

TEST_CASE("lock-step host: identical models agree; a one-bit fault is caught at its cycle", "[cosim]") {
  const sasim::HwConfig hw = hw_of(4, 4, "ws");
  const sasim::CoreParams p = sasim::core_params_from(hw);
  const sasim::LayerCase c = sasim::load_case(std::string(SASIM_SHARED_DIR) + "/vectors/synthetic__04_fully_connected");

  uint64_t clean_cycles = 0;
  {
    sasim::CfuCore core(p);
    CoreAsRtl twin(p, -1);
    sasim::LockstepHost host(&core, &twin, hw.host);
    sasim::set_cfu_target(&host);
    std::vector<int8_t> out(c.data.output.size());
    REQUIRE(sasim_drv::run_layer(sasim::hw_desc_from(p), sasim::layer_desc_from(c.spec, c.data, out.data())) == 0);
    CHECK_FALSE(host.mismatch().found);
    CHECK(out == c.data.output);
    // Same cycle count as the plain host.
    sasim::CfuCore core2(p);
    sasim::PlainHost plain(&core2, hw.host);
    sasim::set_cfu_target(&plain);
    REQUIRE(sasim_drv::run_layer(sasim::hw_desc_from(p), sasim::layer_desc_from(c.spec, c.data, out.data())) == 0);
    CHECK(host.cycles() == core2.counters().cycles);
    clean_cycles = host.cycles();
  }
  {
    sasim::CfuCore core(p);
    CoreAsRtl faulty(p, 40);  // the 41st response is wrong
    sasim::LockstepHost host(&core, &faulty, hw.host);
    const std::string vcd = "lockstep_fault.vcd";
    host.set_vcd_on_mismatch(vcd, 16);
    host.set_layer("fc");
    sasim::set_cfu_target(&host);
    std::vector<int8_t> out(c.data.output.size());
    sasim_drv::run_layer(sasim::hw_desc_from(p), sasim::layer_desc_from(c.spec, c.data, out.data()));
    REQUIRE(host.mismatch().found);
    CHECK(host.mismatch().instruction == 40);
    CHECK(host.mismatch().signal == "rsp_payload_outputs_0");
    CHECK((host.mismatch().model_value ^ host.mismatch().rtl_value) == 1u);
    CHECK(host.mismatch().layer == "fc");
    CHECK(host.cycles() < clean_cycles);  // stopped at the mismatch
    std::ifstream f(vcd);
    std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    CHECK(text.find("$var wire 32 h model_rsp_payload_outputs_0 $end") != std::string::npos);
    CHECK(text.find("1l\n") != std::string::npos);  // the mismatch marker is set in one sample
  }
}

// Random layers (every op, odd kernels such as 7x3, one input channel,
// depth multipliers up to 3 with dilation, batched per-channel FC, valid and
// same padding) on random array shapes, dataflows and buffer sizes (small
// banks force many tiles and reduction chunks; single buffering forces the
// interlocks): the driver on the cycle model is bit-exact with the golden
// model every time.
TEST_CASE("random layers on random hardware are bit-exact with the golden model", "[model][golden]") {
  std::mt19937 rng(20261126);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  int checked = 0;
  for (int iter = 0; iter < 600; ++iter) {
    sasim::LayerSpec s;
    if (!sasim_test::random_layer_spec(pick, &s)) continue;
    std::vector<sasim::FieldError> errs;
    REQUIRE(sasim::validate_layer(&s, &errs));
    const sasim::LayerData d = sasim_test::random_layer_data(s, pick);
    std::vector<int8_t> want;
    sasim::golden_layer(s, d, &want);

    const int rows = pick(1, 9), cols = pick(1, 9);
    sasim::HwConfig hw = hw_of(rows, cols, pick(0, 1) ? "ws" : "os");
    const int a_pitch = sasim_isa::line_pitch(rows), b_pitch = sasim_isa::line_pitch(cols);
    hw.buf_a.size_bytes = a_pitch * pick(1, 40);
    hw.buf_b.size_bytes = b_pitch * pick(1, 40);
    hw.buf_c.size_bytes = 4 * cols * pick(1, 12);
    hw.buf_a.double_buffered = pick(0, 3) != 0;
    hw.buf_b.double_buffered = pick(0, 3) != 0;
    hw.buf_c.double_buffered = pick(0, 3) != 0;
    const sasim::CoreParams p = sasim::core_params_from(hw);
    sasim::CfuCore core(p);
    sasim::PlainHost host(&core, hw.host);
    sasim::set_cfu_target(&host);
    std::vector<int8_t> out(want.size(), 0);
    INFO("iteration " << iter << ": " << sasim::op_name(s.op) << " on " << rows << "x" << cols << " "
                      << sasim::dataflow_name(hw.dataflow) << " lines A/B/C " << p.a_lines << "/" << p.b_lines << "/"
                      << p.c_lines);
    REQUIRE(sasim_drv::run_layer(sasim::hw_desc_from(p), sasim::layer_desc_from(s, d, out.data())) == 0);
    CHECK_FALSE(core.error());
    CHECK(out == want);
    ++checked;
  }
  CHECK(checked >= 400);
}

// Counts the im2col commands (IM2COL_GEOM) a run sends, passing every
// command on.
class Im2colCounter : public sasim::CfuTarget {
 public:
  explicit Im2colCounter(sasim::CfuTarget* next) : next_(next) {}
  uint32_t cfu_op(int funct3, int funct7, uint32_t a, uint32_t b) override {
    if (funct3 == sasim_isa::kCfg && funct7 == sasim_isa::kCfgIm2colGeom) ++geom;
    ++all;
    return next_->cfu_op(funct3, funct7, a, b);
  }
  int geom = 0, all = 0;

 private:
  sasim::CfuTarget* next_;
};

TEST_CASE("the driver's mapping (layer_mapping) is the path run_layer takes", "[model][mapping]") {
  std::mt19937 rng(20261207);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  std::map<std::string, int> seen;
  for (int iter = 0; iter < 500; ++iter) {
    sasim::LayerSpec s;
    if (!sasim_test::random_layer_spec(pick, &s)) continue;
    std::vector<sasim::FieldError> errs;
    REQUIRE(sasim::validate_layer(&s, &errs));
    const sasim::LayerData d = sasim_test::random_layer_data(s, pick);
    const int rows = pick(1, 9), cols = pick(1, 9);
    sasim::HwConfig hw = hw_of(rows, cols, pick(0, 3) ? "ws" : "os");
    if (hw.dataflow == sasim::Dataflow::kWeightStationary) hw.im2col = pick(0, 4) != 0;
    hw.buf_a.size_bytes = sasim_isa::line_pitch(rows) * pick(1, 60);
    hw.buf_b.size_bytes = sasim_isa::line_pitch(cols) * pick(1, 40);
    hw.buf_c.size_bytes = 4 * cols * pick(1, 12);
    const sasim::CoreParams p = sasim::core_params_from(hw);
    sasim::CfuCore core(p);
    sasim::PlainHost host(&core, hw.host);
    Im2colCounter counter(&host);
    sasim::set_cfu_target(&counter);
    std::vector<int8_t> out(static_cast<size_t>(s.output_elems()), 0);
    const sasim_drv::LayerDesc l = sasim::layer_desc_from(s, d, out.data());
    const char* why = nullptr;
    const std::string mapping = sasim_drv::layer_mapping(sasim::hw_desc_from(p), l, &why);
    INFO("iteration " << iter << ": " << sasim::op_name(s.op) << " on " << rows << "x" << cols << " "
                      << sasim::dataflow_name(hw.dataflow) << (hw.im2col ? " im2col" : "") << " lines A/B/C "
                      << p.a_lines << "/" << p.b_lines << "/" << p.c_lines << ": " << mapping);
    // prepare_layer decides without a command (the host keeps no schedule).
    int memo_bytes = -1;
    CHECK(sasim_drv::prepare_layer(sasim::hw_desc_from(p), l, &memo_bytes) == nullptr);
    CHECK(memo_bytes == 0);
    CHECK(counter.all == 0);
    const int rc = sasim_drv::run_layer(sasim::hw_desc_from(p), l);
    if (mapping == "none") {  // no tile fits: refused before any command
      CHECK(rc == sasim_drv::kErrTileTooLarge);
      CHECK(why != nullptr);
    } else {
      REQUIRE(rc == sasim_drv::kOk);
      CHECK((counter.geom > 0) == (mapping != "legacy"));
      CHECK((why != nullptr) == (mapping == "legacy"));
    }
    ++seen[mapping];
  }
  sasim::set_cfu_target(nullptr);
  // Every mapping occurs.
  CHECK(seen["im2col"] >= 50);
  CHECK(seen["view"] >= 5);
  CHECK(seen["legacy"] >= 50);
}

TEST_CASE("wide arrays: weights of eight-channel lines in wider B lines, narrowed groups, equal the golden layer",
          "[model][im2col]") {
  // rows = 8 (or 4, 2) and C a multiple of 8 take write_group_b's and
  // send_b_pass's word paths; cols > 8 pads each B line with zeros; small B
  // banks narrow the groups (Runner::narrowed_group) or stream a B tile per
  // pass.
  std::mt19937 rng(20261207);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  int wide = 0;
  for (int iter = 0; iter < 120; ++iter) {
    sasim::LayerSpec s;
    if (!sasim_test::random_layer_spec(pick, &s) || s.op == sasim::OpKind::kDepthwiseConv2d) continue;
    // Eight-channel lines: the input depth a multiple of 8.
    const int c = 8 * pick(1, 6);
    s.input_shape.back() = c;
    s.filter_shape.back() = c;
    std::vector<sasim::FieldError> errs;
    REQUIRE(sasim::validate_layer(&s, &errs));
    const sasim::LayerData d = sasim_test::random_layer_data(s, pick);
    std::vector<int8_t> want;
    sasim::golden_layer(s, d, &want);
    const int rows = 2 << pick(0, 2), cols = pick(8, 32);
    sasim::HwConfig hw = hw_of(rows, cols, "ws");
    hw.buf_b.size_bytes = sasim_isa::line_pitch(cols) * pick(8, 300);
    hw.buf_a.size_bytes = rows * pick(40, 400);
    const sasim::CoreParams p = sasim::core_params_from(hw);
    sasim::CfuCore core(p);
    sasim::PlainHost host(&core, hw.host);
    sasim::set_cfu_target(&host);
    std::vector<int8_t> out(want.size(), 0);
    sasim_drv::LayerDesc l = sasim::layer_desc_from(s, d, out.data());
    // Half the layers with prepared biases (no sums while sending weights).
    std::vector<int32_t> folded(static_cast<size_t>(l.out_c));
    if (pick(0, 1)) {
      sasim_drv::fold_biases(l, folded.data());
      l.folded_bias = folded.data();
    }
    INFO("iteration " << iter << ": " << sasim::op_name(s.op) << " C " << c << " on " << rows << "x" << cols << " B lines "
                      << p.b_lines);
    REQUIRE(sasim_drv::run_layer(sasim::hw_desc_from(p), l) == sasim_drv::kOk);
    CHECK_FALSE(core.error());
    CHECK(out == want);
    ++wide;
  }
  sasim::set_cfu_target(nullptr);
  CHECK(wide >= 60);
}

TEST_CASE("im2col: the generated walk, padding and the pass it feeds", "[model][im2col]") {
  // A 3-pixel-wide band of 4 rows, 2 lines per pixel; output rows of 2 pixels
  // at stride 2 from (iy, ix) = (-1, 0); the second output row starts at
  // ix_row = 0, iy + 2.
  sasim::Im2colRegs g;
  g.in_w = 3;
  g.in_h = 4;
  g.out_w = 2;
  g.stride_w = 2;
  g.stride_h = 2;
  g.lines = 2;
  g.iy = -1;
  g.ix = 0;
  g.ix_row = 0;
  g.ox = 1;  // the first pixel is the second of its output row
  // pixels: (iy,ix) = (-1,0) pad, then row wrap: (1,0), (1,2), (3,0), (3,2), (5,0) pad
  CHECK(sasim::im2col_lines(g, 1, 6, 1000) == std::vector<int>{-1, (1 * 3 + 0) * 2 + 1, (1 * 3 + 2) * 2 + 1,
                                                               (3 * 3 + 0) * 2 + 1, (3 * 3 + 2) * 2 + 1, -1});
  // A line past the bank reads as padding too.
  CHECK(sasim::im2col_lines(g, 1, 6, 20) == std::vector<int>{-1, 7, 11, 19, -1, -1});

  // The same GEMM two ways on a 4x4 WS array: im2col rows written by the
  // host, and an IM2COL pass over the raw input (B by columns). C and the
  // pass length (lead + Kt + Mt + Nt - 1) must agree.
  const sasim::CoreParams p = sasim::core_params_from(hw_of(4, 4, "ws"));
  REQUIRE(p.im2col);
  std::mt19937 rng(3);
  std::vector<int8_t> ifm(3 * 4 * 2 * 4);  // 3x4 pixels, 2 lines of 4 channels
  for (auto& v : ifm) v = static_cast<int8_t>(rng() % 256);
  std::vector<int8_t> w(4 * 4);  // B[k][n]
  for (auto& v : w) v = static_cast<int8_t>(rng() % 256);
  const int mt = 5, kt = 4, nt = 3, j = 1;
  g.ox = 0;
  g.iy = 0;
  g.ix = -1;
  g.ix_row = -1;
  const std::vector<int> lines = sasim::im2col_lines(g, j, mt, 24);
  REQUIRE(lines == std::vector<int>{-1, 3, -1, 15, -1});  // (0,-1) (0,1) (2,-1) (2,1) (4,-1)
  const int8_t pad = -7;
  std::vector<int32_t> want_c;
  uint32_t want_cycles = 0;
  {
    sasim::CfuCore core(p);
    Bus bus(&core);
    std::vector<int8_t> a;
    for (int m = 0; m < mt; ++m)
      for (int k = 0; k < 4; ++k) a.push_back(lines[m] < 0 ? pad : ifm[static_cast<size_t>(lines[m] * 4 + k)]);
    bus.write_bytes(sasim_isa::kWriteA, a);
    bus.write_bytes(sasim_isa::kWriteB, w);
    bus.op(sasim_isa::kStart, 0, mt | kt << 16, nt | sasim_isa::kFlagClear << 8);
    want_cycles = core.array().pass().cycles;
    bus.op(sasim_isa::kWait, 0, 0, 0);
    want_c.assign(core.buffers().c[0].begin(), core.buffers().c[0].begin() + mt * 4);
  }
  sasim::CfuCore core(p);
  Bus bus(&core);
  bus.write_bytes(sasim_isa::kWriteA, ifm);
  std::vector<int8_t> wt(4 * 4);  // B line n = lanes k
  for (int k = 0; k < 4; ++k)
    for (int n = 0; n < 4; ++n) wt[static_cast<size_t>(n * 4 + k)] = w[static_cast<size_t>(k * 4 + n)];
  bus.write_bytes(sasim_isa::kWriteB, wt);
  // Without GEOM and PIXEL an IM2COL pass is rejected.
  const uint32_t flags = sasim_isa::kFlagClear | sasim_isa::kFlagIm2col | sasim_isa::kFlagBCols;
  CHECK(bus.op(sasim_isa::kStart, 0, mt | kt << 16, nt | flags << 8 | j << 16) == sasim_isa::kErrorResponse);
  CHECK(bus.op(sasim_isa::kReset, 0, 0, 0) == 0);
  bus.write_bytes(sasim_isa::kWriteA, ifm);
  bus.write_bytes(sasim_isa::kWriteB, wt);
  CHECK(bus.op(sasim_isa::kCfg, sasim_isa::kCfgIm2colGeom, 3 | 4 << 16, 2 | 2 << 16 | 2 << 24) == 0);
  CHECK(bus.op(sasim_isa::kCfg, sasim_isa::kCfgIm2colPixel, 2 | (static_cast<uint32_t>(pad) & 0xff) << 8, 1) == 0);
  CHECK(bus.op(sasim_isa::kCfg, sasim_isa::kCfgIm2colOrigin, 0u | 0xffffu << 16, 0xffffu | 0u << 16) == 0);
  CHECK(bus.op(sasim_isa::kCfg, sasim_isa::kCfgIm2colOrigin, 0, 2u << 16) == sasim_isa::kErrorResponse);  // ox >= out_w
  CHECK(bus.op(sasim_isa::kReset, 0, 0, 0) == 0);  // clears the error flag and the im2col registers
  bus.write_bytes(sasim_isa::kWriteA, ifm);
  bus.write_bytes(sasim_isa::kWriteB, wt);
  bus.op(sasim_isa::kCfg, sasim_isa::kCfgIm2colGeom, 3 | 4 << 16, 2 | 2 << 16 | 2 << 24);
  bus.op(sasim_isa::kCfg, sasim_isa::kCfgIm2colPixel, 2 | (static_cast<uint32_t>(pad) & 0xff) << 8, 1);
  bus.op(sasim_isa::kCfg, sasim_isa::kCfgIm2colOrigin, 0u | 0xffffu << 16, 0xffffu);
  CHECK(bus.op(sasim_isa::kStart, 0, mt | kt << 16, nt | flags << 8 | j << 16) == 0);
  // B by columns loads Nt lines: lead Nt instead of Kt.
  CHECK(core.array().pass().cycles == want_cycles - kt + nt);
  bus.op(sasim_isa::kWait, 0, 0, 0);
  CHECK(std::vector<int32_t>(core.buffers().c[0].begin(), core.buffers().c[0].begin() + mt * 4) == want_c);
  CHECK_FALSE(core.error());
  // Weights kept: an IM2COL pass still has one lead cycle.
  bus.op(sasim_isa::kStart, 0, mt | kt << 16, nt | (flags | sasim_isa::kFlagKeepA | sasim_isa::kFlagKeepB) << 8 | j << 16);
  CHECK(core.array().pass().cycles == static_cast<uint32_t>(1 + kt + mt + nt - 1));
  bus.op(sasim_isa::kWait, 0, 0, 0);
  CHECK(std::vector<int32_t>(core.buffers().c[0].begin(), core.buffers().c[0].begin() + mt * 4) == want_c);
  // Without the extension the same commands are rejected.
  sasim::HwConfig off = hw_of(4, 4, "ws");
  off.im2col = false;
  sasim::CfuCore plain(sasim::core_params_from(off));
  Bus pbus(&plain);
  CHECK(pbus.op(sasim_isa::kCfg, sasim_isa::kCfgIm2colGeom, 3 | 4 << 16, 2 | 2 << 16 | 2 << 24) ==
        sasim_isa::kErrorResponse);
}

TEST_CASE("im2col SEQ: a tile's passes back to back equal the same passes started one by one", "[model][im2col]") {
  const sasim::CoreParams p = sasim::core_params_from(hw_of(4, 4, "ws"));
  std::mt19937 rng(11);
  std::vector<int8_t> ifm(5 * 6 * 2 * 4);  // 5 x 6 pixels, 2 lines of 4 channels
  for (auto& v : ifm) v = static_cast<int8_t>(rng() % 256);
  const int P = 2 * 3 * 2;  // kernel rows x columns x lines
  std::vector<int8_t> b(static_cast<size_t>(P * 4 * 4));  // column n, pass p at line n * P + p
  for (auto& v : b) v = static_cast<int8_t>(rng() % 256);
  const int mt = 7, kt = 4, nt = 4;
  const int16_t iy0 = -1, ix0 = 1, ixrow0 = -1;
  auto setup = [&](Bus* bus) {
    bus->write_bytes(sasim_isa::kWriteA, ifm);
    bus->write_bytes(sasim_isa::kWriteB, b);
    CHECK(bus->op(sasim_isa::kCfg, sasim_isa::kCfgIm2colGeom, 6 | 5 << 16, 4 | 1 << 16 | 1 << 24) == 0);
    CHECK(bus->op(sasim_isa::kCfg, sasim_isa::kCfgIm2colPixel, 2 | 0x7fu << 8, P) == 0);
  };
  auto origin = [&](Bus* bus, int ky, int kx) {
    const uint32_t iy = static_cast<uint16_t>(iy0 + ky * 2), ix = static_cast<uint16_t>(ix0 + kx),
                   ixr = static_cast<uint16_t>(ixrow0 + kx);
    CHECK(bus->op(sasim_isa::kCfg, sasim_isa::kCfgIm2colOrigin, iy | ix << 16, ixr | 1u << 16) == 0);
  };
  // One by one: kernel row (iy step 2), column (ix step 1), line.
  std::vector<int32_t> want;
  uint64_t want_cycles = 0;
  {
    sasim::CfuCore core(p);
    Bus bus(&core);
    setup(&bus);
    int pass = 0;
    for (int ky = 0; ky < 2; ++ky)
      for (int kx = 0; kx < 3; ++kx) {
        origin(&bus, ky, kx);
        for (int j = 0; j < 2; ++j, ++pass) {
          const uint32_t flags = (pass == 0 ? sasim_isa::kFlagClear : sasim_isa::kFlagKeepA | sasim_isa::kFlagHoldB) |
                                 sasim_isa::kFlagIm2col | sasim_isa::kFlagBCols;
          CHECK(bus.op(sasim_isa::kStart, 0, mt | kt << 16,
                       nt | flags << 8 | static_cast<uint32_t>(j) << sasim_isa::kStartJShift |
                           static_cast<uint32_t>(pass) << sasim_isa::kStartSlotShift) == 0);
          want_cycles += core.array().pass().cycles;
        }
      }
    bus.op(sasim_isa::kWait, 0, 0, 0);
    want.assign(core.buffers().c[0].begin(), core.buffers().c[0].begin() + mt * 4);
    CHECK(core.counters().passes == static_cast<uint64_t>(P));
  }
  sasim::CfuCore core(p);
  Bus bus(&core);
  setup(&bus);
  origin(&bus, 0, 0);
  const uint32_t seq_flags = sasim_isa::kFlagClear | sasim_isa::kFlagIm2col | sasim_isa::kFlagBCols | sasim_isa::kFlagSeq;
  // Without IM2COL_SEQ the sequence has no passes: rejected.
  CHECK(bus.op(sasim_isa::kStart, 0, mt | kt << 16, nt | seq_flags << 8) == sasim_isa::kErrorResponse);
  CHECK(bus.op(sasim_isa::kReset, 0, 0, 0) == 0);
  setup(&bus);
  origin(&bus, 0, 0);
  CHECK(bus.op(sasim_isa::kCfg, sasim_isa::kCfgIm2colSeq, 2 | 3 << 8 | 2 << 16, 2 | 1 << 16) == 0);
  const uint64_t c0 = core.counters().cycles;
  CHECK(bus.op(sasim_isa::kStart, 0, mt | kt << 16, nt | seq_flags << 8) == 0);
  const uint64_t started = core.counters().cycles;
  // A second START waits for the whole sequence; WAIT returns when it ends.
  bus.op(sasim_isa::kWait, 0, 0, 0);
  CHECK(core.counters().passes == static_cast<uint64_t>(P));
  CHECK(std::vector<int32_t>(core.buffers().c[0].begin(), core.buffers().c[0].begin() + mt * 4) == want);
  CHECK_FALSE(core.error());
  // Back to back: the passes take exactly the sum of their cycles.
  CHECK(core.counters().by_kind[static_cast<int>(sasim::CycleKind::kCompute)] +
            core.counters().by_kind[static_cast<int>(sasim::CycleKind::kFillDrain)] ==
        want_cycles);
  CHECK(started > c0);
  // A sequence whose last slot would pass the 255 a slot field holds is rejected.
  CHECK(bus.op(sasim_isa::kStart, 0, mt | kt << 16, nt | seq_flags << 8 | 250u << sasim_isa::kStartSlotShift) ==
        sasim_isa::kErrorResponse);
}

TEST_CASE("A_FILL: WRITE_A fills a line's first parts and moves on, the rest of the line as it was", "[model][im2col]") {
  // 24 rows (a line of 24 bytes, 3 parts of 8): pixels of 16 channels as raw
  // words with A_FILL 2 land in lanes 0 .. 15 of one line each; with 3 (or
  // 0) the stream is lines back to back again; more than 3 is rejected.
  const sasim::CoreParams p = sasim::core_params_from(hw_of(24, 8, "ws"));
  REQUIRE(p.im2col);
  sasim::CfuCore core(p);
  Bus bus(&core);
  std::vector<int8_t> px(5 * 16);
  for (size_t i = 0; i < px.size(); ++i) px[i] = static_cast<int8_t>(i * 7 + 1);
  std::vector<int8_t> mark(5 * 24, 0x55);  // the lines as they were
  bus.write_bytes(sasim_isa::kWriteA, mark);
  CHECK(bus.op(sasim_isa::kStart, 0, 1 | 1u << 16, 1 | (sasim_isa::kFlagClear) << 8) == 0);  // swaps: that bank is active
  bus.op(sasim_isa::kWait, 0, 0, 0);
  bus.write_bytes(sasim_isa::kWriteA, mark);  // the shadow bank too
  CHECK(bus.op(sasim_isa::kStart, 0, 1 | 1u << 16, 1 | (sasim_isa::kFlagClear) << 8) == 0);
  bus.op(sasim_isa::kWait, 0, 0, 0);
  CHECK(bus.op(sasim_isa::kCfg, sasim_isa::kCfgAFill, 4, 0) == sasim_isa::kErrorResponse);
  CHECK(bus.op(sasim_isa::kCfg, sasim_isa::kCfgAFill, 2, 0) == 0);
  bus.write_bytes(sasim_isa::kWriteA, px);
  const std::vector<int8_t>& a = core.buffers().a[core.a_write_bank()];
  for (int k = 0; k < 5; ++k)
    for (int i = 0; i < 24; ++i) {
      INFO("line " << k << " lane " << i);
      CHECK(a[static_cast<size_t>(k * 24 + i)] == (i < 16 ? px[static_cast<size_t>(k * 16 + i)] : int8_t{0x55}));
    }
  CHECK(core.a_write_ptr() == 5u * 24);
  // 3 parts (all of a line): back to back, as without it.
  CHECK(bus.op(sasim_isa::kCfg, sasim_isa::kCfgAFill, 3, 0) == 0);
  bus.write_bytes(sasim_isa::kWriteA, std::vector<int8_t>(16, 9));
  CHECK(core.a_write_ptr() == 5u * 24 + 16);
  // RESET turns it off.
  CHECK(bus.op(sasim_isa::kCfg, sasim_isa::kCfgAFill, 1, 0) == 0);
  CHECK(bus.op(sasim_isa::kReset, 0, 0, 0) == 0);
  bus.write_bytes(sasim_isa::kWriteA, std::vector<int8_t>(16, 9));
  CHECK(core.a_write_ptr() == 16u);
}

TEST_CASE("im2col by rows (ws): passes from slots, held, in a SEQ and from the store equal passes streamed one by one",
          "[model][im2col]") {
  // 6 x 3 (taller than wide) and 2 x 8 (wider) WS arrays; a 5 x 6 band of 2
  // lines per pixel; IM2COL_SEQ 2 kernel rows (iy step 2) x 3 columns x 2
  // lines: P = 12 passes, pass p's B tile the R lines from (slot0 + p) x R.
  for (const auto& rc : {std::make_pair(6, 3), std::make_pair(2, 8)}) {
    const int R = rc.first, Cn = rc.second;
    INFO(R << "x" << Cn);
    sasim::HwConfig hw = hw_of(R, Cn, "ws");
    const sasim::CoreParams p = sasim::core_params_from(hw);
    REQUIRE(p.im2col);
    REQUIRE(p.w_lines > 0);
    const int ap = sasim_isa::line_pitch(R), bp = sasim_isa::line_pitch(Cn);
    const int P = 12, slot0 = 3, mt = 7, kt = R, nt = Cn - 1;
    std::mt19937 rng(23);
    std::vector<int8_t> ifm(static_cast<size_t>(5 * 6 * 2 * ap));
    for (auto& v : ifm) v = static_cast<int8_t>(rng() % 256);
    std::vector<int8_t> b(static_cast<size_t>((slot0 + P) * R * bp));  // by rows: line (slot0 + p) x R + r
    for (auto& v : b) v = static_cast<int8_t>(rng() % 256);
    auto setup = [&](Bus* bus) {
      bus->write_bytes(sasim_isa::kWriteA, ifm);
      CHECK(bus->op(sasim_isa::kCfg, sasim_isa::kCfgIm2colGeom, 6 | 5 << 16, 4 | 1 << 16 | 1 << 24) == 0);
      CHECK(bus->op(sasim_isa::kCfg, sasim_isa::kCfgIm2colPixel, 2 | 0x7fu << 8, 0) == 0);
    };
    auto origin = [&](Bus* bus, int ky, int kx) {
      const uint32_t iy = static_cast<uint16_t>(-1 + ky * 2), ix = static_cast<uint16_t>(1 + kx),
                     ixr = static_cast<uint16_t>(-1 + kx);
      CHECK(bus->op(sasim_isa::kCfg, sasim_isa::kCfgIm2colOrigin, iy | ix << 16, ixr | 1u << 16) == 0);
    };
    auto c_of = [&](const sasim::CfuCore& core) {
      return std::vector<int32_t>(core.buffers().c[0].begin(), core.buffers().c[0].begin() + mt * Cn);
    };
    auto busy = [](const sasim::CfuCore& core) {
      return core.counters().by_kind[static_cast<int>(sasim::CycleKind::kCompute)] +
             core.counters().by_kind[static_cast<int>(sasim::CycleKind::kFillDrain)];
    };
    // The reference: each pass's tile streamed into B lines 0 .. R - 1, slot 0.
    std::vector<int32_t> want;
    uint64_t want_busy = 0;
    {
      sasim::CfuCore core(p);
      Bus bus(&core);
      setup(&bus);
      int pass = 0;
      for (int ky = 0; ky < 2; ++ky)
        for (int kx = 0; kx < 3; ++kx) {
          origin(&bus, ky, kx);
          for (int j = 0; j < 2; ++j, ++pass) {
            const auto at = b.begin() + (slot0 + pass) * R * bp;
            bus.write_bytes(sasim_isa::kWriteB, std::vector<int8_t>(at, at + R * bp));
            const uint32_t flags = (pass == 0 ? sasim_isa::kFlagClear : sasim_isa::kFlagKeepA) | sasim_isa::kFlagIm2col;
            CHECK(bus.op(sasim_isa::kStart, 0, mt | kt << 16,
                         nt | flags << 8 | static_cast<uint32_t>(j) << sasim_isa::kStartJShift) == 0);
            want_busy += core.array().pass().cycles;
            bus.op(sasim_isa::kWait, 0, 0, 0);
          }
        }
      want = c_of(core);
      CHECK_FALSE(core.error());
    }
    // Every pass from its slot in one B bank, held (HOLD_B after the first).
    {
      sasim::CfuCore core(p);
      Bus bus(&core);
      setup(&bus);
      bus.write_bytes(sasim_isa::kWriteB, b);
      int pass = 0;
      for (int ky = 0; ky < 2; ++ky)
        for (int kx = 0; kx < 3; ++kx) {
          origin(&bus, ky, kx);
          for (int j = 0; j < 2; ++j, ++pass) {
            const uint32_t flags = (pass == 0 ? sasim_isa::kFlagClear : sasim_isa::kFlagKeepA | sasim_isa::kFlagHoldB) |
                                   sasim_isa::kFlagIm2col;
            CHECK(bus.op(sasim_isa::kStart, 0, mt | kt << 16,
                         nt | flags << 8 | static_cast<uint32_t>(j) << sasim_isa::kStartJShift |
                             static_cast<uint32_t>(slot0 + pass) << sasim_isa::kStartSlotShift) == 0);
          }
        }
      bus.op(sasim_isa::kWait, 0, 0, 0);
      CHECK(c_of(core) == want);
      CHECK_FALSE(core.error());
    }
    // One START with SEQ, from B and from the store (at W_BASE 2).
    for (const bool store : {false, true}) {
      INFO((store ? "SEQ from the store" : "SEQ from B"));
      sasim::CfuCore core(p);
      Bus bus(&core);
      setup(&bus);
      if (store) {
        std::vector<int8_t> w(static_cast<size_t>(2 * bp), 0);
        w.insert(w.end(), b.begin(), b.end());
        w.resize((w.size() + 7) / 8 * 8, 0);
        CHECK(bus.op(sasim_isa::kCfg, sasim_isa::kCfgWSeek, 0, 0) == 0);
        for (size_t i = 0; i < w.size(); i += 8) {
          uint32_t x[2] = {0, 0};
          for (size_t k = 0; k < 8; ++k) x[k / 4] |= static_cast<uint32_t>(static_cast<uint8_t>(w[i + k])) << (8 * (k % 4));
          CHECK(bus.op(sasim_isa::kWriteB, sasim_isa::kWriteW, x[0], x[1]) == 0);
        }
        CHECK(bus.op(sasim_isa::kCfg, sasim_isa::kCfgWBase, 2, 1) == 0);
      } else {
        bus.write_bytes(sasim_isa::kWriteB, b);
      }
      origin(&bus, 0, 0);
      CHECK(bus.op(sasim_isa::kCfg, sasim_isa::kCfgIm2colSeq, 2 | 3 << 8 | 2 << 16, 2 | 1 << 16) == 0);
      const uint64_t c0 = busy(core);
      const uint32_t f = sasim_isa::kFlagClear | sasim_isa::kFlagIm2col | sasim_isa::kFlagSeq;
      CHECK(bus.op(sasim_isa::kStart, 0, mt | kt << 16,
                   nt | f << 8 | static_cast<uint32_t>(slot0) << sasim_isa::kStartSlotShift) == 0);
      bus.op(sasim_isa::kWait, 0, 0, 0);
      CHECK(core.counters().passes == static_cast<uint64_t>(P));
      CHECK(busy(core) - c0 == want_busy);
      CHECK(c_of(core) == want);
      CHECK_FALSE(core.error());
      // The sequence's last pass must find its R lines: one slot further is
      // past the B bank (or the store) when that is where it ends.
      const int end = store ? p.w_lines - 2 : p.b_lines;
      const uint32_t last_ok = static_cast<uint32_t>((end - kt) / R - (P - 1));
      if (last_ok + 1 <= 255 - (P - 1)) {
        CHECK(bus.op(sasim_isa::kStart, 0, mt | kt << 16, nt | f << 8 | (last_ok + 1) << sasim_isa::kStartSlotShift) ==
              sasim_isa::kErrorResponse);
        CHECK(bus.op(sasim_isa::kStart, 0, mt | kt << 16, nt | f << 8 | last_ok << sasim_isa::kStartSlotShift) == 0);
        bus.op(sasim_isa::kWait, 0, 0, 0);
      }
      // KEEP_B with SEQ stays rejected; HOLD_B without IM2COL or B_COLS too.
      CHECK(bus.op(sasim_isa::kStart, 0, mt | kt << 16, nt | (f | sasim_isa::kFlagKeepB) << 8) ==
            sasim_isa::kErrorResponse);
      CHECK(bus.op(sasim_isa::kStart, 0, mt | kt << 16, nt | sasim_isa::kFlagHoldB << 8) == sasim_isa::kErrorResponse);
    }
  }
}

TEST_CASE("os im2col: a tile's sub-passes equal plain os passes over the walked lines, from B or the store",
          "[model][im2col][os]") {
  // 4 x 3 os array; a 5 x 6 band of 2 lines of 4 channels per pixel; IM2COL_SEQ
  // 2 kernel rows (iy step 2) x 3 columns (ix step 1) x 2 lines: P = 12 chunks
  // of 4 steps. A tile of 10 pixels: sub-passes of 4, 4 and 2 pixels.
  sasim::HwConfig hw = hw_of(4, 3, "os");
  const sasim::CoreParams p = sasim::core_params_from(hw);
  REQUIRE(p.im2col);
  REQUIRE(p.w_lines > 0);
  const int R = 4, P = 12, j0 = 0, slot = 2, nt = 3, mt = 10;
  std::mt19937 rng(17);
  std::vector<int8_t> ifm(5 * 6 * 2 * 4);
  for (auto& v : ifm) v = static_cast<int8_t>(rng() % 256);
  std::vector<int8_t> b(static_cast<size_t>((slot + P) * R * 4));  // B lines of 4 bytes (3 lanes + pad)
  for (auto& v : b) v = static_cast<int8_t>(rng() % 256);
  const int8_t pad = -3;
  sasim::Im2colRegs g;
  g.in_w = 6;
  g.in_h = 5;
  g.out_w = 4;
  g.stride_w = 1;
  g.stride_h = 1;
  g.lines = 2;
  g.pad = pad;
  g.iy = -1;
  g.ix = 2;
  g.ix_row = -1;
  g.ox = 3;  // the tile starts at the last pixel of an output row
  g.seq_rows = 2;
  g.seq_cols = 3;
  g.seq_lines = 2;
  g.seq_dy = 2;
  g.seq_dx = 1;
  auto configure = [&](Bus* bus) {
    bus->write_bytes(sasim_isa::kWriteA, ifm);
    CHECK(bus->op(sasim_isa::kCfg, sasim_isa::kCfgIm2colGeom, 6 | 5 << 16, 4 | 1 << 16 | 1 << 24) == 0);
    CHECK(bus->op(sasim_isa::kCfg, sasim_isa::kCfgIm2colPixel, 2 | (static_cast<uint32_t>(pad) & 0xff) << 8, 0) == 0);
    CHECK(bus->op(sasim_isa::kCfg, sasim_isa::kCfgIm2colSeq, 2 | 3 << 8 | 2 << 16, 2 | 1 << 16) == 0);
    CHECK(bus->op(sasim_isa::kCfg, sasim_isa::kCfgIm2colOrigin,
                  (static_cast<uint32_t>(g.iy) & 0xffff) | static_cast<uint32_t>(g.ix) << 16,
                  (static_cast<uint32_t>(g.ix_row) & 0xffff) | static_cast<uint32_t>(g.ox) << 16) == 0);
  };
  // The reference, for the first `chunks` chunks: each sub-pass as a plain
  // os pass whose A line k lane r is row r's pixel's byte at step k (walked
  // here), B lines slot x R .. written as lines 0 ...
  auto reference = [&](int chunks, std::vector<int32_t>* c, uint64_t* busy) {
    const int kt = chunks * R;
    sasim::Im2colRegs sub = g;
    c->assign(static_cast<size_t>(mt) * 3, 0);
    *busy = 0;
    for (int m0 = 0; m0 < mt; m0 += R) {
      const int ms = std::min(R, mt - m0);
      std::vector<int8_t> a(static_cast<size_t>(kt) * R, 0);
      for (int q = 0; q < chunks; ++q) {
        int line = 0;
        const sasim::Im2colRegs o = sasim::im2col_seq_origin(sub, q, j0, &line);
        const std::vector<int> ls = sasim::im2col_lines(o, line, ms, 5 * 6 * 2);
        for (int r = 0; r < ms; ++r)
          for (int i = 0; i < R; ++i)
            a[static_cast<size_t>((q * R + i) * R + r)] = ls[r] < 0 ? pad : ifm[static_cast<size_t>(ls[r] * 4 + i)];
      }
      sasim::CfuCore core(p);
      Bus bus(&core);
      bus.write_bytes(sasim_isa::kWriteA, a);
      bus.write_bytes(sasim_isa::kWriteB, std::vector<int8_t>(b.begin() + slot * R * 4, b.begin() + (slot * R + kt) * 4));
      CHECK(bus.op(sasim_isa::kStart, 0, ms | kt << 16, nt | sasim_isa::kFlagClear << 8) == 0);
      *busy += core.array().pass().cycles + 1;  // + the IM2COL sub-pass's lead cycle
      bus.op(sasim_isa::kWait, 0, 0, 0);
      for (int r = 0; r < ms; ++r)
        for (int n = 0; n < 3; ++n)
          (*c)[static_cast<size_t>((m0 + r) * 3 + n)] = core.buffers().c[0][static_cast<size_t>(r * 3 + n)];
      sasim::im2col_advance(&sub, R);
    }
  };
  for (const int chunks : {P, 5}) {
    INFO("chunks " << chunks);
    std::vector<int32_t> want;
    uint64_t want_busy = 0;
    reference(chunks, &want, &want_busy);
    const int kt = chunks * R;
    for (const bool store : {false, true}) {
      INFO((store ? "from the store" : "from B"));
      sasim::CfuCore core(p);
      Bus bus(&core);
      configure(&bus);
      if (store) {  // the same lines at store line 5 + slot x R ..., W_BASE 5
        CHECK(bus.op(sasim_isa::kCfg, sasim_isa::kCfgWSeek, 6, 0) == 0);
        std::vector<int8_t> w(4, 0);  // store line 5 (line 6 starts on a whole WRITE: pitch 4)
        w.insert(w.end(), b.begin(), b.end());
        CHECK(bus.op(sasim_isa::kCfg, sasim_isa::kCfgWSeek, 4, 0) == 0);
        for (size_t i = 0; i < w.size(); i += 8) {
          uint32_t x[2] = {0, 0};
          for (size_t k = 0; k < 8 && i + k < w.size(); ++k)
            x[k / 4] |= static_cast<uint32_t>(static_cast<uint8_t>(w[i + k])) << (8 * (k % 4));
          bus.op(sasim_isa::kWriteB, sasim_isa::kWriteW, x[0], x[1]);
        }
        CHECK(bus.op(sasim_isa::kCfg, sasim_isa::kCfgWBase, 5, 1) == 0);
      } else {
        bus.write_bytes(sasim_isa::kWriteB, b);
      }
      const uint32_t flags = sasim_isa::kFlagClear | sasim_isa::kFlagIm2col;
      const uint64_t c0 = core.counters().by_kind[static_cast<int>(sasim::CycleKind::kCompute)] +
                          core.counters().by_kind[static_cast<int>(sasim::CycleKind::kFillDrain)];
      CHECK(bus.op(sasim_isa::kStart, 0, mt | kt << 16,
                   nt | flags << 8 | static_cast<uint32_t>(j0) << sasim_isa::kStartJShift |
                       static_cast<uint32_t>(slot) << sasim_isa::kStartSlotShift) == 0);
      CHECK(core.array().pass().cycles == sasim_isa::pass_cycles_os_im2col(mt, kt, nt, R));
      bus.op(sasim_isa::kWait, 0, 0, 0);
      CHECK_FALSE(core.error());
      CHECK(core.counters().by_kind[static_cast<int>(sasim::CycleKind::kCompute)] +
                core.counters().by_kind[static_cast<int>(sasim::CycleKind::kFillDrain)] - c0 ==
            want_busy);
      CHECK(std::vector<int32_t>(core.buffers().c[0].begin(), core.buffers().c[0].begin() + mt * 3) == want);
      // Not CLEAR: the tile adds to C.
      CHECK(bus.op(sasim_isa::kStart, 0, mt | kt << 16,
                   nt | (sasim_isa::kFlagIm2col | sasim_isa::kFlagKeepA | sasim_isa::kFlagKeepB) << 8 |
                       static_cast<uint32_t>(slot) << sasim_isa::kStartSlotShift) == 0);
      bus.op(sasim_isa::kWait, 0, 0, 0);
      std::vector<int32_t> twice = want;
      for (auto& v : twice) v = static_cast<int32_t>(2u * static_cast<uint32_t>(v));
      CHECK(std::vector<int32_t>(core.buffers().c[0].begin(), core.buffers().c[0].begin() + mt * 3) == twice);
    }
  }
  // Rejected: Kt not whole chunks, more chunks than IM2COL_SEQ has, B lines
  // past the bank (of 64 lines here), and the ws-only flags.
  hw.buf_b.size_bytes = 64 * 4;
  const sasim::CoreParams ps = sasim::core_params_from(hw);
  REQUIRE(ps.b_lines == 64);
  sasim::CfuCore core(ps);
  Bus bus(&core);
  configure(&bus);
  const uint32_t f = sasim_isa::kFlagClear | sasim_isa::kFlagIm2col;
  const uint32_t bad[][2] = {
      {10u | 6u << 16, nt | f << 8},
      {10u | static_cast<uint32_t>((P + 1) * R) << 16, nt | f << 8},
      {10u | static_cast<uint32_t>(P * R) << 16, nt | f << 8 | static_cast<uint32_t>(64 / R - P + 1) << 24},
      {10u | static_cast<uint32_t>(P * R) << 16, nt | (f | sasim_isa::kFlagBCols) << 8},
      {10u | static_cast<uint32_t>(P * R) << 16, nt | (f | sasim_isa::kFlagSeq) << 8},
      {10u | static_cast<uint32_t>(P * R) << 16, nt | (f | sasim_isa::kFlagHoldB) << 8}};
  for (const auto& cmd : bad) {
    INFO("START " << std::hex << cmd[0] << " " << cmd[1]);
    CHECK(bus.op(sasim_isa::kStart, 0, cmd[0], cmd[1]) == sasim_isa::kErrorResponse);
  }
  CHECK(bus.op(sasim_isa::kStart, 0, 10u | static_cast<uint32_t>(P * R) << 16,
               nt | f << 8 | static_cast<uint32_t>(64 / R - P) << 24) == 0);
}

TEST_CASE("weight store: a SEQ tile loads the store at W_BASE exactly as the B bank", "[model][im2col][store]") {
  namespace isa = sasim_isa;
  const sasim::CoreParams p = sasim::core_params_from(hw_of(4, 4, "ws"));
  REQUIRE(p.w_lines == 98304 / 4);  // the default store, lines of line_pitch(4) = 4 bytes
  std::mt19937 rng(12);
  std::vector<int8_t> ifm(5 * 6 * 2 * 4);
  for (auto& v : ifm) v = static_cast<int8_t>(rng() % 256);
  const int P = 2 * 3 * 2;
  std::vector<int8_t> b(static_cast<size_t>(P * 4 * 4));
  for (auto& v : b) v = static_cast<int8_t>(rng() % 256);
  const int mt = 7, kt = 4, nt = 4;
  const uint32_t seq_flags = isa::kFlagClear | isa::kFlagIm2col | isa::kFlagBCols | isa::kFlagSeq;
  auto setup = [&](Bus* bus) {
    bus->write_bytes(isa::kWriteA, ifm);
    CHECK(bus->op(isa::kCfg, isa::kCfgIm2colGeom, 6 | 5 << 16, 4 | 1 << 16 | 1 << 24) == 0);
    CHECK(bus->op(isa::kCfg, isa::kCfgIm2colPixel, 2 | 0x7fu << 8, P) == 0);
    CHECK(bus->op(isa::kCfg, isa::kCfgIm2colSeq, 2 | 3 << 8 | 2 << 16, 2 | 1 << 16) == 0);
    CHECK(bus->op(isa::kCfg, isa::kCfgIm2colOrigin, static_cast<uint16_t>(-1) | 1u << 16,
                  static_cast<uint16_t>(-1) | 1u << 16) == 0);
  };
  auto write_w = [&](Bus* bus, const std::vector<int8_t>& bytes) {
    for (size_t i = 0; i < bytes.size(); i += 8) {
      uint32_t w[2] = {0, 0};
      for (size_t j = 0; j < 8 && i + j < bytes.size(); ++j)
        w[j / 4] |= static_cast<uint32_t>(static_cast<uint8_t>(bytes[i + j])) << (8 * (j % 4));
      CHECK(bus->op(isa::kWriteB, isa::kWriteW, w[0], w[1]) == 0);
    }
  };
  // The tile from the B bank.
  std::vector<int32_t> want;
  uint64_t want_cycles = 0;
  {
    sasim::CfuCore core(p);
    Bus bus(&core);
    setup(&bus);
    bus.write_bytes(isa::kWriteB, b);
    const uint64_t c0 = core.counters().cycles;
    CHECK(bus.op(isa::kStart, 0, mt | kt << 16, nt | seq_flags << 8) == 0);
    bus.op(isa::kWait, 0, 0, 0);
    want_cycles = core.counters().cycles - c0;
    want.assign(core.buffers().c[0].begin(), core.buffers().c[0].begin() + mt * 4);
  }
  // The same weights in the store at line 1000 (B untouched: zeros); W_BASE
  // is latched by START, so rewriting it while the tile runs changes nothing.
  sasim::CfuCore core(p);
  Bus bus(&core);
  setup(&bus);
  CHECK(bus.op(isa::kCfg, isa::kCfgWSeek, 1000, 0) == 0);
  write_w(&bus, b);
  CHECK(core.w_write_ptr() == 1000 * 4 + b.size());
  CHECK(bus.op(isa::kCfg, isa::kCfgWBase, 1000, 1) == 0);
  const uint64_t c0 = core.counters().cycles;
  CHECK(bus.op(isa::kStart, 0, mt | kt << 16, nt | seq_flags << 8) == 0);
  CHECK(bus.op(isa::kCfg, isa::kCfgWBase, 0, 0) == 0);  // no wait while the tile runs
  CHECK(core.array().busy());
  // WRITE_W waits for the idle array: it executes after the tile's last pass.
  CHECK(bus.op(isa::kWriteB, isa::kWriteW, 0, 0) == 0);
  CHECK_FALSE(core.array().busy());
  CHECK(core.counters().cycles - c0 >= want_cycles);
  CHECK(std::vector<int32_t>(core.buffers().c[0].begin(), core.buffers().c[0].begin() + mt * 4) == want);
  CHECK_FALSE(core.error());
  // Off again (the W_BASE above): the B bank's zeros give zero sums.
  CHECK(bus.op(isa::kStart, 0, mt | kt << 16, nt | seq_flags << 8) == 0);
  bus.op(isa::kWait, 0, 0, 0);
  CHECK(std::vector<int32_t>(core.buffers().c[0].begin(), core.buffers().c[0].begin() + mt * 4) ==
        std::vector<int32_t>(static_cast<size_t>(mt * 4), 0));
  // The bounds: the last line a sequence reads, base + P - 1 + (Nt - 1) x P,
  // must lie in the store; RESET turns the store off (B again), keeping it.
  const uint32_t last_ok = static_cast<uint32_t>(p.w_lines - (P - 1 + 3 * P) - 1);
  CHECK(bus.op(isa::kCfg, isa::kCfgWBase, last_ok + 1, 1) == 0);
  CHECK(bus.op(isa::kStart, 0, mt | kt << 16, nt | seq_flags << 8) == isa::kErrorResponse);
  CHECK(bus.op(isa::kReset, 0, 0, 0) == 0);
  setup(&bus);
  CHECK(bus.op(isa::kCfg, isa::kCfgWBase, last_ok, 1) == 0);
  CHECK(bus.op(isa::kStart, 0, mt | kt << 16, nt | seq_flags << 8) == 0);
  CHECK_FALSE(core.error());
  CHECK(bus.op(isa::kReset, 0, 0, 0) == 0);
  CHECK(core.im2col_regs().w_on == false);
  CHECK(core.w_write_ptr() == 0);
  CHECK(core.buffers().w[1000 * 4] == b[0]);
  // Rejected: W_SEEK past the store or off an 8-byte boundary (lines of 4
  // bytes: odd lines), W_BASE on past the store.
  CHECK(bus.op(isa::kCfg, isa::kCfgWSeek, static_cast<uint32_t>(p.w_lines), 0) == isa::kErrorResponse);
  CHECK(bus.op(isa::kReset, 0, 0, 0) == 0);
  CHECK(bus.op(isa::kCfg, isa::kCfgWSeek, 7, 0) == isa::kErrorResponse);
  CHECK(bus.op(isa::kReset, 0, 0, 0) == 0);
  CHECK(bus.op(isa::kCfg, isa::kCfgWBase, static_cast<uint32_t>(p.w_lines), 1) == isa::kErrorResponse);
  CHECK(bus.op(isa::kReset, 0, 0, 0) == 0);
  CHECK(bus.op(isa::kCfg, isa::kCfgWBase, static_cast<uint32_t>(p.w_lines), 0) == 0);  // off: base ignored
  // Without a store the three commands are unknown.
  sasim::HwConfig none = hw_of(4, 4, "ws");
  none.buf_w.size_bytes = 0;
  sasim::CfuCore bare(sasim::core_params_from(none));
  Bus bare_bus(&bare);
  CHECK(bare_bus.op(isa::kCfg, isa::kCfgWSeek, 0, 0) == isa::kErrorResponse);
  CHECK(bare_bus.op(isa::kReset, 0, 0, 0) == 0);
  CHECK(bare_bus.op(isa::kCfg, isa::kCfgWBase, 0, 1) == isa::kErrorResponse);
  CHECK(bare_bus.op(isa::kReset, 0, 0, 0) == 0);
  CHECK(bare_bus.op(isa::kWriteB, isa::kWriteW, 0, 0) == isa::kErrorResponse);
}

TEST_CASE("weight store: random convs and depthwise layers with their weights in the store equal the golden layer",
          "[model][store]") {
  std::mt19937 rng(20261206);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  int from_store = 0, not_stored = 0;
  for (int iter = 0; iter < 160; ++iter) {
    sasim::LayerSpec s;
    const bool dw = pick(0, 2) == 0;
    s.op = dw ? sasim::OpKind::kDepthwiseConv2d : sasim::OpKind::kConv2d;
    s.input_zero_point = pick(-128, 127);
    s.output_zero_point = pick(-128, 127);
    s.has_bias = true;
    const int ih = pick(1, 14), iw = pick(1, 14), kh = pick(1, 3), kw = pick(1, 3);
    s.stride_h = pick(1, 2);
    s.stride_w = pick(1, 2);
    s.padding = pick(0, 1) ? sasim::Padding::kSame : sasim::Padding::kValid;
    const int oh = sasim::conv_out_size(ih, kh, s.stride_h, 1, s.padding);
    const int ow = sasim::conv_out_size(iw, kw, s.stride_w, 1, s.padding);
    if (oh < 1 || ow < 1) continue;
    const int ic = pick(1, 40), oc = dw ? ic : pick(1, 40), batches = pick(0, 4) == 0 ? 2 : 1;
    if (dw) s.depth_multiplier = 1;
    s.filter_shape = dw ? std::vector<int>{1, kh, kw, oc} : std::vector<int>{oc, kh, kw, ic};
    s.input_shape = {batches, ih, iw, ic};
    s.output_shape = {batches, oh, ow, oc};
    for (int i = 0; i < oc; ++i) {
      s.output_multiplier.push_back(pick(1 << 30, INT32_MAX));
      s.output_shift.push_back(pick(-12, -6));
    }
    std::vector<sasim::FieldError> errs;
    REQUIRE(sasim::validate_layer(&s, &errs));
    const sasim::LayerData d = sasim_test::random_layer_data(s, pick);
    std::vector<int8_t> want;
    sasim::golden_layer(s, d, &want);
    const int rows = pick(1, 3) * 4 - pick(0, 1), cols = rows + pick(0, 5);
    sasim::HwConfig hw = hw_of(rows, cols, iter % 3 == 2 ? "os" : "ws");  // (os: its tile form)
    hw.buf_a.size_bytes = 8 * pick(16, 400);
    hw.buf_b.size_bytes = 16 * pick(16, 100);
    hw.buf_c.size_bytes = 4 * cols * pick(4, 40);
    hw.buf_w.size_bytes = 8 * pick(1, 2000);
    const sasim::CoreParams p = sasim::core_params_from(hw);
    const sasim_drv::HwDesc hd = sasim::hw_desc_from(p);
    std::vector<int8_t> out(want.size());
    sasim_drv::LayerDesc l = sasim::layer_desc_from(s, d, out.data());
    std::vector<int32_t> folded(static_cast<size_t>(oc)), blob;
    sasim_drv::fold_biases(l, folded.data());
    l.folded_bias = folded.data();
    const int bytes = sasim_drv::packed_weights_bytes(hd, l);
    blob.resize(static_cast<size_t>(bytes + 3) / 4);
    if (bytes > 0) {
      sasim_drv::pack_weights(hd, l, reinterpret_cast<int8_t*>(blob.data()));
      l.packed_weights = reinterpret_cast<const int8_t*>(blob.data());
    }
    const int lines = sasim_drv::store_lines(hd, l);
    INFO("iteration " << iter << (dw ? " depthwise " : " conv ") << ih << "x" << iw << "x" << ic << " k " << kh << "x"
                      << kw << " -> " << oc << " on " << rows << "x" << cols << ", store " << p.w_lines
                      << " lines, blob " << bytes << " bytes in " << lines);
    // Without the store first: the writes the weights cost.
    uint64_t writes_plain = 0;
    {
      sasim::CfuCore core(p);
      sasim::PlainHost host(&core, hw.host);
      sasim::set_cfu_target(&host);
      REQUIRE(sasim_drv::run_layer(hd, l) == sasim_drv::kOk);
      CHECK(out == want);
      writes_plain = core.counters().sram_writes;
    }
    if (lines == 0 || lines > p.w_lines) {
      ++not_stored;
      continue;
    }
    // Anywhere a W_SEEK can start (whole 8-byte words) where the blob fits.
    const int pitch = sasim_isa::line_pitch(cols), step = pitch < 8 ? 8 / pitch : 1;
    const int line = pick(0, (p.w_lines - lines) / step) * step;
    sasim::CfuCore core(p);
    sasim::PlainHost host(&core, hw.host);
    sasim::set_cfu_target(&host);
    REQUIRE(sasim_drv::store_weights(hd, l, line) == sasim_drv::kOk);
    CHECK(sasim_drv::store_weights(hd, l, p.w_lines - lines + step) == sasim_drv::kErrCfuRejected);
    l.w_store = line + 1;
    std::fill(out.begin(), out.end(), int8_t{0});
    const uint64_t writes0 = core.counters().sram_writes;
    REQUIRE(sasim_drv::run_layer(hd, l) == sasim_drv::kOk);
    CHECK_FALSE(core.error());
    CHECK(out == want);
    // No weight crossed the bus: at least one WRITE (two RAM words) fewer
    // per 8 filter bytes (the A traffic is the same).
    CHECK(writes_plain - (core.counters().sram_writes - writes0) >= static_cast<uint64_t>(s.filter_elems() / 8 * 2));
    ++from_store;
  }
  INFO("from the store " << from_store << ", not stored " << not_stored);
  CHECK(from_store >= 60);
  CHECK(not_stored >= 5);
}

TEST_CASE("weight store: the host's allocation follows the exported bridge's rule and limits", "[model][store]") {
  // The bridge's defaults, as the export writes them.
  std::ifstream f(std::string(SASIM_SOURCE_DIR) + "/src/export/proj/sasim_tflm.cc");
  std::stringstream text;
  text << f.rdbuf();
  CHECK(text.str().find("#define SASIM_PREPARED_BYTES (256 * 1024)") != std::string::npos);
  CHECK(text.str().find("#define SASIM_PREPARED_LAYERS 64") != std::string::npos);
  CHECK(sasim::StoreAllocator::kPreparedBytes == 256u * 1024);
  CHECK(sasim::StoreAllocator::kPreparedLayers == 64);
  // 3x3 convs of c -> o channels on the 8x8 ws default: the blob is 9 x
  // ceil(c / 8) passes x o columns of 8-byte lines (its store lines).
  auto conv = [](int c, int o, sasim::LayerSpec* s) {
    s->op = sasim::OpKind::kConv2d;
    s->has_bias = true;
    s->padding = sasim::Padding::kSame;
    s->filter_shape = {o, 3, 3, c};
    s->input_shape = {1, 8, 8, c};
    s->output_shape = {1, 8, 8, o};
    s->output_multiplier.assign(static_cast<size_t>(o), 1 << 30);
    s->output_shift.assign(static_cast<size_t>(o), -8);
    std::vector<sasim::FieldError> errs;
    REQUIRE(sasim::validate_layer(s, &errs));
  };
  std::mt19937 rng(5);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const sasim::CoreParams p = sasim::core_params_from(hw_of(8, 8, "ws"));
  const sasim_drv::HwDesc hd = sasim::hw_desc_from(p);
  sasim::StoreAllocator store(hd);
  sasim::LayerSpec big, small;
  conv(64, 128, &big);  // 9 x 8 passes x 128 lines = 9,216 lines (73,728 B)
  conv(8, 32, &small);  // 9 x 1 x 32 = 288 lines
  const sasim::LayerData db = sasim_test::random_layer_data(big, pick), ds = sasim_test::random_layer_data(small, pick);
  CHECK(store.place(big, db, "a") == 1);            // lines 0 .. 9215
  CHECK(store.place(small, ds, "b") == 9216 + 1);   // then 9216 .. 9503
  CHECK(store.place(big, db, "c") == 0);            // does not fit what is left (2,784 lines)
  CHECK(store.place(small, ds, "d") == 9504 + 1);   // a later one that fits still goes in
  CHECK(store.layers() == 3);
  CHECK(store.layers_not_fitting() == 1);
  CHECK(store.lines_used() == 9792);
  // The bridge's arena (256 KiB): three big blobs and their biases take
  // 221,184 + 3 x 512 B, so a fourth is not prepared (its biases are: 512 B) and not
  // stored, even with room in the store; a small one after it still is.
  sasim_drv::HwDesc roomy = hd;
  roomy.w_lines = 1 << 20;
  sasim::StoreAllocator arena(roomy);
  CHECK(arena.place(big, db, "a") == 1);
  CHECK(arena.place(big, db, "b") == 9216 + 1);
  CHECK(arena.place(big, db, "c") == 2 * 9216 + 1);
  CHECK(arena.last_prepared() == 2);
  CHECK(!arena.last_unprepared());
  CHECK(arena.unprepared_warning().empty());
  CHECK(arena.place(big, db, "d") == 0);
  CHECK(arena.last_prepared() == 1);  // its biases folded, its weights not packed
  CHECK(arena.last_unprepared());     // so the driver builds its B lines from the raw filter
  CHECK(arena.layers_not_fitting() == 0);
  CHECK(arena.place(small, ds, "e") == 3 * 9216 + 1);
  CHECK(!arena.last_unprepared());
  CHECK(arena.unprepared_warning().find("1 layer (d)") != std::string::npos);
  // What a layer takes of the store (its biases and blob in 16-byte pieces),
  // and a store sized for a network that needs more than the defaults.
  CHECK(sasim::StoreAllocator::prepared_bytes(hd, sasim::layer_desc_from(big, db, nullptr)) == 128 * 4 + 73728);
  CHECK(sasim::StoreAllocator::store_bytes_for(100) == 256u * 1024);
  CHECK(sasim::StoreAllocator::store_bytes_for(4 * (128 * 4 + 73728)) == 304u * 1024);
  CHECK(sasim::StoreAllocator::store_bytes_for(1ull << 40) == sasim::StoreAllocator::kMaxPreparedBytes);
  CHECK(sasim::StoreAllocator::store_layers_for(70) == 70);
  sasim::StoreAllocator sized(roomy, sasim::StoreAllocator::store_bytes_for(4 * (128 * 4 + 73728)));
  for (const char* n : {"a", "b", "c", "d"}) {
    sized.place(big, db, n);
    CHECK(!sized.last_unprepared());
  }
  CHECK(sized.size_note().find("sized for this network, 304 KiB") != std::string::npos);
  CHECK(store.size_note().empty());
  // A fresh allocator: 64 table entries, then nothing.
  sasim::StoreAllocator table(hd);
  sasim::LayerSpec tiny;
  conv(1, 8, &tiny);
  const sasim::LayerData dt = sasim_test::random_layer_data(tiny, pick);
  int placed = 0;
  for (int i = 0; i < 70; ++i) placed += table.place(tiny, dt, "t") > 0 ? 1 : 0;
  CHECK(placed == 64);
  CHECK(table.last_prepared() == 0);  // no table entry: nothing prepared
}

TEST_CASE("eltwise: EW_OP answers the result of the EW_OP kEwLag before it, as the golden ADD/SUB/MUL", "[model][eltwise]") {
  namespace isa = sasim_isa;
  sasim::CfuCore core(sasim::core_params_from(hw_of(8, 8, "os")));  // any dataflow has the unit
  sasim::PlainHost host(&core, hw_of(8, 8, "os").host);
  auto op = [&](int f7, uint32_t a, uint32_t b) { return host.cfu_op(isa::kCfg, f7, a, b); };
  std::mt19937 rng(11);
  const sasim::QuantParam qa{0.07f, 5}, qb{0.03f, -9}, qo{0.05f, -2};
  for (int which = 0; which < 3; ++which) {
    INFO("op " << which);
    int32_t m[3] = {0, 0, 0};
    int s[3] = {0, 0, 0};
    if (which == isa::kEwAdd) sasim::add_multipliers(qa, qb, qo, m, s);
    else if (which == isa::kEwSub) sasim::sub_multipliers(qa, qb, qo, m, s);
    else sasim::mul_multiplier(qa, qb, qo, &m[2], &s[2]);
    int32_t lo, hi;
    sasim::int8_activation_range(which == 1 ? 1 : 0, qo, &lo, &hi);  // SUB with a fused RELU
    CHECK(op(isa::kCfgEwConfig, static_cast<uint32_t>(qa.zero_point & 0xff) | static_cast<uint32_t>(qb.zero_point & 0xff) << 8 |
                                    static_cast<uint32_t>(which) << 16,
             static_cast<uint32_t>(qo.zero_point & 0xff) | static_cast<uint32_t>(lo & 0xff) << 8 |
                 static_cast<uint32_t>(hi & 0xff) << 16) == 0);
    for (int k = 0; k < 3; ++k)
      CHECK(op(isa::kCfgEwMult, static_cast<uint32_t>(m[k]), static_cast<uint32_t>(k) | (static_cast<uint32_t>(s[k]) & 0xff) << 8) == 0);
    // 50 groups: the first kEwLag answers are 0 (the unit was just flushed),
    // then group g - kEwLag's four results.
    std::vector<int8_t> a(200), b(200);
    for (auto& v : a) v = static_cast<int8_t>(rng() % 256);
    for (auto& v : b) v = static_cast<int8_t>(rng() % 256);
    std::vector<int8_t> want;
    if (which == 0) sasim::add_int8(a, {200}, qa, b, {200}, qb, qo, 0, {200}, &want);
    else if (which == 1) sasim::sub_int8(a, {200}, qa, b, {200}, qb, qo, 1, {200}, &want);
    else sasim::mul_int8(a, {200}, qa, b, {200}, qb, qo, 0, {200}, &want);
    auto word = [](const std::vector<int8_t>& v, int g) {
      uint32_t w = 0;
      for (int i = 0; i < 4; ++i) w |= static_cast<uint32_t>(static_cast<uint8_t>(v[4 * g + i])) << (8 * i);
      return w;
    };
    for (int g = 0; g < 50 + isa::kEwLag; ++g) {
      const uint32_t r = g < 50 ? op(isa::kCfgEwOp, word(a, g), word(b, g)) : op(isa::kCfgEwOp, 0, 0);
      if (g < isa::kEwLag) CHECK(r == 0);
      else CHECK(r == word(want, g - isa::kEwLag));
    }
  }
  // A parameter write empties the unit; RESET too.
  op(isa::kCfgEwOp, 0x01020304, 0x05060708);
  op(isa::kCfgEwConfig, 0, 0x7f8005);  // output zero point 5: results are not 0
  for (int g = 0; g < isa::kEwLag; ++g) CHECK(op(isa::kCfgEwOp, 0x11111111, 0x22222222) == 0);
  CHECK(op(isa::kCfgEwOp, 0, 0) != 0);
  host.cfu_op(isa::kReset, 0, 0, 0);
  CHECK(op(isa::kCfgEwOp, 0, 0) == 0);
  CHECK_FALSE(core.error());
  // Rejected: op 3, bits above the op, `which` 3, an input shift above 0,
  // an output shift above 30.
  CHECK(op(isa::kCfgEwConfig, 3u << 16, 0) == isa::kErrorResponse);
  CHECK(op(isa::kCfgEwConfig, 1u << 18, 0) == isa::kErrorResponse);
  CHECK(op(isa::kCfgEwMult, 1 << 30, 3) == isa::kErrorResponse);
  CHECK(op(isa::kCfgEwMult, 1 << 30, isa::kEwMultA | 1u << 8) == isa::kErrorResponse);
  CHECK(op(isa::kCfgEwMult, 1 << 30, isa::kEwMultOut | 31u << 8) == isa::kErrorResponse);
  CHECK(op(isa::kCfgEwMult, 1 << 30, isa::kEwMultOut | 30u << 8) == 0);
  CHECK(core.error());
  // Without the extension the three are unknown commands.
  sasim::HwConfig off = hw_of(8, 8, "ws");
  off.eltwise = false;
  sasim::CfuCore plain(sasim::core_params_from(off));
  sasim::PlainHost plain_host(&plain, off.host);
  for (int f7 : {isa::kCfgEwConfig, isa::kCfgEwMult, isa::kCfgEwOp})
    CHECK(plain_host.cfu_op(isa::kCfg, f7, 0, 0) == isa::kErrorResponse);
}

TEST_CASE("eltwise READ_EW: the readback word through the unit equals the golden ADD with the residual", "[model][eltwise]") {
  namespace isa = sasim_isa;
  const sasim::HwConfig hw = hw_of(4, 4, "os");
  sasim::CfuCore core(sasim::core_params_from(hw));
  Bus bus(&core);
  // One pass: 4 lines x 4 columns of varied accumulators, requantized with
  // a small multiplier so that the int8 outputs spread.
  std::mt19937 rng(5);
  std::vector<int8_t> a(4 * 4), b(4 * 4);
  for (auto& v : a) v = static_cast<int8_t>(rng() % 256);
  for (auto& v : b) v = static_cast<int8_t>(rng() % 256);
  bus.write_bytes(isa::kWriteA, a);
  bus.write_bytes(isa::kWriteB, b);
  bus.op(isa::kParam, 2, 0, 3);                          // bias 3, every column
  bus.op(isa::kParam, 3, 1u << 30, 0xfbu << 8);          // x 0.5 x 2^-5
  bus.op(isa::kCfg, 0, 0x7f8007, 0);                     // output zero point 7
  bus.op(isa::kStart, 0, 4u | 4u << 16, 4u | (isa::kFlagClear << 8));
  bus.op(isa::kWait, 0, 0, 0);
  // The words READ NEXT returns (y), then the same through READ_EW with a
  // residual x: lagged by kEwLag, the first ones 0, the rest flushed by EW_OPs.
  bus.op(isa::kRead, 1, 0, 0);
  std::vector<uint32_t> y(4);
  for (auto& w : y) w = bus.op(isa::kRead, 0, 0, 0);
  const sasim::QuantParam qy{0.05f, 7}, qx{0.03f, -4}, qo{0.06f, 3};
  int32_t m[3] = {0, 0, 0};
  int s[3] = {0, 0, 0};
  sasim::add_multipliers(qy, qx, qo, m, s);
  CHECK(bus.op(isa::kCfg, isa::kCfgEwConfig, static_cast<uint32_t>(qy.zero_point & 0xff) |
                                                 static_cast<uint32_t>(qx.zero_point & 0xff) << 8,
               static_cast<uint32_t>(qo.zero_point & 0xff) | 0x80u << 8 | 0x7fu << 16) == 0);
  for (int k = 0; k < 3; ++k)
    CHECK(bus.op(isa::kCfg, isa::kCfgEwMult, static_cast<uint32_t>(m[k]),
                 static_cast<uint32_t>(k) | (static_cast<uint32_t>(s[k]) & 0xff) << 8) == 0);
  std::vector<uint32_t> x(4);
  for (auto& w : x) w = static_cast<uint32_t>(rng());
  bus.op(isa::kRead, 1, 0, 0);
  std::vector<uint32_t> got;
  for (int i = 0; i < 4; ++i) got.push_back(bus.op(isa::kRead, isa::kReadEw, x[i], 0));
  for (int i = 0; i < isa::kEwLag; ++i) got.push_back(bus.op(isa::kCfg, isa::kCfgEwOp, 0, 0));
  std::vector<int8_t> yb, xb, want;
  for (int i = 0; i < 16; ++i) {
    yb.push_back(static_cast<int8_t>((y[i / 4] >> (8 * (i % 4))) & 0xff));
    xb.push_back(static_cast<int8_t>((x[i / 4] >> (8 * (i % 4))) & 0xff));
  }
  sasim::add_int8(yb, {16}, qy, xb, {16}, qx, qo, 0, {16}, &want);
  CHECK(std::set<uint32_t>(y.begin(), y.end()).size() > 1);  // the outputs are not all alike
  for (int i = 0; i < isa::kEwLag; ++i) CHECK(got[i] == 0);
  for (int i = 0; i < 4; ++i) {
    uint32_t w = 0;
    for (int k = 0; k < 4; ++k) w |= static_cast<uint32_t>(static_cast<uint8_t>(want[4 * i + k])) << (8 * k);
    CHECK(got[isa::kEwLag + i] == w);
  }
  CHECK_FALSE(core.error());
  // Without the prefetch or without the unit READ_EW is an unknown command.
  for (int variant = 0; variant < 2; ++variant) {
    sasim::HwConfig off = hw;
    if (variant == 0) off.eltwise = false;
    else off.read_prefetch = false;
    sasim::CfuCore plain(sasim::core_params_from(off));
    Bus pbus(&plain);
    CHECK(pbus.op(isa::kRead, isa::kReadEw, 0, 0) == isa::kErrorResponse);
  }
}

TEST_CASE("eltwise driver: every size, broadcast and alignment equals the golden operator", "[model][eltwise]") {
  // The driver's elementwise mapping on the host seam (the board's stream
  // is tested on the CPU model, tests/test_cpu.cc): the lag's prologue and
  // drain at every size, tails, scalars on either side (ADD/MUL swap them),
  // a general broadcast gathered byte by byte, operands off word alignment.
  namespace isa = sasim_isa;
  const sasim::HwConfig hw = hw_of(4, 4, "ws");
  const sasim::CoreParams p = sasim::core_params_from(hw);
  sasim::CfuCore core(p);
  sasim::PlainHost host(&core, hw.host);
  sasim::set_cfu_target(&host);
  std::mt19937 rng(5);
  const sasim::QuantParam qa{0.04f, -3}, qb{0.06f, 8}, qo{0.05f, 4};
  struct Shape5 {
    sasim::Shape a, b, out;
  };
  const Shape5 shapes[] = {{{1}, {1}, {1}},          {{3}, {3}, {3}},          {{45}, {45}, {45}},
                           {{77}, {1}, {77}},        {{1}, {77}, {77}},        {{5, 7, 3}, {1, 1, 3}, {5, 7, 3}},
                           {{2, 1, 6}, {1, 5, 6}, {2, 5, 6}}, {{130}, {130}, {130}}};
  for (int op = 0; op < 3; ++op)
    for (const Shape5& sh : shapes)
      for (int offset = 0; offset < 2; ++offset) {
        auto count = [](const sasim::Shape& s) {
          int n = 1;
          for (int d : s) n *= d;
          return n;
        };
        const int na = count(sh.a), nb = count(sh.b), no = count(sh.out);
        INFO("op " << op << " out " << no << " offset " << offset);
        std::vector<int8_t> abuf(na + 1), bbuf(nb + 1), obuf(no + 1, 0);
        for (auto& v : abuf) v = static_cast<int8_t>(rng() % 256);
        for (auto& v : bbuf) v = static_cast<int8_t>(rng() % 256);
        const std::vector<int8_t> a(abuf.begin() + offset, abuf.begin() + offset + na),
            b(bbuf.begin() + offset, bbuf.begin() + offset + nb);
        int32_t m[3] = {0, 0, 0};
        int s[3] = {0, 0, 0};
        std::vector<int8_t> want;
        if (op == 0) sasim::add_multipliers(qa, qb, qo, m, s);
        else if (op == 1) sasim::sub_multipliers(qa, qb, qo, m, s);
        else sasim::mul_multiplier(qa, qb, qo, &m[2], &s[2]);
        if (op == 0) sasim::add_int8(a, sh.a, qa, b, sh.b, qb, qo, 0, sh.out, &want);
        else if (op == 1) sasim::sub_int8(a, sh.a, qa, b, sh.b, qb, qo, 0, sh.out, &want);
        else sasim::mul_int8(a, sh.a, qa, b, sh.b, qb, qo, 0, sh.out, &want);
        sasim_drv::EltwiseDesc e{};
        e.op = op;
        e.a_zp = qa.zero_point;
        e.b_zp = qb.zero_point;
        e.out_zp = qo.zero_point;
        e.act_min = -128;
        e.act_max = 127;
        e.m_a = m[0];
        e.s_a = s[0];
        e.m_b = m[1];
        e.s_b = s[1];
        e.m_out = m[2];
        e.s_out = s[2];
        // Right-aligned into 5 dimensions, stride 0 where an operand has 1.
        const size_t r = sh.out.size();
        int sa = 1, sb = 1;
        for (int k = 4; k >= 0; --k) {
          const size_t i = static_cast<size_t>(k) + r;  // index + 5 into the shapes
          const int dout = i >= 5 ? sh.out[i - 5] : 1;
          const int da = i >= 5 + r - sh.a.size() ? sh.a[i - 5 - (r - sh.a.size())] : 1;
          const int db = i >= 5 + r - sh.b.size() ? sh.b[i - 5 - (r - sh.b.size())] : 1;
          e.dims[k] = dout;
          e.stride_a[k] = da == 1 ? 0 : sa;
          e.stride_b[k] = db == 1 ? 0 : sb;
          sa *= da;
          sb *= db;
        }
        e.a = abuf.data() + offset;
        e.b = bbuf.data() + offset;
        e.output = obuf.data() + offset;
        REQUIRE(sasim_drv::eltwise_supported(sasim::hw_desc_from(p), e));
        REQUIRE(sasim_drv::run_eltwise(sasim::hw_desc_from(p), e) == sasim_drv::kOk);
        CHECK(std::vector<int8_t>(obuf.begin() + offset, obuf.begin() + offset + no) == want);
        CHECK_FALSE(core.error());
      }
  // Without the extension the driver declines (the operator stays on the CPU).
  sasim_drv::HwDesc off = sasim::hw_desc_from(p);
  off.eltwise = false;
  sasim_drv::EltwiseDesc e{};
  for (int k = 0; k < 5; ++k) e.dims[k] = 1;
  e.act_min = -128;
  e.act_max = 127;
  CHECK_FALSE(sasim_drv::eltwise_supported(off, e));
  CHECK(sasim_drv::eltwise_supported(sasim::hw_desc_from(p), e));
  e.s_a = 1;  // an input multiplier above one: not for the unit
  CHECK_FALSE(sasim_drv::eltwise_supported(sasim::hw_desc_from(p), e));
  CHECK(sasim_drv::run_eltwise(sasim::hw_desc_from(p), e) == sasim_drv::kErrCfuRejected);
}

// The fused elementwise readback (LayerSpec::fused, READ_EW) on random
// layers and arrays whose tiles read whole words: the layer's output is the
// golden layer's result through the golden ADD, SUB or MUL with the operand.
TEST_CASE("fused readback: random layers through an ADD/SUB/MUL equal the golden layer and operator", "[model][eltwise]") {
  std::mt19937 rng(20261206);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  auto scale = [&] { return 0.01f + 0.002f * static_cast<float>(pick(0, 60)); };
  int checked = 0, rejected = 0;
  for (int iter = 0; iter < 160; ++iter) {
    sasim::LayerSpec s;
    const int op = pick(0, 2);
    s.op = op == 0 ? sasim::OpKind::kConv2d : op == 1 ? sasim::OpKind::kDepthwiseConv2d : sasim::OpKind::kFullyConnected;
    s.input_zero_point = pick(-128, 127);
    s.output_zero_point = pick(-128, 127);
    s.has_bias = true;
    // Output channels mostly a multiple of 4 (fusable); sometimes not (refused).
    const bool words = pick(0, 5) != 0;
    int oc;
    if (s.op == sasim::OpKind::kFullyConnected) {
      const int batches = pick(1, 3), depth = pick(1, 40);
      oc = words ? 4 * pick(1, 6) : 4 * pick(0, 5) + pick(1, 3);
      s.input_shape = {batches, depth};
      s.filter_shape = {oc, depth};
      s.output_shape = {batches, oc};
    } else {
      const int ih = pick(2, 12), iw = pick(2, 12), kh = pick(1, 3), kw = pick(1, 3);
      s.stride_h = pick(1, 2);
      s.stride_w = pick(1, 2);
      s.padding = pick(0, 1) ? sasim::Padding::kSame : sasim::Padding::kValid;
      const int oh = sasim::conv_out_size(ih, kh, s.stride_h, 1, s.padding);
      const int ow = sasim::conv_out_size(iw, kw, s.stride_w, 1, s.padding);
      if (oh < 1 || ow < 1) continue;
      int ic;
      if (s.op == sasim::OpKind::kConv2d) {
        ic = pick(1, 20);
        oc = words ? 4 * pick(1, 6) : 4 * pick(0, 5) + pick(1, 3);
        s.filter_shape = {oc, kh, kw, ic};
      } else {
        ic = words ? 4 * pick(1, 5) : 4 * pick(0, 4) + pick(1, 3);
        oc = ic;
        s.filter_shape = {1, kh, kw, oc};
      }
      s.input_shape = {1, ih, iw, ic};
      s.output_shape = {1, oh, ow, oc};
    }
    for (int i = 0; i < oc; ++i) {
      s.output_multiplier.push_back(pick(1 << 30, INT32_MAX));
      s.output_shift.push_back(pick(-12, -6));
    }
    std::vector<sasim::FieldError> errs;
    REQUIRE(sasim::validate_layer(&s, &errs));
    sasim::LayerData d = sasim_test::random_layer_data(s, pick);
    std::vector<int8_t> y;
    sasim::golden_layer(s, d, &y);
    // The operator: y (the layer's output, its zero point) op x.
    const int which = pick(0, 2);
    const sasim::QuantParam qy{scale(), static_cast<int>(s.output_zero_point)}, qx{scale(), pick(-128, 127)},
        qo{scale(), pick(-128, 127)};
    int32_t m[3] = {0, 0, 0};
    int sh[3] = {0, 0, 0};
    if (which == 0) sasim::add_multipliers(qy, qx, qo, m, sh);
    else if (which == 1) sasim::sub_multipliers(qy, qx, qo, m, sh);
    else sasim::mul_multiplier(qy, qx, qo, &m[2], &sh[2]);
    const int act = pick(0, 1);  // none or RELU
    int32_t lo, hi;
    sasim::int8_activation_range(act, qo, &lo, &hi);
    sasim_test::set_fused(&s, which, m, sh, qy, qx, qo, lo, hi);
    d.residual.resize(y.size());
    for (auto& v : d.residual) v = static_cast<int8_t>(pick(-128, 127));
    const sasim::Shape shape{static_cast<int>(y.size())};
    std::vector<int8_t> want;
    if (which == 0) sasim::add_int8(y, shape, qy, d.residual, shape, qx, qo, act, shape, &want);
    else if (which == 1) sasim::sub_int8(y, shape, qy, d.residual, shape, qx, qo, act, shape, &want);
    else sasim::mul_int8(y, shape, qy, d.residual, shape, qx, qo, act, shape, &want);

    const int rows = 4 * pick(1, 2), cols = 4 * pick(1, 3);
    sasim::HwConfig hw = hw_of(rows, cols, pick(0, 3) ? "ws" : "os");
    hw.buf_a.size_bytes = 8 * pick(8, 200);
    hw.buf_b.size_bytes = 16 * pick(4, 100);
    hw.buf_c.size_bytes = 4 * cols * pick(1, 40);
    hw.buf_c.double_buffered = pick(0, 3) != 0;
    const sasim::CoreParams p = sasim::core_params_from(hw);
    sasim::CfuCore core(p);
    sasim::PlainHost host(&core, hw.host);
    sasim::set_cfu_target(&host);
    std::vector<int8_t> out(y.size(), 0);
    sasim_drv::EltwiseDesc fd;
    const sasim_drv::LayerDesc l = sasim::layer_desc_from(s, d, out.data(), &fd);
    const sasim_drv::HwDesc hd = sasim::hw_desc_from(p);
    INFO("iteration " << iter << ": " << sasim::op_name(s.op) << " out_c " << oc << " op " << which << " on " << rows
                      << "x" << cols << " " << sasim::dataflow_name(hw.dataflow) << " lines A/B/C " << p.a_lines << "/"
                      << p.b_lines << "/" << p.c_lines);
    // Not whole words (the output channels, or a group narrowed by few B
    // lines): refused before any command.
    if (!words) CHECK_FALSE(sasim_drv::fused_eltwise_supported(hd, l));
    if (!sasim_drv::fused_eltwise_supported(hd, l)) {
      CHECK(sasim_drv::run_layer(hd, l) == sasim_drv::kErrNotFusable);
      CHECK(core.counters().cycles == 0);
      ++rejected;
      continue;
    }
    REQUIRE(sasim_drv::run_layer(hd, l) == 0);
    CHECK_FALSE(core.error());
    CHECK(out == want);
    ++checked;
  }
  CHECK(checked >= 100);
  CHECK(rejected >= 10);
  // Without READ_EW (no prefetch) the layer is not fusable.
  sasim::HwConfig off = hw_of(8, 8, "ws");
  off.read_prefetch = false;
  sasim_drv::HwDesc hd = sasim::hw_desc_from(sasim::core_params_from(off));
  CHECK_FALSE(hd.ew_read);
}

// In place (sasim_drv::in_place_supported): random convs whose output
// overlaps their own input at a random offset, plainly or with a fused
// ADD/SUB/MUL, on random arrays. Where the driver takes it, the output is
// the golden layer's on the original input (every input byte was read before
// a store overwrote it); otherwise run_layer refuses before any command.
// Offset 0 (the output exactly over the input, as TFLite Micro's plan puts a
// residual ADD over its conv's input) comes often.
TEST_CASE("in place: random convs whose output overlaps their input equal the golden layer, or are refused",
          "[model][in-place]") {
  std::mt19937 rng(20261207);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  int in_place = 0, refused = 0, fused_in_place = 0;
  for (int iter = 0; iter < 240; ++iter) {
    sasim::LayerSpec s;
    s.op = sasim::OpKind::kConv2d;
    s.input_zero_point = pick(-128, 127);
    s.output_zero_point = pick(-128, 127);
    s.has_bias = true;
    const int ih = pick(2, 24), iw = pick(1, 12), kh = pick(1, 3), kw = pick(1, 3);
    s.stride_h = pick(1, 2);
    s.stride_w = pick(1, 2);
    s.padding = pick(0, 1) ? sasim::Padding::kSame : sasim::Padding::kValid;
    const int oh = sasim::conv_out_size(ih, kh, s.stride_h, 1, s.padding);
    const int ow = sasim::conv_out_size(iw, kw, s.stride_w, 1, s.padding);
    if (oh < 1 || ow < 1) continue;
    const int ic = 4 * pick(1, 6), oc = 4 * pick(1, 8), batches = pick(0, 4) == 0 ? 2 : 1;
    s.filter_shape = {oc, kh, kw, ic};
    s.input_shape = {batches, ih, iw, ic};
    s.output_shape = {batches, oh, ow, oc};
    for (int i = 0; i < oc; ++i) {
      s.output_multiplier.push_back(pick(1 << 30, INT32_MAX));
      s.output_shift.push_back(pick(-12, -6));
    }
    std::vector<sasim::FieldError> errs;
    REQUIRE(sasim::validate_layer(&s, &errs));
    sasim::LayerData d = sasim_test::random_layer_data(s, pick);
    std::vector<int8_t> want;
    sasim::golden_layer(s, d, &want);
    const bool fused = pick(0, 2) == 0;
    if (fused) {
      const sasim::QuantParam qy{0.04f, static_cast<int>(s.output_zero_point)}, qx{0.05f, pick(-128, 127)},
          qo{0.08f, pick(-128, 127)};
      int32_t m[3] = {0, 0, 0};
      int sh[3] = {0, 0, 0};
      sasim::add_multipliers(qy, qx, qo, m, sh);
      sasim_test::set_fused(&s, sasim_isa::kEwAdd, m, sh, qy, qx, qo);
      d.residual.resize(want.size());
      for (auto& v : d.residual) v = static_cast<int8_t>(pick(-128, 127));
      const sasim::Shape shape{static_cast<int>(want.size())};
      std::vector<int8_t> y = want;
      sasim::add_int8(y, shape, qy, d.residual, shape, qx, qo, 0, shape, &want);
    }
    // One buffer: the input at in_off, the output at in_off + delta, the two
    // overlapping (16-byte steps, as TFLite Micro's planner aligns).
    const int in_bytes = static_cast<int>(d.input.size()), out_bytes = static_cast<int>(want.size());
    const int lo = -((out_bytes - 1) / 16), hi = (in_bytes - 1) / 16;
    const int delta = pick(0, 1) ? 0 : 16 * pick(lo, hi);
    const int in_off = delta < 0 ? -delta : 0;
    std::vector<int32_t> words((in_off + std::max(in_bytes, delta + out_bytes)) / 4 + 4);
    int8_t* buf = reinterpret_cast<int8_t*>(words.data());
    std::copy(d.input.begin(), d.input.end(), buf + in_off);

    const int rows = 4 * pick(1, 2), cols = 4 * pick(1, 3);
    sasim::HwConfig hw = hw_of(rows, cols, pick(0, 5) ? "ws" : "os");
    hw.buf_a.size_bytes = 8 * pick(8, 200);
    hw.buf_b.size_bytes = 16 * pick(16, 100);
    hw.buf_c.size_bytes = 4 * cols * pick(1, 40);
    hw.buf_a.double_buffered = pick(0, 4) != 0;
    const sasim::CoreParams p = sasim::core_params_from(hw);
    sasim::CfuCore core(p);
    sasim::PlainHost host(&core, hw.host);
    sasim::set_cfu_target(&host);
    std::vector<int8_t> scratch(want.size());
    sasim_drv::EltwiseDesc fd;
    sasim_drv::LayerDesc l = sasim::layer_desc_from(s, d, scratch.data(), &fd);
    l.input = buf + in_off;
    l.output = buf + in_off + delta;
    const sasim_drv::HwDesc hd = sasim::hw_desc_from(p);
    // Half the layers with their weights prepared as the board has them
    // (every group's weights in B for the whole layer where they fit).
    std::vector<int32_t> folded(static_cast<size_t>(oc)), blob_words;
    if (pick(0, 1)) {
      sasim_drv::fold_biases(l, folded.data());
      l.folded_bias = folded.data();
      const int bytes = sasim_drv::packed_weights_bytes(hd, l);
      blob_words.resize(static_cast<size_t>(bytes + 3) / 4);
      if (bytes > 0) {
        sasim_drv::pack_weights(hd, l, reinterpret_cast<int8_t*>(blob_words.data()));
        l.packed_weights = reinterpret_cast<const int8_t*>(blob_words.data());
      }
    }
    INFO("iteration " << iter << ": " << ih << "x" << iw << "x" << ic << " k " << kh << "x" << kw << " s "
                      << s.stride_h << "x" << s.stride_w << " -> " << oh << "x" << ow << "x" << oc << " delta "
                      << delta << (fused ? " fused" : "") << " on " << rows << "x" << cols << " "
                      << sasim::dataflow_name(hw.dataflow) << " lines A/B/C " << p.a_lines << "/" << p.b_lines
                      << "/" << p.c_lines);
    if (fused && !sasim_drv::fused_eltwise_supported(hd, l)) continue;
    if (!sasim_drv::in_place_supported(hd, l)) {
      CHECK(sasim_drv::run_layer(hd, l) == sasim_drv::kErrInPlace);
      CHECK(core.counters().cycles == 0);
      ++refused;
      continue;
    }
    // Half through the entry for a caller that checked (the exported bridge's).
    REQUIRE((pick(0, 1) ? sasim_drv::run_layer_in_place(hd, l) : sasim_drv::run_layer(hd, l)) == sasim_drv::kOk);
    CHECK_FALSE(core.error());
    CHECK(std::vector<int8_t>(l.output, l.output + out_bytes) == want);
    ++in_place;
    if (fused) ++fused_in_place;
  }
  INFO("in place " << in_place << " (fused " << fused_in_place << "), refused " << refused);
  CHECK(in_place >= 40);
  CHECK(fused_in_place >= 10);
  CHECK(refused >= 20);
}

// The output keep (docs/command-set.md "(keep)"): KEEP writes each READ NEXT's
// word into the shadow A bank, so a layer's readback leaves its output where
// the next layer's raw band goes. Random producer/consumer pairs on random
// arrays: the consumer, given a_kept, sends no input and still equals the
// golden layer; given a_kept after a producer that did not keep, it reads the
// bank's stale bytes and does not (so the input really came from A).
TEST_CASE("output keep: random chained layers take their input from the A bank and equal the golden layers",
          "[model][keep]") {
  namespace isa = sasim_isa;
  std::mt19937 rng(20261207);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  int chained = 0, stale_differs = 0, refused = 0, kept_only = 0;
  for (int iter = 0; iter < 150; ++iter) {
    const int rows = 4 << pick(0, 2), cols = rows * pick(1, 2);
    sasim_test::ChainPair cp = sasim_test::random_chain_pair(rows, 12, pick);
    REQUIRE(cp.valid);
    const int ih = cp.h, iw = cp.w, c0 = cp.c0;
    const bool dw0 = cp.dw0, dw1 = cp.dw1;
    const sasim::LayerSpec &s0 = cp.s0, &s1 = cp.s1;
    const sasim::LayerData &d0 = cp.d0, &d1 = cp.d1;
    const std::vector<int8_t> &y0 = cp.y0, &y1 = cp.y1;
    sasim::HwConfig hw = hw_of(rows, cols, iter % 3 == 2 ? "os" : "ws");  // (os: its tile form)
    hw.buf_a.size_bytes = 8 * pick(64, 1200);
    const sasim::CoreParams p = sasim::core_params_from(hw);
    const sasim_drv::HwDesc hd = sasim::hw_desc_from(p);
    REQUIRE(hd.keep);
    std::vector<int8_t> o0(y0.size()), o1(y1.size());
    sasim_drv::LayerDesc l0 = sasim::layer_desc_from(s0, d0, o0.data());
    sasim_drv::LayerDesc l1 = sasim::layer_desc_from(s1, d1, o1.data());
    l1.input = o0.data();  // the producer's output tensor itself
    INFO("iteration " << iter << " " << ih << "x" << iw << "x" << c0 << (dw0 ? " dw" : " conv") << " -> "
                      << (dw1 ? "dw" : "conv") << " " << s1.output_shape[3] << " on " << rows << "x" << cols
                      << ", A " << hw.buf_a.size_bytes << " bytes");
    if (!sasim_drv::keep_out_supported(hd, l0) || !sasim_drv::kept_in_supported(hd, l1)) {
      ++refused;
      continue;
    }
    uint64_t cmds_kept = 0;
    for (const bool keep : {true, false}) {
      sasim::CfuCore core(p);
      sasim::PlainHost host(&core, hw.host);
      sasim::set_cfu_target(&host);
      // Something else in both banks first: what a real bank holds.
      for (int i = 0; i < p.a_lines * sasim_isa::line_pitch(rows) / 8 * 2; ++i)
        host.cfu_op(isa::kWriteA, 0, static_cast<uint32_t>(rng()), static_cast<uint32_t>(rng()));
      host.cfu_op(isa::kStart, 0, 1 | 1u << 16, 1u | isa::kFlagClear << 8);
      host.cfu_op(isa::kWait, 0, 0, 0);
      // Kept only (2) in some: the output then never reaches memory.
      const bool only = keep && pick(0, 1) == 1;
      l0.keep_out = keep ? (only ? 2 : 1) : 0;
      l1.a_kept = 1;
      std::fill(o0.begin(), o0.end(), int8_t{0x5a});
      REQUIRE(sasim_drv::run_layer(hd, l0) == sasim_drv::kOk);
      if (only) {
        CHECK(std::all_of(o0.begin(), o0.end(), [](int8_t v) { return v == 0x5a; }));
        const std::vector<int8_t>& bank = core.buffers().a[static_cast<size_t>(core.a_write_bank())];
        CHECK(std::equal(y0.begin(), y0.end(), bank.begin()));
        kept_only += 1;
      } else {
        CHECK(o0 == y0);
      }
      CHECK(core.keep_stride() == 0);  // off again after the layer
      const uint64_t cmds0 = core.counters().commands;
      std::fill(o1.begin(), o1.end(), int8_t{0});
      REQUIRE(sasim_drv::run_layer(hd, l1) == sasim_drv::kOk);
      CHECK_FALSE(core.error());
      if (keep) {
        CHECK(o1 == y1);
        cmds_kept = core.counters().commands - cmds0;
        ++chained;
      } else if (o1 != y1) {
        ++stale_differs;
      }
    }
    // No input crossed the bus: the same layer sent plainly takes one
    // WRITE_A per 8 input bytes more.
    sasim::CfuCore core(p);
    sasim::PlainHost host(&core, hw.host);
    sasim::set_cfu_target(&host);
    l1.a_kept = 0;
    std::copy(y0.begin(), y0.end(), o0.begin());  // (after a kept-only producer it holds no output)
    REQUIRE(sasim_drv::run_layer(hd, l1) == sasim_drv::kOk);
    CHECK(o1 == y1);
    CHECK(core.counters().commands == cmds_kept + y0.size() / 8);
  }
  INFO("chained " << chained << ", stale inputs that changed the output " << stale_differs << ", refused " << refused);
  CHECK(chained >= 60);
  CHECK(kept_only >= chained / 4);
  CHECK(stale_differs >= chained * 9 / 10);
}

// Paired layers (driver.h run_pair): a 1x1 expansion and the layer reading
// it, band by band, the expansion's rows kept in the shadow A bank. Random
// pairs on random arrays and A sizes (many bands): the consumer equals the
// golden layer although the producer's output tensor, its input in
// memory, holds only filler (the producer stores nothing); the same pair
// run as two layers sends the consumer's input over the bus (one WRITE_A
// per 8 bytes, at least) and the pair does not.
TEST_CASE("paired layers: random expansion + consumer pairs run band by band from the A bank, bit-exact",
          "[model][pair]") {
  namespace isa = sasim_isa;
  std::mt19937 rng(20261207);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  int paired = 0, multi_band = 0, refused = 0, wide = 0;
  for (int iter = 0; iter < 120; ++iter) {
    const int rows = 4 << pick(0, 2), cols = rows * pick(1, 2);
    sasim_test::ChainPair cp = sasim_test::random_fed_pair(rows, 14, pick);
    REQUIRE(cp.valid);
    sasim::HwConfig hw = hw_of(rows, cols, iter % 3 == 2 ? "os" : "ws");  // (os: its tile form)
    // A bank for 3 .. h + 1 of the consumer's input rows, mostly (bands),
    // or anything.
    const int q_lines = (cp.s1.input_shape[3] + rows - 1) / rows;
    hw.buf_a.size_bytes = pick(0, 3) ? pick(3, cp.s1.input_shape[1] + 1) * cp.s1.input_shape[2] * q_lines * sasim_isa::line_pitch(rows)
                                     : 8 * pick(48, 1200);
    hw.buf_w.size_bytes = 65536;
    const sasim::CoreParams p = sasim::core_params_from(hw);
    const sasim_drv::HwDesc hd = sasim::hw_desc_from(p);
    std::vector<int8_t> o0(cp.y0.size()), o1(cp.y1.size());
    sasim_drv::LayerDesc l0 = sasim::layer_desc_from(cp.s0, cp.d0, o0.data());
    sasim_drv::LayerDesc l1 = sasim::layer_desc_from(cp.s1, cp.d1, o1.data());
    l1.input = o0.data();
    sasim_test::StoredPair sp;
    sasim_test::prepare_stored_pair(hd, &l0, &l1, &sp);
    const int line1 = sp.line1;
    INFO("iteration " << iter << ": " << cp.h << "x" << cp.w << "x" << cp.c0 << (cp.dw0 ? " -> dw " : " -> conv ") << l0.k_h << "x" << l0.k_w
                      << " s" << l0.stride_h << " " << l0.out_c << " -> "
                      << (cp.dw1 ? "dw " : "conv ") << l1.k_h << "x" << l1.k_w << " s" << l1.stride_h << " "
                      << l1.out_c << " on " << rows << "x" << cols << ", A " << hw.buf_a.size_bytes << " bytes");
    if (!sp.fits || !sasim_drv::pair_supported(hd, l0, l1)) {
      ++refused;
      sasim::CfuCore core(p);
      sasim::PlainHost host(&core, hw.host);
      sasim::set_cfu_target(&host);
      const uint64_t cmds = core.counters().commands;
      CHECK(sasim_drv::run_pair(hd, l0, l1) == sasim_drv::kErrNotFusable);
      CHECK(core.counters().commands == cmds);  // before any command
      continue;
    }
    uint64_t cmds_two = 0;
    {  // the two layers one after the other, each from the store
      sasim::CfuCore core(p);
      sasim::PlainHost host(&core, hw.host);
      sasim::set_cfu_target(&host);
      REQUIRE(sasim_drv::store_weights(hd, l0, 0) == sasim_drv::kOk);
      REQUIRE(sasim_drv::store_weights(hd, l1, line1) == sasim_drv::kOk);
      const uint64_t c0 = core.counters().commands;
      REQUIRE(sasim_drv::run_layer(hd, l0) == sasim_drv::kOk);
      REQUIRE(sasim_drv::run_layer(hd, l1) == sasim_drv::kOk);
      cmds_two = core.counters().commands - c0;
      CHECK(o0 == cp.y0);
      CHECK(o1 == cp.y1);
    }
    sasim::CfuCore core(p);
    sasim::PlainHost host(&core, hw.host);
    sasim::set_cfu_target(&host);
    REQUIRE(sasim_drv::store_weights(hd, l0, 0) == sasim_drv::kOk);
    REQUIRE(sasim_drv::store_weights(hd, l1, line1) == sasim_drv::kOk);
    std::fill(o0.begin(), o0.end(), int8_t{0x5a});
    std::fill(o1.begin(), o1.end(), int8_t{0});
    const uint64_t c0 = core.counters().commands;
    REQUIRE(sasim_drv::run_pair(hd, l0, l1) == sasim_drv::kOk);
    const uint64_t cmds_pair = core.counters().commands - c0;
    CHECK_FALSE(core.error());
    CHECK(o1 == cp.y1);
    CHECK(std::all_of(o0.begin(), o0.end(), [](int8_t v) { return v == 0x5a; }));  // never stored
    CHECK(core.keep_stride() == 0);
    // Bands: the consumer's A bank, or the producer's band (its input rows
    // in the bank), holds fewer of the consumer's input rows than the image.
    const int p_rmax = p.a_lines / (l0.in_w * ((l0.in_c + rows - 1) / rows));
    const int p_rows = (p_rmax - l0.k_h) / l0.stride_h + 1;
    const bool bands = std::min(p.a_lines / (l1.in_w * q_lines), p_rows) < l1.in_h;
    multi_band += bands;
    // In one band the pair sends the producer's input once and no consumer
    // input: the consumer's WRITE_As fewer, against a few registers set
    // again and a KEEP per producer tile.
    if (!bands) CHECK(cmds_pair + cp.y0.size() / 8 <= cmds_two + 8 + (cp.y0.size() / l0.out_c + p.c_lines - 1) / p.c_lines * ((l0.out_c + cols - 1) / cols));
    ++paired;
    wide += l0.k_h > 1;  // a 3 x 3 producer (conv or depthwise, stride 1 or 2)
  }
  INFO("paired " << paired << " (" << multi_band << " in several bands, " << wide << " of 3 x 3 producers), refused "
                 << refused);
  CHECK(paired >= 50);
  CHECK(wide >= 12);
  CHECK(multi_band >= 25);
  CHECK(refused >= 5);
}

// Paired layers where TFLite Micro's arena plan puts the consumer's output
// over the producer's input (MobileNetV2's stride-2 depthwise layers get
// the very same offset): run_pair takes them when one band order (top down,
// or from the last band up) stores no output row over an input row still
// to be read, and the result is exact; otherwise it refuses before any
// command. Random pairs, the two tensors in one buffer at random offsets.
TEST_CASE("paired layers: a consumer output over the producer input runs in a safe band order or not at all",
          "[model][pair]") {
  namespace isa = sasim_isa;
  std::mt19937 rng(20261210);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  int overlapped = 0, refused = 0;
  for (int iter = 0; iter < 150; ++iter) {
    const int rows = 4 << pick(0, 1), cols = rows * pick(1, 2);
    sasim_test::ChainPair cp = sasim_test::random_fed_pair(rows, 14, pick);
    REQUIRE(cp.valid);
    sasim::HwConfig hw = hw_of(rows, cols, iter % 3 == 2 ? "os" : "ws");  // (os: its tile form)
    const int q_lines = (cp.s1.input_shape[3] + rows - 1) / rows;
    hw.buf_a.size_bytes = pick(3, cp.s1.input_shape[1] + 1) * cp.s1.input_shape[2] * q_lines * sasim_isa::line_pitch(rows);
    hw.buf_w.size_bytes = 65536;
    const sasim::CoreParams p = sasim::core_params_from(hw);
    const sasim_drv::HwDesc hd = sasim::hw_desc_from(p);
    const size_t in_bytes = cp.d0.input.size(), out_bytes = cp.y1.size();
    // One buffer: the producer's input at 0, the consumer's output at a
    // random word offset from before it to past it (mostly overlapping).
    const int64_t shift = 4 * pick(-static_cast<int>(out_bytes) / 4, static_cast<int>(in_bytes) / 4);
    const int64_t base = shift < 0 ? -shift : 0;
    std::vector<int8_t> buf(static_cast<size_t>(base + std::max<int64_t>(in_bytes, shift + out_bytes)) + 16);
    int8_t* const x = buf.data() + base;
    int8_t* const z = x + shift;
    std::vector<int8_t> o0(cp.y0.size(), int8_t{0x5a});
    sasim_drv::LayerDesc l0 = sasim::layer_desc_from(cp.s0, cp.d0, o0.data());
    sasim_drv::LayerDesc l1 = sasim::layer_desc_from(cp.s1, cp.d1, z);
    l0.input = x;
    l1.input = o0.data();
    sasim_test::StoredPair sp;
    sasim_test::prepare_stored_pair(hd, &l0, &l1, &sp);
    if (!sp.fits) continue;
    const int line1 = sp.line1;
    // pair_supported's rule is not this test's: it only has to be safe.
    std::copy(cp.d0.input.begin(), cp.d0.input.end(), x);
    const bool overlaps = shift < static_cast<int64_t>(in_bytes) && -shift < static_cast<int64_t>(out_bytes);
    INFO("iteration " << iter << ": " << cp.h << "x" << cp.w << "x" << cp.c0 << (cp.dw0 ? " -> dw " : " -> conv ") << l0.k_h << "x" << l0.k_w
                      << " s" << l0.stride_h << " " << l0.out_c << " -> "
                      << (cp.dw1 ? "dw " : "conv ") << l1.k_h << "x" << l1.k_w << " s" << l1.stride_h
                      << ", output at input + " << shift << " (input " << in_bytes << ", output " << out_bytes
                      << " bytes), A " << hw.buf_a.size_bytes);
    sasim::CfuCore core(p);
    sasim::PlainHost host(&core, hw.host);
    sasim::set_cfu_target(&host);
    REQUIRE(sasim_drv::store_weights(hd, l0, 0) == sasim_drv::kOk);
    REQUIRE(sasim_drv::store_weights(hd, l1, line1) == sasim_drv::kOk);
    if (!sasim_drv::pair_supported(hd, l0, l1)) {
      refused += overlaps;
      const uint64_t cmds = core.counters().commands;
      CHECK(sasim_drv::run_pair(hd, l0, l1) == sasim_drv::kErrNotFusable);
      CHECK(core.counters().commands == cmds);
      continue;
    }
    REQUIRE(sasim_drv::run_pair(hd, l0, l1) == sasim_drv::kOk);
    CHECK(std::equal(cp.y1.begin(), cp.y1.end(), z));
    overlapped += overlaps;
  }
  INFO("overlapping pairs run " << overlapped << ", refused " << refused);
  CHECK(overlapped >= 30);
  CHECK(refused >= 10);
}

TEST_CASE("output keep: KEEP's pointer, stride, lanes and bank, and where it is rejected", "[model][keep]") {
  namespace isa = sasim_isa;
  sasim::HwConfig hw = hw_of(8, 8, "ws");
  const sasim::CoreParams p = sasim::core_params_from(hw);
  sasim::CfuCore core(p);
  sasim::PlainHost host(&core, hw.host);
  REQUIRE(core.keep_present());
  // One pass into C bank 0: 3 lines of 8 lanes, Nt = 6 (lanes 6, 7 read 0).
  for (int i = 0; i < 3; ++i) host.cfu_op(isa::kWriteA, 0, 0x01010101u * static_cast<uint32_t>(i + 1), 0x01010101u * static_cast<uint32_t>(i + 1));
  host.cfu_op(isa::kWriteB, 0, 0x00000001u, 0);  // weight 1 at row 0, column 0 (K = 1)
  host.cfu_op(isa::kParam, 3, 1 << 30, 1u << 8);  // REQUANT_ALL: x 0.5, shift 1: x 1
  host.cfu_op(isa::kParam, 2, 0, 0);
  host.cfu_op(isa::kStart, 0, 3 | 1u << 16, 6u | isa::kFlagClear << 8);
  host.cfu_op(isa::kWait, 0, 0, 0);
  host.cfu_op(isa::kRead, 1, 0, 0);
  CHECK(host.cfu_op(isa::kRead, isa::kReadKeep, 13, 17) == 0);  // [1:0] ignored
  CHECK(core.keep_ptr() == 12);
  CHECK(core.keep_stride() == 16);
  const int shadow = core.a_write_bank();
  std::vector<uint32_t> words;
  for (int i = 0; i < 6; ++i) words.push_back(host.cfu_op(isa::kRead, 0, 0, 0));
  CHECK(core.keep_ptr() == 12 + 3 * 16);
  const std::vector<int8_t>& bank = core.buffers().a[static_cast<size_t>(shadow)];
  for (int m = 0; m < 3; ++m)
    for (int j = 0; j < 8; ++j) {
      const uint32_t w = words[static_cast<size_t>(2 * m + j / 4)];
      INFO("line " << m << " lane " << j);
      CHECK(bank[static_cast<size_t>(12 + 16 * m + j)] == static_cast<int8_t>((w >> (8 * (j % 4))) & 0xff));
    }
  CHECK(bank[static_cast<size_t>(12 + 6)] == 0);  // lanes >= Nt read, and are written, as 0
  // Off: no more writes; RESET clears the pointer.
  host.cfu_op(isa::kRead, 1, 0, 0);
  host.cfu_op(isa::kRead, isa::kReadKeep, 0, 0);
  const std::vector<int8_t> before = bank;
  host.cfu_op(isa::kRead, 0, 0, 0);
  CHECK(bank == before);
  host.cfu_op(isa::kRead, isa::kReadKeep, 40, 8);
  host.cfu_op(isa::kReset, 0, 0, 0);
  CHECK(core.keep_ptr() == 0);
  CHECK(core.keep_stride() == 0);
  // Built on os with the extension (a readback feature, either dataflow).
  CHECK(sasim::CfuCore(sasim::core_params_from(hw_of(8, 8, "os"))).keep_present());
  // Not built: im2col off (ws, os), the combinational post-processor, a pitch of 24.
  for (const char* set : {"os_noim2col", "noim2col", "noprefetch", "rows20"}) {
    const bool os = std::string(set) == "os_noim2col";
    sasim::HwConfig h = std::string(set) == "rows20" ? hw_of(20, 24, "ws") : hw_of(8, 8, os ? "os" : "ws");
    if (os || std::string(set) == "noim2col") h.im2col = false;
    if (std::string(set) == "noprefetch") h.read_prefetch = false;
    const sasim::CoreParams q = sasim::core_params_from(h);
    sasim::CfuCore c(q);
    sasim::PlainHost hh(&c, h.host);
    INFO(set);
    CHECK_FALSE(c.keep_present());
    CHECK_FALSE(sasim::hw_desc_from(q).keep);
    CHECK(hh.cfu_op(isa::kRead, isa::kReadKeep, 0, 8) == isa::kErrorResponse);
  }
}
