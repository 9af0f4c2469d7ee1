// The board's CPU: an rv32im (+Zicsr, +custom-0 CFU) instruction-set
// simulator with the cycle timing of CFU Playground's VexRiscv "perf+cfu"
// core (docs/cpu-model.md; every rule cites the fact of
// ../shared/board-reference/facts.md that pins it).
//
// Timing contract. The core is a 5-stage in-order pipeline (F, D, E, M, W)
// whose stages move in lock step: a stage that halts freezes every stage
// behind it, even across empty stages (VexRiscv's isStuckByOthers). The model
// computes, for each instruction in program order, the last cycle it spends in
// D, E, M and W from (a) when fetch can deliver it, (b) its own halts (operand
// hazards in D, CSR/CFU/store waits in E and W, divider and CFU response in M,
// D$ refills in W) and (c) the freeze caused by the older instructions still in
// later stages. Only instructions that talk to the CFU are simulated cycle by
// cycle, because the CFU answers per cycle; everywhere else the result equals
// stepping the RTL, at a cost per instruction instead of per cycle.
//
// The CFU sits behind the CfuPort interface: the same BusIn/BusOut the RTL and
// the cycle model use. The CPU drives cmd_valid/function_id/inputs from its
// execute stage and rsp_ready from the CfuPlugin's s2m response buffer.
#pragma once

#include <cstdint>
#include <algorithm>
#include <array>
#include <cstdio>
#include <unordered_map>
#include <string>
#include <vector>

#include "cpu/io_bus.h"
#include "cpu/memory_path.h"
#include "model/core.h"

namespace sasim::cpu {

// The board's memory map (../shared/board-reference/README.md): main_ram and
// the uncached I/O page with console, exit, marker and result-word registers.
// main_ram is the board's DDR (cpu.memory.ram_bytes: the Nexys A7's 128 MiB
// by default, the Arty's 256 MiB): reserved, not committed, so that only the
// pages a program touches cost host memory.
struct BoardMemory {
  static constexpr uint32_t kRamBase = 0x40000000u;
  static constexpr uint32_t kDefaultRamBytes = 128u << 20;
  static constexpr uint32_t kMaxRamBytes = 1u << 30;  // up to the uncached half at 0x80000000
  static constexpr uint32_t kIoBase = 0xF0000000u;
  static constexpr uint32_t kIoBytes = 0x1000u;
  // +0x10..+0x1C drive the CPU's interrupt lines (externalInterruptArray),
  // for the trap calibration programs (tests/firmware/cpu_traps): raise the
  // lines of the value, lower them, set a delay D, raise D cycles later; a
  // write takes effect in the cycle after its acknowledge (+ D).
  enum IoReg : uint32_t {
    kPutchar = 0x0, kExit = 0x4, kMarker = 0x8, kResult = 0xC,
    kIrqRaise = 0x10, kIrqLower = 0x14, kIrqDelay = 0x18, kIrqRaiseLater = 0x1C
  };

  explicit BoardMemory(uint32_t bytes = kDefaultRamBytes);
  ~BoardMemory();
  BoardMemory(const BoardMemory&) = delete;
  BoardMemory& operator=(const BoardMemory&) = delete;

  uint8_t* ram = nullptr;  // ram_bytes, zero until written
  uint32_t ram_bytes = 0;
  // Whether [a, a + n) lies in main_ram (no overflow for any a, n).
  bool in_ram(uint32_t a, uint32_t n) const {
    return n <= ram_bytes && a >= kRamBase && a - kRamBase <= ram_bytes - n;
  }
  // All of main_ram zero again (its pages go back to the host).
  void clear();
  static bool in_io(uint32_t a) { return a >= kIoBase && a - kIoBase < kIoBytes; }
  // One of the interrupt-line registers (+0x10..+0x1C) of the page.
  static bool is_irq_reg(uint32_t a) { return (a & 0xfff) >= kIrqRaise && (a & 0xfff) <= kIrqRaiseLater + 3; }
};

// The CfuPlugin revision of the core (docs/cpu-model.md, "Variants").
enum class CfuPluginRev {
  k2022,  // VexRiscv 24795ef0 (CFU Playground's perf+cfu, full+cfu): a CFU
          // instruction leaves execute only when memory and writeback hold no
          // load, store, branch, jump or CSR instruction; `fired` clears when
          // execute moves
  k2021,  // VexRiscv 68e704f3 (pythondata 9f85993): no such wait, so a CFU
          // command can go out under an older load's D$ refill and be sent
          // again when the load is redone (F20-F22); `fired` clears when
          // execute is not held by a later stage, so the next instruction can
          // be sent to the CFU too (F19)
};

struct CpuParams {
  std::string variant = "perf+cfu";  // the name reports print
  CfuPluginRev cfu_plugin = CfuPluginRev::k2022;
  bool perf_csrs = true;    // CFU Playground's 8 counters at 0xB04 + 2i (perf+cfu only)
  int icache_bytes = 8192;  // direct-mapped
  int dcache_bytes = 8192;  // direct-mapped, write-through, no write-allocate
  int line_bytes = 32;      // both caches; a refill is line_bytes/4 beats
  MemoryParams memory;  // what the buses see behind them (memory_path.h)
  uint32_t ram_bytes = BoardMemory::kDefaultRamBytes;  // main_ram (cpu.memory.ram_bytes)
};

// The CFU as the CPU sees it, one clock edge at a time.
class CfuPort {
 public:
  virtual ~CfuPort() = default;
  // Outputs during the current cycle (functions of registered state).
  virtual BusOut outputs() const = 0;
  // The rising edge that ends the current cycle, with the inputs of the cycle.
  virtual void step(const BusIn& in) = 0;
  // n edges with cmd_valid = 0 and the given rsp_ready. Implementations may
  // skip cycles in which nothing can change; the result must equal stepping.
  virtual void idle(uint64_t n, bool rsp_ready);
};


// Why run() returned.
// kPaused: run()'s pause_at was passed between two instructions; run() again
// resumes exactly there.
enum class StopReason { kExit, kMaxCycles, kIllegalInstruction, kBadAccess, kMisaligned, kTrap, kPaused, kCfuTimeout };

struct StopInfo {
  StopReason reason = StopReason::kExit;
  uint32_t pc = 0, instruction = 0, address = 0;
  uint64_t cycle = 0;
  std::string message;  // for everything but kExit
};

// Where the cycles went (docs/cpu-model.md, "Profile"). Every cycle between
// two retirements is charged to exactly one class: the first cycle of each
// retirement to `execute`, the extra cycles to the cause that held the
// instruction last.
enum StallClass : int {
  kExecute = 0,    // one per retired instruction
  kInterlock,      // operand hazards (load/mul/shift use), CSR drain
  kBranch,         // branch/jump penalties (prediction, redirects)
  kFetchMiss,      // I$ refills
  kDataMemory,     // D$ refills, store buffer full, uncached accesses, load redo
  kDivider,        // iterative divider
  kCfuCmd,         // waiting for the CFU's cmd_ready
  kCfuRsp,         // waiting for the CFU's response
  kNumStallClasses
};
const char* stall_class_name(int c);

struct CpuCounters {
  uint64_t retired = 0;
  uint64_t cycles_by_class[kNumStallClasses] = {};
  // The data_mem and fetch_miss classes split by what the memory path spent
  // the accesses on (board model; docs/memory-model.md, "Attribution"): each
  // stalled instruction's cycles in proportion to its own accesses' costs
  // (or the latest ones', for a wait on an older store).
  uint64_t data_mem_by_cause[kNumMemCauses] = {};
  uint64_t fetch_miss_by_cause[kNumMemCauses] = {};
  uint64_t icache_misses = 0, dcache_misses = 0, dcache_accesses = 0, icache_line_fetches = 0;
  uint64_t cfu_instructions = 0, cfu_forks = 0, cfu_replays = 0;
  uint64_t branches = 0, mispredicts = 0, divides = 0;
  uint64_t wfi_cycles = 0;  // cycles a wfi waited in execute for an interrupt (charged to interlock)
};

// A CfuPlugin fork (facts.md F19): the instruction after a CFU instruction was
// sent to the CFU as a command too. On the board this corrupts results.
struct ForkEvent {
  uint32_t pc = 0, instruction = 0, cfu_pc = 0;
  uint64_t cycle = 0;
};

// A replayed CFU command (facts.md F20-F22, the 2021 core only): a CFU
// instruction at distance 0 or 1 behind a load that is redone (D$ miss, or
// the F12 store-to-load redo) sent its command before the redo flushed it
// and sends it again when it re-executes: the CFU gets it twice.
struct ReplayEvent {
  uint32_t load_pc = 0, cfu_pc = 0, instruction = 0;
  uint64_t cycle = 0;  // the first (flushed) command's cycle
};

class Vexriscv {
 public:
  Vexriscv(const CpuParams& p, BoardMemory* mem, CfuPort* cfu);

  // Resets the core (pc = reset vector, caches invalid, counters kept).
  void reset(uint32_t pc);
  // The I$ tags (one per line; line address + 1, 0 = invalid). Setting them
  // right after reset() starts the program with the instruction cache a
  // previous program left: the same code in the same memory, as consecutive
  // operators of one inference on the board (docs/board-runtime.md).
  const std::vector<uint32_t>& icache_tags() const { return itag_; }
  void set_icache_tags(const std::vector<uint32_t>& tags);
  // Runs until the program stores to the exit register, or stops for another
  // reason; `max_cycle` bounds the cycle number reached.
  // `pause_at`: return kPaused at the first instruction boundary after this
  // cycle (only there: an instruction waiting for the CFU is never cut).
  StopInfo run(uint64_t max_cycle, uint64_t pause_at = ~0ull);

  // Cycle numbering: cycle 1 is the first cycle after reset is released.
  // `now()` is the last cycle in which an instruction retired.
  uint64_t now() const { return last_retire_; }
  uint64_t exit_cycle() const { return exit_cycle_; }
  uint32_t exit_code() const { return exit_code_; }
  const std::string& console() const { return console_; }
  const std::vector<uint32_t>& result_words() const { return results_; }
  const std::vector<ForkEvent>& forks() const { return forks_; }
  const std::vector<ReplayEvent>& replays() const { return replays_; }
  const CpuCounters& counters() const { return cnt_; }
  const MemoryPath& memory_path() const { return memp_; }
  MemoryPath& memory_path() { return memp_; }
  // Cycles charged to each instruction word of main_ram (by pc), for profiles.
  const std::vector<uint64_t>& cycles_by_pc() const { return pc_cycles_; }
  uint32_t reg(int r) const { return x_[r]; }
  void set_reg(int r, uint32_t v) {
    if (r) x_[r] = v;
  }
  uint32_t pc() const { return pc_; }
  void set_pc(uint32_t pc) { pc_ = pc; }
  // The SoC's devices behind uncached accesses (the test page otherwise);
  // set before run(), may be null.
  void set_io_bus(IoBus* io) { io_ = io; }
  // run() returns kPaused at the next instruction boundary (from a device
  // or console callback during the run).
  void request_pause() { pause_requested_ = true; }
  // Also at a jump to itself (`j .`: CFU Playground's crt0 after main).
  void set_pause_on_self_loop(bool on) { pause_on_self_loop_ = on; }
  // An exception stops the run (kIllegalInstruction, kMisaligned, kTrap)
  // instead of entering the handler: a firmware that never expects one.
  void set_stop_on_exception(bool on) { stop_on_exception_ = on; }
  // A CFU instruction that waits this many cycles for cmd_ready or for its
  // response stops the run (kCfuTimeout), naming it (0: wait forever).
  void set_cfu_timeout(uint64_t cycles) { cfu_timeout_ = cycles; }
  // Traps taken (exceptions and interrupts) and interrupts among them.
  uint64_t traps() const { return traps_; }
  uint64_t interrupts() const { return interrupts_; }
  // Console bytes are also passed here as they are written (may be null).
  void set_console_sink(void (*sink)(void*, char), void* ctx) {
    sink_ = sink;
    sink_ctx_ = ctx;
  }
  // Called when a program stores to the I/O page's marker register (+0x8),
  // after the store retires, with the value and the cycle the CFU has been
  // brought to (the store's execute cycle + 1).
  void set_marker_hook(void (*hook)(void*, uint32_t, uint64_t), void* ctx) {
    marker_hook_ = hook;
    marker_ctx_ = ctx;
  }
  // Calls `hook` at the first retirement at or after every multiple of
  // `interval` cycles (0: never), with that cycle and the counters then.
  void set_sample_hook(uint64_t interval, void (*hook)(void*, uint64_t, const CpuCounters&), void* ctx) {
    sample_interval_ = interval;
    sample_hook_ = hook;
    sample_ctx_ = ctx;
    next_sample_ = interval ? (last_retire_ / interval + 1) * interval : ~0ull;
  }
  // Zeroes the per-pc cycle counts (cycles_by_pc()).
  void clear_pc_cycles() {
    std::fill(pc_cycles_.begin(), pc_cycles_.end(), 0);
    pc_data_mem_.clear();
  }
  // The data_mem class split by memory cause (CpuCounters::data_mem_by_cause)
  // per instruction word that stalled on it, by pc.
  using MemCauseCycles = std::array<uint64_t, kNumMemCauses>;
  const std::unordered_map<uint32_t, MemCauseCycles>& data_mem_by_pc() const { return pc_data_mem_; }
  // Writes "cycle pc" per retired instruction (the reference traces' format).
  void set_retire_log(std::FILE* f) { retire_log_ = f; }
  // Writes one line per access of the board's memory path (MemoryPath::set_log).
  void set_bus_log(std::FILE* f) { memp_.set_log(f); }
  // Lets an embedder stop the run at a store to a given I/O register offset.
  bool exited() const { return exited_; }
  void clear_exit() { exited_ = false; }

 // A predecoded instruction word (cached per word of main_ram).
  struct Decoded {
    uint32_t raw = 0;
    uint8_t op = 0;  // vexriscv.cc's Op
    uint8_t rd = 0, rs1 = 0, rs2 = 0;
    bool use1 = false, use2 = false, writes = false;
    uint8_t from = 0;  // vexriscv.cc's ResultFrom
    int32_t imm = 0;
  };

 private:
  struct Times {  // last cycle in each stage
    uint64_t d = 0, e = 0, m = 0, w = 0;
    uint64_t d_in = 0;  // first cycle in decode
    bool side = false;  // HAS_SIDE_EFFECT: load, store, branch, jump, CSR (the 2022 CfuPlugin waits for it)
    uint64_t side_end = 0;  // the last cycle it holds a CFU instruction in execute (w, or w + 1 after an F12 redo)
  };
  struct FetchState;
  struct PendingStore;

  const Decoded& decode_at(uint32_t pc);
  uint64_t unblock(int stage, uint64_t t) const;
  bool blocked_at(int stage, uint64_t t) const;
  // The first cycle >= t in which `stage` (kE, kM or kW) is not stuck: its
  // instruction, if any, leaves it, and no later stage freezes it.
  uint64_t stage_free(int stage, uint64_t t) const;
  uint64_t fetch_ready(uint32_t pc, int* cause);
  void wrong_path_fetch(uint32_t pc, uint64_t d_exit);
  void wrong_path_fence_i(uint32_t pc, uint64_t e_exit);
  // CFU port handling (cycle by cycle).
  void cfu_idle_to(uint64_t t);
  uint64_t cfu_execute(uint64_t e0, uint32_t fid, uint32_t in0, uint32_t in1, bool scheduled, uint32_t* result,
                       uint64_t* rsp_cycle, int* e_cause);
  bool rsp_ready_at(uint64_t t) const;
  bool side_effect_after_execute(uint64_t t) const;
  void replay_behind_load(uint32_t pc, const Decoded& load, uint64_t m_exit, uint64_t flush);
  bool cfu_phantom(uint64_t f, uint32_t fid, uint32_t in0, uint32_t in1, uint64_t deadline, uint64_t* fire,
                   uint64_t* rsp);
  // Data bus (stores, refills, uncached accesses): one Wishbone master.
  uint64_t store_issue_ready(uint64_t t, uint32_t pc, uint64_t d_exit);
  void fetch_next_line_early(uint32_t pc, uint64_t d_exit, uint64_t t);
  // F11: the first cycle >= t at which the store buffer has room (sent stores only).
  uint64_t buffer_ready(uint64_t t) const;
  void store_issue(uint64_t t, uint32_t addr, uint32_t value, int size);
  // Sends the pending stores to the memory path, in order: all of them, or
  // those the shared bus's arbiter grants before an I$ refill requested at q.
  void settle_stores();
  void settle_stores_before_fetch(uint64_t q);
  void send_store(const PendingStore& s);
  // An uncached address served by the IoBus, or by the bare-metal test page.
  bool device(uint32_t a) const { return io_ && (a & 0x80000000u); }
  bool test_page(uint32_t a) const { return !io_ && BoardMemory::in_io(a); }
  uint64_t dbus_idle_from();
  bool io_store(uint32_t addr, uint32_t value, int size);
  uint32_t csr_read(uint32_t csr, uint64_t cycle, bool* ok) const;
  // Whether the CSR instruction names an implemented CSR in an allowed way.
  bool csr_legal(const Decoded& d) const;
  void csr_write(uint32_t csr, uint32_t value, uint64_t cycle);
  // The line a fetch running on under a load's redo misses (vexriscv.cc).
  struct RedoScan {
    bool miss = false;
    uint32_t line = 0;
    uint64_t step = 0;  // cycles after the load enters writeback, in the fixed-latency traces' terms
  };
  RedoScan redo_scan(uint32_t pc, const Decoded& d);
  uint64_t redo_ireq(const RedoScan& r, uint64_t w_entry) const;
  // Refills the scan's line: the cycle its instruction could be delivered (0: no miss).
  uint64_t redo_fetch(const RedoScan& r, uint64_t w_entry);
  static bool any_cost(const MemCost& c);
  void split_by_cause(uint64_t n, const MemCost& own, const MemCost& last, uint64_t* out, uint64_t* pc_out = nullptr);
  // A line refill begun at `start` through the memory path: its done cycle.
  uint64_t refill(MemoryPath::Master m, uint32_t line, uint64_t start);

  CpuParams p_;
  uint64_t max_cycle_ = ~0ull;
  BoardMemory* mem_;
  CfuPort* cfu_;
  IoBus* io_ = nullptr;
  bool pause_requested_ = false;
  bool pause_on_self_loop_ = false, stop_on_exception_ = false;
  uint64_t cfu_timeout_ = 0;
  std::string cfu_stuck_;  // why cfu_execute gave up (cfu_timeout_)
  MemoryPath memp_;
  MemCost d_cost_, i_cost_;        // this instruction's D- and I-side accesses
  MemCost last_d_cost_, last_i_cost_;
  MemCost last_store_cost_;  // the last store sent's (send_store: the next one's wait for its ACK)
  uint64_t icache_flush_until_ = 0;  // fence.i: no I$ refill starts before this cycle
  bool fence_i_flush_ = false;       // fence.i: the I$ is cleared after the next fetch
  uint32_t x_[32] = {};
  uint32_t pc_ = 0;

  // Timing state.
  Times hist_[3];                 // the 3 previous instructions, [0] = newest
  uint64_t reg_ready_[32] = {};   // earliest cycle a reader may leave D
  uint64_t last_retire_ = 0;
  uint64_t fetch_avail_ = 0;      // cycle the previous instruction was available to D
  uint64_t redirect_at_ = 0;      // pending redirect: target available from this cycle
  uint64_t redirect_from_ = 0;    // the cycle of the redirect (the jump leaving decode or execute)
  bool redirect_ = true;
  bool redirect_in_execute_ = false;  // the pending redirect is a jump from execute with a wrong-path instruction in decode
  bool fetch_redirected_ = false;     // the last instruction fetched is the target of such a jump
  uint64_t redirect_exec_ = 0;        // and that jump's cycle
  uint32_t fetch_line_ = 0xffffffffu;
  uint32_t prefetched_line_ = 0xffffffffu;  // refilled ahead (wrong path, redo, before stores)
  uint64_t prefetched_ready_ = 0;
  std::vector<uint32_t> itag_, dtag_;  // line address + 1 (0 = invalid)
  int line_shift_ = 5;
  // Store buffer: ack cycles of the writes in flight (2 entries).
  uint64_t store_ack_[2] = {0, 0};
  uint64_t dbus_free_ = 0;        // first cycle the D-bus can start a new access
  // Stores that left writeback but are not on the bus yet (board model).
  struct PendingStore {
    uint64_t t;  // the cycle the store left writeback
    uint32_t addr;
    uint32_t value;  // a device's: in its byte lanes
    int size;
  };
  static constexpr int kMaxPending = 8;
  PendingStore pending_[kMaxPending];
  int n_pending_ = 0;
  uint64_t last_store_w_ = 0;     // W exit of the last store that hit the D$
  uint32_t last_store_addr_ = 0, last_store_mask_ = 0;
  bool last_store_hit_ = false;

  // CFU port state (CfuPlugin registers and the s2m response buffer).
  uint64_t cfu_t_ = 1;            // next edge to step
  bool hold_ = false;
  uint64_t s2m_from_ = 0, s2m_to_ = 0;  // s2m buffer full during [from, to]
  uint32_t last_cfu_pc_ = 0;
  int fork_rd_ = 0;               // a forked instruction's rd, for the next reader
  uint32_t fork_own_value_ = 0;   // its own result (what the E bypass delivered)
  uint64_t fork_e_exit_ = 0;

  // CSRs. mstatus is kept as its fields (MIE, MPIE, MPP: an M-only core),
  // mie as its three enables (MEIE 11, MTIE 7, MSIE 3).
  uint32_t mscratch_ = 0, mtvec_ = 0, mepc_ = 0, mcause_ = 0, mtval_ = 0, mie_ = 0;
  bool mstatus_mie_ = false, mstatus_mpie_ = false;
  uint32_t mstatus_mpp_ = 3;
  uint32_t irq_mask_ = 0;  // VexRiscv's external interrupt mask, CSR 0xBC0
  uint64_t traps_ = 0, interrupts_ = 0;

  // Traps and interrupts (docs/cpu-model.md, "Traps and interrupts").
  // The interrupt controls as the CsrPlugin sees them, from a cycle on:
  // en = mstatus.MIE && mie.MEIE, meie = mie.MEIE (a wfi's wake ignores
  // mstatus.MIE), mask = CSR 0xBC0 (sorted by `from`).
  struct IrqCtrl {
    uint64_t from;
    bool en;
    uint32_t mask;
    bool meie;
  };
  std::vector<IrqCtrl> irq_ctrl_{IrqCtrl{0, false, 0, false}};
  bool irq_possible_ = false;  // some entry of irq_ctrl_ has en and a mask
  // The interrupt lines: their value up to the first event, then the events
  // (a line change from cycle `at` on), sorted by `at`.
  struct LineEvent {
    uint64_t at;
    uint32_t set, clear;
  };
  uint32_t line_base_ = 0;
  std::vector<LineEvent> line_events_;
  uint32_t irq_delay_ = 0;  // the test page's +0x18
  uint64_t decode_hold_until_ = 0;  // the next instruction leaves decode no earlier (0: none)
  void irq_ctrl_changed(uint64_t from);
  uint32_t lines_at(uint64_t c) const;
  const IrqCtrl& ctrl_at(uint64_t c) const;
  bool interrupt_valid(uint64_t c) const;
  // The first cycle in [lo, hi] in which the CsrPlugin's interrupt_valid is
  // set (false: none).
  bool first_interrupt(uint64_t lo, uint64_t hi, uint64_t* c);
  // *stop (if given): where the search ended without a match (the first
  // cycle > hi at which an input may change).
  bool first_cycle_with(uint64_t lo, uint64_t hi, bool valid, uint64_t* c, uint64_t* stop = nullptr) const;
  // The next cycle after c in which an input of interrupt_valid (or of a
  // wfi's wake) may change; ~0: none known.
  uint64_t next_irq_input_change(uint64_t c) const;
  // A wfi in execute in cycle c may leave it (the CsrPlugin's wfiWake).
  bool wfi_wake(uint64_t c) const;
  // The first cycle in [lo, hi] with wfi_wake; false when none.
  bool first_wake(uint64_t lo, uint64_t hi, uint64_t* at) const;
  // interrupt_valid is false over (irq_quiet_from_, irq_quiet_until_]
  // (0: unknown), until an input changes.
  uint64_t irq_quiet_from_ = 0, irq_quiet_until_ = 0;
  bool irq_quiet(uint64_t lo, uint64_t hi) const { return hi <= irq_quiet_until_ && lo > irq_quiet_from_; }
  // Whether an interrupt is taken before the instruction in decode from
  // d_in to *d (`flushed`: the cycle in which the instruction before it in
  // decode was flushed, or 0); if so, the cycle of the
  // jump to mtvec. *d moves later when
  // the liberator held the instruction for an interrupt that fell again.
  bool interrupt_in_decode(uint64_t d_in, uint64_t* d, uint64_t* jump, uint64_t flushed);
  void forget_irq_before(uint64_t c);
  // Enters the trap handler: the jump to mtvec is in cycle `jump`.
  void take_trap(uint32_t cause, uint32_t tval, uint32_t epc, uint64_t jump);
  bool has_trap_handler() const;
  // An address outside main_ram and the devices, described for a message.
  std::string unmapped(uint32_t addr) const;
  uint32_t perf_enable_ = 0;
  uint64_t perf_base_[8] = {}, perf_value_[8] = {};
  uint64_t mcycle_offset_ = 0;

  // Results.
  std::string console_;
  std::vector<uint32_t> results_;
  std::vector<ForkEvent> forks_;
  std::vector<ReplayEvent> replays_;
  uint32_t fork_after_pc_ = 0;  // F22: the instruction after the replayed CFU instruction here is forked
  bool fork_after_ = false;
  bool exited_ = false;
  uint64_t exit_cycle_ = 0;
  uint32_t exit_code_ = 0;
  CpuCounters cnt_;
  std::vector<uint64_t> pc_cycles_;
  std::unordered_map<uint32_t, MemCauseCycles> pc_data_mem_;
  std::vector<Decoded> decoded_;  // for the first kDecodeCover bytes of main_ram (code lives there)
  std::vector<uint8_t> decoded_valid_;
  Decoded scratch_;              // an instruction decoded past them
  void (*sink_)(void*, char) = nullptr;
  void* sink_ctx_ = nullptr;
  std::FILE* retire_log_ = nullptr;
  void (*marker_hook_)(void*, uint32_t, uint64_t) = nullptr;
  uint64_t sample_interval_ = 0, next_sample_ = ~0ull;
  void (*sample_hook_)(void*, uint64_t, const CpuCounters&) = nullptr;
  void* sample_ctx_ = nullptr;
  void* marker_ctx_ = nullptr;
};

}  // namespace sasim::cpu
