#include "board/soc/devices.h"

#include <algorithm>

namespace sasim::soc {

namespace {
constexpr uint64_t kNever = ~0ull;
constexpr int kTxDepth = 16;  // LiteX's default tx_fifo_depth (plus the buffered output register)
}  // namespace

// ---- UART -------------------------------------------------------------------

Uart::Uart(uint64_t clock_hz, uint64_t baud, void (*sink)(void*, char), void* ctx) : sink_(sink), ctx_(ctx) {
  // RS232PHYTX: the IDLE cycle that sees a character (cycle 0) starts it;
  // in RUN the phase accumulator (restarted at tuning_word whenever it is
  // not enabled) ticks on overflow, each registered tick sends a bit, and
  // the character is popped in the cycle of its tenth (count 9). 407 at
  // 1,843,200 baud and 75 MHz; the next character starts the cycle after.
  const uint64_t tw = static_cast<uint64_t>(static_cast<double>(baud) / static_cast<double>(clock_hz) * 4294967296.0);
  bool run = false, tick = false;
  uint64_t phase = 0;
  int count = 0;
  for (uint64_t cyc = 0;; ++cyc) {
    bool next_run = run;
    int next_count = count;
    if (!run) {
      next_count = 0;
      next_run = true;
    } else if (tick) {
      next_count = count + 1;
      if (count == 9) {
        run_cycles_ = cyc;
        break;
      }
    }
    if (run) {
      const uint64_t s = phase + tw;
      phase = s & 0xffffffffull;
      tick = (s >> 32) != 0;
    } else {
      phase = tw;
      tick = false;
    }
    run = next_run;
    count = next_count;
  }
}

const std::vector<std::string>& Uart::reg_names() const {
  static const std::vector<std::string> names = {"rxtx", "txfull", "rxempty", "ev_status",
                                                 "ev_pending", "ev_enable", "txempty", "rxfull"};
  return names;
}

int Uart::tx_held(uint64_t c) const {
  int level = 0;
  for (const TxChar& t : tx_)
    if (t.visible <= c && c < t.start) ++level;
  return level;
}

bool Uart::tx_full(uint64_t c) const { return tx_held(c) >= kTxDepth; }

void Uart::drop_sent(uint64_t c) {
  while (!tx_.empty() && tx_.front().pop + 2 < c) tx_.pop_front();
}

uint64_t Uart::rx_arrival() const {
  if (taken_ >= input_.size() || rx_base_ == kNever) return kNever;
  return rx_base_ + input_[taken_].wait;
}

uint64_t Uart::tx_rise_after(uint64_t after) const {
  // The FIFO's level falls only when a character moves to the output
  // register (its start cycle).
  for (const TxChar& t : tx_) {
    if (t.start <= after || t.start == 0) continue;
    if (tx_held(t.start - 1) >= kTxDepth && tx_held(t.start) < kTxDepth) return t.start;
  }
  return kNever;
}

bool Uart::pending_at(int bit, uint64_t c) const {
  if (pending_ & (1u << bit)) return true;
  // A rising edge in cycle e >= last_ sets the bit from e + 1.
  const uint64_t e = bit == 0 ? tx_rise_ : rx_arrival();
  return e != kNever && e >= last_ && e + 1 <= c;
}

bool Uart::irq(uint64_t c) const {
  return ((enable_ & 1) && pending_at(0, c)) || ((enable_ & 2) && pending_at(1, c));
}

uint64_t Uart::next_irq_change(uint64_t c) const {
  uint64_t next = kNever;
  if ((enable_ & 1) && !(pending_ & 1)) {
    const uint64_t e = tx_rise_;
    if (e != kNever && e + 1 > c) next = std::min(next, e + 1);
  }
  if ((enable_ & 2) && !(pending_ & 2)) {
    const uint64_t e = rx_arrival();
    if (e != kNever && e >= last_ && e + 1 > c) next = std::min(next, e + 1);
  }
  return next;
}

uint64_t Uart::quiet_from(uint64_t c) const { return tx_.empty() ? c : std::max(c, tx_.back().pop + 1); }

uint32_t Uart::read(int reg, int word, uint64_t ack) {
  (void)word;
  const uint64_t at = ack - 1;  // the bank's value in the cycle before the ACK
  uint32_t v = 0;
  switch (reg) {
    case kRxtx: v = rx_valid(at) ? input_[taken_].byte : 0; break;
    case kTxfull: v = tx_full(at); break;
    case kRxempty: v = !rx_valid(at); break;
    case kEvStatus: v = (tx_full(at) ? 0u : 1u) | (rx_valid(at) ? 2u : 0u); break;
    case kEvPending: v = (pending_at(0, at) ? 1u : 0u) | (pending_at(1, at) ? 2u : 0u); break;
    case kEvEnable: v = enable_; break;
    case kTxempty: {
      bool empty = true;
      for (const TxChar& t : tx_) empty &= !(t.visible <= at && at <= t.pop);
      v = empty;
      break;
    }
    case kRxfull: v = 0; break;  // the input arrives one character at a time
  }
  return v;
}

void Uart::write(int reg, int word, uint32_t value, uint64_t ack) {
  (void)word;
  // The state up to the ACK: fold the edges that set pending bits.
  for (int bit = 0; bit < 2; ++bit)
    if (pending_at(bit, ack)) pending_ |= 1u << bit;
  const uint64_t strobe = ack - 1;  // the bank's write strobe
  const uint64_t tx_rise = tx_rise_;
  const uint64_t rx_rise = rx_arrival();
  last_ = ack;
  switch (reg) {
    case kRxtx: {
      if (tx_full(strobe)) {
        ++dropped_;  // LiteX's FIFO drops a write when full
        break;
      }
      const uint64_t start = std::max(ack + 1, tx_.empty() ? 0 : tx_.back().pop + 1);
      tx_.push_back(TxChar{ack, start, start + run_cycles_});
      ++tx_chars_;
      last_tx_ = ack;
      if (sink_) sink_(ctx_, static_cast<char>(value & 0xff));
      break;
    }
    case kEvPending: {
      // Write 1 to clear; an edge in the strobe's cycle sets it again.
      if (value & 1) pending_ &= ~1u;
      if ((value & 1) && tx_rise == strobe) pending_ |= 1;
      if (value & 2) {
        if (rx_valid(strobe)) {  // the rx clear also pops the RX FIFO
          ++taken_;
          rx_base_ = ack;
        }
        pending_ &= ~2u;
        if (rx_rise == strobe) pending_ |= 2;
      }
      break;
    }
    case kEvEnable:
      enable_ = value & 3;
      // Input starts once the firmware listens for it.
      if ((enable_ & 2) && rx_base_ == kNever) rx_base_ = ack;
      break;
    default: break;  // status registers: writes have no effect
  }
  drop_sent(ack);
  tx_rise_ = tx_rise_after(last_ - 1);
}

// ---- timer0 -----------------------------------------------------------------

const std::vector<std::string>& Timer::reg_names() const {
  static const std::vector<std::string> names = {"load", "reload", "en", "update_value",
                                                 "value", "ev_status", "ev_pending", "ev_enable"};
  return names;
}

bool Timer::readable(int reg) const { (void)reg; return true; }

uint32_t Timer::counter_at(uint64_t c) const {
  if (c <= last_) return counter_;
  if (!en_) return load_;
  const uint64_t d = c - last_;
  if (d <= counter_) return static_cast<uint32_t>(counter_ - d);
  if (reload_ == 0) return 0;
  const uint64_t k = d - counter_ - 1;  // cycles since the first zero, after it
  const uint64_t period = static_cast<uint64_t>(reload_) + 1;
  return static_cast<uint32_t>(reload_ - k % period);
}

uint64_t Timer::next_zero_after(uint64_t c) const {
  if (!en_) return load_ == 0 && c < last_ + 1 ? last_ + 1 : kNever;
  const uint64_t first = last_ + counter_;
  if (first > c) return first;
  if (reload_ == 0) return kNever;  // stays at 0: no new edge
  const uint64_t period = static_cast<uint64_t>(reload_) + 1;
  return first + ((c - first) / period + 1) * period;
}

bool Timer::irq(uint64_t c) const {
  if (!enable_) return false;
  if (pending_) return true;
  const uint64_t z = next_zero_after(last_ ? last_ - 1 : 0);
  return z != kNever && z + 1 <= c && counter_ != 0;
}

uint64_t Timer::next_irq_change(uint64_t c) const {
  if (!enable_ || pending_ || counter_ == 0) return kNever;
  const uint64_t z = next_zero_after(last_ ? last_ - 1 : 0);
  return z != kNever && z + 1 > c ? z + 1 : kNever;
}

uint32_t Timer::read(int reg, int word, uint64_t ack) {
  (void)word;
  const uint64_t at = ack - 1;
  switch (reg) {
    case kLoad: return load_;
    case kReload: return reload_;
    case kEn: return en_;
    case kValue: return latched_;
    case kEvStatus: return counter_at(at) == 0;
    case kEvPending: return irq(at) || pending_;
    case kEvEnable: return enable_;
    default: return 0;
  }
}

void Timer::write(int reg, int word, uint32_t value, uint64_t ack) {
  (void)word;
  if (!pending_ && counter_ != 0) {
    const uint64_t z = next_zero_after(last_ ? last_ - 1 : 0);
    if (z != kNever && z + 1 <= ack) pending_ = true;
  }
  counter_ = counter_at(ack);
  last_ = ack;
  switch (reg) {
    case kLoad: load_ = value; if (!en_) counter_ = value; break;
    case kReload: reload_ = value; break;
    case kEn: en_ = value & 1; if (!en_) counter_ = load_; break;
    case kUpdateValue: latched_ = counter_; break;
    case kEvPending: if (value & 1) pending_ = false; break;
    case kEvEnable: enable_ = value & 1; break;
    default: break;
  }
}

// ---- plain storage ----------------------------------------------------------

Storage::Storage(std::vector<Reg> regs) : regs_(std::move(regs)) {
  for (const Reg& r : regs_) names_.push_back(r.name);
}

uint32_t Storage::read(int reg, int word, uint64_t ack) {
  (void)ack;
  const Reg& r = regs_[static_cast<size_t>(reg)];
  return word < static_cast<int>(r.words.size()) ? r.words[static_cast<size_t>(word)] : 0;
}

void Storage::write(int reg, int word, uint32_t value, uint64_t ack) {
  (void)ack;
  Reg& r = regs_[static_cast<size_t>(reg)];
  if (r.writable && word < static_cast<int>(r.words.size())) r.words[static_cast<size_t>(word)] = value;
}

}  // namespace sasim::soc
