// The systemc engine (cycle model in its SystemC shell, driven by the board's
// driver): bit-exact on every shared vector case for every listed array shape
// and both dataflows, and cycle-for-cycle equal to the plain C++ harness.
// One TEST_CASE per configuration: each is its own process.
#include <catch2/catch.hpp>

#include <algorithm>

#include "model/core.h"
#include "model/core_params.h"
#include "model/host.h"
#include "sasim/case_io.h"
#include "test_support.h"
#include "sasim/engine.h"

namespace {

using sasim_test::hw_of;
using sasim_test::vector_cases;

void all_vectors_bit_exact(int rows, int cols, const char* df) {
  const sasim::HwConfig hw = hw_of(rows, cols, df);
  auto engine = sasim::make_engine("systemc", hw);
  const auto cases = vector_cases();
  REQUIRE(cases.size() >= 24);
  for (const auto& dir : cases) {
    const sasim::LayerCase c = sasim::load_case(dir);
    // A 1x1 array is slow on the multi-million-MAC layers; the smaller cases
    // still cover every op, padding mode, depth multiplier and batching.
    if (rows * cols == 1 && c.spec.macs() > 600000) continue;
    INFO(c.name << " on " << rows << "x" << cols << " " << df);
    const sasim::EngineResult r = engine->run(c.spec, c.data);
    REQUIRE(r.output.size() == c.data.output.size());
    size_t diff = 0;
    for (size_t i = 0; i < r.output.size(); ++i) diff += r.output[i] != c.data.output[i];
    CHECK(diff == 0);
    CHECK(r.stats.cycles > 0);
    // Every cycle is attributed to exactly one cause.
    const auto& s = r.stats;
    CHECK(s.compute_cycles + s.stall_host + s.stall_fill_drain + s.stall_bank_swap + s.stall_readback == s.cycles);
  }
}

}  // namespace

#define SHAPE_TEST(R, C, DF) \
  TEST_CASE("systemc bit-exact on all vectors: " #R "x" #C " " DF, "[systemc][golden]") { all_vectors_bit_exact(R, C, DF); }

SHAPE_TEST(1, 1, "ws")
SHAPE_TEST(1, 1, "os")
SHAPE_TEST(2, 2, "ws")
SHAPE_TEST(2, 2, "os")
SHAPE_TEST(4, 4, "ws")
SHAPE_TEST(4, 4, "os")
SHAPE_TEST(3, 5, "ws")
SHAPE_TEST(3, 5, "os")
SHAPE_TEST(8, 8, "ws")
SHAPE_TEST(8, 8, "os")
SHAPE_TEST(16, 16, "ws")
SHAPE_TEST(16, 16, "os")

// The SystemC shell adds no cycles: layer after layer, the same counts as the
// plain C++ host stepping the same core with the same timing model.
TEST_CASE("systemc shell and plain host agree cycle for cycle", "[systemc][timing]") {
  const sasim::HwConfig hw = hw_of(4, 6, "os");
  auto engine = sasim::make_engine("systemc", hw);
  // The plain host runs the same layers one after another on one core.
  const sasim::CoreParams p = sasim::core_params_from(hw);
  sasim::CfuCore core(p);
  sasim::PlainHost host(&core, hw.host);
  for (const char* name : {"synthetic__02_conv2d", "synthetic__03_depthwise_conv2d", "synthetic__04_fully_connected",
                           "dscnn_kws__11_fully_connected"}) {
    INFO(name);
    const sasim::LayerCase c = sasim::load_case(std::string(SASIM_SHARED_DIR) + "/vectors/" + name);
    const sasim::EngineResult r = engine->run(c.spec, c.data);

    const sasim::CoreCounters before = core.counters();
    const uint64_t instr_before = host.instructions();
    host.begin_layer();
    sasim::set_cfu_target(&host);
    std::vector<int8_t> out(c.data.output.size());
    REQUIRE(sasim_drv::run_layer(sasim::hw_desc_from(p), sasim::layer_desc_from(c.spec, c.data, out.data())) == 0);
    const sasim::CoreCounters& after = core.counters();
    CHECK(out == r.output);
    CHECK(after.cycles - before.cycles == r.stats.cycles);
    CHECK(host.instructions() - instr_before == r.stats.host_instructions);
    CHECK(after.by_kind[0] - before.by_kind[0] == r.stats.compute_cycles);
    CHECK(after.by_kind[3] - before.by_kind[3] == r.stats.stall_readback);
    CHECK(after.by_kind[4] - before.by_kind[4] == r.stats.stall_host);
  }
}

TEST_CASE("single-buffered buffers are slower and still exact", "[systemc][timing]") {
  sasim::HwConfig hw = hw_of(8, 8, "ws");
  hw.buf_a.double_buffered = hw.buf_b.double_buffered = hw.buf_c.double_buffered = false;
  auto engine = sasim::make_engine("systemc", hw);
  const sasim::LayerCase c = sasim::load_case(std::string(SASIM_SHARED_DIR) + "/vectors/resnet8__01_conv2d");
  const sasim::EngineResult single = engine->run(c.spec, c.data);
  CHECK(single.output == c.data.output);

  // The same layer, double-buffered, on the plain host (no second elaboration).
  const sasim::HwConfig dbl = hw_of(8, 8, "ws");
  const sasim::CoreParams p = sasim::core_params_from(dbl);
  sasim::CfuCore core(p);
  sasim::PlainHost host(&core, dbl.host);
  sasim::set_cfu_target(&host);
  std::vector<int8_t> out(c.data.output.size());
  REQUIRE(sasim_drv::run_layer(sasim::hw_desc_from(p), sasim::layer_desc_from(c.spec, c.data, out.data())) == 0);
  CHECK(out == c.data.output);
  CHECK(core.counters().cycles < single.stats.cycles);
}
