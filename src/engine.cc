#include "sasim/engine.h"

#include <fmt/format.h>

#include "sasim/golden.h"
#include "sc/sc_engine.h"

namespace sasim {

namespace {
class GoldenEngine : public Engine {
 public:
  const char* name() const override { return "golden"; }
  EngineResult run(const LayerSpec& spec, const LayerData& data) override {
    EngineResult r;
    golden_layer(spec, data, &r.output);
    r.stats.macs = static_cast<uint64_t>(spec.macs());
    return r;
  }
};
}  // namespace

std::unique_ptr<Engine> make_rtl_engine(const HwConfig& hw, const EngineOptions& opts);  // src/cosim/rtl_engine.cc

std::vector<std::string> engine_names() { return {"golden", "systemc", "rtl"}; }

std::unique_ptr<Engine> make_engine(const std::string& name, const HwConfig& hw, const EngineOptions& opts) {
  bool known_cpu = false;
  for (const std::string& c : cpu_names()) known_cpu |= c == opts.cpu;
  if (!known_cpu)
    throw ConfigError({{"--cpu " + opts.cpu, 0, 0, "", fmt::format("unknown CPU model (available: {})", fmt::join(cpu_names(), ", "))}});
  if (name == "golden") return std::make_unique<GoldenEngine>();
  if (name == "systemc") return make_systemc_engine(hw, opts);
  if (name == "rtl") return make_rtl_engine(hw, opts);
  throw ConfigError({{"--engine", 0, 0, "", fmt::format("unknown engine '{}' (available: {})", name, fmt::join(engine_names(), ", "))}});
}

}  // namespace sasim
