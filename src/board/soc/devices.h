// The SoC's CSR-mapped devices as the board model runs them (docs/board.md,
// "The SoC"): LiteX's UART (with its event manager and RS232 PHY timing),
// timer0, ctrl, leds, identifier_mem and the sim SoC's finish register.
//
// Timing contract. A register write takes effect from its bus ACK cycle on
// (LiteX's registered Wishbone-to-CSR bridge strobes the bank in the cycle
// before the ACK); a read returns the register as it was in the cycle before
// the ACK. A device's interrupt output is a function of time from its last
// access on (irq()), so that the SoC can answer for any cycle the CPU asks
// about (Soc keeps the past).
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace sasim::soc {

class Device {
 public:
  virtual ~Device() = default;
  // The register's index among the device's (reg_names()), by the suffix of
  // its csr.json name after the device prefix ("rxtx" of "uart_rxtx").
  virtual const std::vector<std::string>& reg_names() const = 0;
  virtual uint32_t read(int reg, int word, uint64_t ack) = 0;
  virtual void write(int reg, int word, uint32_t value, uint64_t ack) = 0;
  // Whether the register can be read / written (LiteX's ro and wo aside).
  virtual bool readable(int reg) const { (void)reg; return true; }
  // The interrupt output in cycle c >= the last access's ACK.
  virtual bool irq(uint64_t c) const { (void)c; return false; }
  // The first cycle > c in which irq() may change (~0: never, without a
  // further access).
  virtual uint64_t next_irq_change(uint64_t c) const { (void)c; return ~0ull; }
  // The first cycle >= c in which nothing more happens without an access
  // (the UART has sent everything): for the end of a run.
  virtual uint64_t quiet_from(uint64_t c) const { return c; }
};

// LiteX's UART (soc/cores/uart.py) with the RS232 PHY: a 16-deep TX FIFO
// with an output register (17 characters held), 10 bits per character at
// `baud` from a phase accumulator restarted with each character (408 cycles
// at 1,843,200 baud and 75 MHz); RX as scripted input (UartInput). Events tx
// (the TX FIFO becomes not full) and rx (the RX FIFO becomes non-empty),
// rising-edge, pending until written 1 to ev_pending; writing bit 1 also
// pops the RX FIFO.
struct UartInputChar {
  uint8_t byte;
  uint64_t wait;  // cycles after the previous character was taken (or RX enabled) before this one arrives
};

class Uart : public Device {
 public:
  // `sink` gets every character as it is written to rxtx (at its ACK).
  Uart(uint64_t clock_hz, uint64_t baud, void (*sink)(void*, char), void* ctx);
  const std::vector<std::string>& reg_names() const override;
  uint32_t read(int reg, int word, uint64_t ack) override;
  void write(int reg, int word, uint32_t value, uint64_t ack) override;
  bool irq(uint64_t c) const override;
  uint64_t next_irq_change(uint64_t c) const override;
  uint64_t quiet_from(uint64_t c) const override;

  void set_input(std::vector<UartInputChar> input) { input_ = std::move(input); }
  // Characters of the input taken by the firmware, and whether all are.
  size_t input_taken() const { return taken_; }
  bool input_done() const { return taken_ >= input_.size(); }
  uint64_t input_taken_at() const { return rx_base_ == ~0ull ? 0 : rx_base_; }  // the last take (or RX enable)
  uint64_t cycles_per_char() const { return run_cycles_ + 1; }
  uint64_t tx_chars() const { return tx_chars_; }
  uint64_t tx_dropped() const { return dropped_; }
  uint64_t last_tx_cycle() const { return last_tx_; }

 private:
  enum Reg { kRxtx, kTxfull, kRxempty, kEvStatus, kEvPending, kEvEnable, kTxempty, kRxfull };
  struct TxChar {
    uint64_t visible, start, pop;  // in the FIFO from `visible`; the PHY pops it at the end of `pop`
  };
  // TX FIFO level (excluding the output register) and occupancy in cycle c.
  int tx_held(uint64_t c) const;
  bool tx_full(uint64_t c) const;
  void drop_sent(uint64_t c);
  // The cycle the next input character arrives (~0: none scheduled).
  uint64_t rx_arrival() const;
  bool rx_valid(uint64_t c) const { return rx_arrival() <= c; }
  // Rising edge of the TX FIFO's ready (not full) after cycle `after`, or ~0.
  uint64_t tx_rise_after(uint64_t after) const;
  bool pending_at(int bit, uint64_t c) const;

  uint64_t run_cycles_;  // PHY: first cycle of a character to its pop
  uint64_t tx_rise_ = ~0ull;  // tx_rise_after(last_ - 1), kept from the last write on
  void (*sink_)(void*, char);
  void* ctx_;
  std::deque<TxChar> tx_;
  uint64_t last_ = 0;         // the last access's ACK
  uint32_t pending_ = 1;      // ev_pending at last_ (tx is set at reset: the FIFO is not full)
  uint32_t enable_ = 0;
  std::vector<UartInputChar> input_;
  size_t taken_ = 0;          // input characters popped
  uint64_t rx_base_ = ~0ull;  // the cycle from which the next character's wait counts
  uint64_t tx_chars_ = 0, dropped_ = 0, last_tx_ = 0;
};

// LiteX's timer0 (soc/cores/timer.py): a 32-bit down counter (en = 0: value
// := load; en = 1: reload at 0, else - 1), update_value latches it into
// value, event zero on value becoming 0.
class Timer : public Device {
 public:
  const std::vector<std::string>& reg_names() const override;
  uint32_t read(int reg, int word, uint64_t ack) override;
  void write(int reg, int word, uint32_t value, uint64_t ack) override;
  bool readable(int reg) const override;
  bool irq(uint64_t c) const override;
  uint64_t next_irq_change(uint64_t c) const override;

 private:
  enum Reg { kLoad, kReload, kEn, kUpdateValue, kValue, kEvStatus, kEvPending, kEvEnable };
  uint32_t counter_at(uint64_t c) const;
  uint64_t next_zero_after(uint64_t c) const;  // first cycle > c with counter 0 (while enabled), ~0
  uint32_t load_ = 0, reload_ = 0, latched_ = 0;
  bool en_ = false;
  uint32_t counter_ = 0;  // at last_
  uint64_t last_ = 0;
  bool pending_ = false, enable_ = false;
};

// Registers that hold what was written (ctrl_scratch, leds_out, ...) and
// read-only ones with a fixed value (ctrl_bus_errors: 0; identifier_mem: the
// identifier string, one byte per word).
class Storage : public Device {
 public:
  struct Reg {
    std::string name;
    bool writable;
    std::vector<uint32_t> words;
  };
  explicit Storage(std::vector<Reg> regs);
  const std::vector<std::string>& reg_names() const override { return names_; }
  uint32_t read(int reg, int word, uint64_t ack) override;
  void write(int reg, int word, uint32_t value, uint64_t ack) override;

 private:
  std::vector<Reg> regs_;
  std::vector<std::string> names_;
};

}  // namespace sasim::soc
