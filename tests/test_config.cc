// Configuration language: the embedded default, overrides, round-tripping the
// resolved config, and the corpus of bad configs in tests/bad_configs/, where
// each NAME.yaml (hw_* hardware, model_* model, case_* a case.yaml) has a
// NAME.err holding the exact diagnostics it must produce and optionally a
// NAME.set with one --set override per line.
#include <catch2/catch.hpp>

#include <dirent.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "sasim/config.h"
#include "sasim/resources.h"

namespace {
const std::string kSrc = SASIM_SOURCE_DIR;

std::string slurp(const std::string& p) {
  std::ifstream f(p);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::vector<std::string> corpus() {
  std::vector<std::string> names;
  DIR* d = opendir((kSrc + "/tests/bad_configs").c_str());
  REQUIRE(d != nullptr);
  while (dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n.size() > 5 && n.substr(n.size() - 5) == ".yaml") names.push_back(n.substr(0, n.size() - 5));
  }
  closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

std::string errors_of(const std::string& name) {
  const std::string dir = kSrc + "/tests/bad_configs/";
  const std::string text = slurp(dir + name + ".yaml");
  std::vector<sasim::Override> sets;
  std::istringstream set_lines(slurp(dir + name + ".set"));
  for (std::string line; std::getline(set_lines, line);)
    if (!line.empty()) sets.push_back(sasim::parse_override(line));
  try {
    if (name.rfind("hw_", 0) == 0) sasim::parse_hw_config(text, name + ".yaml", sets);
    else sasim::parse_model_config(text, name + ".yaml", dir, sets);
  } catch (const sasim::ConfigError& e) {
    return std::string(e.what()) + "\n";
  }
  return "(no error)\n";
}
}  // namespace

TEST_CASE("embedded default is 8x8 weight-stationary and equals configs/default.yaml", "[config]") {
  const sasim::HwConfig hw = sasim::load_hw_config("", {});
  CHECK(hw.rows == 8);
  CHECK(hw.cols == 8);
  CHECK(hw.dataflow == sasim::Dataflow::kWeightStationary);
  CHECK(hw.clock_mhz == 75.0);
  CHECK(slurp(kSrc + "/configs/default.yaml") == sasim::default_hw_yaml());
}

TEST_CASE("overrides from the command line are applied before validation", "[config]") {
  const sasim::HwConfig hw = sasim::load_hw_config(
      "", {sasim::parse_override("array.rows=3"), sasim::parse_override("array.cols=5"),
           sasim::parse_override("array.dataflow=os"), sasim::parse_override("buffers.a.size_bytes=1024")});
  CHECK(hw.rows == 3);
  CHECK(hw.cols == 5);
  CHECK(hw.dataflow == sasim::Dataflow::kOutputStationary);
  CHECK(hw.buf_a.size_bytes == 1024);
  try {
    sasim::load_hw_config("", {sasim::parse_override("array.rows=0")});
    FAIL("rows=0 accepted");
  } catch (const sasim::ConfigError& e) {
    CHECK(std::string(e.what()) == "--set array.rows=0: array.rows: 0 is out of range [1, 64]");
  }
}

TEST_CASE("the resolved config reads back to the same values", "[config]") {
  const sasim::HwConfig a = sasim::load_hw_config("", {sasim::parse_override("array.cols=13"),
                                                       sasim::parse_override("host.load_cycles=5")});
  const sasim::HwConfig b = sasim::parse_hw_config(sasim::hw_config_to_yaml(a), "resolved.yaml", {});
  CHECK(b.rows == a.rows);
  CHECK(b.cols == 13);
  CHECK(b.host.load_cycles == 5);
  CHECK(b.buf_c.size_bytes == a.buf_c.size_bytes);
}

TEST_CASE("every preset in configs/ and model in models/ loads", "[config]") {
  for (const char* dirname : {"/configs", "/models"}) {
    DIR* d = opendir((kSrc + dirname).c_str());
    REQUIRE(d != nullptr);
    int n = 0;
    while (dirent* e = readdir(d)) {
      const std::string f = e->d_name;
      if (f.size() < 6 || f.substr(f.size() - 5) != ".yaml") continue;
      const std::string path = kSrc + dirname + "/" + f;
      INFO(path);
      if (std::string(dirname) == "/configs") {
        if (f.rfind("sweep", 0) == 0) continue;  // sweep specs are not hardware configs
        CHECK_NOTHROW(sasim::load_hw_config(path, {}));
      } else {
        CHECK_NOTHROW(sasim::load_model_config(path, {}));
      }
      ++n;
    }
    closedir(d);
    CHECK(n >= 1);
  }
}

TEST_CASE("bad config corpus produces exactly the expected diagnostics", "[config]") {
  const auto names = corpus();
  REQUIRE(names.size() >= 15);
  for (const auto& name : names) {
    INFO("tests/bad_configs/" << name << ".yaml");
    const std::string want = slurp(kSrc + "/tests/bad_configs/" + name + ".err");
    REQUIRE_FALSE(want.empty());
    CHECK(errors_of(name) == want);
  }
}

TEST_CASE("overrides (--set) address list entries of a model config", "[config]") {
  const std::string dir = kSrc + "/models";
  const std::string text = slurp(dir + "/dscnn.yaml");
  const sasim::ModelConfig m = sasim::parse_model_config(
      text, "dscnn.yaml", dir,
      {sasim::parse_override("layers[1].input_seed=77"), sasim::parse_override("layers[0].weights.seed=99"),
       sasim::parse_override("layers[2].filter_scales[0]=0.25")});
  const sasim::ModelConfig base = sasim::parse_model_config(text, "dscnn.yaml", dir, {});
  REQUIRE(m.layers.size() == base.layers.size());
  CHECK(base.layers[1].input_seed != 77);
  CHECK(m.layers[1].input_seed == 77);
  CHECK(m.layers[0].weight_seed == 99);
  CHECK(m.layers[2].spec.output_multiplier != base.layers[2].spec.output_multiplier);
  CHECK(m.layers[3].spec.output_multiplier == base.layers[3].spec.output_multiplier);
}

TEST_CASE("resources: the model reproduces scripts/synth on its grid", "[config][resources]") {
  std::ifstream f(std::string(SASIM_SOURCE_DIR) + "/scripts/resources_fit.csv");
  REQUIRE(f.good());
  std::string line;
  int rows_checked = 0;
  bool header = true;
  while (std::getline(f, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (header) {
      header = false;
      continue;
    }
    std::vector<std::string> c;
    std::stringstream ss(line);
    for (std::string cell; std::getline(ss, cell, ',');) c.push_back(cell);
    REQUIRE(c.size() == 9);
    const sasim::HwConfig hw = sasim::load_hw_config(
        "", {sasim::parse_override("array.rows=" + c[0]), sasim::parse_override("array.cols=" + c[1]),
             sasim::parse_override("array.dataflow=" + c[2]), sasim::parse_override("array.im2col=" + c[3]),
             sasim::parse_override("array.eltwise=false"),  // the grid is synthesized without the unit
             sasim::parse_override("buffers.a.size_bytes=8192"),  // and with the A buffer of its time
             sasim::parse_override("buffers.w.size_bytes=0")});    // and no weight store
    const sasim::ResourceEstimate e = sasim::estimate_resources(hw);
    const double lut = std::stod(c[4]), ff = std::stod(c[5]), dsp = std::stod(c[6]), bram = std::stod(c[7]);
    INFO(line << ": model LUT " << e.lut << ", FF " << e.ff << ", DSP " << e.dsp << ", BRAM36 " << e.bram36);
    // The bounds docs/microarchitecture.md states ("Resources").
    CHECK(std::abs(e.lut - lut) <= 0.06 * lut);
    CHECK(std::abs(e.ff - ff) <= 0.06 * ff);
    CHECK(std::abs(e.dsp - dsp) <= 0);
    CHECK(std::abs(e.bram36 - bram) <= 1.5);
    ++rows_checked;
  }
  CHECK(rows_checked >= 13);
  // The default fits; a 16x16 array's DSPs do not (321 > 236).
  CHECK(sasim::estimate_resources(sasim::load_hw_config("", {})).fits());
  const sasim::ResourceEstimate big = sasim::estimate_resources(
      sasim::load_hw_config("", {sasim::parse_override("array.rows=16"), sasim::parse_override("array.cols=16")}));
  CHECK_FALSE(big.fits());
  CHECK(big.over().find("DSP48E1 321 > 236") != std::string::npos);
  // The 8x8 ws default with the elementwise unit, as scripts/synth measured it.
  CHECK(sasim::estimate_resources(sasim::load_hw_config("", {})).dsp == 129);
  // The weight store is one more RAM of B's shape: the default's 96 KiB of
  // 64-bit lines is 24 BRAM36 (12,288 x 64 bits at 512 x 72 each).
  const double with_w = sasim::estimate_resources(sasim::load_hw_config("", {})).bram36;
  const double without_w =
      sasim::estimate_resources(sasim::load_hw_config("", {sasim::parse_override("buffers.w.size_bytes=0")})).bram36;
  CHECK(with_w - without_w == 24);
  // An os array has it too (the im2col extension's, its tile form): 52
  // BRAM36 as scripts/synth counted on 8x8 os; without the extension none.
  CHECK(sasim::estimate_resources(sasim::load_hw_config("", {sasim::parse_override("array.dataflow=os")})).bram36 ==
        52);
  CHECK(sasim::estimate_resources(sasim::load_hw_config("", {sasim::parse_override("array.dataflow=os"),
                                                             sasim::parse_override("array.im2col=false")}))
            .bram36 == 28);
}

#include <random>

TEST_CASE("seeded mutations of configs never crash the parser", "[config][fuzz]") {
  // The default hardware config and two model configs (a layer list and an
  // imported whole network), mutated: byte flips, a line deleted or
  // duplicated, truncation. Each parses or is refused with a ConfigError
  // that names the source; anything else fails the test.
  std::mt19937 rng(20261206);
  auto draw = [&](uint32_t n) { return static_cast<uint32_t>(rng() % n); };  // one draw per statement
  int parsed = 0, refused = 0;
  struct Source {
    std::string path;
    bool model;
  };
  const Source sources[] = {{kSrc + "/configs/default.yaml", false},
                            {kSrc + "/models/dscnn.yaml", true},
                            {kSrc + "/models/resnet8.yaml", true}};
  for (const Source& src : sources) {
    const std::string good = slurp(src.path);
    for (int i = 0; i < 600; ++i) {
      std::string b = good;
      const int kind = static_cast<int>(rng() % 4);
      if (kind == 0) {
        const uint32_t flips = 1 + draw(4);
        for (uint32_t k = 0; k < flips; ++k) {
          static const char kChars[] = " :-[]{},#'\"\n\t0123456789abcxyz|&*!%@`\\";
          const uint32_t at = draw(static_cast<uint32_t>(b.size()));
          const bool printable = draw(4) != 0;
          b[at] = printable ? kChars[draw(sizeof kChars - 1)] : static_cast<char>(draw(256));
        }
      } else if (kind == 1 || kind == 2) {
        std::vector<std::string> lines;
        std::stringstream ss(b);
        for (std::string l; std::getline(ss, l);) lines.push_back(l);
        const size_t at = draw(static_cast<uint32_t>(lines.size()));
        if (kind == 1) {
          lines.erase(lines.begin() + static_cast<long>(at));
        } else {
          const std::string copy = lines[draw(static_cast<uint32_t>(lines.size()))];
          lines.insert(lines.begin() + static_cast<long>(at), copy);
        }
        b.clear();
        for (const std::string& l : lines) b += l + "\n";
      } else {
        b.resize(draw(static_cast<uint32_t>(b.size())));
      }
      try {
        if (src.model) {
          const std::string dir = src.path.substr(0, src.path.find_last_of('/'));
          sasim::parse_model_config(b, "mutant.yaml", dir, {});
        } else {
          sasim::parse_hw_config(b, "mutant.yaml", {});
        }
        ++parsed;
      } catch (const sasim::ConfigError& e) {
        CHECK(std::string(e.what()).find("mutant.yaml") != std::string::npos);
        ++refused;
      } catch (const std::exception& e) {
        FAIL("mutant " << i << " of " << src.path << ": " << e.what() << "\n---\n" << b);
      }
    }
  }
  WARN("config mutants: " << parsed << " parsed, " << refused << " refused");
  CHECK(parsed + refused == 1800);
  CHECK(refused > 0);
}

TEST_CASE("a .tflite file without its identifier is called a damaged TFLite file", "[config]") {
  std::string b = slurp(std::string(SASIM_SHARED_DIR) + "/models/kws_ref_model.tflite");
  REQUIRE(b.compare(4, 4, "TFL3") == 0);
  b[5] = 'X';
  const std::string path = "/tmp/sasim_damaged_test.tflite";
  {
    std::ofstream f(path, std::ios::binary);
    f.write(b.data(), static_cast<std::streamsize>(b.size()));
  }
  try {
    sasim::load_model_config(path, {});
    FAIL("no error");
  } catch (const sasim::ConfigError& e) {
    const std::string what = e.what();
    CHECK(what.find("a damaged TFLite file") != std::string::npos);
    CHECK(what.find("54584c33") != std::string::npos);  // "TXL3"
  }
  std::remove(path.c_str());
}
