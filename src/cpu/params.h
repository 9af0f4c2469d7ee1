// The CPU model's parameters from a validated hardware config.
#pragma once

#include "cpu/vexriscv.h"
#include "sasim/config.h"

namespace sasim::cpu {

inline CpuParams cpu_params_from(const HwConfig& hw) {
  CpuParams p;
  p.icache_bytes = hw.cpu.icache_bytes;
  p.dcache_bytes = hw.cpu.dcache_bytes;
  p.line_bytes = hw.cpu.line_bytes;
  p.memory.read_first = hw.cpu.read_first;
  p.memory.read_beat = hw.cpu.read_beat;
  p.memory.write = hw.cpu.write;
  return p;
}

}  // namespace sasim::cpu
