// A Verilated Cfu (RtlModel) on the CPU model's CFU port, clocked every
// cycle: the rtl engine's board and `sasim board --cfu rtl|PATH/cfu.v`.
#pragma once

#include "cosim/lockstep.h"
#include "cpu/vexriscv.h"

namespace sasim {

class RtlCfuPort : public cpu::CfuPort {
 public:
  explicit RtlCfuPort(RtlModel* rtl) : rtl_(rtl) {}
  BusOut outputs() const override { return rtl_->outputs(); }
  void step(const BusIn& in) override { rtl_->step(in); }

 private:
  RtlModel* rtl_;
};

}  // namespace sasim
