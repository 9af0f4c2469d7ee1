// The software CFU of a sasim export: with CFU_SOFTWARE_DEFINED in the
// Makefile's DEFINES, every cfu_op() calls software_cfu(), and this one runs
// it on sasim's cycle model of the project's accelerator (src/sasim/model/,
// the same C++ the simulator uses, for the configuration in sasim_hw.h). The
// results are the hardware's, bit for bit; the cycles are not the board's
// (there is no CPU model here; `sasim run` gives those).
//
// Each call presents the command until the CFU accepts it, then clocks the
// model until the response is valid and takes it: one instruction at a time,
// in order, as the CPU issues them.
#include <stdint.h>

#include "sasim/model/core.h"
#include "sasim_hw.h"
#include "software_cfu.h"

namespace {

sasim::CoreParams hw_params() {
  sasim::CoreParams p;
  p.rows = SASIM_HW_ROWS;
  p.cols = SASIM_HW_COLS;
  p.dataflow = SASIM_HW_DATAFLOW == 0 ? sasim::Dataflow::kWeightStationary : sasim::Dataflow::kOutputStationary;
  p.im2col = SASIM_HW_IM2COL != 0;
  p.eltwise = SASIM_HW_ELTWISE != 0;
  p.prefetch = SASIM_HW_READ_PREFETCH != 0;
  p.a_lines = SASIM_HW_A_LINES;
  p.b_lines = SASIM_HW_B_LINES;
  p.c_lines = SASIM_HW_C_LINES;
  p.a_double = SASIM_HW_A_DOUBLE != 0;
  p.b_double = SASIM_HW_B_DOUBLE != 0;
  p.c_double = SASIM_HW_C_DOUBLE != 0;
  p.w_lines = SASIM_HW_W_LINES;
  return p;
}

sasim::CfuCore& cfu() {
  static sasim::CfuCore core(hw_params());
  return core;
}

}  // namespace

extern "C" uint32_t software_cfu(int funct3, int funct7, uint32_t rs1, uint32_t rs2) {
  sasim::CfuCore& core = cfu();
  sasim::BusIn cmd;
  cmd.cmd_valid = true;
  cmd.function_id = static_cast<uint32_t>(funct3 & 7) | static_cast<uint32_t>(funct7 & 0x7f) << 3;
  cmd.inputs_0 = rs1;
  cmd.inputs_1 = rs2;
  bool accepted = false;
  while (!accepted) {
    accepted = core.outputs().cmd_ready;
    core.step(cmd);
  }
  sasim::BusIn idle;
  while (true) {
    const sasim::BusOut out = core.outputs();
    core.step(idle);
    if (out.rsp_valid) return out.rsp_payload;
  }
}
