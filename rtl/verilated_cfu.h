// sasim::RtlModel (src/cosim/lockstep.h) over a Verilated `Cfu` of any
// configuration: V is the Verilated class, e.g. Vcfu_8x8_ws.
//
// Cycle semantics, as CfuCore: step() is one rising edge at which `in` is
// sampled (inputs change while the clock is low, then the clock rises);
// outputs() are the registered outputs of the following cycle; reset() is
// one edge with the synchronous `reset` input at 1.
#pragma once

#include <memory>

#include "cosim/lockstep.h"
#include "verilated.h"

namespace sasim {

template <class V>
class VerilatedCfu : public RtlModel {
 public:
  VerilatedCfu() : ctx_(new VerilatedContext), top_(new V(ctx_.get(), "cfu")) {
    top_->clk = 0;
    top_->reset = 0;
    top_->eval();
  }
  ~VerilatedCfu() override { top_->final(); }

  BusOut outputs() override {
    BusOut o;
    o.cmd_ready = top_->cmd_ready != 0;
    o.rsp_valid = top_->rsp_valid != 0;
    o.rsp_payload = top_->rsp_payload_outputs_0;
    return o;
  }

  void step(const BusIn& in) override {
    top_->cmd_valid = in.cmd_valid;
    top_->cmd_payload_function_id = in.function_id & 0x3ffu;
    top_->cmd_payload_inputs_0 = in.inputs_0;
    top_->cmd_payload_inputs_1 = in.inputs_1;
    top_->rsp_ready = in.rsp_ready;
    top_->clk = 0;
    top_->eval();
    top_->clk = 1;
    top_->eval();
  }

  void reset() override {
    top_->reset = 1;
    step(BusIn{});
    top_->reset = 0;
  }

 private:
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<V> top_;
};

}  // namespace sasim
