// READ back: a finished tile's C bank into the output tensor, while the
// next tile computes (pending tiles), plain or pipelined by words, fused
// with an elementwise operator (READ_EW), or kept in the shadow A bank for
// the next layer (KEEP).
#include "driver/runner.h"

namespace sasim_drv {
SASIM_DRIVER_DETAIL_BEGIN

// A tile whose passes are all started: pending (read while the next one
// computes, from the other C bank), or read now when C is single-buffered.
SASIM_ONE_TU_INLINE void Runner::close_tile(const Gemm& g, int m0, int mt, int n0, int nt) {
  Tile tile = {true, bank_, m0, mt, n0, nt};
  if (hw_.c_double) {
    set_pending(g, tile);
    bank_ ^= 1;
  } else {
    readback(g, tile);
  }
}

// The tile whose C bank is read back next, and its next line.
// Its SEEK goes out at once: the prefetching post-processor (docs/
// command-set.md) then computes the tile's first words as soon as its
// passes end, while the driver starts the next tile, instead of after the
// first READ NEXT asks. (Nothing that flushes the prefetch comes between:
// a parameter write for another group comes after the tile is read.)
SASIM_ONE_TU_INLINE void Runner::set_pending(const Gemm& g, const Tile& t) {
  pending_ = t;
  pending_gemm_ = &g;
  pend_next_ = 0;
  sasim_cfu_fence();  // the stores above must not hold execute at the SEEK (facts.md F19)
  checked(kRead, 1, static_cast<uint32_t>(t.bank), 0);
  if (keep_) keep_tile(g, t);
}

// `words` READ NEXTs whose answers go nowhere (LayerDesc::keep_out 2: the
// output only into the A bank). Four a step on the board, no loads or
// stores in the loop.
void Runner::read_discard(int words) {
#if defined(__riscv)
  for (; words >= 4; words -= 4)
    __asm__ volatile(
        ".insn r 0x0B, 5, 0, zero, zero, zero\n\t"  // READ NEXT (cfu_isa.h kRead, f7 0)
        ".insn r 0x0B, 5, 0, zero, zero, zero\n\t"
        ".insn r 0x0B, 5, 0, zero, zero, zero\n\t"
        ".insn r 0x0B, 5, 0, zero, zero, zero\n\t" ::: "memory");
#endif
  for (; words > 0; --words) sasim_cfu_op(kRead, 0, 0, 0);
}

// KEEP: the tile's lines go where their outputs lie in the output tensor
// (read_lines' offsets), now in the shadow A bank.
void Runner::keep_tile(const Gemm& g, const Tile& t) {
  const int stride = g.depthwise() ? l_.out_c : g.N;
  const int col0 = g.depthwise() ? g.out_channel(0) + t.n0 : t.n0;
  checked(kRead, kReadKeep, static_cast<uint32_t>((t.m0 - row_lo_ * l_.out_w) * stride + col0),
          static_cast<uint32_t>(stride));
}

// Reads up to `n` more lines of the pending tile (its SEEK went out with set_pending).
void Runner::read_pending(int n) {
  if (!pending_.valid || n <= 0) return;
  const int end = min_i(pending_.mt, pend_next_ + n);
  read_lines(*pending_gemm_, pending_, pend_next_, end);
  pend_next_ = end;
  if (pend_next_ == pending_.mt) pending_.valid = false;
}

// Tile t read back now (C single-buffered, or a tile not left pending).
void Runner::readback(const Gemm& g, const Tile& t) {
  checked(kRead, 1, static_cast<uint32_t>(t.bank), 0);
  if (keep_) keep_tile(g, t);
  read_lines(g, t, 0, t.mt);
}

// Lines [m_lo, m_hi) of tile t at the read pointer, READ NEXT by READ NEXT.
// Ends with the fence: its stores must not stall a following CFU
// instruction (facts.md F19).
void Runner::read_lines(const Gemm& g, const Tile& t, int m_lo, int m_hi) {
  const int stride = g.depthwise() ? l_.out_c : g.N;
  const int col0 = g.depthwise() ? g.out_channel(0) + t.n0 : t.n0;
  if (l_.fused) {
    read_fused(t, stride, col0, m_lo, m_hi);
    sasim_cfu_fence();
    return;
  }
  if (keep_only_) {  // the words only into the A bank (KEEP): no store
    read_discard((m_hi - m_lo) * ((t.nt + 3) / 4));
    return;
  }
  if (hw_.store_cycles > 0 && hw_.store_cycles <= 3 && m_hi > m_lo && t.nt % 4 == 0 && stride % 4 == 0 &&
      col0 % 4 == 0 && (reinterpret_cast<uintptr_t>(l_.output) & 3) == 0)
    read_words_pipelined(reinterpret_cast<uint32_t*>(l_.output + (t.m0 + m_lo) * stride + col0), stride / 4, t.nt / 4,
                         m_hi - m_lo);
  else
    read_lines_unfenced(g, t, m_lo, m_hi);
  sasim_cfu_fence();
}

// The fused elementwise readback (LayerDesc::fused, READ_EW): lines
// [m_lo, m_hi) of tile t, each word READ_EW with the operand's word at the
// same offset; the answer is the result of the word kEwLag commands
// earlier, stored at that word's place (a cursor kEwLag words behind).
// The tile's first kEwLag answers are the unit's previous contents
// (dropped); after its last line kEwLag EW_OPs drain the rest, so no
// result crosses into the next tile. fused_eltwise_supported guarantees
// whole aligned words (anything else sets kErrNotFusable).
void Runner::read_fused(const Tile& t, int stride, int col0, int m_lo, int m_hi) {
  if (t.nt % 4 != 0 || stride % 4 != 0 || col0 % 4 != 0) {
    status_ = kErrNotFusable;
    return;
  }
  const int w = t.nt / 4, step = stride / 4;
  const int off = (t.m0 * stride + col0) / 4;
  const uint32_t* res = static_cast<const uint32_t*>(__builtin_assume_aligned(l_.fused->b, 4)) + off;
  if (m_lo == 0) {
    fz_.k = 0;
    fz_.j = 0;
    fz_.p = reinterpret_cast<uint32_t*>(__builtin_assume_aligned(l_.output, 4)) + off;
    fz_.w = w;
    fz_.step = step;
  }
  int m = m_lo;
#if defined(__riscv)
  // Two words per line (the default array width) once the lag is steady:
  // line m's READ_EWs answer for words (m - 6, 1) and (m - 5, 0), so each
  // line is two loads, two READ_EWs, two stores at two trailing pointers.
  // Each READ_EW right behind the load it takes its operand from: the
  // 2021 core sends a CFU instruction that depends on a missing load once
  // (facts.md F20).
  if (w == 2) {
    for (; m < m_hi && m < 6; ++m) fused_line(res + m * step, 2);
    if (m < m_hi) {
      const int bytes = 4 * step;
      const uint32_t* rp = res + m * step;
      const uint32_t* const end = res + m_hi * step;
      uint32_t* p6 = fz_.p;  // line m - 6 (its word 1 next)
      uint32_t* p5 = fz_.p + step;
      uint32_t v0, v1;
      __asm__ volatile(
          "1:\n\t"
          "lw %0, 0(%2)\n\t"
          ".insn r 0x0B, 5, 3, %0, %0, zero\n\t"  // READ_EW (cfu_isa.h kRead, kReadEw)
          "lw %1, 4(%2)\n\t"
          ".insn r 0x0B, 5, 3, %1, %1, zero\n\t"
          "sw %0, 4(%3)\n\t"
          "sw %1, 0(%4)\n\t"
          "add %2, %2, %5\n\t"
          "add %3, %3, %5\n\t"
          "add %4, %4, %5\n\t"
          "bne %2, %6, 1b\n\t"
          : "=&r"(v0), "=&r"(v1), "+r"(rp), "+r"(p6), "+r"(p5)
          : "r"(bytes), "r"(end)
          : "memory");
      fz_.p = p6;
      fz_.k += 2 * (m_hi - m);
      m = m_hi;
    }
  }
#endif
  for (; m < m_hi; ++m) fused_line(res + m * step, w);
  if (m_hi == t.mt) {  // drain: the last min(k, kEwLag) results
    const int first = kEwLag - min_i(fz_.k, kEwLag);
    for (int i = 0; i < kEwLag; ++i) {
      sasim_cfu_fence();  // behind the previous result's store (F19 on the 2021 core)
      const uint32_t r = sasim_cfu_op(kCfg, kCfgEwOp, 0, 0);
      if (i >= first) fz_.put(r);
    }
  }
}

// One line of the fused readback, word by word.
void Runner::fused_line(const uint32_t* x, int w) {
  for (int j = 0; j < w; ++j) {
    const uint32_t xj = x[j];
    sasim_cfu_fence();  // behind the previous word's store (F19 on the 2021 core)
    const uint32_t r = sasim_cfu_op(kRead, kReadEw, xj, 0);
    if (fz_.k++ >= kEwLag) fz_.put(r);
  }
}

void Runner::read_lines_unfenced(const Gemm& g, const Tile& t, int m_lo, int m_hi) {
  // Four int8 per READ go to memory as one word when they are four
  // consecutive, aligned output bytes.
  const int stride = g.depthwise() ? l_.out_c : g.N;
  const int col0 = g.depthwise() ? g.out_channel(0) + t.n0 : t.n0;
  if (t.nt % 4 == 0 && stride % 4 == 0 && col0 % 4 == 0 && (reinterpret_cast<uintptr_t>(l_.output) & 3) == 0) {
    uint32_t* dst = reinterpret_cast<uint32_t*>(l_.output + (t.m0 + m_lo) * stride + col0);
    const int step = stride / 4;  // words from one line's first output to the next's
    if (t.nt == 8) {  // the default array width: two READs per line, no inner loop
      for (int m = m_lo; m < m_hi; ++m, dst += step) {
        const uint32_t a = sasim_cfu_op(kRead, 0, 0, 0);
        const uint32_t b = sasim_cfu_op(kRead, 0, 0, 0);
        dst[0] = a;
        dst[1] = b;
      }
      return;
    }
    for (int m = m_lo; m < m_hi; ++m, dst += step)
      for (int j = 0; j < t.nt / 4; ++j) dst[j] = sasim_cfu_op(kRead, 0, 0, 0);
    return;
  }
  // Fewer than four lanes a line, or unaligned: from a pointer stepped a
  // line at a time, two lanes as one halfword (a 2-row array's depthwise
  // group: DS-CNN's depthwise layers on 2 x 8 took 72 instructions a READ
  // through Gemm::store, 0.43 M cycles each).
  int8_t* out = l_.output + (t.m0 + m_lo) * stride + col0;
  if (t.nt == 2 && ((reinterpret_cast<uintptr_t>(out) | static_cast<uintptr_t>(stride)) & 1) == 0) {
    uint16_t* d = reinterpret_cast<uint16_t*>(out);
    const int step = stride / 2;
    if (hw_.store_cycles > 0 && hw_.store_cycles <= 3) {  // two READs, then their two stores
      read_halves_pipelined(d, step, m_hi - m_lo);
      return;
    }
    for (int m = m_lo; m < m_hi; ++m, d += step) *d = static_cast<uint16_t>(sasim_cfu_op(kRead, 0, 0, 0));
    return;
  }
  for (int m = m_lo; m < m_hi; ++m, out += stride)
    for (int j = 0; j < t.nt; j += 4) {
      const uint32_t v = sasim_cfu_op(kRead, 0, 0, 0);
      for (int i = 0; i < 4 && j + i < t.nt; ++i) out[j + i] = static_cast<int8_t>((v >> (8 * i)) & 0xff);
    }
}

// `lines` lines of `w` words each (line i's at dst + i * step), READ NEXT
// by READ NEXT, two READs and then their two stores. Why this order: on
// CFU Playground's 2022 cores (perf+cfu, full+cfu) a CFU instruction leaves
// execute only when memory and writeback hold no load, store, branch or
// CSR, so a READ right behind a store waits 2 cycles (docs/cpu-model.md);
// two READs back to back cost what one costs (the second waits for the
// first's response anyway, facts.md F16), and two stores fit the core's
// 2-entry store buffer when a write takes at most 3 cycles
// (HwDesc::store_cycles), so a READ pair, a store pair and two more
// instructions take 7 cycles for two words. On the 2021 core the same
// order keeps every READ off a stalled store (no fork, F19). On the board
// the pairs are one asm block each, so that no compiler can move a store
// between the READs; the host build (the same arithmetic, no timing) takes
// the plain loop.
#if defined(__riscv)
// (T: uint32_t, a word per READ; uint16_t, a two-lane line's halfword.)
template <class T>
static inline __attribute__((always_inline)) void read_pair(T* p0, T* p1) {
  uint32_t a, b;
  if (sizeof(T) == 4)
    __asm__ volatile(
        ".insn r 0x0B, 5, 0, %0, zero, zero\n\t"  // READ NEXT (cfu_isa.h kRead, f7 0)
        ".insn r 0x0B, 5, 0, %1, zero, zero\n\t"
        "sw %0, 0(%2)\n\t"
        "sw %1, 0(%3)\n\t"
        : "=&r"(a), "=&r"(b)
        : "r"(p0), "r"(p1)
        : "memory");
  else
    __asm__ volatile(
        ".insn r 0x0B, 5, 0, %0, zero, zero\n\t"
        ".insn r 0x0B, 5, 0, %1, zero, zero\n\t"
        "sh %0, 0(%2)\n\t"
        "sh %1, 0(%3)\n\t"
        : "=&r"(a), "=&r"(b)
        : "r"(p0), "r"(p1)
        : "memory");
}
static inline __attribute__((always_inline)) void read_one(uint32_t* p0) {
  uint32_t a;
  __asm__ volatile(
      ".insn r 0x0B, 5, 0, %0, zero, zero\n\t"
      "sw %0, 0(%1)\n\t"
      : "=&r"(a)
      : "r"(p0)
      : "memory");
}
#else
template <class T>
static inline void read_pair(T* p0, T* p1) {
  const uint32_t a = sasim_cfu_op(kRead, 0, 0, 0);
  const uint32_t b = sasim_cfu_op(kRead, 0, 0, 0);
  *p0 = static_cast<T>(a);
  *p1 = static_cast<T>(b);
}
static inline void read_one(uint32_t* p0) { *p0 = sasim_cfu_op(kRead, 0, 0, 0); }
#endif
// `lines` two-lane lines (a 2-column array's tiles), line i's halfword at
// dst + i * step: READ, READ, then the two halfword stores, as
// read_words_pipelined pairs words (and for the same reasons). A READ right
// behind its line's store waited 2 cycles on the 2022 cores: DS-CNN on
// 32 x 2 read its outputs at 14 cycles a READ.
void Runner::read_halves_pipelined(uint16_t* dst, int step, int lines) {
  uint16_t* const end = dst + (lines & ~1) * step;
  for (; dst != end; dst += 2 * step) read_pair(dst, dst + step);
  if (lines & 1) *dst = static_cast<uint16_t>(sasim_cfu_op(kRead, 0, 0, 0));
}

void Runner::read_words_pipelined(uint32_t* dst, int step, int w, int lines) {
  // Lines of an even word count whose tile is the output's whole pixel (a
  // group of all out_c channels: ResNet-8's 16-channel layers on 16
  // columns): one contiguous word stream, read as the default's pairs.
  if (w == step && w > 2 && (w & 1) == 0) {
    lines *= w / 2;
    w = step = 2;
  }
  if (w == 2) {  // the default array width: one pair per line
#if defined(__riscv)
    // Eight lines per iteration, one pointer: per line READ, the pointer
    // step, READ, two stores, and the next READ 2 cycles after the
    // stores; the loop's branch (itself waited for) costs one cycle more
    // per iteration. A count that is not a multiple of eight enters the
    // block part-way (each line is five instructions, 20 bytes), so that
    // the few lines read between two streaming steps (read_pending) run
    // unrolled too.
    if (lines <= 0) return;
    const int bytes = 4 * step;
    uint32_t* q = dst - step;
    uint32_t* const end = q + lines * step;
    const int skip = ((8 - (lines & 7)) & 7) * 20;
    uint32_t a, b, t;
    __asm__ volatile(
        "auipc %2, 0\n\t"
        "add %2, %2, %5\n\t"
        "jalr zero, 12(%2)\n\t"
        "1:\n\t"
        ".rept 8\n\t"
        ".insn r 0x0B, 5, 0, %0, zero, zero\n\t"
        "add %3, %3, %4\n\t"
        ".insn r 0x0B, 5, 0, %1, zero, zero\n\t"
        "sw %0, 0(%3)\n\t"
        "sw %1, 4(%3)\n\t"
        ".endr\n\t"
        "bne %3, %6, 1b\n\t"
        : "=&r"(a), "=&r"(b), "=&r"(t), "+r"(q)
        : "r"(bytes), "r"(skip), "r"(end)
        : "memory");
#else
    for (uint32_t* const end = dst + lines * step; dst != end; dst += step) read_pair(dst, dst + 1);
#endif
    return;
  }
  if (w == 1) {  // a 4-column array: two lines a pair, four pairs an iteration
    uint32_t* const end4 = dst + (lines & ~7) * step;
    for (; dst != end4; dst += 8 * step) {
      read_pair(dst, dst + step);
      read_pair(dst + 2 * step, dst + 3 * step);
      read_pair(dst + 4 * step, dst + 5 * step);
      read_pair(dst + 6 * step, dst + 7 * step);
    }
    uint32_t* const end = dst + (lines & 6) * step;
    for (; dst != end; dst += 2 * step) read_pair(dst, dst + step);
    if (lines & 1) read_one(dst);
    return;
  }
  if (w == 4) {  // 16 columns, a group of fewer than out_c: a line's two pairs
    for (uint32_t* const end = dst + lines * step; dst != end; dst += step) {
      read_pair(dst, dst + 1);
      read_pair(dst + 2, dst + 3);
    }
    return;
  }
  if ((w & 1) == 0) {  // 32 columns (or more): a line's words in pairs, no pair across lines
    for (uint32_t* const end = dst + lines * step; dst != end; dst += step)
      for (int j = 0; j < w; j += 2) read_pair(dst + j, dst + j + 1);
    return;
  }
  // Any other width: the word stream in pairs (a pair may span two lines).
  const int jump = step - w + 1;  // from a line's last word to the next line's first
  int j = 1, left = lines * w;
  uint32_t* p = dst;
  auto advance = [&](uint32_t* q) {
    if (j == w) {
      j = 1;
      return q + jump;
    }
    ++j;
    return q + 1;
  };
  for (; left >= 2; left -= 2) {
    uint32_t* const q = advance(p);
    read_pair(p, q);
    p = advance(q);
  }
  if (left) read_one(p);
}

SASIM_DRIVER_DETAIL_END

// PUBLIC

}  // namespace sasim_drv
