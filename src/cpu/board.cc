#include "cpu/board.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace sasim::cpu {

Board::Board(const CpuParams& cpu_params, const CoreParams& cfu_params)
    : mem(cpu_params.ram_bytes), cfu(cfu_params), port(&cfu), cpu(cpu_params, &mem, &port) {}

Board::Board(const CpuParams& cpu_params, const CoreParams& cfu_params, CfuPort* other)
    : mem(cpu_params.ram_bytes), cfu(cfu_params), port(&cfu), cpu(cpu_params, &mem, other) {}

void Board::load(const ElfImage& img) {
  mem.clear();
  for (const ElfSegment& s : img.segments) {
    if (s.bytes.size() > mem.ram_bytes ||
        !mem.in_ram(s.vaddr, static_cast<uint32_t>(std::max<size_t>(s.bytes.size(), 1))))
      throw ElfError(fmt::format("{}: segment at 0x{:08x} ({} bytes) is outside main_ram (0x{:08x}, {} KiB)", img.path,
                                 s.vaddr, s.bytes.size(), BoardMemory::kRamBase, mem.ram_bytes / 1024));
    std::memcpy(&mem.ram[s.vaddr - BoardMemory::kRamBase], s.bytes.data(), s.bytes.size());
  }
}

StopInfo Board::run(uint32_t entry, uint64_t max_cycle) {
  cpu.reset(entry);
  return cpu.run(max_cycle);
}

}  // namespace sasim::cpu
