// LiteDRAM + DDR2 event model: see dram.h. Every delay below is a stage of
// the controller's pipeline (LiteDRAM's wishbone bridge, port converter,
// bank machine and multiplexer); docs/memory-model.md gives each with the
// fact and the programs of ../shared/memory-reference that pin it.
#include "cpu/dram.h"

#include <algorithm>

#include "cpu/memory_path.h"

namespace sasim::cpu {

namespace {

// The native port takes the line's first half one cycle after the L2's
// REFILL/EVICT state begins, the second half one cycle later (the 128-to-64
// bit converter).
constexpr uint64_t kPortCmd = 1;
// A command reaches the bank machine through its lookahead FIFO and command
// buffer: a RD/WR to the open row issues 3 cycles after the port took it
// (M3: RD at +6 of an 18-cycle miss), an ACT or PRE 4 cycles after (the
// bank machine's ACTIVATE/PRECHARGE state: ACT at +7 of a 21-cycle miss).
constexpr uint64_t kCasAfterPort = 3;
constexpr uint64_t kRowCmdAfterPort = 4;
// Read data: read_latency after the RD; the slave bus acknowledges the line
// one cycle after its second half.
constexpr uint64_t kReadAckAfterData = 1;
// The refresher leaves IDLE 2 cycles after its timer (tREFI from reset)
// expires: the timer's done and the postponer's registered request. From
// there: PRE all at +4, REF tRP later, and the next ACT tRFC + 2 after the
// REF (the refresher's done, the multiplexer back in READ).
constexpr uint64_t kRefreshStart = 2;
constexpr uint64_t kRefreshPreAll = 4;
constexpr uint64_t kRefreshActAfterRef = 2;

}  // namespace

DramParams DramParams::nexys_a7() { return DramParams{}; }

Dram::Dram(const DramParams& p) : p_(p) { reset(); }

void Dram::reset() {
  banks_.assign(static_cast<size_t>(1) << p_.bank_bits, Bank{});
  last_cas_bank_ = last_cmd_bank_ = 0;
  write_mode_ = false;
  last_wr_ = 0;
  closed_through_ = 0;
}

std::vector<int64_t> Dram::open_rows() const {
  std::vector<int64_t> v;
  for (const Bank& b : banks_) v.push_back(b.row);
  return v;
}

void Dram::set_open_rows(const std::vector<int64_t>& rows) {
  if (rows.size() != banks_.size()) return;
  for (size_t i = 0; i < rows.size(); ++i) banks_[i].row = rows[i];
}

uint64_t Dram::refresh_at_or_after(uint64_t t) const {
  if (!p_.refresh) return ~0ull;
  const uint64_t first = static_cast<uint64_t>(p_.tREFI) + kRefreshStart;
  if (t <= first) return first;
  const uint64_t k = (t - first + static_cast<uint64_t>(p_.tREFI) - 1) / static_cast<uint64_t>(p_.tREFI);
  return first + k * static_cast<uint64_t>(p_.tREFI);
}

uint64_t Dram::refresh_at_or_before(uint64_t t) const {
  const uint64_t first = static_cast<uint64_t>(p_.tREFI) + kRefreshStart;
  if (!p_.refresh || t < first) return ~0ull;
  return first + (t - first) / static_cast<uint64_t>(p_.tREFI) * static_cast<uint64_t>(p_.tREFI);
}

// M6: a refresh closes every row (PRE all) and leaves the multiplexer in
// READ. Applies the refreshes that started before cycle t.
void Dram::close_rows_before(uint64_t t) {
  if (t <= closed_through_) return;
  if (refresh_at_or_after(closed_through_) < t) {
    for (Bank& b : banks_) b.row = -1;
    write_mode_ = false;
  }
  closed_through_ = t;
}

uint64_t Dram::line(uint32_t addr, int words, bool write, uint64_t s, MemCost* cost) {
  const uint32_t off = addr - 0x40000000u;
  const int bank = static_cast<int>((off >> p_.col_bits) & ((1u << p_.bank_bits) - 1));
  const int64_t row = off >> (p_.col_bits + p_.bank_bits);
  Bank& b = banks_[static_cast<size_t>(bank)];
  const uint64_t tRP = static_cast<uint64_t>(p_.tRP), tRCD = static_cast<uint64_t>(p_.tRCD);
  const uint64_t write_latency = static_cast<uint64_t>((p_.cwl + p_.nphases - 1) / p_.nphases);
  // Bank machine: a PRE waits for write recovery after this bank's last WR.
  const uint64_t twtp = write_latency + static_cast<uint64_t>(p_.tWR + p_.tCCD);
  // Multiplexer: READ -> RTW -> WRITE takes read_latency cycles from the
  // first write request (RTW lasts read_latency - 1); WRITE -> WTR -> READ
  // 2, and not before the write-to-read timer (tWTR + write latency + tCCD
  // after the last WR) has run out.
  const uint64_t rtw = static_cast<uint64_t>(p_.read_latency);
  const uint64_t wtr = 2, twtr = static_cast<uint64_t>(p_.tWTR) + write_latency + static_cast<uint64_t>(p_.tCCD);

  uint64_t arrive = s + kPortCmd;  // the first half's command at the port
  close_rows_before(arrive + 1);
  // A refresh in progress: no ACT before it is done.
  const uint64_t done_after = kRefreshPreAll + tRP + static_cast<uint64_t>(p_.tRFC) + kRefreshActAfterRef;
  const uint64_t last = refresh_at_or_before(arrive);
  uint64_t act_min = last != ~0ull ? last + done_after : 0;
  if (b.row == row) ++row_hits_;
  else if (b.row < 0) ++row_closed_;
  else ++row_conflicts_;

  int halves = words;  // the line's port words, one command each
  uint64_t first_planned_cas = 0, last_cas = 0;
  bool first_plan = true;
  for (int guard = 0; halves > 0 && guard < 4; ++guard) {
    // Plan the remaining commands from the bank's state.
    const bool hit = b.row == row;
    uint64_t pre = 0, act = 0, valid;
    if (hit) {
      valid = arrive + kCasAfterPort;
    } else {
      // The ACT/PRE chooser moves to another bank in one cycle, once the
      // bank machine asks (after a refresh it waits for).
      const uint64_t move = bank != last_cmd_bank_ ? 1 : 0;
      if (b.row >= 0) {
        pre = std::max(arrive + kRowCmdAfterPort + move, b.pre_ok);
        act = pre + tRP;
      } else {
        act = std::max(arrive + kRowCmdAfterPort, act_min) + move;
      }
      valid = act + tRCD;
    }
    const uint64_t move = bank != last_cas_bank_ ? 1 : 0;  // the RD/WR chooser
    uint64_t cas;
    if (write && !write_mode_) cas = valid + rtw + move;
    else if (!write && write_mode_) cas = std::max(valid + wtr, last_wr_ + twtr + 1) + move;
    else cas = valid + move;
    if (first_plan) {
      first_planned_cas = cas;
      if (cost && !hit) cost->cycles[kMemRowMiss] += valid - (arrive + kCasAfterPort);
      first_plan = false;
    }
    const uint64_t end = cas + static_cast<uint64_t>(halves - 1) * static_cast<uint64_t>(p_.tCCD);
    // M6: a refresh holds back the commands after the cycle it starts in
    // (the bank machines leave REGULAR), closes the rows and lets the next
    // ACT go only once it is done; commands issued up to then complete.
    const uint64_t r = refresh_at_or_after(arrive + 1);
    if (r >= end) {
      if (!hit) last_cmd_bank_ = bank;
      last_cas_bank_ = bank;
      write_mode_ = write;
      last_cas = end;
      halves = 0;
      b.row = row;
      break;
    }
    // Commands up to r go out; the rest wait for the refresh.
    if (!hit && act <= r) last_cmd_bank_ = bank;
    int issued = 0;
    if (cas <= r) {
      issued = std::min<int>(halves, static_cast<int>(r - cas + 1));
      last_cas_bank_ = bank;
      write_mode_ = write;
      last_cas = cas + static_cast<uint64_t>(issued - 1);
    }
    halves -= issued;
    for (Bank& x : banks_) x.row = -1;
    write_mode_ = false;
    ++refresh_waits_;
    closed_through_ = r + 1;
    act_min = r + done_after;
    arrive = std::max(arrive, r);
  }
  if (write) {
    last_wr_ = last_cas;
    b.pre_ok = last_cas + twtp;
  }
  if (cost && last_cas > first_planned_cas + 1) cost->cycles[kMemRefresh] += last_cas - (first_planned_cas + 1);
  // The read data of the last half come back read_latency later.
  return write ? last_cas : last_cas + static_cast<uint64_t>(p_.read_latency) + kReadAckAfterData;
}

uint64_t Dram::read(uint32_t addr, int words, uint64_t s, MemCost* cost) { return line(addr, words, false, s, cost); }
uint64_t Dram::write(uint32_t addr, int words, uint64_t s, MemCost* cost) { return line(addr, words, true, s, cost); }

}  // namespace sasim::cpu
