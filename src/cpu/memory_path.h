// What the CPU's Wishbone buses see behind them (docs/memory-model.md).
//
// Two models behind one interface:
//  - fixed: every access takes a fixed number of cycles (cpu.memory.read_first
//    / read_beat / write), the I- and D-bus have a slave each. The board
//    reference (../shared/board-reference) was measured this way.
//  - board: the Nexys A7 CFU Playground SoC's path (../shared/memory-reference,
//    facts M1-M10): one shared Wishbone for both buses (M1, M8), LiteX's L2
//    cache (write-back, write-allocate, direct mapped; M2-M5, M9) and the
//    LiteDRAM controller with the board's DDR2 (Dram: rows, banks, refresh).
//
// Timing contract. The CPU model asks for accesses in program order, each with
// the first cycle it could start; an access starts when the shared bus is
// free. Cycle numbers are the CPU model's (cycle 1: first cycle out of reset).
#pragma once

#include <cstdint>
#include <cstdio>
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "cpu/dram.h"

namespace sasim::cpu {

// Wishbone slave latency of the fixed model (../shared/board-reference/
// README.md, "Memory latency model"): cycles from STB to ACK for the first
// beat of a read, each further beat of a burst, and each write. 1/1/1 is
// zero-wait-state.
struct MemoryTiming {
  int read_first = 24;
  int read_beat = 2;
  int write = 3;
};

enum class MemoryModel { kFixed, kBoard };

struct L2Params {
  uint32_t size_bytes = 8192;  // 0: no L2 (the DRAM controller behind the bus)
  uint32_t line_bytes = 16;    // one line is line_bytes / 8 accesses of the 64-bit DRAM port
};

struct MemoryParams {
  MemoryModel model = MemoryModel::kBoard;
  MemoryTiming fixed;  // the fixed model's latencies
  L2Params l2;         // the board model's L2
  DramParams dram;     // the board model's DRAM (DramParams::nexys_a7() by default)
};

// A typical store's latency, for the driver's choice of streaming loops
// (HwDesc::store_cycles): the fixed model's write; on the board an L2 hit
// (M2: 98.6-99.95% of the reference programs' stores hit the L2), without an
// L2 a DRAM write (M4: 18 on an open row).
inline int typical_store_cycles(const MemoryParams& m) {
  if (m.model == MemoryModel::kFixed) return m.fixed.write;
  return m.l2.size_bytes ? 2 : 18;
}

// Where the cycles of memory accesses went, beyond what an L2 hit costs
// (docs/memory-model.md, "Attribution"): filled by the board model.
enum MemCause : int {
  kMemL2Hit = 0,     // the L2-hit part of every access (2 per beat)
  kMemBusWait,       // waiting for the other master on the shared bus
  kMemRowHit,        // L2 misses served from an open DRAM row
  kMemRowMiss,       // the extra of an L2 miss whose bank needed ACT or PRE+ACT
  kMemWriteBack,     // writing a dirty L2 victim back first
  kMemRefresh,       // waiting for a DRAM refresh
  kMemCore,          // no memory access: the core's own (an F12 load redo, an uncached I/O access)
  kNumMemCauses
};
const char* mem_cause_name(int c);

struct MemCounters {
  uint64_t l2_accesses = 0, l2_hits = 0, l2_misses = 0, l2_dirty_victims = 0;
  uint64_t row_hits = 0, row_closed = 0, row_conflicts = 0;  // L2 lines read or written back, by bank state
  uint64_t refresh_waits = 0;       // line accesses a refresh held back
};

// Per access: what the cycles beyond the issue were spent on (MemCause).
struct MemCost {
  uint64_t cycles[kNumMemCauses] = {};
  void add(const MemCost& o) {
    for (int i = 0; i < kNumMemCauses; ++i) cycles[i] += o.cycles[i];
  }
};

class MemoryPath {
 public:
  enum Master { kIBus = 0, kDBus = 1 };
  // A refill's first beat is on the bus one cycle after the refill begins.
  static constexpr uint64_t kRefillStb = 1;
  explicit MemoryPath(const MemoryParams& p);
  ~MemoryPath();

  const MemoryParams& params() const { return p_; }
  bool shared_bus() const { return p_.model == MemoryModel::kBoard; }
  // Back to the start state: caches cold (L2 tags match no address), rows
  // closed, the refresh timer at its reset phase, counters kept.
  void reset();

  // A cache line refill of `beats` 32-bit words from `addr` (line aligned)
  // that the cache begins at cycle `start`: returns the cycle by which the
  // cache has the line, start + rd + (beats - 1) * beat + 4 in the fixed
  // model (facts F13, F15), and the beats' real latencies plus the same 4 in
  // the board model.
  uint64_t refill(Master m, uint32_t addr, int beats, uint64_t start, MemCost* cost = nullptr);
  // A single write (store) whose STB can be seen from cycle `start`: returns
  // its ACK cycle.
  uint64_t write(uint32_t addr, uint64_t start, MemCost* cost = nullptr);
  // An uncached access (the I/O page: ACK in the first cycle the slave sees
  // STB; a device: `latency` cycles from that cycle to ACK, inclusive):
  // returns the ACK cycle. Occupies the shared bus.
  uint64_t io(uint64_t start, uint32_t latency = 1);
  const MemCounters& counters() const;
  // The state one operator leaves the next on the board (InferenceCarry):
  // the L2's tags and dirty bits and the DRAM's open rows. set_state() after
  // reset(); a state of another geometry is ignored.
  void state(std::vector<uint32_t>* l2_tags, std::vector<uint8_t>* l2_dirty, std::vector<int64_t>* rows) const;
  void set_state(const std::vector<uint32_t>& l2_tags, const std::vector<uint8_t>& l2_dirty,
                 const std::vector<int64_t>& rows);
  // The master the shared bus's arbiter grants (it keeps it on a tie).
  Master owner() const { return owner_; }
  // Developer aid: one line per access ("S A i|d R|W addr lat hit|miss|dirty
  // req Q", the SoC simulation's format), null: none.
  void set_log(std::FILE* f) { log_ = f; }
  // Whether master a's access requested at cycle qa is granted before
  // master b's requested at qb (a != b), from the bus's state now (LiteX's
  // round robin on CYC: the owner keeps the bus while it asks again no later
  // than the bus is free or the other master asks).
  bool granted_first(Master a, uint64_t qa, uint64_t qb) const {
    return owner_ == a ? qa <= std::max(bus_free_, qb) : std::max(bus_free_, qa) < qb;
  }
  // The cycle after the last ACK on the shared bus.
  uint64_t bus_free() const { return bus_free_; }

 private:
  // One 32-bit access on the L2's master port whose STB is seen from `t`:
  // returns its latency (STB to ACK inclusive).
  uint64_t l2_access(uint32_t addr, bool write, uint64_t t, MemCost* cost);
  // M1, M8: the first cycle the L2 sees the access of master m requested at
  // cycle `req` (LiteX's round-robin arbiter on CYC).
  uint64_t grant(Master m, uint64_t req, MemCost* cost);

  MemoryParams p_;
  Dram dram_;
  std::vector<uint32_t> l2_tag_;   // line address + 1 (0: invalid)
  std::vector<uint8_t> l2_dirty_;
  int l2_shift_ = 4;
  uint64_t bus_free_ = 0;          // the cycle after the last ACK on the shared bus
  Master owner_ = kIBus;           // the arbiter's grant
  mutable MemCounters cnt_;
  std::FILE* log_ = nullptr;
  Master cur_ = kIBus;   // the master of the access in progress (for the log)
  uint64_t cur_req_ = 0;
};

}  // namespace sasim::cpu
