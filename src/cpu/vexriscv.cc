// VexRiscv "perf+cfu" timing model: see vexriscv.h for the contract and
// docs/cpu-model.md for every rule with the reference program that pins it.
// Fact numbers (F1..F19) are those of ../shared/board-reference/facts.md.
#include "cpu/vexriscv.h"

#include <fmt/format.h>

#include <sys/mman.h>

#include <algorithm>
#include <cstring>
#include <new>
#include <stdexcept>

namespace sasim::cpu {

BoardMemory::BoardMemory(uint32_t bytes) : ram_bytes(bytes) {
  if (bytes == 0 || bytes > kMaxRamBytes) throw std::invalid_argument("main_ram size out of range");
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  ram = static_cast<uint8_t*>(p);
}

BoardMemory::~BoardMemory() { munmap(ram, ram_bytes); }

void BoardMemory::clear() {
  // A private anonymous mapping reads as zero again after MADV_DONTNEED.
  if (madvise(ram, ram_bytes, MADV_DONTNEED) != 0) std::memset(ram, 0, ram_bytes);
}

void CfuPort::idle(uint64_t n, bool rsp_ready) {
  BusIn in;
  in.rsp_ready = rsp_ready;
  for (uint64_t i = 0; i < n; ++i) step(in);
}

const char* stall_class_name(int c) {
  static const char* const kNames[kNumStallClasses] = {"execute", "interlock", "branch",  "fetch_miss",
                                                       "data_mem", "divider",   "cfu_cmd", "cfu_rsp"};
  return c >= 0 && c < kNumStallClasses ? kNames[c] : "?";
}

namespace {

// After reset the first instruction retires at cycle 276 (ideal) and 306
// (ddr) in the reference traces: the caches' one-line-per-cycle flush, the
// first refill, and 3 cycles of reset/fetch start-up measured from the traces.
constexpr uint64_t kBootExtraCycles = 3;
// How far fetch had run past a load whose redo flushes the pipeline.
constexpr uint32_t kRedoLookahead = 3;
// The predecode and per-pc cycle tables cover the first bytes of main_ram,
// where programs keep their code; an instruction past them is decoded each
// time and its cycles are not attributed to it.
constexpr uint32_t kDecodeCover = 2u << 20;

enum Stage { kD = 0, kE = 1, kM = 2, kW = 3 };

// Where an instruction's result can be bypassed from (HazardSimplePlugin with
// every bypass): a reader leaves decode only once the producer has reached
// this stage.
enum ResultFrom : uint8_t {
  kFromE,  // ALU, lui/auipc, links: no stall (F2)
  kFromM,  // shifts (F3), CFU responses (F17), the divider (F6), CSR reads
  kFromW,  // loads (F4) and the multiplier (F5)
};

enum Op : uint8_t {
  kIllegal,
  kLui, kAuipc, kJal, kJalr,
  kBeq, kBne, kBlt, kBge, kBltu, kBgeu,
  kLb, kLh, kLw, kLbu, kLhu,
  kSb, kSh, kSw,
  kAddi, kSlti, kSltiu, kXori, kOri, kAndi, kSlli, kSrli, kSrai,
  kAdd, kSub, kSll, kSlt, kSltu, kXor, kSrl, kSra, kOr, kAnd,
  kMul, kMulh, kMulhsu, kMulhu, kDiv, kDivu, kRem, kRemu,
  kFence, kFenceI, kEcall, kEbreak, kMret, kWfi,
  kCsrrw, kCsrrs, kCsrrc, kCsrrwi, kCsrrsi, kCsrrci,
  kCfu,
};

inline int32_t sext(uint32_t v, int bits) { return static_cast<int32_t>(v << (32 - bits)) >> (32 - bits); }

// The result of an integer ALU instruction (lui, auipc, the register-immediate
// and register-register operations without the multiplier), what the bypass
// gives a reader; false for any other instruction.
inline bool alu_result(uint8_t op, int32_t imm, uint32_t a, uint32_t b, uint32_t pc, uint32_t* out) {
  const uint32_t u = static_cast<uint32_t>(imm);
  switch (op) {
    case kLui: *out = u; return true;
    case kAuipc: *out = pc + u; return true;
    case kAddi: *out = a + u; return true;
    case kSlti: *out = static_cast<int32_t>(a) < imm; return true;
    case kSltiu: *out = a < u; return true;
    case kXori: *out = a ^ u; return true;
    case kOri: *out = a | u; return true;
    case kAndi: *out = a & u; return true;
    case kSlli: *out = a << imm; return true;
    case kSrli: *out = a >> imm; return true;
    case kSrai: *out = static_cast<uint32_t>(static_cast<int32_t>(a) >> imm); return true;
    case kAdd: *out = a + b; return true;
    case kSub: *out = a - b; return true;
    case kSll: *out = a << (b & 31); return true;
    case kSlt: *out = static_cast<int32_t>(a) < static_cast<int32_t>(b); return true;
    case kSltu: *out = a < b; return true;
    case kXor: *out = a ^ b; return true;
    case kSrl: *out = a >> (b & 31); return true;
    case kSra: *out = static_cast<uint32_t>(static_cast<int32_t>(a) >> (b & 31)); return true;
    case kOr: *out = a | b; return true;
    case kAnd: *out = a & b; return true;
    default: return false;
  }
}

}  // namespace

namespace {

void decode_word(uint32_t w, Vexriscv::Decoded* dd);

}  // namespace

Vexriscv::Vexriscv(const CpuParams& p, BoardMemory* mem, CfuPort* cfu)
    : p_(p), mem_(mem), cfu_(cfu), memp_(p.memory) {
  line_shift_ = 0;
  while ((1 << line_shift_) < p_.line_bytes) ++line_shift_;
  itag_.assign(static_cast<size_t>(p_.icache_bytes / p_.line_bytes), 0);
  dtag_.assign(static_cast<size_t>(p_.dcache_bytes / p_.line_bytes), 0);
  const uint32_t cover = std::min(kDecodeCover, mem_->ram_bytes) / 4;
  decoded_.resize(cover);
  decoded_valid_.assign(cover, 0);
  pc_cycles_.assign(cover, 0);
}

uint64_t Vexriscv::refill(MemoryPath::Master m, uint32_t line, uint64_t start) {
  // F13/F15: a line refill costs rd + (beats-1)*beat + 4 more than a hit in
  // the fixed model; the board's path gives each beat its own latency. On
  // the shared bus the stores requested before an I$ refill go first (M8).
  if (m == MemoryPath::kIBus) settle_stores_before_fetch(start + MemoryPath::kRefillStb);
  else settle_stores();
  MemCost c;
  const uint64_t done = memp_.refill(m, line << line_shift_, p_.line_bytes / 4, start, &c);
  (m == MemoryPath::kIBus ? i_cost_ : d_cost_).add(c);
  return done;
}

void Vexriscv::reset(uint32_t pc) {
  pc_ = pc;
  std::fill(std::begin(x_), std::end(x_), 0u);
  std::fill(itag_.begin(), itag_.end(), 0u);
  std::fill(dtag_.begin(), dtag_.end(), 0u);
  for (Times& h : hist_) h = Times{};
  std::fill(std::begin(reg_ready_), std::end(reg_ready_), 0);
  // Both caches clear one line per cycle after reset (VexRiscv's flush at
  // boot) before the first fetch is issued.
  const uint64_t boot = static_cast<uint64_t>(itag_.size()) + kBootExtraCycles;
  last_retire_ = boot;
  for (Times& h : hist_) h = Times{boot, boot, boot, boot, boot};
  fetch_avail_ = boot;
  redirect_ = true;
  redirect_at_ = boot + 2;
  redirect_from_ = boot;
  fetch_line_ = 0xffffffffu;
  prefetched_line_ = 0xffffffffu;
  prefetched_ready_ = 0;
  store_ack_[0] = store_ack_[1] = 0;
  dbus_free_ = 0;
  n_pending_ = 0;
  memp_.reset();
  d_cost_ = i_cost_ = last_d_cost_ = last_i_cost_ = last_store_cost_ = MemCost{};
  icache_flush_until_ = 0;
  fence_i_flush_ = false;
  last_store_hit_ = false;
  cfu_t_ = 1;
  hold_ = false;
  s2m_from_ = 1;
  s2m_to_ = 0;
  exited_ = false;
  mstatus_mie_ = mstatus_mpie_ = false;
  mstatus_mpp_ = 3;
  mie_ = 0;
  irq_mask_ = 0;
  irq_ctrl_.assign(1, IrqCtrl{0, false, 0, false});
  irq_possible_ = false;
  line_base_ = 0;
  line_events_.clear();
  irq_delay_ = 0;
  decode_hold_until_ = 0;
  irq_quiet_from_ = irq_quiet_until_ = 0;
  mscratch_ = mtvec_ = mepc_ = mcause_ = mtval_ = 0;
  next_sample_ = sample_interval_ ? (last_retire_ / sample_interval_ + 1) * sample_interval_ : ~0ull;
}

void Vexriscv::set_icache_tags(const std::vector<uint32_t>& tags) {
  if (tags.size() != itag_.size()) throw std::logic_error("set_icache_tags: another I$ geometry");
  itag_ = tags;
}

const Vexriscv::Decoded& Vexriscv::decode_at(uint32_t pc) {
  const uint32_t idx = (pc - BoardMemory::kRamBase) >> 2;
  uint32_t w;
  if (idx >= decoded_.size()) {
    std::memcpy(&w, &mem_->ram[pc - BoardMemory::kRamBase], 4);
    decode_word(w, &scratch_);
    return scratch_;
  }
  if (!decoded_valid_[idx]) {
    std::memcpy(&w, &mem_->ram[pc - BoardMemory::kRamBase], 4);
    decode_word(w, &decoded_[idx]);
    decoded_valid_[idx] = 1;
  }
  return decoded_[idx];
}

namespace {

void decode_word(uint32_t w, Vexriscv::Decoded* dd) {
  Vexriscv::Decoded d;
  d.raw = w;
  const uint32_t opc = w & 0x7f, f3 = (w >> 12) & 7, f7 = w >> 25;
  d.rd = (w >> 7) & 31;
  d.rs1 = (w >> 15) & 31;
  d.rs2 = (w >> 20) & 31;
  const int32_t imm_i = static_cast<int32_t>(w) >> 20;
  const int32_t imm_s = sext(((w >> 25) << 5) | ((w >> 7) & 31), 12);
  const int32_t imm_b = sext(((w >> 31) << 12) | (((w >> 7) & 1) << 11) | (((w >> 25) & 0x3f) << 5) |
                                 (((w >> 8) & 0xf) << 1),
                             13);
  const int32_t imm_u = static_cast<int32_t>(w & 0xfffff000u);
  const int32_t imm_j = sext(((w >> 31) << 20) | (((w >> 12) & 0xff) << 12) | (((w >> 20) & 1) << 11) |
                                 (((w >> 21) & 0x3ff) << 1),
                             21);
  auto rtype = [&](Op op, ResultFrom from) {
    d.op = op;
    d.use1 = d.use2 = d.writes = true;
    d.from = from;
  };
  switch (opc) {
    case 0x37: d.op = kLui; d.imm = imm_u; d.writes = true; break;
    case 0x17: d.op = kAuipc; d.imm = imm_u; d.writes = true; break;
    case 0x6f: d.op = kJal; d.imm = imm_j; d.writes = true; break;
    case 0x67:
      if (f3 == 0) { d.op = kJalr; d.imm = imm_i; d.use1 = true; d.writes = true; }
      break;
    case 0x63: {
      static const Op ops[8] = {kBeq, kBne, kIllegal, kIllegal, kBlt, kBge, kBltu, kBgeu};
      d.op = ops[f3];
      d.imm = imm_b;
      d.use1 = d.use2 = true;
      break;
    }
    case 0x03: {
      static const Op ops[8] = {kLb, kLh, kLw, kIllegal, kLbu, kLhu, kIllegal, kIllegal};
      d.op = ops[f3];
      d.imm = imm_i;
      d.use1 = d.writes = true;
      d.from = kFromW;
      break;
    }
    case 0x23: {
      static const Op ops[8] = {kSb, kSh, kSw, kIllegal, kIllegal, kIllegal, kIllegal, kIllegal};
      d.op = ops[f3];
      d.imm = imm_s;
      d.use1 = d.use2 = true;
      break;
    }
    case 0x13: {
      d.imm = imm_i;
      d.use1 = d.writes = true;
      switch (f3) {
        case 0: d.op = kAddi; break;
        case 2: d.op = kSlti; break;
        case 3: d.op = kSltiu; break;
        case 4: d.op = kXori; break;
        case 6: d.op = kOri; break;
        case 7: d.op = kAndi; break;
        case 1: if (f7 == 0) { d.op = kSlli; d.from = kFromM; } break;
        case 5:
          if (f7 == 0) { d.op = kSrli; d.from = kFromM; }
          else if (f7 == 0x20) { d.op = kSrai; d.from = kFromM; }
          break;
      }
      d.imm &= (d.op == kSlli || d.op == kSrli || d.op == kSrai) ? 31 : -1;
      break;
    }
    case 0x33:
      if (f7 == 0) {
        static const Op ops[8] = {kAdd, kSll, kSlt, kSltu, kXor, kSrl, kOr, kAnd};
        rtype(ops[f3], (f3 == 1 || f3 == 5) ? kFromM : kFromE);
      } else if (f7 == 0x20 && (f3 == 0 || f3 == 5)) {
        rtype(f3 == 0 ? kSub : kSra, f3 == 0 ? kFromE : kFromM);
      } else if (f7 == 1) {
        static const Op ops[8] = {kMul, kMulh, kMulhsu, kMulhu, kDiv, kDivu, kRem, kRemu};
        rtype(ops[f3], f3 < 4 ? kFromW : kFromM);
      }
      break;
    case 0x0f: d.op = f3 == 1 ? kFenceI : kFence; break;
    case 0x73:
      if (f3 == 0) {
        if (w == 0x00000073) d.op = kEcall;
        else if (w == 0x00100073) d.op = kEbreak;
        else if (w == 0x30200073) d.op = kMret;
        else if (w == 0x10500073) d.op = kWfi;
      } else if (f3 != 4) {
        static const Op ops[8] = {kIllegal, kCsrrw, kCsrrs, kCsrrc, kIllegal, kCsrrwi, kCsrrsi, kCsrrci};
        d.op = ops[f3];
        d.imm = static_cast<int32_t>(w >> 20);  // CSR number
        d.use1 = f3 < 4;
        d.writes = true;
        // The value read is bypassed from memory on: a reader right behind
        // waits a cycle (the RTL, tests/firmware/cpu_traps: `csrr t6,
        // mcause; add a0, a0, t6` 2 cycles apart).
        d.from = kFromM;
      }
      break;
    case 0x0b:  // custom-0: the CFU (CfuPlugin encoding "-------------------------0001011")
      rtype(kCfu, kFromM);
      break;
  }
  if (d.op == kIllegal) {
    d = Vexriscv::Decoded{};
    d.raw = w;
  }
  if (d.rd == 0) d.writes = false;
  *dd = d;
}

}  // namespace

// ---- pipeline arbitration ----------------------------------------------------

// An older instruction in a later stage at cycle t freezes `stage` unless it
// leaves its own stage in that very cycle. Returns the first cycle >= t at
// which `stage` is not frozen.
uint64_t Vexriscv::unblock(int stage, uint64_t t) const {
  for (bool moved = true; moved;) {
    moved = false;
    for (const Times& h : hist_) {
      const uint64_t x[4] = {h.d, h.e, h.m, h.w};
      if (t <= x[stage] || t > h.w) continue;  // not in a later stage at t
      for (int s = stage + 1; s <= kW; ++s) {
        if (t <= x[s]) {
          if (t != x[s]) {
            t = x[s];
            moved = true;
          }
          break;
        }
      }
    }
  }
  return t;
}

bool Vexriscv::blocked_at(int stage, uint64_t t) const { return unblock(stage, t) != t; }

uint64_t Vexriscv::stage_free(int stage, uint64_t t) const {
  for (;;) {
    uint64_t n = unblock(stage, t);
    for (const Times& h : hist_) {
      const uint64_t x[4] = {h.d, h.e, h.m, h.w};
      if (x[stage - 1] < n && n < x[stage]) n = x[stage];  // its own instruction holds it
    }
    if (n == t) return t;
    t = n;
  }
}

// ---- fetch -------------------------------------------------------------------

uint64_t Vexriscv::fetch_ready(uint32_t pc, int* cause) {
  uint64_t a;
  bool new_line = false;
  if (redirect_) {
    // F7-F9: a redirect at cycle r (decode prediction or execute) delivers
    // the target to decode at r + 2. The fetch stages move only in cycles in
    // which a later stage does not freeze the pipeline: each frozen cycle
    // after r delays the target (and the refill of its line) by one (F24: a
    // jump behind a divide; F25: a branch behind a store held by the full
    // store buffer; the call into bench_region behind main's stores).
    a = redirect_at_;
    for (uint64_t c = redirect_from_ + 1; c < a; ++c)
      if (blocked_at(kD, c)) ++a;
    redirect_ = false;
    new_line = true;
    *cause = kBranch;
  } else {
    a = fetch_avail_ + 1;
    *cause = kExecute;
  }
  fetch_redirected_ = new_line && redirect_in_execute_;
  redirect_exec_ = redirect_from_;
  redirect_in_execute_ = false;
  const uint32_t line = pc >> line_shift_;
  if (new_line || line != fetch_line_) {
    fetch_line_ = line;
    // The I$ serves nothing else until a wrong-path refill is complete
    // (alu_dep_256: main's ret is the last word of its line).
    if (prefetched_line_ != 0xffffffffu && prefetched_ready_ > a) {
      a = prefetched_ready_;
      *cause = kFetchMiss;
    }
    prefetched_line_ = 0xffffffffu;
    const size_t set = line & (itag_.size() - 1);
    ++cnt_.icache_line_fetches;
    if (itag_[set] != line + 1) {
      // F15: a missing line adds the refill. On sequential fetch the
      // refill starts only when the previous instruction leaves decode
      // (retire traces: a decode stall before a line miss is not hidden).
      itag_[set] = line + 1;
      ++cnt_.icache_misses;
      if (!new_line) a = std::max(a, hist_[0].d + 1);
      // The instruction right behind a fence.i is looked up before the flush
      // starts: a missing line is refilled then (into the L2 as well), and
      // fetched again once the flush is done (mp_icache_dram).
      if (fence_i_flush_) refill(MemoryPath::kIBus, line, a);
      a = refill(MemoryPath::kIBus, line, std::max(a, icache_flush_until_));
      *cause = kFetchMiss;
    }
  }
  fetch_avail_ = a;
  if (fence_i_flush_) {
    std::fill(itag_.begin(), itag_.end(), 0u);
    fetch_line_ = 0xffffffffu;
    fence_i_flush_ = false;
  }
  return a;
}

// Until a jump resolves in execute, fetch runs on sequentially. When the
// instruction after the jump starts a missing line, its refill starts as the
// jump leaves decode and completes even though the path is wrong; a target
// in that line is delivered when the refill is done (facts.md, "Other
// observations": the taken branch into the line being refilled).
void Vexriscv::wrong_path_fetch(uint32_t pc, uint64_t d_exit) {
  const uint32_t nl = (pc + 4) >> line_shift_;
  if (nl == (pc >> line_shift_)) return;
  const size_t set = nl & (itag_.size() - 1);
  if (itag_[set] == nl + 1) return;
  itag_[set] = nl + 1;
  ++cnt_.icache_misses;
  prefetched_line_ = nl;
  prefetched_ready_ = refill(MemoryPath::kIBus, nl, std::max(d_exit + 1, icache_flush_until_));
}

// M10 on the wrong path: the I$ flushes while a fence.i is valid in decode,
// also one that an execute-stage redirect (jalr, a taken forward branch) is
// about to squash, and the flush runs to its end (mp_icache_dram: bench_region's
// `ret` is followed by prepare's fence.i; its return target waits for the
// flush). The instruction after the jump is in decode when the jump leaves
// execute if its line was in the I$.
void Vexriscv::wrong_path_fence_i(uint32_t pc, uint64_t e_exit) {
  const uint32_t npc = pc + 4;
  if (!mem_->in_ram(npc, 4)) return;
  const uint32_t nl = npc >> line_shift_;
  if (nl != (pc >> line_shift_) && itag_[nl & (itag_.size() - 1)] != nl + 1) return;
  if (decode_at(npc).op != kFenceI) return;
  std::fill(itag_.begin(), itag_.end(), 0u);
  fetch_line_ = 0xffffffffu;
  icache_flush_until_ = e_exit + 5 + itag_.size();
}

// ---- data bus ----------------------------------------------------------------

// F11: the D-bus command path holds 2 writes; a store leaves writeback at the
// first cycle >= t at which fewer than 2 earlier writes are unacknowledged.
uint64_t Vexriscv::store_issue_ready(uint64_t t, uint32_t pc, uint64_t d_exit) {
  // Stores still pending count as unacknowledged; only when they could fill
  // the buffer are they sent (so that an I$ refill requested before them
  // still goes first).
  const int in_flight = (store_ack_[0] >= t) + (store_ack_[1] >= t);
  if (in_flight + n_pending_ < 2) return t;
  if (n_pending_ > 0 && memp_.shared_bus()) fetch_next_line_early(pc, d_exit, t);
  settle_stores();
  return buffer_ready(t);
}

uint64_t Vexriscv::buffer_ready(uint64_t t) const {
  const uint64_t older = std::min(store_ack_[0], store_ack_[1]);
  const uint64_t newer = std::max(store_ack_[0], store_ack_[1]);
  if (newer >= t && older >= t) return older + 1;
  return t;
}

// A store leaves writeback at t and requests the D-bus at t + 1. On the
// board's shared bus it is sent when the accesses requested before it are
// known: an I$ refill that the next instructions start earlier wins the bus
// (the CPU model sees instructions in program order, the bus in time order).
void Vexriscv::store_issue(uint64_t t, uint32_t addr, uint32_t value, int size) {
  pending_[n_pending_++] = PendingStore{t, addr, value, size};
  // A write to an interrupt line or a device goes out at once, so that the
  // lines are known before the next instruction is checked for an interrupt.
  if (!memp_.shared_bus() || n_pending_ == kMaxPending || (test_page(addr) && BoardMemory::is_irq_reg(addr)) || device(addr))
    settle_stores();
}

// A store that waits for the buffer needs the pending stores' ACKs, but the
// fetch of the line after it may have asked for the bus before them (its
// request: the cycle after the store leaves decode, as in fetch_ready): that
// refill is made now, its line delivered to the next fetch
// (mp_icache_dram: three stores at the end of a line, the next line's
// refill first).
void Vexriscv::fetch_next_line_early(uint32_t pc, uint64_t d_exit, uint64_t t) {
  const uint32_t nl = (pc + 4) >> line_shift_;
  if (nl == (pc >> line_shift_) || !mem_->in_ram(pc + 4, 4)) return;
  if (itag_[nl & (itag_.size() - 1)] == nl + 1 || prefetched_line_ != 0xffffffffu) return;
  const uint64_t start = std::max({fetch_avail_ + 1, d_exit + 1, icache_flush_until_});
  const uint64_t q = start + MemoryPath::kRefillStb;
  settle_stores_before_fetch(q);
  if (n_pending_ == 0) {
    // Every pending store goes first: the store itself (requesting the bus
    // when the buffer has room) against the refill, as the arbiter decides.
    if (memp_.granted_first(MemoryPath::kDBus, buffer_ready(t) + 1, q)) return;
  }
  itag_[nl & (itag_.size() - 1)] = nl + 1;
  ++cnt_.icache_misses;
  prefetched_line_ = nl;
  prefetched_ready_ = refill(MemoryPath::kIBus, nl, start);
}

void Vexriscv::settle_stores() {
  for (int i = 0; i < n_pending_; ++i) send_store(pending_[i]);
  n_pending_ = 0;
}

// The arbiter moves the grant only at an edge where the owner's CYC is low
// and the other master's is high: the D-bus keeps the bus for a store it
// requests no later than the bus is free or the I refill asks (its CYC
// stays high from one store to the next: mp_icache_after_stores, stores
// behind a store's L2 miss), and takes it from an idle I-bus only for a
// store requested before the refill.
void Vexriscv::settle_stores_before_fetch(uint64_t q) {
  int done = 0;
  for (; done < n_pending_; ++done) {
    if (!memp_.granted_first(MemoryPath::kDBus, pending_[done].t + 1, q)) break;
    send_store(pending_[done]);
  }
  if (done == 0) return;
  for (int i = done; i < n_pending_; ++i) pending_[i - done] = pending_[i];
  n_pending_ -= done;
}

void Vexriscv::send_store(const PendingStore& ps) {
  const uint64_t t = ps.t;
  const uint32_t addr = ps.addr, value = ps.value;
  const uint64_t start = std::max(t + 1, dbus_free_);
  MemCost c;
  const bool dev = device(addr);
  const uint64_t ack = dev ? memp_.io(start, io_->latency(addr))
                       : test_page(addr) ? memp_.io(start) : memp_.write(addr, start, &c);
  if (dev) {
    io_->write(addr, value, ps.size, ack);
    irq_quiet_until_ = 0;
  }
  // A store that waited for the older one's ACK (one write at a time on the
  // D bus) waited for that store's causes: a stream of stores each missing
  // the L2 stalls on the misses, not on the hit part of its own access.
  if (start > t + 1) d_cost_.add(last_store_cost_);
  last_store_cost_ = c;
  d_cost_.add(c);
  dbus_free_ = ack + 1;
  if (store_ack_[0] < store_ack_[1]) store_ack_[0] = ack;
  else store_ack_[1] = ack;
  if (test_page(addr) && (addr & 0xfff) == BoardMemory::kExit && exited_ && exit_cycle_ == 0)
    exit_cycle_ = ack;
  if (test_page(addr)) {
    const uint32_t off = addr & 0xfff & ~3u;
    LineEvent ev{0, 0, 0};
    if (off == BoardMemory::kIrqRaise) ev = LineEvent{ack + 1, value, 0};
    else if (off == BoardMemory::kIrqLower) ev = LineEvent{ack + 1, 0, value};
    else if (off == BoardMemory::kIrqRaiseLater) ev = LineEvent{ack + 1 + irq_delay_, value, 0};
    if (ev.at) {
      irq_quiet_until_ = 0;
      auto at = line_events_.end();
      while (at != line_events_.begin() && (at - 1)->at > ev.at) --at;
      line_events_.insert(at, ev);
    }
  }
}

// F14: a refill (or uncached read) starts in the cycle the last buffered
// write is acknowledged.
uint64_t Vexriscv::dbus_idle_from() {
  settle_stores();
  return dbus_free_ ? dbus_free_ - 1 : 0;
}

// ---- CFU port ----------------------------------------------------------------

bool Vexriscv::rsp_ready_at(uint64_t t) const { return !(t >= s2m_from_ && t <= s2m_to_); }

void Vexriscv::cfu_idle_to(uint64_t target) {
  if (cfu_t_ >= target) return;
  if (!hold_ && s2m_to_ < cfu_t_) {
    cfu_->idle(target - cfu_t_, true);
    cfu_t_ = target;
    return;
  }
  while (cfu_t_ < target) {
    const BusOut o = cfu_->outputs();
    BusIn in;
    in.rsp_ready = rsp_ready_at(cfu_t_);
    if (o.cmd_ready) hold_ = false;  // CfuPlugin: hold clearWhen(cmd.ready)
    cfu_->step(in);
    ++cfu_t_;
  }
}

// Whether an older instruction with a side effect (load, store, branch, jump,
// CSR) is in memory or writeback during cycle t: the 2022 CfuPlugin's
// `hazard`. Only the two newest older instructions can be there.
bool Vexriscv::side_effect_after_execute(uint64_t t) const {
  for (int i = 0; i < 2; ++i)
    if (hist_[i].side && t > hist_[i].e && t <= hist_[i].side_end) return true;
  return false;
}

// One instruction that the CfuPlugin sends to the CFU, from the cycle e0 it
// enters execute: per cycle, exactly the plugin's fork-stage logic
//   2022 only: hazard = memory or writeback holds a side-effect instruction;
//              schedule = wish && !hazard; halt while wish && hazard
//   cmd.valid = (schedule || hold) && !fired;  halt while valid && !ready
//   hold  <= ready ? 0 : (schedule ? 1 : hold)
//   fired <= !stuck ? 0 : (fire ? 1 : fired)
//            (2021: stuck = held by a later stage; 2022: held at all)
// and its join in memory through the s2m response buffer (F16-F19).
// Returns the execute exit cycle; *rsp_cycle = the cycle the response was
// taken from the CFU.
uint64_t Vexriscv::cfu_execute(uint64_t e0, uint32_t fid, uint32_t in0, uint32_t in1, bool scheduled,
                               uint32_t* result, uint64_t* rsp_cycle, int* e_cause) {
  const bool rev2022 = p_.cfu_plugin == CfuPluginRev::k2022;
  cfu_idle_to(e0);
  bool hold = hold_;
  // Cycles already stepped while this instruction sat in execute: the CFU
  // was still busy with the previous command (cmd_ready = 0), so nothing
  // transferred, and the plugin's hold register was set (on the 2022 core
  // only once the hazard had cleared; it never comes back once cleared, as
  // only older instructions cause it).
  if (scheduled && e0 < cfu_t_ && !(rev2022 && side_effect_after_execute(cfu_t_ - 1))) hold = true;
  uint64_t t = std::max(e0, cfu_t_);
  bool fired = false, fired_once = false, got = false;
  uint64_t te = 0, r = 0;
  uint32_t data = 0;
  *e_cause = kExecute;
  for (;;) {
    const BusOut o = cfu_->outputs();
    const bool hazard = rev2022 && scheduled && side_effect_after_execute(t);
    const bool schedule = scheduled && !hazard;
    const bool valid = (schedule || hold) && !fired;
    const bool stuck_by_others = blocked_at(kE, t);
    const bool halt_self = hazard || (valid && !o.cmd_ready);
    BusIn in;
    in.cmd_valid = valid;
    in.function_id = fid;
    in.inputs_0 = in0;
    in.inputs_1 = in1;
    in.rsp_ready = rsp_ready_at(t);
    if (fired_once && !got && o.rsp_valid && in.rsp_ready) {
      got = true;
      r = t;
      data = o.rsp_payload;
    }
    const bool fire = valid && o.cmd_ready;
    cfu_->step(in);
    cfu_t_ = t + 1;
    hold = o.cmd_ready ? false : (schedule ? true : hold);
    if (fire) fired_once = true;
    const bool stuck = rev2022 ? (stuck_by_others || halt_self) : stuck_by_others;
    fired = !stuck ? false : (fire ? true : fired);
    if (!halt_self && !stuck_by_others) {
      te = t;
      break;
    }
    if (hazard) *e_cause = kCfuCmd;
    else if (valid && !o.cmd_ready) *e_cause = kCfuCmd;
    if (cfu_timeout_ && t - e0 >= cfu_timeout_ && valid && !o.cmd_ready) {
      cfu_stuck_ = fmt::format("the CFU has not taken the command (cmd_ready = 0) for {} cycles", t - e0);
      *rsp_cycle = t;
      return t;
    }
    if (t > max_cycle_) {
      *rsp_cycle = t;
      return t;
    }
    ++t;
  }
  hold_ = hold;
  t = te + 1;
  while (!got) {
    const BusOut o = cfu_->outputs();
    BusIn in;
    in.rsp_ready = rsp_ready_at(t);
    if (o.rsp_valid && in.rsp_ready) {
      got = true;
      r = t;
      data = o.rsp_payload;
    }
    if (o.cmd_ready) hold_ = false;
    cfu_->step(in);
    cfu_t_ = t + 1;
    if (t > max_cycle_) break;
    if (cfu_timeout_ && t - te >= cfu_timeout_) {
      cfu_stuck_ = fmt::format("the CFU took the command and has not answered (rsp_valid = 0) for {} cycles", t - te);
      *rsp_cycle = t;
      return te;
    }
    ++t;
  }
  *result = data;
  *rsp_cycle = r;
  return te;
}

// ---- the 2021 core's replayed CFU command (F20-F22) -----------------------------

namespace {

bool reads(const Vexriscv::Decoded& d, int r) { return r != 0 && ((d.use1 && d.rs1 == r) || (d.use2 && d.rs2 == r)); }

}  // namespace

// A CFU command sent by an instruction that is then flushed: presented from
// cycle f until the CFU takes it (at most until `deadline`), its response
// taken and dropped. False when it never went out.
bool Vexriscv::cfu_phantom(uint64_t f, uint32_t fid, uint32_t in0, uint32_t in1, uint64_t deadline, uint64_t* fire,
                           uint64_t* rsp) {
  cfu_idle_to(f);
  uint64_t t = std::max(f, cfu_t_);
  for (;; ++t) {
    if (t > deadline) return false;
    const BusOut o = cfu_->outputs();
    BusIn in;
    in.cmd_valid = true;
    in.function_id = fid;
    in.inputs_0 = in0;
    in.inputs_1 = in1;
    in.rsp_ready = rsp_ready_at(t);
    cfu_->step(in);
    cfu_t_ = t + 1;
    if (o.cmd_ready) break;
  }
  *fire = t;
  for (++t;; ++t) {
    const BusOut o = cfu_->outputs();
    BusIn in;
    in.rsp_ready = true;
    cfu_->step(in);
    cfu_t_ = t + 1;
    if (o.rsp_valid) break;
  }
  *rsp = t;
  hold_ = false;
  return true;
}

// F20/F21 on the 2021 CfuPlugin: the load at `pc` leaves memory at m_exit
// and is redone; the pipeline behind it is flushed when the redo jumps back
// (`flush`). An instruction at distance k (0 or 1) behind it reaches execute
// at m_exit + k unless it waits in decode for the load (it reads the loaded
// register), or something before it does; a CFU instruction there sends its
// command (the 2021 plugin does not wait for older instructions), is flushed
// and will send it again. F22: a command that takes 2 cycles to answer, at
// distance 1, also leaves the plugin's hold set: the instruction after the
// replayed one is sent to the CFU too.
void Vexriscv::replay_behind_load(uint32_t pc, const Decoded& load, uint64_t m_exit, uint64_t flush) {
  const int lrd = load.writes ? load.rd : 0;
  int wrote = 0;  // a register the instruction at distance 0 writes
  uint32_t wrote_value = 0;
  bool wrote_known = false;
  for (uint32_t k = 0; k < 2; ++k) {
    const uint32_t npc = pc + 4 * (k + 1);
    if (!mem_->in_ram(npc, 4)) return;
    // Not fetched in time when its line is not in the I$.
    const uint32_t line = npc >> line_shift_;
    if (itag_[line & (itag_.size() - 1)] != line + 1) return;
    const Decoded& n = decode_at(npc);
    if (reads(n, lrd)) return;  // waits in decode for the load: nothing behind it moves either
    if (n.op == kCfu) {
      uint32_t a = x_[n.rs1], b = x_[n.rs2];
      if (wrote != 0 && (reads(n, wrote))) {
        if (!wrote_known) return;  // bypassed from an instruction the model cannot evaluate here
        if (n.rs1 == wrote) a = wrote_value;
        if (n.rs2 == wrote) b = wrote_value;
      }
      const uint32_t fid = ((n.raw >> 25) << 3) | ((n.raw >> 12) & 7);
      uint64_t fire = 0, rsp = 0;
      if (!cfu_phantom(m_exit + k, fid, a, b, flush, &fire, &rsp)) return;
      ++cnt_.cfu_replays;
      replays_.push_back(ReplayEvent{pc, npc, n.raw, fire});
      if (k == 1 && rsp - fire >= 2) {
        fork_after_ = true;
        fork_after_pc_ = npc;
      }
      return;
    }
    // Only straight-line code, and nothing that holds execute on its own.
    if ((n.op >= kJal && n.op <= kBgeu) || (n.op >= kCsrrw && n.op <= kCsrrci) || n.op == kIllegal ||
        n.op >= kFence)
      return;
    if (n.writes) {
      wrote = n.rd;
      wrote_known = alu_result(n.op, n.imm, x_[n.rs1], x_[n.rs2], npc, &wrote_value);
    }
  }
}

// ---- CSRs --------------------------------------------------------------------

bool Vexriscv::csr_legal(const Decoded& d) const {
  const uint32_t csr = static_cast<uint32_t>(d.imm) & 0xfff;
  const bool is_write = (d.op == kCsrrw || d.op == kCsrrwi) || d.rs1 != 0;
  if (p_.perf_csrs && csr >= 0xB05 && csr <= 0xB13 && (csr & 1)) return is_write;  // write-only enables
  if (is_write && csr >= 0xC00 && csr <= 0xCFF) return false;                        // read-only
  bool ok;
  csr_read(csr, 3, &ok);
  return ok;
}

uint32_t Vexriscv::csr_read(uint32_t csr, uint64_t cycle, bool* ok) const {
  *ok = true;
  const uint64_t mcycle = cycle + mcycle_offset_;
  switch (csr) {
    case 0xB00: case 0xC00: return static_cast<uint32_t>(mcycle);
    case 0xB80: case 0xC80: return static_cast<uint32_t>(mcycle >> 32);
    case 0xB02: case 0xC02: return static_cast<uint32_t>(cnt_.retired);
    case 0xB82: case 0xC82: return static_cast<uint32_t>(cnt_.retired >> 32);
    case 0x300: return (mstatus_mpp_ << 11) | (mstatus_mpie_ ? 0x80u : 0u) | (mstatus_mie_ ? 0x8u : 0u);
    case 0x304: return mie_;
    case 0x305: return mtvec_;
    case 0x340: return mscratch_;
    case 0x341: return mepc_;
    case 0x342: return mcause_;
    case 0x343: return mtval_;
    // mip: MEIP is the registered OR of the unmasked lines (timer and
    // software interrupts are tied to 0 in LiteX's SoC).
    case 0x344: return (ctrl_at(cycle - 1).mask & lines_at(cycle - 2)) ? 0x800u : 0u;
    case 0xBC0: return irq_mask_;
    // The pending lines: the mask and the registered lines.
    case 0xFC0: return irq_mask_ & lines_at(cycle - 1);
    case 0x301: return 0x40001100u;  // misa: RV32IM
    case 0xF11: case 0xF12: case 0xF13: case 0xF14: return 0;
    default: break;
  }
  if (p_.perf_csrs && csr >= 0xB04 && csr <= 0xB13 && (csr & 1) == 0) {
    const int i = static_cast<int>(csr - 0xB04) / 2;
    uint64_t v = perf_value_[i];
    if (perf_enable_ & (1u << i)) v += cycle - perf_base_[i];
    return static_cast<uint32_t>(v);
  }
  *ok = false;
  return 0;
}

void Vexriscv::csr_write(uint32_t csr, uint32_t v, uint64_t cycle) {
  switch (csr) {
    case 0xB00: mcycle_offset_ = ((cycle + mcycle_offset_) & ~0xffffffffull) + v - cycle; return;
    case 0xB80: mcycle_offset_ = ((static_cast<uint64_t>(v) << 32) | ((cycle + mcycle_offset_) & 0xffffffffu)) - cycle; return;
    case 0x300:
      mstatus_mie_ = (v >> 3) & 1;
      mstatus_mpie_ = (v >> 7) & 1;
      if (((v >> 11) & 3) == 3) mstatus_mpp_ = 3;
      irq_ctrl_changed(cycle + 1);
      return;
    case 0x304:
      mie_ = v & 0x888u;
      irq_ctrl_changed(cycle + 1);
      return;
    case 0xBC0:
      irq_mask_ = v;
      irq_ctrl_changed(cycle + 1);
      return;
    case 0x305: mtvec_ = v; return;
    case 0x340: mscratch_ = v; return;
    case 0x341: mepc_ = v; return;
    case 0x342: mcause_ = v; return;
    case 0x343: mtval_ = v; return;
    default: break;
  }
  if (csr >= 0xB04 && csr <= 0xB13) {
    const int i = static_cast<int>(csr - 0xB04) / 2;
    if ((csr & 1) == 0) {  // counter value
      perf_value_[i] = v;
      perf_base_[i] = cycle + 1;
    } else {  // enable: bit 0
      bool ok;
      const uint32_t now = csr_read(0xB04 + 2 * i, cycle, &ok);
      perf_value_[i] = now;
      perf_base_[i] = cycle;
      if (v & 1) perf_enable_ |= 1u << i;
      else perf_enable_ &= ~(1u << i);
    }
  }
}

// ---- fetch under a load's redo -------------------------------------------------

// DBusCachedPlugin redo: the load jumps back to itself from writeback,
// flushing everything behind it, and retires when re-executed (so a divide or
// anything else behind it starts over: it does not overlap the refill).
//
// During a refill, fetch runs on: the k-th instruction past the load reaches
// the I$ k cycles after the load entered writeback, and a line it misses is
// refilled then. The redo jump waits for that refill (cold traces:
// dcache_miss_use k=1 +1, csrr_empty k=2 +2, dcache_stride32_miss k=3 +3). A
// store-load redo (F12) comes too early for fetch to have got there.
//
// Fetch follows a jump predicted in decode (jal, a backward branch), its
// target one cycle later than a sequential instruction (and one step nearer
// the limit: resnet8__14_fully_connected's `lb; j` fetches the target's line
// under the refill, a runner loop's `lw; sub; j` does not). This scan finds
// the line such a fetch misses, without changing the I$.
Vexriscv::RedoScan Vexriscv::redo_scan(uint32_t pc, const Decoded& d) {
  RedoScan r;
  uint32_t prev_pc = pc, npc = pc + 4;
  uint64_t late = 0;
  // Registers whose value the frozen instructions cannot bypass yet: the
  // load's, and those of loads, multiplies and shifts behind it.
  uint32_t pending = d.rd ? 1u << d.rd : 0;
  for (uint32_t k = 1; k + late <= kRedoLookahead; ++k) {
    if (!mem_->in_ram(npc, 4)) break;
    // Fetch gets no further than the first instruction that waits in decode
    // for such a value (dcache_store_nowa vs dcache_miss_use; a multiply of
    // a value loaded behind the missing load in
    // synthetic__03_depthwise_conv2d).
    if (k >= 2) {
      const Decoded& prev = decode_at(prev_pc);
      if ((prev.use1 && (pending >> prev.rs1 & 1)) || (prev.use2 && (pending >> prev.rs2 & 1))) break;
      if (prev.writes && prev.from != kFromE) pending |= 1u << prev.rd;
      else if (prev.writes) pending &= ~(1u << prev.rd);
    }
    const uint32_t nl = npc >> line_shift_;
    if (nl != (prev_pc >> line_shift_) && itag_[nl & (itag_.size() - 1)] != nl + 1) {
      r.miss = true;
      r.line = nl;
      r.step = k + late;
      return r;
    }
    const Decoded& n = decode_at(npc);
    prev_pc = npc;
    if (n.op == kJal || (n.op >= kBeq && n.op <= kBgeu && n.imm < 0)) {
      npc += static_cast<uint32_t>(n.imm);
      late += 1;
    } else {
      npc += 4;
    }
  }
  return r;
}

// The look-ahead's I$ refill is on the bus 2 cycles before the step at which
// the fixed-latency traces place it (the shared-bus SoC's traces: the line
// after `lw ra; add` requested as the load enters writeback, before the
// load's own refill; mp_icache_after_stores), and its instruction is 3
// cycles later than a plain fetch miss would deliver it.
uint64_t Vexriscv::redo_ireq(const RedoScan& r, uint64_t w_entry) const { return w_entry + r.step - 2; }

uint64_t Vexriscv::redo_fetch(const RedoScan& r, uint64_t w_entry) {
  if (!r.miss) return 0;
  itag_[r.line & (itag_.size() - 1)] = r.line + 1;
  ++cnt_.icache_misses;
  return refill(MemoryPath::kIBus, r.line, redo_ireq(r, w_entry) - MemoryPath::kRefillStb) + 3;
}

// ---- memory attribution ------------------------------------------------------

bool Vexriscv::any_cost(const MemCost& c) {
  for (uint64_t x : c.cycles)
    if (x) return true;
  return false;
}

// Splits n stall cycles over the memory causes in proportion to the costs of
// the instruction's own accesses, or of the latest accesses when it has none
// (a store waiting for an older store's ACK); with neither, or in the fixed
// model, they are the core's own (kMemCore). The parts add up to n.
void Vexriscv::split_by_cause(uint64_t n, const MemCost& own, const MemCost& last, uint64_t* out, uint64_t* pc_out) {
  const MemCost& w = any_cost(own) ? own : last;
  uint64_t total = 0;
  for (uint64_t x : w.cycles) total += x;
  uint64_t part[kNumMemCauses] = {};
  if (total == 0 || !memp_.shared_bus()) {
    part[kMemCore] = n;
  } else {
    uint64_t given = 0;
    int largest = 0;
    for (int i = 0; i < kNumMemCauses; ++i) {
      part[i] = static_cast<uint64_t>(static_cast<unsigned __int128>(n) * w.cycles[i] / total);
      given += part[i];
      if (w.cycles[i] > w.cycles[largest]) largest = i;
    }
    part[largest] += n - given;
  }
  for (int i = 0; i < kNumMemCauses; ++i) {
    out[i] += part[i];
    if (pc_out) pc_out[i] += part[i];
  }
}

// ---- traps and interrupts ---------------------------------------------------
//
// The rules (docs/cpu-model.md, "Traps and interrupts"), read from the
// CsrPlugin of CFU Playground's VexRiscv_PerfCfu.v and checked against it on
// tests/firmware/cpu_traps (scripts/vexriscv_rtl):
// - interrupt_valid in cycle c = MIE && MEIE in c-1, and the 0xBC0 mask in
//   c-2 AND the lines in c-3 (the lines are registered, then MEIP, then
//   interrupt_valid);
// - it is taken before the instruction in decode: from the first cycle c0 in
//   which interrupt_valid holds with an instruction in decode, decode is
//   halted; the older instructions leave execute, memory and writeback one
//   stage per cycle at the earliest (the pipeline liberator), and the jump to
//   mtvec is in the cycle after the last of them retires;
// - an exception is taken when its instruction reaches writeback: the jump is
//   in the cycle after (the instruction does not retire);
// - mret jumps to mepc in its writeback cycle;
// - the jump target enters decode 3 cycles after a trap's or mret's jump.

void Vexriscv::irq_ctrl_changed(uint64_t from) {
  irq_quiet_until_ = 0;
  const IrqCtrl c{from, mstatus_mie_ && (mie_ & 0x800u) != 0, irq_mask_, (mie_ & 0x800u) != 0};
  while (irq_ctrl_.size() > 1 && irq_ctrl_.back().from >= from) irq_ctrl_.pop_back();
  if (irq_ctrl_.back().from >= from) irq_ctrl_.back() = c;
  else irq_ctrl_.push_back(c);
  irq_possible_ = false;
  for (const IrqCtrl& e : irq_ctrl_) irq_possible_ |= e.en && e.mask != 0;
}

const Vexriscv::IrqCtrl& Vexriscv::ctrl_at(uint64_t c) const {
  size_t i = irq_ctrl_.size() - 1;
  while (i > 0 && irq_ctrl_[i].from > c) --i;
  return irq_ctrl_[i];
}

uint32_t Vexriscv::lines_at(uint64_t c) const {
  uint32_t v = line_base_ | (io_ ? io_->lines(c) : 0u);
  for (const LineEvent& e : line_events_) {
    if (e.at > c) break;
    v = (v | e.set) & ~e.clear;
  }
  return v;
}

bool Vexriscv::interrupt_valid(uint64_t c) const {
  if (c < 3) return false;
  return ctrl_at(c - 1).en && (ctrl_at(c - 2).mask & lines_at(c - 3)) != 0;
}

void Vexriscv::forget_irq_before(uint64_t c) {
  // Entries that no cycle >= c - 3 can see any more.
  if (c < 4) return;
  const uint64_t keep = c - 4;
  size_t n = 0;
  while (n + 1 < irq_ctrl_.size() && irq_ctrl_[n + 1].from <= keep) ++n;
  if (n) {
    irq_ctrl_.erase(irq_ctrl_.begin(), irq_ctrl_.begin() + static_cast<std::ptrdiff_t>(n));
    irq_possible_ = false;
    for (const IrqCtrl& e : irq_ctrl_) irq_possible_ |= e.en && e.mask != 0;
  }
  size_t m = 0;
  while (m < line_events_.size() && line_events_[m].at <= keep) {
    line_base_ = (line_base_ | line_events_[m].set) & ~line_events_[m].clear;
    ++m;
  }
  if (m) line_events_.erase(line_events_.begin(), line_events_.begin() + static_cast<std::ptrdiff_t>(m));
  if (io_) io_->forget_before(keep);
}

bool Vexriscv::interrupt_in_decode(uint64_t d_in, uint64_t* d, uint64_t* jump, uint64_t flushed) {
  uint64_t lo = d_in, c0;
  // An instruction in decode that is flushed (a jump from execute, a
  // forward branch predicted not taken or a jalr, removes its wrong-path
  // successor; a redone load, the instructions behind it) resets the
  // liberator's flags: an interrupt already valid in the flush's cycle
  // starts over one cycle later (irq_branches: valid in a mispredicted
  // branch's execute cycle, the jump 4 cycles after its target reached
  // decode, valid a cycle later, 3; held_irq_store_load likewise).
  uint64_t late = flushed && first_interrupt(flushed, flushed, &c0) ? 1 : 0;
  while (first_interrupt(lo, *d, &c0)) {
    // The pipeline liberator: a flag per stage, set at the end of the first
    // cycle in which that stage is not stuck (its own instruction leaves, or
    // it is empty, and no later stage freezes it), one stage after the
    // other; the jump in the cycle after the last flag is set.
    const uint64_t p0 = stage_free(kE, c0 + late);
    late = 0;
    const uint64_t p1 = stage_free(kM, p0 + 1);
    const uint64_t p2 = stage_free(kW, p1 + 1);
    const uint64_t j = p2 + 1;
    uint64_t drop;
    if (!first_cycle_with(c0 + 1, j, false, &drop)) {
      *jump = j;
      return true;
    }
    // interrupt_valid fell before the jump (a mask or enable written by an
    // instruction ahead, a line lowered): the liberator lets go and the
    // instruction leaves decode from that cycle on.
    *d = unblock(kD, std::max(*d, drop));
    lo = drop;
  }
  return false;
}

bool Vexriscv::first_interrupt(uint64_t lo, uint64_t hi, uint64_t* at) {
  if (irq_quiet(lo, hi)) return false;
  forget_irq_before(lo);
  if (!irq_possible_) return false;
  uint64_t next;
  if (first_cycle_with(lo, hi, true, at, &next)) return true;
  // None up to the next change of an input: remembered until a CSR write
  // (irq_ctrl_changed), a device write or a test-page line changes them.
  irq_quiet_from_ = lo - 1;
  irq_quiet_until_ = next - 1;
  return false;
}

bool Vexriscv::first_cycle_with(uint64_t lo, uint64_t hi, bool valid, uint64_t* at, uint64_t* stop) const {
  uint64_t c = lo;
  while (c <= hi) {
    if (interrupt_valid(c) == valid) {
      *at = c;
      return true;
    }
    c = next_irq_input_change(c);
  }
  if (stop) *stop = c;
  return false;
}

uint64_t Vexriscv::next_irq_input_change(uint64_t c) const {
  uint64_t next = ~0ull;
  for (const IrqCtrl& e : irq_ctrl_) {
    if (e.from + 1 > c) next = std::min(next, e.from + 1);
    if (e.from + 2 > c) next = std::min(next, e.from + 2);
  }
  for (const LineEvent& e : line_events_)
    if (e.at + 3 > c) next = std::min(next, e.at + 3);
  if (io_ && c >= 3) {
    const uint64_t n = io_->next_line_change(c - 3);
    if (n != ~0ull) next = std::min(next, n + 3);
  }
  return next;
}

// wfiWake: a register of mip.MEIP && mie.MEIE (the timer's and software's
// terms are 0 on LiteX's SoC): interrupt_valid's terms without mstatus.MIE,
// so a wfi wakes on an interrupt that is masked only by MIE (the idiom
// "interrupts off, wfi, interrupts on": wfi_no_mie, held_wfi_loop).
bool Vexriscv::wfi_wake(uint64_t c) const {
  if (c < 3) return false;
  return ctrl_at(c - 1).meie && (ctrl_at(c - 2).mask & lines_at(c - 3)) != 0;
}

bool Vexriscv::first_wake(uint64_t lo, uint64_t hi, uint64_t* at) const {
  for (uint64_t c = lo; c <= hi;) {
    if (wfi_wake(c)) {
      *at = c;
      return true;
    }
    const uint64_t n = next_irq_input_change(c);
    if (n == ~0ull) return false;  // nothing left that could wake it
    c = n;
  }
  return false;
}

std::string Vexriscv::unmapped(uint32_t addr) const {
  const std::string what = io_ ? io_->region_name(addr) : std::string();
  if (what.empty()) return fmt::format("unmapped address 0x{:08x}", addr);
  return fmt::format("0x{:08x}, in {}, which the board model does not model{}", addr, what,
                     addr < 0x1000 ? " (a null pointer?)" : "");
}

bool Vexriscv::has_trap_handler() const { return mem_->in_ram(mtvec_ & ~3u, 4); }

void Vexriscv::take_trap(uint32_t cause, uint32_t tval, uint32_t epc, uint64_t jump) {
  ++traps_;
  if (cause & 0x80000000u) ++interrupts_;
  else mtval_ = tval;
  mepc_ = epc;
  mcause_ = cause;
  mstatus_mpie_ = mstatus_mie_;
  mstatus_mie_ = false;
  mstatus_mpp_ = 3;
  irq_ctrl_changed(jump + 1);
  redirect_ = true;
  redirect_from_ = jump + 1;
  redirect_at_ = jump + 3;
  pc_ = mtvec_ & ~3u;
}

// ---- the instruction loop ----------------------------------------------------

StopInfo Vexriscv::run(uint64_t max_cycle, uint64_t pause_at) {
  max_cycle_ = max_cycle;
  StopInfo stop;
  auto fail = [&](StopReason why, uint32_t insn, std::string msg) {
    stop.reason = why;
    stop.pc = pc_;
    stop.instruction = insn;
    stop.cycle = last_retire_;
    stop.message = std::move(msg);
    return stop;
  };
  while (!exited_) {
    if ((last_retire_ > pause_at || pause_requested_) && last_retire_ <= max_cycle) {
      pause_requested_ = false;
      stop.reason = StopReason::kPaused;
      stop.pc = pc_;
      stop.cycle = last_retire_;
      return stop;
    }
    if (last_retire_ > max_cycle) {
      uint32_t w = 0;
      if ((pc_ & 3) == 0 && mem_->in_ram(pc_, 4)) std::memcpy(&w, &mem_->ram[pc_ - BoardMemory::kRamBase], 4);
      return fail(StopReason::kMaxCycles, w, fmt::format("cycle limit {} reached", max_cycle));
    }
    if ((pc_ & 3) != 0 || !mem_->in_ram(pc_, 4))
      return fail(StopReason::kBadAccess, 0, fmt::format("instruction fetch from {}", unmapped(pc_)));
    // A copy: decode_at() reuses one scratch entry past the predecoded
    // range, and this instruction's handling decodes its neighbours.
    const Decoded d = decode_at(pc_);
    // Without a trap handler (mtvec outside main_ram: bare-metal test
    // programs) a trap stops the run, naming its cause.
    const bool handler = has_trap_handler();
    if (d.op == kIllegal && !handler)
      return fail(StopReason::kIllegalInstruction, d.raw,
                  (d.raw & 3) != 3 ? fmt::format("illegal instruction 0x{:08x}: its low half 0x{:04x} is a compressed "
                                                 "(RVC) instruction, and the board's VexRiscv is rv32im: build with "
                                                 "-march=rv32im (no 'c')",
                                                 d.raw, d.raw & 0xffff)
                                   : fmt::format("illegal instruction 0x{:08x}", d.raw));
    if ((d.op == kEcall || d.op == kEbreak) && !handler)
      return fail(StopReason::kTrap, d.raw,
                  fmt::format("{} traps to mtvec 0x{:08x}, outside main_ram (no trap handler)",
                              d.op == kEcall ? "ecall" : "ebreak (an illegal instruction on this core)", mtvec_));

    const uint32_t pc = pc_;
    uint32_t a = x_[d.rs1], b = x_[d.rs2];
    int cause = kExecute;
    uint64_t cur = 0;
    auto bump = [&](uint64_t t, int c) {
      if (t > cur) {
        cur = t;
        cause = c;
      }
    };

    // ---- decode: fetch, hazards, freeze
    int fcause;
    const uint64_t avail = fetch_ready(pc, &fcause);
    cur = hist_[0].d + 1;
    cause = kExecute;
    bump(avail, fcause);
    if (d.use1 && d.rs1) bump(reg_ready_[d.rs1], kInterlock);
    if (d.use2 && d.rs2) bump(reg_ready_[d.rs2], kInterlock);
    if (decode_hold_until_) {
      bump(decode_hold_until_, kDataMemory);
      decode_hold_until_ = 0;
    }
    Times t;
    t.side = (d.op >= kJal && d.op <= kSw) || (d.op >= kCsrrw && d.op <= kCsrrci);
    t.d_in = std::max(avail, hist_[0].d + 1);
    t.d = unblock(kD, cur);
    if (fcause == kFetchMiss && (t.d > cur || blocked_at(kD, cur - 1))) {
      // An instruction refetched after an I$ refill that completed while
      // decode was frozen passes the two fetch stages again once it thaws,
      // one stage per cycle in which the pipeline is not frozen (a divide
      // that enters memory right after the thaw freezes it again: cold
      // div_small at 1/1/1; held-out divide/line-boundary programs checked
      // against the core's RTL, docs/cpu-model.md).
      const uint64_t second = unblock(kD, t.d + 1);
      t.d = unblock(kD, second + 1);
    }
    cur = t.d;
    {
      // An interrupt taken before this instruction leaves decode.
      uint64_t jump;
      // (The known-quiet test first: it is most instructions' whole cost.)
      const bool quiet = irq_quiet(t.d_in, t.d) && (!fetch_redirected_ || irq_quiet(redirect_exec_, redirect_exec_));
      if (irq_possible_ && !quiet && interrupt_in_decode(t.d_in, &t.d, &jump, fetch_redirected_ ? redirect_exec_ : 0)) {
        take_trap(0x8000000Bu, 0, pc, jump);
        continue;
      }
      if (t.d > cur) bump(t.d, kInterlock);  // halted by an interrupt that was withdrawn
      cur = t.d;
    }
    if (fork_rd_ != 0 && t.d <= fork_e_exit_) {
      // F19: a reader that left decode while the forked instruction was in
      // execute got its own (bypassed) result, not the CFU's response.
      if (d.use1 && d.rs1 == fork_rd_) a = fork_own_value_;
      if (d.use2 && d.rs2 == fork_rd_) b = fork_own_value_;
    }
    fork_rd_ = 0;

    // ---- execute
    uint32_t result = 0, cfu_result = 0;
    bool cfu_op = d.op == kCfu;
    uint32_t cfu_fid = ((d.raw >> 25) << 3) | ((d.raw >> 12) & 7);
    bool forked = false;
    const uint64_t e0 = t.d + 1;
    if (!cfu_op && hold_) {
      // F19: the CfuPlugin's hold register is still set from the previous
      // CFU instruction: this instruction is sent to the CFU as well.
      cfu_idle_to(e0);
      if (hold_) {
        forked = true;
        ++cnt_.cfu_forks;
        forks_.push_back(ForkEvent{pc, d.raw, last_cfu_pc_, e0});
      }
    }
    uint64_t rsp_cycle = 0;
    if (cfu_op || forked) {
      int ec;
      t.e = cfu_execute(e0, cfu_fid, a, b, cfu_op, &cfu_result, &rsp_cycle, &ec);
      result = cfu_result;
      bump(t.e, ec);
      if (cfu_op) {
        ++cnt_.cfu_instructions;
        last_cfu_pc_ = pc;
        if (fork_after_ && pc == fork_after_pc_) {
          // F22: the replayed command leaves the plugin's hold set.
          hold_ = true;
          fork_after_ = false;
        }
      }
      if (!cfu_stuck_.empty()) {
        std::string why = std::move(cfu_stuck_);
        cfu_stuck_.clear();
        return fail(StopReason::kCfuTimeout, d.raw,
                    fmt::format("CFU instruction with function id {} (funct7 {}, funct3 {}): {}", cfu_fid, cfu_fid >> 3,
                                cfu_fid & 7, why));
      }
      if (t.e > max_cycle) return fail(StopReason::kMaxCycles, d.raw, fmt::format("cycle limit {} reached waiting for the CFU", max_cycle));
    } else {
      uint64_t e = e0;
      if (d.op >= kCsrrw && d.op <= kCsrrci) {
        // F1: a CSR instruction waits in execute until memory and writeback
        // are empty. An illegal access (a trap) leaves one cycle earlier
        // (the RTL: trap_illegal_csr, its trap 3 cycles after the csrr
        // before it, an ecall's 2).
        const uint64_t ready = hist_[0].w + (csr_legal(d) || !handler ? 1 : 0);
        if (ready > e) {
          e = ready;
          bump(e, kInterlock);
        }
      }
      if (d.op == kWfi) {
        // The CsrPlugin halts a wfi in execute until wfiWake (wfi_wake);
        // it then leaves, and an interrupt that MIE allows is taken before
        // the instruction after it (wfi_irq: mepc = the wfi's pc + 4).
        uint64_t w;
        if (!first_wake(e, max_cycle, &w))
          return fail(StopReason::kMaxCycles, d.raw,
                      fmt::format("a wfi waits for an interrupt that does not come by the cycle limit {} (mie.MEIE "
                                  "{}, mask 0xBC0 = 0x{:x})",
                                  max_cycle, (mie_ & 0x800u) ? 1 : 0, irq_mask_));
        if (w > e) {
          cnt_.wfi_cycles += w - e;
          e = w;
          bump(e, kInterlock);
        }
      }
      t.e = unblock(kE, e);
      bump(t.e, cause);
    }

    // ---- memory
    uint64_t m = t.e + 1;
    if (d.op >= kDiv && d.op <= kRemu) {
      // F6: the iterative divider holds memory for 34 cycles.
      m = t.e + 34;
      bump(m, kDivider);
      ++cnt_.divides;
    }
    if (cfu_op || forked) {
      if (rsp_cycle > m) {
        m = rsp_cycle;
        bump(m, kCfuRsp);
      }
    }
    t.m = unblock(kM, m);
    bump(t.m, cause);

    // ---- functional execution (and writeback timing of memory operations)
    uint64_t w = t.m + 1;
    uint32_t next_pc = pc + 4;
    bool taken = false;
    bool is_load = false;
    bool redo = false;  // the load is redone: the pipeline behind it is flushed
    bool redo_after_refill = false;
    bool redo_fetched = false;  // the redo's look-ahead fetch is done (redo_idone)
    uint64_t redo_idone = 0;
    bool marker_pending = false;
    uint32_t marker_value = 0;
    // An exception (mcause, mtval) taken when the instruction reaches
    // writeback, or -1.
    int64_t exc = -1;
    uint32_t exc_tval = 0;
    bool mret = false;
    switch (d.op) {
      case kIllegal: case kEbreak:  // no EBREAK on this core: an illegal instruction
        exc = 2;
        exc_tval = d.raw;
        break;
      case kEcall:
        exc = 11;
        exc_tval = d.raw;
        break;
      case kMret:
        mret = true;
        next_pc = mepc_;
        break;
      case kJal:
        result = pc + 4;
        next_pc = pc + static_cast<uint32_t>(d.imm);
        if (d.imm == 0 && pause_on_self_loop_) pause_requested_ = true;
        break;
      case kJalr: result = pc + 4; next_pc = (a + static_cast<uint32_t>(d.imm)) & ~1u; break;
      case kBeq: taken = a == b; break;
      case kBne: taken = a != b; break;
      case kBlt: taken = static_cast<int32_t>(a) < static_cast<int32_t>(b); break;
      case kBge: taken = static_cast<int32_t>(a) >= static_cast<int32_t>(b); break;
      case kBltu: taken = a < b; break;
      case kBgeu: taken = a >= b; break;
      case kMul: result = a * b; break;
      case kMulh:
        result = static_cast<uint32_t>((static_cast<int64_t>(static_cast<int32_t>(a)) * static_cast<int32_t>(b)) >> 32);
        break;
      case kMulhsu:
        result = static_cast<uint32_t>((static_cast<int64_t>(static_cast<int32_t>(a)) * static_cast<int64_t>(b)) >> 32);
        break;
      case kMulhu: result = static_cast<uint32_t>((static_cast<uint64_t>(a) * b) >> 32); break;
      case kDiv:
        if (b == 0) result = 0xffffffffu;
        else if (a == 0x80000000u && b == 0xffffffffu) result = a;
        else result = static_cast<uint32_t>(static_cast<int32_t>(a) / static_cast<int32_t>(b));
        break;
      case kDivu: result = b == 0 ? 0xffffffffu : a / b; break;
      case kRem:
        if (b == 0) result = a;
        else if (a == 0x80000000u && b == 0xffffffffu) result = 0;
        else result = static_cast<uint32_t>(static_cast<int32_t>(a) % static_cast<int32_t>(b));
        break;
      case kRemu: result = b == 0 ? a : a % b; break;
      case kCsrrw: case kCsrrs: case kCsrrc: case kCsrrwi: case kCsrrsi: case kCsrrci: {
        const uint32_t csr = static_cast<uint32_t>(d.imm) & 0xfff;
        const bool imm_form = d.op >= kCsrrwi;
        const uint32_t src = imm_form ? d.rs1 : a;
        const bool is_write = (d.op == kCsrrw || d.op == kCsrrwi) || d.rs1 != 0;
        const bool perf_enable_reg = p_.perf_csrs && csr >= 0xB05 && csr <= 0xB13 && (csr & 1);
        const bool ok = csr_legal(d);
        uint32_t old = 0;
        if (ok && !perf_enable_reg) {
          bool readable;
          old = csr_read(csr, t.e, &readable);
        }
        if (!ok && handler) {
          exc = 2;
          exc_tval = d.raw;
          break;
        }
        if (!ok)
          return fail(StopReason::kIllegalInstruction, d.raw,
                      fmt::format("illegal CSR access 0x{:03x} (instruction 0x{:08x})", csr, d.raw));
        if (is_write) {
          uint32_t nv = src;
          if (d.op == kCsrrs || d.op == kCsrrsi) nv = old | src;
          if (d.op == kCsrrc || d.op == kCsrrci) nv = old & ~src;
          csr_write(csr, nv, t.e);
        }
        result = old;
        break;
      }
      case kLb: case kLh: case kLw: case kLbu: case kLhu: {
        is_load = true;
        const uint32_t addr = a + static_cast<uint32_t>(d.imm);
        const int size = (d.op == kLw) ? 4 : (d.op == kLh || d.op == kLhu) ? 2 : 1;
        if ((addr & static_cast<uint32_t>(size - 1)) && handler) {
          exc = 4;
          exc_tval = addr;
          break;
        }
        if (addr & static_cast<uint32_t>(size - 1))
          return fail(StopReason::kMisaligned, d.raw, fmt::format("misaligned load from 0x{:08x}", addr));
        uint32_t v = 0;
        if (mem_->in_ram(addr, static_cast<uint32_t>(size))) {
          std::memcpy(&v, &mem_->ram[addr - BoardMemory::kRamBase], static_cast<size_t>(size));
          ++cnt_.dcache_accesses;
          const uint32_t line = addr >> line_shift_;
          const size_t set = line & (dtag_.size() - 1);
          if (dtag_[set] != line + 1) {
            // F13/F14: blocking refill after the buffered stores drained,
            // then the load is redone.
            ++cnt_.dcache_misses;
            dtag_[set] = line + 1;
            // Fetch runs on during the refill (the redo below): on the shared
            // bus an I$ refill it requests first goes first (M1: I and D
            // misses never overlap), also before the stores still waiting
            // for the bus (mp_l2hit_seq: the line after `sw; lw` refilled
            // before the store's marker write and the load's refill).
            const RedoScan rs = redo_scan(pc, d);
            const uint64_t ireq = redo_ireq(rs, t.m + 1);
            auto fetch_ahead = [&] {
              redo_idone = redo_fetch(rs, t.m + 1);
              redo_fetched = true;
            };
            const bool shared = rs.miss && memp_.shared_bus();
            if (shared) {
              settle_stores_before_fetch(ireq);
              if (n_pending_ > 0) fetch_ahead();  // before the stores left, so before the refill behind them
            }
            const uint64_t start = std::max(w, dbus_idle_from());
            if (shared && !redo_fetched && memp_.granted_first(MemoryPath::kIBus, ireq, start + MemoryPath::kRefillStb))
              fetch_ahead();
            w = refill(MemoryPath::kDBus, line, start);
            dbus_free_ = w;
            if (!redo_fetched) fetch_ahead();
            bump(w, kDataMemory);
            redo = true;
            redo_after_refill = true;
          } else if (last_store_hit_ && t.m <= last_store_w_ + 1 && (addr >> 2) == (last_store_addr_ >> 2) &&
                     ((((1u << size) - 1) << (addr & 3)) & last_store_mask_)) {
            // F12: a load right behind a store that hit the D$, to the same
            // word with overlapping bytes, is redone: +5. One cycle more when
            // the instruction behind it holds execute on its own, a CSR
            // instruction (at distance 0 or 1) or a divide (at distance 0):
            // the RTL's retire traces (`sw; lw; csrr`, `sw; lw; add; csrr`,
            // the layer cases' `sw x; lw x; rem`), while a multiply or an
            // add there retires the load at +5.
            w += 5;
            {
              const auto holds = [&](uint32_t npc, bool div_too) {
                if (!mem_->in_ram(npc, 4)) return false;
                const Decoded& n = decode_at(npc);
                return (n.op >= kCsrrw && n.op <= kCsrrci) || (div_too && n.op >= kDiv && n.op <= kRemu);
              };
              const bool straight =
                  mem_->in_ram(pc + 4, 4) && !(decode_at(pc + 4).op >= kJal && decode_at(pc + 4).op <= kBgeu);
              if (holds(pc + 4, true) || (straight && holds(pc + 8, false))) w += 1;
            }
            bump(w, kDataMemory);
            redo = true;
          }
        } else if (test_page(addr)) {
          // F23: an uncached read, acknowledged in its first bus cycle:
          // the load retires 1 + 2 after the previous instruction, with no
          // redo (nothing behind it is flushed or replayed).
          const uint64_t start = std::max(w, dbus_idle_from());
          w = memp_.io(start) + 2;
          dbus_free_ = w;
          bump(w, kDataMemory);
        } else if (device(addr)) {
          // As F23, with the device's latency; the value is the register's
          // at the ACK (stores ahead of it have been acknowledged).
          std::string why;
          if (!io_->check(addr, size, false, &why))
            return fail(StopReason::kBadAccess, d.raw, fmt::format("load from 0x{:08x}: {}", addr, why));
          const uint64_t start = std::max(w, dbus_idle_from());
          const uint64_t ack = memp_.io(start, io_->latency(addr));
          w = ack + 2;
          dbus_free_ = w;
          bump(w, kDataMemory);
          v = io_->read(addr & ~3u, size, ack) >> (8 * (addr & 3));
        } else {
          return fail(StopReason::kBadAccess, d.raw, fmt::format("load from {}", unmapped(addr)));
        }
        if (d.op == kLb) v = static_cast<uint32_t>(static_cast<int8_t>(v));
        if (d.op == kLh) v = static_cast<uint32_t>(static_cast<int16_t>(v));
        if (d.op == kLbu) v &= 0xff;
        if (d.op == kLhu) v &= 0xffff;
        result = v;
        break;
      }
      case kSb: case kSh: case kSw: {
        const uint32_t addr = a + static_cast<uint32_t>(d.imm);
        const int size = d.op == kSw ? 4 : d.op == kSh ? 2 : 1;
        if ((addr & static_cast<uint32_t>(size - 1)) && handler) {
          exc = 6;
          exc_tval = addr;
          break;
        }
        if (addr & static_cast<uint32_t>(size - 1))
          return fail(StopReason::kMisaligned, d.raw, fmt::format("misaligned store to 0x{:08x}", addr));
        const uint64_t ws = store_issue_ready(w, pc, t.d);
        if (ws > w) {
          w = ws;
          bump(w, kDataMemory);
        }
        if (mem_->in_ram(addr, static_cast<uint32_t>(size))) {
          std::memcpy(&mem_->ram[addr - BoardMemory::kRamBase], &b, static_cast<size_t>(size));
          const uint32_t widx = (addr - BoardMemory::kRamBase) >> 2;
          if (widx < decoded_valid_.size()) decoded_valid_[widx] = 0;
          const uint32_t line = addr >> line_shift_;
          const size_t set = line & (dtag_.size() - 1);
          last_store_hit_ = dtag_[set] == line + 1;
          last_store_w_ = w;
          last_store_addr_ = addr;
          last_store_mask_ = ((1u << size) - 1) << (addr & 3);
        } else if (device(addr)) {
          std::string why;
          if (!io_->check(addr, size, true, &why))
            return fail(StopReason::kBadAccess, d.raw, fmt::format("store to 0x{:08x}: {}", addr, why));
          last_store_hit_ = false;
        } else if (test_page(addr)) {
          last_store_hit_ = false;
          const uint32_t off = addr & 0xfff & ~3u;
          if (off == BoardMemory::kPutchar) {
            console_.push_back(static_cast<char>(b & 0xff));
            if (sink_) sink_(sink_ctx_, static_cast<char>(b & 0xff));
          } else if (off == BoardMemory::kExit) {
            exited_ = true;
            exit_code_ = b;
            exit_cycle_ = 0;
          } else if (off == BoardMemory::kResult) {
            results_.push_back(b);
          } else if (off == BoardMemory::kMarker) {
            marker_pending = true;
            marker_value = b;
          } else if (off == BoardMemory::kIrqDelay) {
            irq_delay_ = b;
          }
        } else {
          return fail(StopReason::kBadAccess, d.raw, fmt::format("store to {}", unmapped(addr)));
        }
        // The bus carries the bytes in their lanes.
        store_issue(w, addr, device(addr) ? b << (8 * (addr & 3)) : b, size);
        break;
      }
      case kCfu: break;  // result from the CFU
      case kFence: case kWfi: break;
      case kFenceI:
        // M10: fence.i in decode flushes the I$; the flush walks one line per
        // cycle once it has left decode, and the next refill starts 5 cycles
        // after the walk (the RTL's traces: mp_icache_* programs, the fetch
        // of the call behind fence.i requested 262 cycles after it left
        // decode).
        // The instruction behind it has been looked up already: it is
        // delivered from the I$ as it was (mp_icache_dram: the `j` behind
        // fence.i in the next line retires 1 cycle after it), then the tags
        // are cleared.
        fence_i_flush_ = true;
        icache_flush_until_ = t.d + 5 + itag_.size();
        break;
      default: alu_result(d.op, d.imm, a, b, pc, &result); break;
    }
    if (exc >= 0 && stop_on_exception_) {
      const char* what = exc == 2 ? "an illegal instruction" : exc == 4 ? "a misaligned load" : exc == 6 ? "a misaligned store" : "ecall";
      return fail(exc == 2 ? StopReason::kIllegalInstruction : exc == 11 ? StopReason::kTrap : StopReason::kMisaligned, d.raw,
                  fmt::format("{} (instruction 0x{:08x}, mcause {}, mtval 0x{:08x}): the board would enter the trap "
                              "handler at mtvec 0x{:08x}",
                              what, d.raw, exc, exc_tval, mtvec_ & ~3u));
    }
    if (exc >= 0) {
      // Not retired: the jump to mtvec is in the cycle after writeback.
      take_trap(static_cast<uint32_t>(exc), exc_tval, pc, t.m + 2);
      continue;
    }
    t.w = w;
    t.side_end = w;
    if (redo && p_.cfu_plugin == CfuPluginRev::k2021) replay_behind_load(pc, d, t.m, t.w - 3);
    const uint64_t first_m = t.m;
    if (redo) {
      // The redo (see redo_scan): the jump back waits for the line that
      // fetch, running on, refills meanwhile.
      if (!redo_fetched) {
        const uint64_t idone = redo_fetch(redo_scan(pc, d), t.m + 1);
        if (idone > t.w) {
          t.w = idone;
          bump(t.w, kFetchMiss);
        }
      } else if (redo_idone > t.w) {
        t.w = redo_idone;
        bump(t.w, kFetchMiss);
      }
      redirect_ = true;
      // The next instruction retires 1 after the redone load (F13, F21).
      redirect_at_ = t.w - 2;
      redirect_from_ = redirect_at_;
      t.d_in = t.d = t.w - 3;  // the re-executed load's own passage
      t.e = t.w - 2;
      t.m = t.w - 1;
      // A load redone for a store to its word (F12) holds a CFU instruction
      // behind it one cycle longer than its retirement shows (2022 cores:
      // replay_wa_stld_d0/d1 17/16 cycles, the next instruction still 1).
      t.side_end = redo_after_refill ? t.w : t.w + 1;
      // The redone load passes decode again, once: 5 cycles after its
      // first pass left memory after a D$ miss (then it waits for the refill
      // in execute), 3 after an F12 redo, whose flush of the instructions
      // behind it counts as a flush for the liberator (interrupt_in_decode).
      // An interrupt valid then is taken before it (mepc at the load), and
      // the load is executed again after mret (irq_load_miss: the jump 3
      // cycles after an interrupt valid 5 cycles after the first pass, none
      // before the load for one valid at 6; held_irq_store_load: an F12
      // redo, taken at 3, not at 4, and 4 cycles after 3 for one valid at 1).
      const uint64_t again = first_m + (redo_after_refill ? 5 : 3);
      uint64_t jump, dd = again;
      if (irq_possible_ && interrupt_in_decode(again, &dd, &jump, redo_after_refill ? 0 : first_m + 1)) {
        take_trap(0x8000000Bu, 0, pc, jump);
        // The refill goes on, and holds the pipeline: the handler's first
        // instruction (fetched meanwhile) leaves decode no earlier than the
        // load would have (irq_load_miss at 24/2/3; its I$ refill overlaps
        // the D$ refill when the handler is cold, irq_mul_use).
        decode_hold_until_ = t.w - 3;
        continue;
      }
    }

    // ---- control flow: where fetch continues (F7-F9)
    if (d.op >= kBeq && d.op <= kBgeu) {
      ++cnt_.branches;
      const bool backward = d.imm < 0;  // static prediction: backward taken
      if (taken) next_pc = pc + static_cast<uint32_t>(d.imm);
      if (taken && backward) {
        redirect_ = true;
        redirect_at_ = t.d + 2;
        redirect_from_ = t.d;
      } else if (taken != backward) {
        ++cnt_.mispredicts;
        redirect_ = true;
        // A forward branch predicted not taken has its sequential successor
        // in decode when it resolves; a backward one, a bubble (see
        // interrupt_in_decode).
        redirect_in_execute_ = taken;
        redirect_at_ = t.e + 2;
        redirect_from_ = t.e;
        if (taken) {
          wrong_path_fence_i(pc, t.e);  // before the wrong path's own refill marks the next line present
          wrong_path_fetch(pc, t.d);
        }
      }
    } else if (d.op == kJal) {
      redirect_ = true;
      redirect_at_ = t.d + 2;
      redirect_from_ = t.d;
    } else if (mret) {
      // Jumps to mepc in its writeback cycle; MIE from MPIE.
      redirect_ = true;
      redirect_from_ = t.w + 1;
      redirect_at_ = t.w + 3;
      mstatus_mie_ = mstatus_mpie_;
      mstatus_mpie_ = true;
      mstatus_mpp_ = 0;
      irq_ctrl_changed(t.w + 1);
      // Fetch runs on behind it: a missing next line is refilled first
      // (irq_load_miss: mret last in its line, the handler after it cold).
      wrong_path_fetch(pc, t.d);
    } else if (d.op == kJalr) {
      redirect_ = true;
      redirect_in_execute_ = true;
      redirect_at_ = t.e + 2;
      redirect_from_ = t.e;
      wrong_path_fence_i(pc, t.e);
      wrong_path_fetch(pc, t.d);
    }

    // ---- retire
    if (forked && d.writes && !is_load) {
      // The CFU's response replaces the register result in memory; the
      // hazard logic still treats the instruction as what it decoded as.
      fork_rd_ = d.rd;
      fork_own_value_ = result;
      fork_e_exit_ = t.e;
      result = cfu_result;
    }
    if (d.writes) {
      x_[d.rd] = result;
      switch (cfu_op ? kFromM : static_cast<ResultFrom>(d.from)) {
        case kFromE: reg_ready_[d.rd] = 0; break;
        case kFromM: reg_ready_[d.rd] = t.e + 1; break;
        case kFromW: reg_ready_[d.rd] = t.m + 1; break;
      }
    }
    hist_[2] = hist_[1];
    hist_[1] = hist_[0];
    hist_[0] = t;
    const uint64_t delta = t.w - last_retire_;
    cnt_.cycles_by_class[kExecute] += 1;
    if (delta > 1) {
      cnt_.cycles_by_class[cause] += delta - 1;
      if (cause == kDataMemory)
        split_by_cause(delta - 1, d_cost_, last_d_cost_, cnt_.data_mem_by_cause, pc_data_mem_[pc].data());
      if (cause == kFetchMiss) split_by_cause(delta - 1, i_cost_, last_i_cost_, cnt_.fetch_miss_by_cause);
    }
    if (any_cost(d_cost_)) last_d_cost_ = d_cost_;
    if (any_cost(i_cost_)) last_i_cost_ = i_cost_;
    d_cost_ = MemCost{};
    i_cost_ = MemCost{};
    if (((pc - BoardMemory::kRamBase) >> 2) < pc_cycles_.size()) pc_cycles_[(pc - BoardMemory::kRamBase) >> 2] += delta;
    last_retire_ = t.w;
    ++cnt_.retired;
    if (retire_log_) fmt::print(retire_log_, "{} {:08x}\n", t.w, pc);
    if (last_retire_ >= next_sample_) {
      sample_hook_(sample_ctx_, last_retire_, cnt_);
      next_sample_ = (last_retire_ / sample_interval_ + 1) * sample_interval_;
    }
    if (marker_pending && marker_hook_) {
      // No younger instruction enters execute before t.d + 2: the CFU can be
      // brought up to here without running ahead of the CPU.
      cfu_idle_to(t.e + 1);
      marker_hook_(marker_ctx_, marker_value, t.e + 1);
    }
    pc_ = next_pc;
  }
  settle_stores();  // the exit store's ACK
  stop.reason = StopReason::kExit;
  stop.pc = pc_;
  stop.cycle = exit_cycle_;
  return stop;
}

}  // namespace sasim::cpu
