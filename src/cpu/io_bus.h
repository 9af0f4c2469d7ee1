// The devices behind the CPU's uncached accesses (addresses with bit 31 set)
// when the board model runs a whole SoC (src/board/soc/): CSR-mapped
// peripherals whose registers are read and written at the cycle the bus
// acknowledges the access, and whose interrupt lines feed VexRiscv's
// externalInterruptArray (docs/cpu-model.md, "Traps and interrupts").
//
// Without an IoBus the CPU model keeps the bare-metal test page at
// 0xF0000000 (BoardMemory); with one, every uncached access goes to it.
#pragma once

#include <cstdint>
#include <string>

namespace sasim::cpu {

class IoBus {
 public:
  virtual ~IoBus() = default;
  // Whether an access of `size` bytes at addr is modelled; if not, *why says
  // what is there (the run stops naming it and the pc).
  virtual bool check(uint32_t addr, int size, bool write, std::string* why) const = 0;
  // Cycles from the first cycle the access's STB is seen to its ACK (>= 1).
  virtual uint32_t latency(uint32_t addr) const = 0;
  // The access, acknowledged in cycle `ack` (checked before). Accesses come
  // in the order of their acks.
  virtual uint32_t read(uint32_t addr, int size, uint64_t ack) = 0;
  virtual void write(uint32_t addr, uint32_t value, int size, uint64_t ack) = 0;
  // The interrupt lines in cycle c, for any c the CPU has not forgotten
  // (forget_before), also before the last access's ack.
  virtual uint32_t lines(uint64_t c) = 0;
  // The first cycle > c in which lines() may differ from lines(c) (~0: none
  // foreseen, with no further access).
  virtual uint64_t next_line_change(uint64_t c) = 0;
  // No query will ask for a cycle before c again.
  virtual void forget_before(uint64_t c) { (void)c; }
  // What the SoC has at an address outside main_ram and the devices (a
  // memory region it does not model, such as the BIOS ROM), or empty.
  virtual std::string region_name(uint32_t addr) const { (void)addr; return {}; }
};

}  // namespace sasim::cpu
