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
  p.memory.model = hw.cpu.memory_model == CpuMemoryModel::kFixed ? MemoryModel::kFixed : MemoryModel::kBoard;
  p.memory.fixed.read_first = hw.cpu.read_first;
  p.memory.fixed.read_beat = hw.cpu.read_beat;
  p.memory.fixed.write = hw.cpu.write;
  p.memory.l2.size_bytes = static_cast<uint32_t>(hw.cpu.l2_bytes);
  p.memory.l2.line_bytes = static_cast<uint32_t>(hw.cpu.l2_line_bytes);
  p.memory.dram = DramParams::nexys_a7();
  p.memory.dram.refresh = hw.cpu.refresh;
  p.ram_bytes = hw.cpu.ram_bytes;
  return p;
}

}  // namespace sasim::cpu
