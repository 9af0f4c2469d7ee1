// The C interface of a Verilated `Cfu` built on demand (src/cosim/rtl_build.cc):
// sasim compiles this file with the Verilated model of a configuration into a
// shared library and loads it with dlopen. Plain C functions and plain values
// only, so that the library shares no C++ type with sasim; the semantics are
// rtl/verilated_cfu.h's (step: one rising edge at which the inputs are
// sampled; outputs: the registered outputs of the next cycle).
#include <memory>

#include "Vcfu_dyn.h"
#include "verilated.h"

namespace {

struct Instance {
  std::unique_ptr<VerilatedContext> ctx{new VerilatedContext};
  std::unique_ptr<Vcfu_dyn> top{new Vcfu_dyn(ctx.get(), "cfu")};
};

void edge(Instance* m, int cmd_valid, unsigned function_id, unsigned in0, unsigned in1, int rsp_ready) {
  m->top->cmd_valid = cmd_valid != 0;
  m->top->cmd_payload_function_id = function_id & 0x3ffu;
  m->top->cmd_payload_inputs_0 = in0;
  m->top->cmd_payload_inputs_1 = in1;
  m->top->rsp_ready = rsp_ready != 0;
  m->top->clk = 0;
  m->top->eval();
  m->top->clk = 1;
  m->top->eval();
}

}  // namespace

extern "C" {

// Bumped when these functions change; sasim refuses a library of another.
int sasim_rtl_abi() { return 1; }

void* sasim_rtl_new() {
  Instance* m = new Instance;
  m->top->clk = 0;
  m->top->reset = 0;
  m->top->eval();
  return m;
}

void sasim_rtl_delete(void* h) {
  Instance* m = static_cast<Instance*>(h);
  m->top->final();
  delete m;
}

void sasim_rtl_outputs(void* h, int* cmd_ready, int* rsp_valid, unsigned* rsp_payload) {
  Instance* m = static_cast<Instance*>(h);
  *cmd_ready = m->top->cmd_ready != 0;
  *rsp_valid = m->top->rsp_valid != 0;
  *rsp_payload = m->top->rsp_payload_outputs_0;
}

void sasim_rtl_step(void* h, int cmd_valid, unsigned function_id, unsigned in0, unsigned in1, int rsp_ready) {
  edge(static_cast<Instance*>(h), cmd_valid, function_id, in0, in1, rsp_ready);
}

void sasim_rtl_reset(void* h) {
  Instance* m = static_cast<Instance*>(h);
  m->top->reset = 1;
  edge(m, 0, 0, 0, 0, 1);
  m->top->reset = 0;
}

}  // extern "C"
