// The CFU command set: the single definition shared by the host driver (which
// also runs on the board), the cycle model and its tests. The RTL implements
// the same table (docs/command-set.md).
//
// C++11, header-only, no exceptions, RTTI or iostreams: it compiles for the
// board's rv32im CPU unchanged.
#ifndef SASIM_CFU_ISA_H_
#define SASIM_CFU_ISA_H_

#include <stdint.h>

namespace sasim_isa {

// funct3 values (the major opcode of the custom-0 R-type instruction).
enum Funct3 {
  kCfg = 0,      // f7=0 SET_OUTPUT: in0 = zp | act_min << 8 | act_max << 16 (int8 each)
                 // f7=1 ID: returns rows | cols << 8 | dataflow << 16 | kIsaVersion << 24
                 // f7=2 STATUS: returns busy | error << 1 | a_bank << 2 | b_bank << 3
                 // The im2col extension (WS with array.im2col; docs/command-set.md):
                 // f7=3 IM2COL_GEOM: in0 = in_w | in_h << 16; in1 = out_w | stride_w << 16 |
                 //       stride_h << 24 (waits until the array is idle)
                 // f7=4 IM2COL_PIXEL: in0 = lines per pixel | pad value << 8 (int8);
                 //       in1 = B stride (B_COLS: lines between two columns' weights)
                 //       (waits until the array is idle)
                 // f7=5 IM2COL_ORIGIN: in0 = iy | ix << 16 (int16 each); in1 = ix_row (int16) |
                 //       ox << 16: the next IM2COL pass's first pixel
                 // f7=6 IM2COL_SEQ: in0 = kernel rows | kernel columns << 8 | lines per tap << 16;
                 //       in1 = iy step per row (int16) | ix step per column << 16 (int16):
                 //       the passes a START with SEQ runs (waits until the array is idle)
                 // f7=7 PARAM_BANK: in0 = the parameter sets BIAS/REQUANT write (1..3)
                 // The elementwise extension (array.eltwise; docs/command-set.md):
                 // f7=8 EW_CONFIG: in0 = a_zp | b_zp << 8 (int8 each) | op << 16 (EwOp);
                 //       in1 = out_zp | act_min << 8 | act_max << 16 (int8 each)
                 // f7=9 EW_MULT: in0 = multiplier; in1 = which (EwWhich) | (shift & 0xff) << 8
                 // f7=10 EW_OP: in0 = 4 int8 of a, in1 = 4 int8 of b (lane k in bits 8k..8k+7);
                 //       returns the 4 int8 results of the EW_OP issued kEwLag EW_OPs
                 //       earlier (0 while the unit holds fewer since the last flush)
                 // The weight store (buffers.w; docs/command-set.md):
                 // f7=11 W_SEEK: in0 = store line: WRITE_W writes from byte line x pitch
                 // f7=12 W_BASE: in0 = base line, in1 bit 0 = on: B_COLS passes then load
                 //       store line base + slot + u x B stride (latched at START)
  kWriteA = 1,   // f7=0: 8 bytes (in0 bytes 0..3, in1 bytes 4..7, little-endian) to the
                 // A shadow bank at the write pointer, which then advances by 8
  kWriteB = 2,   // same for B
  kParam = 3,    // f7=0 BIAS:    in0 = column, in1 = int32 bias
                 // f7=1 REQUANT: in0 = multiplier, in1 = column | (shift & 0xff) << 8
                 // f7=2 BIAS broadcast (all columns): in1 = bias
                 // f7=3 REQUANT broadcast: in0 = multiplier, in1 = (shift & 0xff) << 8
  kStart = 4,    // in0 = Mt | Kt << 16; in1 = Nt | flags << 8 (see StartFlags)
  kRead = 5,     // f7=0 NEXT: 4 requantized int8 of the read line, lanes j..j+3, packed
                 //       little-endian; advances by 4 lanes, then to the next line
                 // f7=1 SEEK: in0 = C bank, in1 = line; lane := 0
                 // f7=2 RAW: the int32 accumulator at the read pointer; advances 1 lane
                 // f7=3 READ_EW (the elementwise extension with the prefetching
                 //       post-processor): the word READ NEXT would return enters the
                 //       elementwise unit as a, in0 as b (an EW_OP of them); returns
                 //       the unit's answer as EW_OP does (kEwLag EW commands earlier)
                 // f7=4 KEEP (the output keep, has_keep): in0 = byte offset k in the
                 //       shadow A bank, in1 = stride s (bytes; 0: off); then every
                 //       READ NEXT also writes its 4 bytes at k + lane, and k += s
                 //       when it moves to the next line
  kWait = 6,     // f7=0: responds once the array is idle
  kReset = 7,    // f7=0: soft reset of pointers, banks, error flag and array
};

enum StartFlags {
  kFlagClear = 1 << 0,  // first reduction chunk: accumulators start from 0 (else add to C)
  kFlagCBank = 1 << 1,  // which C bank the pass writes
  kFlagKeepA = 1 << 2,  // reuse the active A bank (no swap; host wrote no A)
  kFlagKeepB = 1 << 3,  // reuse the active B bank; in WS the weights stay in the PEs
  // The im2col extension:
  kFlagIm2col = 1 << 4,  // A line m of the pass is generated from the input feature map in
                         // the A bank (IM2COL_* registers; line offset j = in1 bits 16..23);
                         // OS: a tile of Mt pixels, each the IM2COL_SEQ chunks of `rows`
                         // steps (docs/command-set.md), B line slot x rows + k
  // (WS only:)
  kFlagBCols = 1 << 5,   // weight load: B line u fills PE column u (lanes = rows k), Nt cycles
  kFlagHoldB = 1 << 6,   // with B_COLS: the B bank neither swaps nor rewinds its write pointer,
                         // and the weights load (unlike KEEP_B)
  kFlagSeq = 1 << 7,     // with IM2COL and B_COLS: a whole tile, the IM2COL_SEQ passes back to
                         // back (kernel row, column, line); pass p: slot + p, j + line,
                         // origin + (row x iy step, column x ix step); after the first,
                         // KEEP_A | HOLD_B and no CLEAR
};
const int kStartJShift = 16;     // START in1: the im2col line offset j
const int kStartSlotShift = 24;  // START in1: with B_COLS, PE column u loads B line slot + u * B stride;
                                 // OS IM2COL: step k reads B line slot x rows + k

enum CfgFunct7 { kCfgSetOutput = 0, kCfgId = 1, kCfgStatus = 2, kCfgIm2colGeom = 3, kCfgIm2colPixel = 4,
                 kCfgIm2colOrigin = 5, kCfgIm2colSeq = 6, kCfgParamBank = 7, kCfgEwConfig = 8, kCfgEwMult = 9,
                 kCfgEwOp = 10, kCfgWSeek = 11, kCfgWBase = 12, kCfgAFill = 13 };
// The weight store (buffers.w; docs/command-set.md): kWriteB's funct7 of
// WRITE_W (8 bytes at the store's write pointer, once the array is idle).
const uint32_t kWriteW = 1;

// The elementwise extension: the operation EW_CONFIG selects, and which
// multiplier EW_MULT sets. ADD/SUB (TFLite's int8 Add/Sub): each input minus
// its zero point, shifted left by 20, scaled by its multiplier (shift -31..0),
// summed or subtracted, scaled by the output multiplier (shift -31..30), plus
// the output zero point, clamped. MUL: the two inputs minus their zero points
// multiplied, scaled by the output multiplier, plus the zero point, clamped.
enum EwOp { kEwAdd = 0, kEwSub = 1, kEwMul = 2 };
enum EwWhich { kEwMultA = 0, kEwMultB = 1, kEwMultOut = 2 };
const int kEwLeftShift = 20;
// EW_OP's response is the result of the EW_OP issued kEwLag EW_OPs before it:
// the unit is a pipeline of kEwLag stages that advances one stage per EW_OP
// (so its timing never depends on the CPU's). EW_CONFIG, EW_MULT and RESET
// empty it: until kEwLag EW_OPs have entered since, the response is 0.
const int kEwLag = 11;
const uint32_t kReadEw = 3;  // kRead's funct7 of READ_EW
const uint32_t kReadKeep = 4;  // kRead's funct7 of KEEP (docs/command-set.md, "(keep)")
const int kEwLanes = 4;

enum DataflowCode { kDataflowWs = 0, kDataflowOs = 1 };

const uint32_t kIsaVersion = 1;
const uint32_t kErrorResponse = 0xffffffffu;  // response of a rejected command
const int kBytesPerWrite = 8;
const int kReadLatency = 2;  // READ NEXT/RAW: response 2 cycles after the command executes
// With the prefetching post-processor (array.read_prefetch, the default): a
// READ NEXT answers with latency 1 from the words the post-processor computed
// ahead of the read pointer; it waits while none is ready. A word the
// post-processor starts at edge t (one C RAM read) is ready for a READ NEXT
// executing at edge t + kPrefetchLatency; at most kPrefetchDepth words are
// started and not yet read. RAW keeps kReadLatency.
const int kPrefetchLatency = 8;
const int kPrefetchDepth = 8;

// Bytes one buffer line occupies, for a line of `lanes` int8 lanes: lines are
// packed so that every 8-byte WRITE fills whole lines (lanes <= 8: the next
// power of two) or whole 8-byte parts of one line (lanes > 8: a multiple of 8).
inline int line_pitch(int lanes) {
  if (lanes <= 1) return 1;
  if (lanes <= 2) return 2;
  if (lanes <= 4) return 4;
  return (lanes + 7) / 8 * 8;
}

// Whether the output keep (KEEP, docs/command-set.md "(keep)") is built:
// with the im2col extension and the prefetching post-processor, when an A
// line's pitch is a power of two (a byte offset then maps to a RAM word and
// half by shifts: rows <= 16, 32, 64, ...).
inline bool has_keep(bool im2col, bool prefetch, int rows) {
  const int p = line_pitch(rows);
  return im2col && prefetch && (p & (p - 1)) == 0;
}

// WS lead cycles L before A line 0 enters: the weight load (Kt cycles by
// rows, Nt by columns with B_COLS), none with keep_b; an IM2COL pass always
// has at least one (its first A line's address is generated in cycle 0).
inline int ws_lead_cycles(int kt, int nt, bool keep_b, bool im2col, bool b_cols) {
  if (keep_b) return im2col ? 1 : 0;
  return b_cols ? nt : kt;
}
// Busy cycles of one pass, from the cycle after START executes; the closed
// forms of docs/microarchitecture.md.
inline uint32_t pass_cycles_ws(int mt, int kt, int nt, int lead) { return static_cast<uint32_t>(lead + kt + mt + nt - 1); }
inline uint32_t pass_cycles_os(int mt, int kt, int nt) { return static_cast<uint32_t>(kt + mt + nt - 1); }
// OS with IM2COL: a tile of Mt pixels in ceil(Mt / rows) sub-passes of up to
// `rows` pixels, each a pass of its own with one lead cycle (its first A
// line is read in it): 1 + Kt + mt_s + Nt - 1 cycles, back to back.
inline uint32_t pass_cycles_os_im2col(int mt, int kt, int nt, int rows) {
  const int subs = (mt + rows - 1) / rows;
  return static_cast<uint32_t>(subs * (kt + nt) + mt);
}

}  // namespace sasim_isa

#endif  // SASIM_CFU_ISA_H_
