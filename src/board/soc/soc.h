// The CFU Playground SoC around the board model's CPU (docs/board.md): the
// CSR-mapped devices at the addresses a build's csr.json gives, behind
// LiteX's registered Wishbone-to-CSR bridge, with their interrupt lines on
// VexRiscv's externalInterruptArray at the numbers csr.json's constants give
// (uart_interrupt, timer0_interrupt).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "board/soc/csr_json.h"
#include "board/soc/devices.h"
#include "cpu/io_bus.h"

namespace sasim::soc {

struct SocOptions {
  uint64_t clock_hz = 75'000'000;  // the Nexys A7 target's sys_clk
  uint64_t baud = 1'843'200;       // CFU Playground's UART_SPEED (proj/proj.mk)
  // Cycles from the first cycle a CSR access's STB is seen to its ACK: LiteX's
  // Wishbone2CSR registered (SoCs with SDRAM): latch, strobe, ACK.
  uint32_t csr_latency = 3;
};

class Soc : public cpu::IoBus {
 public:
  // `uart_sink` receives the UART's characters as they are written.
  Soc(const CsrJson& csr, const SocOptions& o, void (*uart_sink)(void*, char), void* ctx);

  bool check(uint32_t addr, int size, bool write, std::string* why) const override;
  uint32_t latency(uint32_t addr) const override;
  uint32_t read(uint32_t addr, int size, uint64_t ack) override;
  void write(uint32_t addr, uint32_t value, int size, uint64_t ack) override;
  uint32_t lines(uint64_t c) override;
  uint64_t next_line_change(uint64_t c) override;
  void forget_before(uint64_t c) override;
  std::string region_name(uint32_t addr) const override;

  Uart* uart() { return uart_; }
  // A write to the sim SoC's finish register or to ctrl_reset: the cycle and
  // what it was (empty: none).
  const std::string& stop_request() const { return stop_; }
  uint64_t stop_cycle() const { return stop_cycle_; }
  // Called when such a write happens (to pause the CPU there).
  void set_stop_hook(void (*hook)(void*), void* ctx) {
    stop_hook_ = hook;
    stop_ctx_ = ctx;
  }
  // The first cycle >= c from which no device has anything left to do.
  uint64_t quiet_from(uint64_t c) const;
  // Registers the firmware read or wrote, by name, with counts.
  const std::vector<std::pair<std::string, uint64_t>> accesses() const;

 private:
  struct Slot {
    Device* dev;
    int reg, word;
    bool writable;
    std::string name;
    int special;  // 0, or kSimFinish / kCtrlReset
  };
  enum { kSimFinish = 1, kCtrlReset = 2 };
  uint32_t predicted(uint64_t c) const;  // the lines from the devices' state (c >= last_ack_)
  void extend_history(uint64_t to);

  const CsrJson& csr_;
  SocOptions o_;
  std::vector<std::unique_ptr<Device>> devices_;
  std::vector<int> line_of_;  // per device: its interrupt line, or -1
  std::unordered_map<uint32_t, Slot> slots_;
  Uart* uart_ = nullptr;
  // The lines in the past: (from cycle, value), for cycles < last_ack_.
  std::vector<std::pair<uint64_t, uint32_t>> history_;
  uint64_t last_ack_ = 0;
  std::string stop_;
  uint64_t stop_cycle_ = 0;
  void (*stop_hook_)(void*) = nullptr;
  void* stop_ctx_ = nullptr;
  mutable std::unordered_map<std::string, uint64_t> counts_;
};

}  // namespace sasim::soc
