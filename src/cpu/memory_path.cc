// The memory behind the CPU's buses: see memory_path.h and
// docs/memory-model.md (every rule with the fact of
// ../shared/memory-reference/README.md that pins it).
#include "cpu/memory_path.h"

#include <algorithm>
#include <stdexcept>

namespace sasim::cpu {

const char* mem_cause_name(int c) {
  static const char* const kNames[kNumMemCauses] = {"l2_hit", "bus_wait", "dram_row_hit", "dram_row_miss",
                                                    "dirty_writeback", "refresh", "core"};
  return c >= 0 && c < kNumMemCauses ? kNames[c] : "?";
}

namespace {

// F13/F15: a refill's cache side adds 4 cycles to its beats' latencies.
constexpr uint64_t kRefillTail = 4;
// M2: an access that hits the L2: IDLE sees STB, TEST_HIT acknowledges.
constexpr uint64_t kL2Hit = 2;

}  // namespace

MemoryPath::MemoryPath(const MemoryParams& p) : p_(p), dram_(p.dram) {
  if (p_.model == MemoryModel::kBoard && p_.l2.size_bytes) {
    if (p_.l2.line_bytes < 8 || (p_.l2.line_bytes & (p_.l2.line_bytes - 1)) ||
        p_.l2.size_bytes % p_.l2.line_bytes || (p_.l2.size_bytes & (p_.l2.size_bytes - 1)))
      throw std::invalid_argument("L2 geometry: sizes must be powers of two, line >= 8 bytes");
    l2_shift_ = 0;
    while ((1u << l2_shift_) < p_.l2.line_bytes) ++l2_shift_;
  }
  reset();
}

MemoryPath::~MemoryPath() = default;

void MemoryPath::reset() {
  const size_t lines = p_.model == MemoryModel::kBoard && p_.l2.size_bytes ? p_.l2.size_bytes / p_.l2.line_bytes : 0;
  l2_tag_.assign(lines, 0);
  l2_dirty_.assign(lines, 0);
  bus_free_ = 0;
  owner_ = kIBus;  // the arbiter's reset grant: the first master (the I-bus)
  dram_.reset();
}

const MemCounters& MemoryPath::counters() const {
  cnt_.row_hits = dram_.row_hits();
  cnt_.row_closed = dram_.row_closed();
  cnt_.row_conflicts = dram_.row_conflicts();
  cnt_.refresh_waits = dram_.refresh_waits();
  return cnt_;
}

void MemoryPath::state(std::vector<uint32_t>* l2_tags, std::vector<uint8_t>* l2_dirty,
                       std::vector<int64_t>* rows) const {
  *l2_tags = l2_tag_;
  *l2_dirty = l2_dirty_;
  *rows = dram_.open_rows();
}

void MemoryPath::set_state(const std::vector<uint32_t>& l2_tags, const std::vector<uint8_t>& l2_dirty,
                           const std::vector<int64_t>& rows) {
  if (l2_tags.size() == l2_tag_.size() && l2_dirty.size() == l2_dirty_.size()) {
    l2_tag_ = l2_tags;
    l2_dirty_ = l2_dirty;
  }
  dram_.set_open_rows(rows);
}

uint64_t MemoryPath::grant(Master m, uint64_t req, MemCost* cost) {
  // The grant moves only at an edge where the owner's CYC is low and the
  // other master's is high: the same master starts as soon as the bus is
  // free (an owner that raises CYC right after its ACK keeps the bus), the
  // other one a cycle later (M8: an I$ refill behind two stores).
  uint64_t s = std::max(req, bus_free_);
  if (m != owner_) {
    ++s;
    owner_ = m;
  }
  if (cost) cost->cycles[kMemBusWait] += s - req;
  cur_ = m;
  cur_req_ = req;
  return s;
}

uint64_t MemoryPath::l2_access(uint32_t addr, bool write, uint64_t t, MemCost* cost) {
  ++cnt_.l2_accesses;
  MemCost local;
  MemCost* c = cost ? cost : &local;
  if (l2_tag_.empty()) {
    // No L2 (l2.size_bytes 0): every access is a DRAM access of its own,
    // through the same controller (an approximation: LiteX's 32-to-64-bit
    // path without the L2 is not pinned by a reference).
    MemCost d;
    const uint64_t ack = write ? dram_.write(addr, 1, t + 1, &d) : dram_.read(addr, 1, t + 1, &d);
    c->add(d);
    const uint64_t lat = ack + 2 - t;
    c->cycles[kMemRowHit] += lat - d.cycles[kMemRowMiss] - d.cycles[kMemRefresh];
    return lat;
  }
  const uint32_t line = addr >> l2_shift_;
  const size_t set = line & (l2_tag_.size() - 1);
  c->cycles[kMemL2Hit] += kL2Hit;
  if (l2_tag_[set] == line + 1) {
    ++cnt_.l2_hits;
    if (write) l2_dirty_[set] = 1;
    if (log_)
      std::fprintf(log_, "%llu %llu L2 %c %c %08x lat 2 hit req %llu\n", static_cast<unsigned long long>(t),
                   static_cast<unsigned long long>(t + 1), cur_ == kIBus ? 'i' : 'd', write ? 'W' : 'R', addr,
                   static_cast<unsigned long long>(cur_req_));
    cur_req_ = t + kL2Hit;
    return kL2Hit;
  }
  // M3-M5: TEST_HIT misses; a dirty victim is written back (EVICT), the line
  // is read (REFILL: a write allocates it too) and TEST_HIT acknowledges.
  ++cnt_.l2_misses;
  // One native-port access per port word of the line (16 bytes: two).
  const int words = static_cast<int>(std::max<uint32_t>(1, p_.l2.line_bytes / static_cast<uint32_t>(p_.dram.port_bytes)));
  uint64_t s = t + 2;
  if (l2_dirty_[set]) {
    ++cnt_.l2_dirty_victims;
    const uint32_t victim = (l2_tag_[set] - 1) << l2_shift_;
    const uint64_t e = dram_.write(victim, words, s, nullptr);
    c->cycles[kMemWriteBack] += e + 1 - s;
    s = e + 1;
  }
  MemCost d;
  const uint64_t r = dram_.read(line << l2_shift_, words, s, &d);
  c->add(d);
  // The read from REFILL to the TEST_HIT that acknowledges, beyond the bank
  // state's and the refresh's share.
  c->cycles[kMemRowHit] += r + 2 - s - d.cycles[kMemRowMiss] - d.cycles[kMemRefresh];
  l2_tag_[set] = line + 1;
  const bool dirty = l2_dirty_[set];
  l2_dirty_[set] = write ? 1 : 0;
  if (log_)
    std::fprintf(log_, "%llu %llu L2 %c %c %08x lat %llu %s req %llu\n", static_cast<unsigned long long>(t),
                 static_cast<unsigned long long>(r + 1), cur_ == kIBus ? 'i' : 'd', write ? 'W' : 'R', addr,
                 static_cast<unsigned long long>(r + 2 - t), dirty ? "miss-dirty" : "miss-clean",
                 static_cast<unsigned long long>(cur_req_));
  cur_req_ = r + 2;
  return r + 2 - t;
}

uint64_t MemoryPath::refill(Master m, uint32_t addr, int beats, uint64_t start, MemCost* cost) {
  if (p_.model == MemoryModel::kFixed)
    return start + static_cast<uint64_t>(p_.fixed.read_first + (beats - 1) * p_.fixed.read_beat) + kRefillTail;
  MemCost local;
  MemCost* c = cost ? cost : &local;
  // The refill holds CYC for all its beats (the bus is not given away).
  uint64_t s = grant(m, start + kRefillStb, c);
  uint64_t ack = s;
  for (int k = 0; k < beats; ++k) {
    ack = s + l2_access(addr + 4u * static_cast<uint32_t>(k), false, s, c) - 1;
    s = ack + 1;
  }
  bus_free_ = ack + 1;
  // The STB cycle, the beats and the tail add up to done - start.
  c->cycles[kMemL2Hit] += kRefillStb + kRefillTail - 1;
  return ack + kRefillTail;
}

uint64_t MemoryPath::write(uint32_t addr, uint64_t start, MemCost* cost) {
  if (p_.model == MemoryModel::kFixed) return start + static_cast<uint64_t>(p_.fixed.write) - 1;
  const uint64_t s = grant(kDBus, start, cost);
  const uint64_t ack = s + l2_access(addr, true, s, cost) - 1;
  bus_free_ = ack + 1;
  return ack;
}

uint64_t MemoryPath::io(uint64_t start, uint32_t latency) {
  if (p_.model == MemoryModel::kFixed) return start + latency - 1;
  // The I/O page acknowledges in the first cycle it sees the access; a
  // device behind the CSR bridge, `latency` cycles after.
  const uint64_t s = grant(kDBus, start, nullptr);
  bus_free_ = s + latency;
  if (log_)
    std::fprintf(log_, "%llu %llu IO d req %llu\n", static_cast<unsigned long long>(s), static_cast<unsigned long long>(s),
                 static_cast<unsigned long long>(start));
  return s + latency - 1;
}

}  // namespace sasim::cpu
