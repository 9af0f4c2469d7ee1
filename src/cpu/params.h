// The CPU model's parameters from a validated hardware config.
#pragma once

#include "cpu/vexriscv.h"
#include "sasim/config.h"

namespace sasim::cpu {

inline CpuParams cpu_params_from(const HwConfig& hw) {
  CpuParams p;
  p.variant = cpu_variant_name(hw.cpu.variant);
  p.cfu_plugin = hw.cpu.variant == CpuVariant::kPerfCfu2021 ? CfuPluginRev::k2021 : CfuPluginRev::k2022;
  p.perf_csrs = hw.cpu.variant != CpuVariant::kFullCfu;
  p.icache_bytes = hw.cpu.icache_bytes;
  p.dcache_bytes = hw.cpu.dcache_bytes;
  p.line_bytes = hw.cpu.line_bytes;
  p.memory.read_first = hw.cpu.read_first;
  p.memory.read_beat = hw.cpu.read_beat;
  p.memory.write = hw.cpu.write;
  p.ram_bytes = hw.cpu.ram_bytes;
  return p;
}

}  // namespace sasim::cpu
