// The `rtl` engine: the Verilated RTL alone, driven by the board's driver
// through the lock-step host (without a model to compare against).
#include <fmt/format.h>

#include <stdexcept>
#include <tuple>

#include "cosim/lockstep.h"
#include "cosim/rtl_port.h"
#include "cosim/rtl_build.h"
#include "cpu/params.h"
#include "driver/driver.h"
#include "cpu/engine_board.h"
#include "model/core_params.h"
#include "sasim/engine.h"

namespace sasim {

const RtlConfig* find_rtl_config(const CoreParams& p, std::string* available) {
  const RtlConfig* hit = nullptr;
  std::string names;
  for (const RtlConfig& c : rtl_configs()) {
    names += (names.empty() ? "" : ", ") + c.name;
    const CoreParams& q = c.params;
    if (q.rows == p.rows && q.cols == p.cols && q.dataflow == p.dataflow && q.a_lines == p.a_lines &&
        q.b_lines == p.b_lines && q.c_lines == p.c_lines && q.a_double == p.a_double && q.b_double == p.b_double &&
        q.c_double == p.c_double && q.im2col == p.im2col && q.prefetch == p.prefetch && q.eltwise == p.eltwise &&
        q.w_lines == p.w_lines)
      hit = &c;
  }
  if (available)
    *available = names.empty() ? "none (built without Verilator)"
                               : names + " (each with the default buffer sizes and the elementwise extension; ws with the im2col extension "
                                         "and the weight store)";
  return hit;
}

namespace {

class RtlEngine : public Engine {
 public:
  RtlEngine(const HwConfig& hw, const RtlConfig& rc, const EngineOptions& opts)
      : hw_(hw), params_(core_params_from(hw)), rtl_(rc.make()), opts_(opts), port_(rtl_.get()) {
    rtl_->reset();
  }
  const char* name() const override { return "rtl"; }

  EngineResult run(const LayerSpec& spec, const LayerData& data) override {
    if (opts_.cpu == "vexriscv") {
      if (!board_) board_ = std::make_unique<cpu::BoardHost>(cpu::cpu_params_from(hw_), &port_);
      return run_layer_on_board(board_.get(), params_, spec, data, nullptr, hw_.origin_of_section({"buffers", "array"}));
    }
    EngineResult r;
    LockstepHost host(nullptr, rtl_.get(), hw_.host);
    set_cfu_target(&host);
    sasim_drv::EltwiseDesc fused;
    std::vector<int32_t> tensors;
    const sasim_drv::LayerDesc l = layer_tensors(spec, data, &tensors, &fused);
    const int rc = sasim_drv::run_layer(hw_desc_from(params_), l);
    r.output.assign(l.output, l.output + spec.output_elems());
    if (rc != sasim_drv::kOk)
      throw std::runtime_error(fmt::format("layer {}: the RTL rejected a command (driver status {})", spec.name, rc));
    r.stats.timed = true;
    r.stats.cycles = host.cycles();
    r.stats.macs = static_cast<uint64_t>(spec.macs());
    r.stats.host_instructions = host.instructions();
    std::tie(r.stats.mapping, r.stats.mapping_why) = driver_mapping(hw_desc_from(params_), l);
    return r;
  }

 private:
  HwConfig hw_;
  CoreParams params_;
  std::unique_ptr<RtlModel> rtl_;
  EngineOptions opts_;
  RtlCfuPort port_;
  std::unique_ptr<cpu::BoardHost> board_;
};

}  // namespace

// The RTL must be built for exactly this array and bank geometry.
std::unique_ptr<Engine> make_rtl_engine(const HwConfig& hw, const EngineOptions& opts) {
  const CoreParams p = core_params_from(hw);
  const RtlConfig* rc = rtl_config_for(p);  // prebuilt, or Verilated now (cached)
  return std::make_unique<RtlEngine>(hw, *rc, opts);
}

}  // namespace sasim
