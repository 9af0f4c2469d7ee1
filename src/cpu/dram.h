// The board's DRAM behind the L2: LiteDRAM's controller (bank machines with
// open-page rows, the command multiplexer with its read/write turnaround and
// its round-robin command choosers, the refresher) and the DDR2 device
// through the PHY's DFI latencies, at the system clock (docs/memory-model.md;
// facts M1, M3-M7 of ../shared/memory-reference).
//
// The L2 has one access in flight and nothing else masters the DRAM, so the
// controller serves one L2 line at a time: the model is an event model per
// line that places the line's DRAM commands (PRE, ACT, two RD or WR) from
// the controller's state and the refresh timer's phase, and gives the cycle
// the line is read or written.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sasim::cpu {

struct MemCost;

struct DramParams {
  // Geometry: ROW_BANK_COL mapping of byte offsets from main_ram's base.
  int col_bits = 11;   // byte bits of a row (a 2 KiB row: 1024 columns x 16 bits)
  int bank_bits = 3;   // 8 banks
  int port_bytes = 8;  // the native port's word (16-bit DDR2, BL4)
  // Timings in system cycles (the module's timings at the board clock).
  int tRP = 2, tRCD = 2, tWR = 2, tWTR = 2, tCCD = 1;
  int tREFI = 586, tRFC = 11;
  // PHY (A7DDRPHY, DDR2, 1:2 at 75 MHz): read data come back read_latency
  // cycles after the RD command; a WR takes its data in its own cycle
  // (write_latency 0); CWL 2 over 2 phases is the one-cycle write latency of
  // the write-to-precharge and write-to-read timers.
  int cwl = 2, nphases = 2, read_latency = 8;
  bool refresh = true;  // cpu.memory.refresh: false is an ablation, not the board

  static DramParams nexys_a7();
};

class Dram {
 public:
  explicit Dram(const DramParams& p);
  // Rows closed, the command choosers on bank 0, the multiplexer in READ,
  // the refresh timer at its reset phase.
  void reset();
  // The L2's slave access for one line of `words` port words at `addr` (its
  // REFILL or EVICT state begins at cycle s; a 16-byte line is 2 words):
  // returns the cycle the slave bus acknowledges it (read: the line is
  // written into the L2; write: the victim's last word accepted). `cost`
  // gets the row-miss and refresh cycles (memory_path.h, MemCause); the rest
  // of the access is a row hit.
  uint64_t read(uint32_t addr, int words, uint64_t s, MemCost* cost);
  uint64_t write(uint32_t addr, int words, uint64_t s, MemCost* cost);

  // Open row per bank (-1: precharged), for carrying the state to the next
  // operator of an inference; a vector of another size is ignored.
  std::vector<int64_t> open_rows() const;
  void set_open_rows(const std::vector<int64_t>& rows);

  uint64_t row_hits() const { return row_hits_; }
  uint64_t row_closed() const { return row_closed_; }
  uint64_t row_conflicts() const { return row_conflicts_; }
  // Line accesses that a refresh held back.
  uint64_t refresh_waits() const { return refresh_waits_; }

 private:
  struct Bank {
    int64_t row = -1;         // open row, -1: precharged
    uint64_t pre_ok = 0;      // first cycle a PRE may issue (write-to-precharge)
  };
  uint64_t line(uint32_t addr, int words, bool write, uint64_t s, MemCost* cost);
  // The first refresh that starts at or after cycle t (~0: refresh off).
  uint64_t refresh_at_or_after(uint64_t t) const;
  // The last refresh that started at or before cycle t (~0: none).
  uint64_t refresh_at_or_before(uint64_t t) const;
  void close_rows_before(uint64_t t);

  DramParams p_;
  std::vector<Bank> banks_;
  int last_cas_bank_ = 0, last_cmd_bank_ = 0;  // the two choosers' grants
  bool write_mode_ = false;                    // the multiplexer's READ / WRITE state
  uint64_t last_wr_ = 0;                       // cycle of the last WR command (0: none)
  uint64_t closed_through_ = 0;                // refreshes before this cycle have closed the rows
  uint64_t row_hits_ = 0, row_closed_ = 0, row_conflicts_ = 0, refresh_waits_ = 0;
};

}  // namespace sasim::cpu
