// The simulated board: the VexRiscv model, main_ram with an ELF image loaded,
// and the project's CFU cycle model on the CPU's CFU port.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cpu/elf_image.h"
#include "cpu/vexriscv.h"
#include "model/core.h"

namespace sasim::cpu {

// The CfuCore behind the CPU's port; idle spans are skipped exactly
// (CfuCore::idle).
class CoreCfuPort : public CfuPort {
 public:
  explicit CoreCfuPort(CfuCore* core) : core_(core) {}
  BusOut outputs() const override { return core_->outputs(); }
  void step(const BusIn& in) override { core_->step(in); }
  void idle(uint64_t n, bool rsp_ready) override {
    if (rsp_ready) core_->idle(n);
    else CfuPort::idle(n, rsp_ready);
  }

 private:
  CfuCore* core_;
};

// Reset is held for 8 cycles in the reference testbench, and both caches
// flush one line per cycle before the first fetch (see Vexriscv::reset).
struct Board {
  Board(const CpuParams& cpu, const CoreParams& cfu);
  // With another CFU on the CPU's port (the Verilated RTL, a user's cfu.v);
  // `cfu` then stays unused.
  Board(const CpuParams& cpu, const CoreParams& cfu, CfuPort* port);
  // Copies the image's segments into main_ram (zero elsewhere); throws
  // ElfError when a segment does not fit main_ram.
  void load(const ElfImage& img);
  // Runs from the entry point until exit or a stop.
  StopInfo run(uint32_t entry, uint64_t max_cycle);

  BoardMemory mem;
  CfuCore cfu;
  CoreCfuPort port;
  Vexriscv cpu;
};

}  // namespace sasim::cpu
