// The accelerator's cycle logic in plain C++: bus front-end, decode/control,
// buffers, the systolic array (weight- or output-stationary) and the
// post-processing unit. The SystemC modules in src/sc/ are a shell around it;
// unit tests drive it directly, one step() per clock cycle.
//
// Contract (docs/microarchitecture.md is the full specification; the RTL
// matches it cycle for cycle):
//  * step(in) models one rising clock edge: `in` holds the CFU inputs sampled
//    at that edge, and outputs() afterwards returns the outputs for the next
//    cycle. Outputs are functions of registered state only (no combinational
//    path from inputs), so a lock-step comparison with the RTL is exact.
//  * cmd_ready = no command held. A command that transfers is executed at the
//    same edge if its interlock allows (START: array idle or in its last pass
//    cycle; READ: the C bank it reads is not being written; WRITE to a single-
//    buffered A/B: array idle; WAIT: array idle), otherwise it is held and
//    retried every edge. Its response is valid from the next cycle (READ
//    NEXT/RAW: kReadLatency cycles after executing) until rsp_ready.
//  * A pass started at edge t keeps the array busy for exactly the documented
//    number of cycles (sasim_isa::pass_cycles_*), t+1 .. t+T.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "driver/cfu_isa.h"
#include "sasim/dataflow.h"

namespace sasim {

struct CoreParams {
  int rows = 8, cols = 8;
  Dataflow dataflow = Dataflow::kWeightStationary;
  bool im2col = true;  // the im2col extension (docs/command-set.md; OS: the tile form)
  int a_lines = 0, b_lines = 0, c_lines = 0;  // lines per bank
  bool a_double = true, b_double = true, c_double = true;
  // The prefetching post-processor (array.read_prefetch); false: the
  // combinational one of the board reference (READ NEXT latency 2).
  bool prefetch = true;
  // The elementwise extension (array.eltwise; docs/command-set.md): EW_CONFIG,
  // EW_MULT and EW_OP, any dataflow. false: those funct7 values are rejected,
  // the command set the board reference was measured with.
  bool eltwise = true;
  // The weight store (buffers.w; docs/command-set.md): lines of
  // line_pitch(cols) bytes that keep weights across layers. 0: none (W_SEEK,
  // W_BASE and WRITE_W are rejected).
  int w_lines = 0;
};

// Whether the output keep (KEEP) is built for p: sasim_isa::has_keep
// (the im2col extension, either dataflow).
inline bool has_keep(const CoreParams& p) { return sasim_isa::has_keep(p.im2col, p.prefetch, p.rows); }

// The elementwise extension's registers (EW_CONFIG, EW_MULT): plain
// registers, kept by RESET, powered up as below (all 0, range -128 .. 127).
struct EwRegs {
  int op = 0;  // sasim_isa::EwOp
  int32_t a_zp = 0, b_zp = 0, out_zp = 0, act_min = -128, act_max = 127;
  int32_t mult[3] = {0, 0, 0};  // indexed by sasim_isa::EwWhich
  int shift[3] = {0, 0, 0};
};
// One lane of EW_OP: the int8 result for inputs a and b (TFLite Micro's
// reference element arithmetic; include/sasim/quant.h's rounding).
int8_t ew_lane(const EwRegs& r, int8_t a, int8_t b);

struct BusIn {
  bool cmd_valid = false;
  uint32_t function_id = 0;  // [2:0] funct3, [9:3] funct7
  uint32_t inputs_0 = 0, inputs_1 = 0;
  bool rsp_ready = true;
};

struct BusOut {
  bool cmd_ready = true;
  bool rsp_valid = false;
  uint32_t rsp_payload = 0;
};

// What the array did in a cycle, for the profile: every cycle is exactly one.
enum class CycleKind : uint8_t { kCompute, kFillDrain, kBankSwap, kReadback, kHost };

struct CoreCounters {
  uint64_t cycles = 0;
  uint64_t by_kind[5] = {0, 0, 0, 0, 0};
  uint64_t commands = 0;
  uint64_t sram_reads = 0, sram_writes = 0;  // 32-bit word accesses
  uint64_t passes = 0;
  uint64_t macs = 0;  // useful MACs: Mt*Kt*Nt per pass
};

// The im2col extension's registers (IM2COL_GEOM, _PIXEL, _ORIGIN): the input
// feature map (a band of in_h rows of in_w pixels, `lines` A lines per pixel)
// and the first pixel of the next IM2COL pass.
struct Im2colRegs {
  int in_w = 0, in_h = 0, out_w = 0, stride_w = 0, stride_h = 0;
  int lines = 0;
  int8_t pad = 0;
  int b_stride = 0;  // B_COLS: B lines between two output columns' weights
  int iy = 0, ix = 0, ix_row = 0, ox = 0;
  // IM2COL_SEQ: the passes of a START with SEQ.
  int seq_rows = 0, seq_cols = 0, seq_lines = 0, seq_dy = 0, seq_dx = 0;
  // PARAM_BANK: the parameter sets BIAS/REQUANT write, bit b = the set READ
  // uses for C bank b (3 = both, as without the extension).
  int param_sets = 3;
  // W_BASE (the weight store): B_COLS and IM2COL passes load their weights
  // from the store at w_base (B_COLS: line w_base + slot + u x B stride; by
  // rows: w_base + slot x rows + u) instead of the B bank (latched at START
  // with the rest).
  bool w_on = false;
  int w_base = 0;
};

// One pass of the array, as decoded from START.
struct Pass {
  int mt = 0, kt = 0, nt = 0;
  bool clear = true, keep_a = false, keep_b = false;
  bool im2col = false, b_cols = false, hold_b = false;
  int j = 0;     // IM2COL: the line offset within a pixel
  int b_slot = 0;  // B_COLS: PE column u loads B line b_slot + u * geom.b_stride; WS IM2COL without
                   // B_COLS: PE row u loads b_slot * rows + u; OS tile: chunk lines from b_slot * rows
  int lead = 0;  // WS: cycles before A line 0 enters (weight load or 1); OS IM2COL: 1 per sub-pass
  Im2colRegs geom;  // IM2COL: the registers as START found them
  int c_bank = 0;
  uint32_t cycles = 0;  // T
};

// The A line an IM2COL pass reads for each of its Mt pixels, -1 where the
// pixel's tap lies in the padding (or past the bank): the pad value is read.
// The walk of docs/command-set.md: from (iy, ix, ox), the next pixel is one
// stride right, or, past the last output column, the first column of the next
// output row (ix_row, iy + stride_h).
std::vector<int> im2col_lines(const Im2colRegs& g, int j, int mt, int a_lines);
// The walker's origin n pixels further (the same steps).
void im2col_advance(Im2colRegs* g, int n);
// The origin and line offset of IM2COL_SEQ position p (the order line,
// kernel column, kernel row) from the origin g and line offset j.
Im2colRegs im2col_seq_origin(const Im2colRegs& g, int p, int j, int* line);

struct Buffers;

// The array behind one interface; built by make_array() for a dataflow.
class ArrayModel {
 public:
  virtual ~ArrayModel() = default;
  // START executed: the pass's cycle 0 is the next step().
  virtual void begin(const Pass& p, const Buffers& buf) = 0;
  // One busy cycle; returns true for a cycle of useful streaming (compute).
  virtual bool step(Buffers* buf, CoreCounters* cnt) = 0;
  // Number of PEs that perform a MAC on operands of the pass this cycle
  // (for the timeline's active-PE counter).
  virtual int active_pes() const = 0;
  bool busy() const { return busy_; }
  uint32_t cycle() const { return u_; }
  const Pass& pass() const { return pass_; }
  bool finishing() const { return busy_ && u_ + 1 == pass_.cycles; }

 protected:
  bool busy_ = false;
  uint32_t u_ = 0;
  Pass pass_;
};

std::unique_ptr<ArrayModel> make_array(const CoreParams& p);

// The on-chip buffers: A and B are byte lines (line_pitch(lanes) bytes each),
// C int32 lines of `cols` lanes. Two banks each; a single-buffered buffer uses
// bank 0 only.
struct Buffers {
  int a_pitch = 0, b_pitch = 0, cols = 0;
  std::vector<int8_t> a[2], b[2];
  std::vector<int8_t> w;  // the weight store (CoreParams::w_lines lines of b_pitch bytes)
  std::vector<int32_t> c[2];
  int a_active = 0, b_active = 0;  // banks the array reads
  int8_t a_at(int line, int lane) const { return a[a_active][static_cast<size_t>(line) * a_pitch + lane]; }
  int8_t b_at(int line, int lane) const { return b[b_active][static_cast<size_t>(line) * b_pitch + lane]; }
  int8_t w_at(int line, int lane) const { return w[static_cast<size_t>(line) * b_pitch + lane]; }
  // A pass's weight line: of the weight store at the base its START latched
  // when the store was on (W_BASE), else of the active B bank.
  int8_t weight_at(const Pass& p, int line, int lane) const;
  // Step k's weights of a pass that addresses B by rows (WS without B_COLS,
  // OS): line slot x rows + k with IM2COL (weight_at), else B line k.
  int8_t row_weight(const Pass& p, int rows, int k, int lane) const;
  // Writes one C line of `n` lanes (clear: store; else add, wrapping in int32).
  void write_c_line(int bank, int line, const int32_t* v, int n, bool clear, CoreCounters* cnt);
};

class CfuCore {
 public:
  explicit CfuCore(const CoreParams& p);

  BusOut outputs() const { return out_; }
  CycleKind step(const BusIn& in);
  // n edges with an idle bus (cmd_valid = 0, rsp_ready = 1): exactly n step()
  // calls. Once nothing is held, answered or computing, a cycle changes only
  // the counters, so the remaining cycles are counted in bulk.
  void idle(uint64_t n);
  // Nothing held, no response pending, array idle.
  bool quiescent() const { return !held_ && !out_.rsp_valid && !array_->busy() && !pf_would_start(false, -1); }
  void reset();

  const CoreParams& params() const { return p_; }
  const CoreCounters& counters() const { return cnt_; }
  const ArrayModel& array() const { return *array_; }
  const Buffers& buffers() const { return buf_; }
  const Im2colRegs& im2col_regs() const { return im2col_; }
  const EwRegs& ew_regs() const { return ew_; }
  bool error() const { return error_; }
  bool holding() const { return held_; }
  int held_funct3() const { return static_cast<int>(cmd_fid_ & 7); }
  int a_write_bank() const { return p_.a_double ? 1 - buf_.a_active : 0; }
  int b_write_bank() const { return p_.b_double ? 1 - buf_.b_active : 0; }
  uint32_t a_write_ptr() const { return a_wp_; }
  uint32_t b_write_ptr() const { return b_wp_; }
  uint32_t w_write_ptr() const { return w_wp_; }
  bool keep_present() const { return keep_; }
  uint32_t keep_ptr() const { return keep_ptr_; }
  uint32_t keep_stride() const { return keep_stride_; }

 private:
  bool try_execute(bool busy_q, bool finishing_q, bool seq_q);
  void respond(uint32_t v, int latency);
  uint32_t read_next();
  // The prefetching post-processor (CoreParams::prefetch): the word at the
  // read position (bank rd_bank_, line, lane) as READ NEXT returns it.
  uint32_t post_process(int line, int lane);
  // Whether it starts a word at this edge, from the state before the edge:
  // the pass in flight (busy_bank: its C bank, -1 when idle) and the words
  // started and not yet read (pf_.size()).
  bool pf_would_start(bool busy, int busy_bank) const;
  // Forgets every word started and restarts at the read pointer: after
  // anything that moves the read pointer other than READ NEXT, changes a
  // post-processing parameter, or starts a pass on the bank being read.
  void pf_flush();
  bool start_pass(uint32_t in0, uint32_t in1);
  // The sequence's next pass, in the last cycle of the current one.
  void start_seq_pass();
  // Starts a decoded, valid pass: its length, bank swaps and pointers.
  void launch(Pass* ps);
  void write_bytes(int buffer, uint32_t in0, uint32_t in1);  // 0 A, 1 B, 2 the weight store
  // EW_CONFIG / EW_MULT / EW_OP (the command's funct7 and operands).
  bool ew_execute(uint32_t f7, uint32_t in0, uint32_t in1);
  void ew_flush();

  CoreParams p_;
  Buffers buf_;
  std::unique_ptr<ArrayModel> array_;
  CoreCounters cnt_;
  BusOut out_;

  // front-end / control registers
  bool held_ = false;       // a command is held (cmd_ready = !held_)
  bool executed_ = false;   // ... and has executed, its response pending or valid
  uint32_t cmd_fid_ = 0, cmd_in0_ = 0, cmd_in1_ = 0;
  int rsp_countdown_ = 0;
  uint32_t rsp_data_ = 0;
  bool error_ = false;
  uint32_t a_wp_ = 0, b_wp_ = 0;  // byte write pointers into the shadow banks
  int a_fill_ = 0;                 // A_FILL: 8-byte parts a WRITE_A line takes (0: all)
  uint32_t w_wp_ = 0;             // the weight store's byte write pointer (W_SEEK)
  // The output keep (KEEP, docs/command-set.md "(keep)"): built or not
  // (sasim_isa::has_keep), the shadow-A byte offset of the read line's lane
  // 0 and the stride to the next line's (0: off).
  bool keep_ = false;
  uint32_t keep_ptr_ = 0, keep_stride_ = 0;
  // READ NEXT's keep write: the word's 4 bytes at keep_ptr_ + (lane & ~3).
  void keep_write(uint32_t word, int lane);
  Im2colRegs im2col_;
  // A running SEQ: passes left, the next pass's position and the START's
  // operands and origin it derives from.
  struct Seq {
    int left = 0;
    int p = 0;  // the position (im2col_seq_origin)
    uint32_t in0 = 0, in1 = 0;
    Im2colRegs base;
  } seq_;

  // The elementwise unit: its registers, and the results in its pipeline,
  // oldest first (always kEwLag of them; 0 where no EW_OP entered since the
  // last flush): an EW_OP appends its result and answers with the front.
  EwRegs ew_;
  std::deque<uint32_t> ew_pipe_;

  // Post-processing parameters: a set per C bank (set b at [b * cols]).
  std::vector<int32_t> bias_, mult_;
  std::vector<int8_t> shift_;
  int32_t out_zp_ = 0, act_min_ = -128, act_max_ = 127;
  // read pointer and the Nt of the pass that last wrote each C bank
  int rd_bank_ = 0, rd_line_ = 0, rd_lane_ = 0;
  int c_cols_[2] = {0, 0};
  bool last_was_read_ = false;
  // Prefetch: the words started, in read order, each with the first edge
  // (counters().cycles) at which a READ NEXT may take it; the position of
  // the next word to start; a flush at the current edge (no start then).
  struct PfWord {
    uint32_t word;
    uint64_t ready;
  };
  std::deque<PfWord> pf_;
  int pf_line_ = 0, pf_lane_ = 0;
  bool pf_flushed_ = false;
};

}  // namespace sasim
