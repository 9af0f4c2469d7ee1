// Internal to src/driver/: words from memory to the CFU's buffers (WRITE_A,
// WRITE_B, WRITE_W), the byte writers the mappings build lines with, and the
// load guards every streaming loop uses on the board. Board code (C++11
// subset, driver.h).
#ifndef SASIM_DRIVER_STREAM_H_
#define SASIM_DRIVER_STREAM_H_

#include <stdint.h>

#include "driver/cfu_isa.h"
#include "driver/cfu_seam.h"
#include "driver/placement.h"

// Loads of words that CFU instructions then send, as one asm block on the
// board whose last instruction steps the pointer: with the computation that
// every first CFU operand below needs, no CFU instruction sits at distance 0
// or 1 behind these loads. Such an instruction (one that does not read the
// loaded register) is sent to the CFU twice on the 2021 core when the load
// misses the D$ (facts.md F20-F22), and waits two cycles on the 2022 cores.
// tests/test_cpu.cc scans every compiled image for one.
#if defined(__riscv) && !defined(SASIM_DRIVER_UNGUARDED)
#define SASIM_LOAD_WORDS_1(p, a) \
  __asm__ volatile("lw %0, 0(%1)\n\taddi %1, %1, 4" : "=&r"(a), "+r"(p) : : "memory")
#define SASIM_LOAD_WORDS_2(p, a, b) \
  __asm__ volatile("lw %0, 0(%2)\n\tlw %1, 4(%2)\n\taddi %2, %2, 8" : "=&r"(a), "=&r"(b), "+r"(p) : : "memory")
#define SASIM_LOAD_WORDS_3(p, a, b, c)                                                          \
  __asm__ volatile("lw %0, 0(%3)\n\tlw %1, 4(%3)\n\tlw %2, 8(%3)\n\taddi %3, %3, 12"            \
                   : "=&r"(a), "=&r"(b), "=&r"(c), "+r"(p)                                     \
                   :                                                                           \
                   : "memory")
#define SASIM_LOAD_STEP(p, n) ((void)0)
#elif defined(__riscv)
// SASIM_DRIVER_UNGUARDED (a test-only build, src/board/CMakeLists.txt): the
// loads as the driver had them before, ordered before the CFU instructions
// but with nothing between, the pointer stepped at the end of the loop body
// (SASIM_LOAD_STEP).
#define SASIM_LOAD_WORDS_1(p, a) (a = p[0])
#define SASIM_LOAD_WORDS_2(p, a, b) (a = p[0], b = p[1])
#define SASIM_LOAD_WORDS_3(p, a, b, c)                 \
  do {                                                 \
    a = p[0];                                          \
    b = p[1];                                          \
    c = p[2];                                          \
    __asm__ volatile("" : : "r"(a), "r"(b), "r"(c));   \
  } while (0)
#define SASIM_LOAD_STEP(p, n) (p += (n))
#else
#define SASIM_LOAD_WORDS_1(p, a) (a = p[0], p += 1)
#define SASIM_LOAD_WORDS_2(p, a, b) (a = p[0], b = p[1], p += 2)
#define SASIM_LOAD_WORDS_3(p, a, b, c) (a = p[0], b = p[1], c = p[2], p += 3)
#define SASIM_LOAD_STEP(p, n) ((void)0)
#endif

namespace sasim_drv {
SASIM_DRIVER_DETAIL_BEGIN

using namespace sasim_isa;

// Lanes of one buffer line: an array dimension (at most 64).
const int kMaxLanes = 64;
// Bytes of one padded input row the packed band builder buffers (a row of
// up to 1024 bytes with its padding; wider rows take the slower path).
const int kMaxPackedRow = 1024;

// WRITE_A / WRITE_B of words p[0 .. words) (an even count): four WRITEs (a
// D$ line) per iteration. Plain functions, not Writer members, so that they
// go where SASIM_HOT puts them (a template's code goes to its own section).
//
// All eight loads go before the first WRITE: a WRITE right behind the load
// of its operand waits 2 cycles for it (facts.md F4), while back-to-back
// WRITEs cost 2 cycles each anyway (F16). And two instructions (the pointer
// and the count) sit between the last load and the first WRITE: on CFU
// Playground's 2022 cores a CFU instruction leaves execute only when memory
// and writeback hold no load or store (docs/cpu-model.md). On the board the
// block is one asm statement, so that no compiler reorders it; the host
// build takes the plain loop.
template <int F3, int F7>
inline void put_words_body(const uint32_t* p, int words) {
  int i = 0;
#if defined(__riscv) && !defined(SASIM_DRIVER_UNGUARDED)
  if (words >= 8) {
    const uint32_t* const end = p + (words & ~7);
    uint32_t a, b, c, d, e, f, g, h;
    do {
      __asm__ volatile(
          "lw %0, 0(%8)\n\t"
          "lw %1, 4(%8)\n\t"
          "lw %2, 8(%8)\n\t"
          "lw %3, 12(%8)\n\t"
          "lw %4, 16(%8)\n\t"
          "lw %5, 20(%8)\n\t"
          "lw %6, 24(%8)\n\t"
          "lw %7, 28(%8)\n\t"
          "addi %8, %8, 32\n\t"
          "nop\n\t"
          ".insn r 0x0B, %9, %10, zero, %0, %1\n\t"
          ".insn r 0x0B, %9, %10, zero, %2, %3\n\t"
          ".insn r 0x0B, %9, %10, zero, %4, %5\n\t"
          ".insn r 0x0B, %9, %10, zero, %6, %7\n\t"
          : "=&r"(a), "=&r"(b), "=&r"(c), "=&r"(d), "=&r"(e), "=&r"(f), "=&r"(g), "=&r"(h), "+r"(p)
          : "i"(F3), "i"(F7)
          : "memory");
    } while (p != end);
    i = 0;
    words &= 7;
  }
#else
  for (; i + 8 <= words; i += 8) {
    const uint32_t a = p[i], b = p[i + 1], c = p[i + 2], d = p[i + 3];
    const uint32_t e = p[i + 4], f = p[i + 5], g = p[i + 6], h = p[i + 7];
    __asm__ volatile("" : : "r"(a), "r"(b), "r"(c), "r"(d), "r"(e), "r"(f), "r"(g), "r"(h));
    sasim_cfu_op(F3, F7, a, b);
    sasim_cfu_op(F3, F7, c, d);
    sasim_cfu_op(F3, F7, e, f);
    sasim_cfu_op(F3, F7, g, h);
  }
#endif
  for (; i < words; i += 2) sasim_cfu_op(F3, F7, p[i], p[i + 1]);
}
// (stream.cc)
SASIM_HOT void put_words_a(const uint32_t* p, int words);
SASIM_HOT void put_words_b(const uint32_t* p, int words);
// The weight store's WRITE_W: once per layer and power-up (store_weights).
SASIM_NOINLINE void put_words_w(const uint32_t* p, int words);

// Streams bytes to WRITE_A / WRITE_B eight at a time. WRITE_A/B are only
// rejected for a funct7 other than 0, so their responses are not checked: a
// streaming loop is two word loads and one CFU instruction per 8 bytes.
template <int F3>
class Writer {
 public:
  Writer() : n_(0), w0_(0), w1_(0) {}
  void put(int8_t v) {
    const uint32_t byte = static_cast<uint32_t>(static_cast<uint8_t>(v)) << (8 * (n_ & 3));
    if (n_ < 4) w0_ |= byte;
    else w1_ |= byte;
    if (++n_ == kBytesPerWrite) flush();
  }
  // Eight bytes at once (only at a write boundary).
  void put8(uint32_t w0, uint32_t w1) { sasim_cfu_op(F3, 0, w0, w1); }
  // put8 behind two instructions of its own, so that no load sits at
  // distance 0 or 1 before the WRITE (facts.md F20-F22): for builders whose
  // loads the compiler schedules, where a spill reload can land right
  // before a WRITE (the load guards above cover the streaming loops only).
  void put8_guarded(uint32_t w0, uint32_t w1) {
#if defined(__riscv) && !defined(SASIM_DRIVER_UNGUARDED) && !defined(CFU_SOFTWARE_DEFINED)
    __asm__ volatile("addi zero, zero, 0\n\taddi zero, zero, 0\n\t.insn r 0x0B, %2, 0, zero, %0, %1"
                     :
                     : "r"(w0), "r"(w1), "i"(F3)
                     : "memory");
#else
    put8(w0, w1);
#endif
  }
  // Words p[0 .. words) (an even count), at a write boundary.
  void put_words(const uint32_t* p, int words) {
    if (F3 == kWriteA)
      put_words_a(p, words);
    else
      put_words_b(p, words);
  }
  bool at_boundary() const { return n_ == 0; }
  // (Guarded: the byte builders' loads are the compiler's to schedule.)
  void flush() {
    if (n_ == 0) return;
    put8_guarded(w0_, w1_);
    n_ = 0;
    w0_ = w1_ = 0;
  }

 private:
  int n_;
  uint32_t w0_, w1_;
};
typedef Writer<kWriteA> WriterA;
typedef Writer<kWriteB> WriterB;

// The same interface into memory: the prepared weight blob (pack_weights)
// holds exactly the bytes the driver would send.
class MemWriter {
 public:
  explicit MemWriter(int8_t* out) : out_(out), n_(0) {}
  void put(int8_t v) { out_[n_++] = v; }
  void put8(uint32_t w0, uint32_t w1) {
    for (int i = 0; i < 4; ++i) out_[n_ + i] = static_cast<int8_t>((w0 >> (8 * i)) & 0xff);
    for (int i = 0; i < 4; ++i) out_[n_ + 4 + i] = static_cast<int8_t>((w1 >> (8 * i)) & 0xff);
    n_ += 8;
  }
  void put8_guarded(uint32_t w0, uint32_t w1) { put8(w0, w1); }
  void put_words(const uint32_t* p, int words) {
    for (int i = 0; i < words; i += 2) put8(p[i], p[i + 1]);
  }
  bool at_boundary() const { return n_ % kBytesPerWrite == 0; }
  void flush() {
    while (n_ % kBytesPerWrite != 0) out_[n_++] = 0;
  }
  int bytes() const { return n_; }

 private:
  int8_t* out_;
  int n_;
};

SASIM_DRIVER_DETAIL_END
}  // namespace sasim_drv

#endif  // SASIM_DRIVER_STREAM_H_
