#include "commands.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include "sasim/case_io.h"
#include "sasim/engine.h"

namespace sasim {

namespace {
// "[n,h,w,c]" (or "[b,u]" for fully_connected) of flat index i in `shape`.
std::string index_str(const std::vector<int>& shape, size_t i) {
  std::vector<size_t> idx(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    idx[d] = i % static_cast<size_t>(shape[d]);
    i /= static_cast<size_t>(shape[d]);
  }
  return fmt::format("[{}]", fmt::join(idx, ","));
}
}  // namespace

bool load_case_arg(const std::string& dir, LayerCase* c, int* bad) {
  struct stat st;
  if (stat(dir.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
    fmt::print(stderr, "note: skipping {}: a file, not a case directory\n", dir);
    return false;
  }
  try {
    *c = load_case(dir);
  } catch (const ConfigError& e) {
    // Bad input for one case does not hide the verdicts of the others.
    fmt::print(stderr, "error: case {}:\n{}\n", dir, e.what());
    ++*bad;
    return false;
  }
  return true;
}

void require_some_case(int loaded, int bad) {
  if (loaded == 0 && bad == 0)
    throw ConfigError({{"arguments", 0, 0, "", "no case directory among them (give ../shared/vectors/<case> folders)"}});
}

int cmd_check(const CommonOptions& common, const std::string& engine_name, const std::vector<std::string>& cases,
              const std::string& cpu) {
  HwConfig hw = load_hw_config(common.hw_path, common.overrides);  // ConfigError -> exit 2 in main
  EngineOptions eo;
  eo.cpu = cpu;
  std::unique_ptr<Engine> engine = make_engine(engine_name, hw, eo);
  int passed = 0, failed = 0, bad = 0, loaded = 0;
  for (const std::string& dir : cases) {
    LayerCase c;
    if (!load_case_arg(dir, &c, &bad)) continue;
    ++loaded;
    EngineResult r;
    try {
      r = engine->run(c.spec, c.data);
    } catch (const ConfigError& e) {
      fmt::print(stderr, "error: case {} cannot run on this hardware:\n{}\n", c.name, e.what());
      ++bad;
      continue;
    }
    const std::string timing = r.stats.timed ? fmt::format(" cycles={}", r.stats.cycles) : "";
    if (r.stats.cpu.forks)
      fmt::print(stderr, "warning: case {}: {} CfuPlugin fork(s) (facts.md F19): on the board these corrupt results\n",
                 c.name, r.stats.cpu.forks);
    if (r.stats.cpu.replays)
      fmt::print(stderr,
                 "warning: case {}: {} CFU command(s) sent twice (facts.md F20-F22, the perf+cfu-2021 core), the "
                 "first by the CFU instruction at pc 0x{:08x} behind the redone load at pc 0x{:08x}\n",
                 c.name, r.stats.cpu.replays, r.stats.cpu.replay_cfu_pc, r.stats.cpu.replay_load_pc);
    size_t ndiff = 0, first = 0;
    for (size_t i = 0; i < c.data.output.size(); ++i)
      if (r.output.size() != c.data.output.size() || r.output[i] != c.data.output[i]) {
        if (ndiff++ == 0) first = i;
      }
    if (ndiff == 0) {
      fmt::print("PASS {}{}\n", c.name, timing);
      ++passed;
    } else {
      const int got = first < r.output.size() ? r.output[first] : 0;
      fmt::print("FAIL {}: {}/{} elements differ, first at {} got {} want {}{}\n", c.name, ndiff, c.data.output.size(),
                 index_str(c.spec.output_shape, first), got, static_cast<int>(c.data.output[first]), timing);
      ++failed;
    }
    std::fflush(stdout);
  }
  require_some_case(loaded, bad);
  fmt::print("{} passed, {} failed\n", passed, failed);
  if (bad) return kExitUsage;
  return failed ? kExitMismatch : kExitOk;
}

}  // namespace sasim
