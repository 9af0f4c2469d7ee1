// The elementwise mapping: TFLite's int8 ADD, SUB and MUL on the CFU's
// elementwise extension (docs/command-set.md, EW_CONFIG / EW_MULT / EW_OP).
//
// The unit takes four lanes per EW_OP and answers with the result of the
// EW_OP issued kEwLag before it, so the stream is software-pipelined: the
// first kEwLag EW_OPs only fill the unit, each later one stores the word of
// the group kEwLag before it, and kEwLag EW_OPs of zeros drain the last
// groups. Output group k is output elements 4k .. 4k + 3 in row-major order;
// its operands come as whole words where an operand is the output's shape
// (aligned) or one replicated scalar, and are gathered byte by byte where it
// broadcasts otherwise.
//
// C++11 subset, as the driver's other parts: no exceptions, heap or standard library.
#include <stdint.h>

#include "driver/cfu_isa.h"
#include "driver/cfu_seam.h"
#include "driver/driver.h"

namespace sasim_drv {

using namespace sasim_isa;

bool eltwise_supported(const HwDesc& hw, const EltwiseDesc& e) {
  if (!hw.eltwise || e.op < kEwAdd || e.op > kEwMul) return false;
  // The zero points and activation range are int8 registers; the inputs'
  // shifts only divide (their left shift of 20 is built in).
  const int32_t v8[5] = {e.a_zp, e.b_zp, e.out_zp, e.act_min, e.act_max};
  for (int i = 0; i < 5; ++i)
    if (v8[i] < -128 || v8[i] > 127) return false;
  if (e.op != kEwMul && (e.s_a < -31 || e.s_a > 0 || e.s_b < -31 || e.s_b > 0)) return false;
  if (e.s_out < -31 || e.s_out > 30) return false;
  for (int k = 0; k < 5; ++k)
    if (e.dims[k] < 1) return false;
  return true;
}

void eltwise_params(EltwiseDesc* e, int op, const int32_t q[8], int32_t out_zp, int32_t act_min, int32_t act_max) {
  e->op = op;
  e->a_zp = q[0];
  e->b_zp = q[1];
  e->m_a = op == kEwMul ? 0 : q[2];
  e->s_a = op == kEwMul ? 0 : q[3];
  e->m_b = op == kEwMul ? 0 : q[4];
  e->s_b = op == kEwMul ? 0 : q[5];
  e->m_out = q[6];
  e->s_out = q[7];
  e->out_zp = out_zp;
  e->act_min = act_min;
  e->act_max = act_max;
}

void eltwise_table(EltwiseDesc* e, const int8_t* x, const int8_t* c, int8_t* lut) {
  for (int k = 0; k < 5; ++k) {
    e->dims[k] = 1;
    e->stride_a[k] = e->stride_b[k] = 0;
  }
  e->dims[4] = 256;
  e->stride_a[4] = 1;
  e->a = x;
  e->b = c;
  e->output = lut;
}

bool eltwise_on_cfu(const HwDesc& hw, const EltwiseDesc& e) {
  if (!eltwise_supported(hw, e)) return false;
  int32_t n = 1;
  for (int k = 0; k < 5; ++k) n *= e.dims[k];
  return n >= eltwise_min_elements(e.op);
}

namespace {

inline uint32_t ew_op(uint32_t a, uint32_t b) { return sasim_cfu_op(kCfg, kCfgEwOp, a, b); }

inline uint32_t replicate(int8_t v) { return static_cast<uint32_t>(static_cast<uint8_t>(v)) * 0x01010101u; }

// Walks the output in row-major order, giving each element's offset in a
// and in b (strides 0 on broadcast dimensions).
struct Odometer {
  int dims[5], sa[5], sb[5], idx[5];
  int32_t ia, ib;
  explicit Odometer(const EltwiseDesc& e) : ia(0), ib(0) {
    for (int k = 0; k < 5; ++k) {
      dims[k] = e.dims[k];
      sa[k] = e.stride_a[k];
      sb[k] = e.stride_b[k];
      idx[k] = 0;
    }
  }
  void advance() {
    for (int k = 4; k >= 0; --k) {
      ia += sa[k];
      ib += sb[k];
      if (++idx[k] < dims[k]) return;
      ia -= sa[k] * dims[k];
      ib -= sb[k] * dims[k];
      idx[k] = 0;
    }
  }
};

// How an operand's words are formed.
enum Form { kWords, kScalar, kGather };

Form form_of(const int8_t* p, const int* dims, const int* strides) {
  bool scalar = true, dense = true;
  int dense_stride = 1;
  for (int k = 4; k >= 0; --k) {
    if (dims[k] == 1) continue;
    if (strides[k] != 0) scalar = false;
    if (strides[k] != dense_stride) dense = false;
    dense_stride *= dims[k];
  }
  if (scalar) return kScalar;
  return dense && (reinterpret_cast<uintptr_t>(p) & 3) == 0 ? kWords : kGather;
}

// The operand words of the groups, in order (next() once per group).
struct Groups {
  const EltwiseDesc& e;
  Form fa, fb;
  int32_t n, k;
  Odometer odo;
  Groups(const EltwiseDesc& d, Form a, Form b, int32_t count) : e(d), fa(a), fb(b), n(count), k(0), odo(d) {}
  // Group k's words into *a, *b; then k advances.
  void next(uint32_t* a, uint32_t* b) {
    if (fa != kGather && fb != kGather && 4 * k + 4 <= n) {
      *a = fa == kScalar ? replicate(e.a[0]) : reinterpret_cast<const uint32_t*>(e.a)[k];
      *b = fb == kScalar ? replicate(e.b[0]) : reinterpret_cast<const uint32_t*>(e.b)[k];
    } else if (fa != kGather && fb != kGather) {  // the last, partial group of dense or scalar operands
      uint32_t wa = 0, wb = 0;
      for (int i = 0; i < 4 && 4 * k + i < n; ++i) {
        wa |= static_cast<uint32_t>(static_cast<uint8_t>(e.a[fa == kScalar ? 0 : 4 * k + i])) << (8 * i);
        wb |= static_cast<uint32_t>(static_cast<uint8_t>(e.b[fb == kScalar ? 0 : 4 * k + i])) << (8 * i);
      }
      *a = wa;
      *b = wb;
    } else {  // element by element through the broadcast strides (the odometer is used only here)
      if (odo_at_ != 4 * k) seek(4 * k);
      uint32_t wa = 0, wb = 0;
      for (int i = 0; i < 4 && 4 * k + i < n; ++i) {
        wa |= static_cast<uint32_t>(static_cast<uint8_t>(e.a[odo.ia])) << (8 * i);
        wb |= static_cast<uint32_t>(static_cast<uint8_t>(e.b[odo.ib])) << (8 * i);
        odo.advance();
        ++odo_at_;
      }
      *a = wa;
      *b = wb;
    }
    ++k;
  }
  int32_t odo_at_ = 0;  // the output element the odometer is at
  void seek(int32_t i) {
    while (odo_at_ < i) {
      odo.advance();
      ++odo_at_;
    }
  }
};

// Stores output group j's word (the part inside the output).
inline void store_group(int8_t* out, bool out_words, int32_t n, int32_t j, uint32_t r) {
  if (out_words && 4 * j + 4 <= n) {
    reinterpret_cast<uint32_t*>(out)[j] = r;
    return;
  }
  for (int i = 0; i < 4 && 4 * j + i < n; ++i) out[4 * j + i] = static_cast<int8_t>((r >> (8 * i)) & 0xff);
}

#if defined(__riscv)
// Eight groups (32 bytes of a, of b, of the output): a's eight words, b's
// eight words, the two pointer steps, the eight EW_OPs and their eight
// stores. Why this order: a, b and the output are often a multiple of the
// D$ size apart (8 KiB, direct-mapped; the layer runner places tensors back
// to back), so a's and b's lines evict each other; loading each operand's
// 32 bytes together costs one refill per operand and step, where
// alternating a and b words would miss on every load. On CFU Playground's
// 2022 cores a CFU instruction leaves execute only when memory and
// writeback hold no load, store, branch or CSR (docs/cpu-model.md): the two
// pointer steps put the last load out of the first EW_OP's way, and the
// EW_OPs run back to back. Each EW_OP reads the words loaded for it (on the
// 2021 core a CFU instruction that depends on a missing load is not
// replayed, facts.md F20). b_step is 32 for words of b, 0 for a replicated
// scalar (then `pb` points at eight copies of it).
__attribute__((section(".text.sasim_hot"), noinline)) void stream8(const uint32_t* pa, const uint32_t* pb, int b_step,
                                                                    uint32_t* po, int iters) {
  uint32_t a0, a1, a2, a3, a4, a5, a6, a7, b0, b1, b2, b3, b4, b5, b6, b7;
  for (; iters > 0; --iters) {
    sasim_cfu_fence();  // the 2021 core: the last stores must not hold execute at an EW_OP (F19)
    __asm__ volatile(
        "lw %[a0], 0(%[pa])\n\t"
        "lw %[a1], 4(%[pa])\n\t"
        "lw %[a2], 8(%[pa])\n\t"
        "lw %[a3], 12(%[pa])\n\t"
        "lw %[a4], 16(%[pa])\n\t"
        "lw %[a5], 20(%[pa])\n\t"
        "lw %[a6], 24(%[pa])\n\t"
        "lw %[a7], 28(%[pa])\n\t"
        "lw %[b0], 0(%[pb])\n\t"
        "lw %[b1], 4(%[pb])\n\t"
        "lw %[b2], 8(%[pb])\n\t"
        "lw %[b3], 12(%[pb])\n\t"
        "lw %[b4], 16(%[pb])\n\t"
        "lw %[b5], 20(%[pb])\n\t"
        "lw %[b6], 24(%[pb])\n\t"
        "lw %[b7], 28(%[pb])\n\t"
        "addi %[pa], %[pa], 32\n\t"
        "add %[pb], %[pb], %[bs]\n\t"
        ".insn r 0x0B, 0, 10, %[a0], %[a0], %[b0]\n\t"  // EW_OP (cfu_isa.h kCfg, kCfgEwOp)
        ".insn r 0x0B, 0, 10, %[a1], %[a1], %[b1]\n\t"
        ".insn r 0x0B, 0, 10, %[a2], %[a2], %[b2]\n\t"
        ".insn r 0x0B, 0, 10, %[a3], %[a3], %[b3]\n\t"
        ".insn r 0x0B, 0, 10, %[a4], %[a4], %[b4]\n\t"
        ".insn r 0x0B, 0, 10, %[a5], %[a5], %[b5]\n\t"
        ".insn r 0x0B, 0, 10, %[a6], %[a6], %[b6]\n\t"
        ".insn r 0x0B, 0, 10, %[a7], %[a7], %[b7]\n\t"
        "sw %[a0], 0(%[po])\n\t"
        "sw %[a1], 4(%[po])\n\t"
        "sw %[a2], 8(%[po])\n\t"
        "sw %[a3], 12(%[po])\n\t"
        "sw %[a4], 16(%[po])\n\t"
        "sw %[a5], 20(%[po])\n\t"
        "sw %[a6], 24(%[po])\n\t"
        "sw %[a7], 28(%[po])\n\t"
        "addi %[po], %[po], 32\n\t"
        : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [a4] "=&r"(a4), [a5] "=&r"(a5),
          [a6] "=&r"(a6), [a7] "=&r"(a7), [b0] "=&r"(b0), [b1] "=&r"(b1), [b2] "=&r"(b2), [b3] "=&r"(b3),
          [b4] "=&r"(b4), [b5] "=&r"(b5), [b6] "=&r"(b6), [b7] "=&r"(b7), [pa] "+r"(pa), [pb] "+r"(pb),
          [po] "+r"(po)
        : [bs] "r"(b_step)
        : "memory");
  }
}
#else
void stream8(const uint32_t* pa, const uint32_t* pb, int b_step, uint32_t* po, int iters) {
  for (; iters > 0; --iters) {
    for (int i = 0; i < 8; ++i) po[i] = ew_op(pa[i], pb[i]);
    pa += 8;
    pb += b_step / 4;
    po += 8;
  }
}
#endif

}  // namespace

int eltwise_configure(const EltwiseDesc& e) {
  bool rejected = false;
  const uint32_t in1 = static_cast<uint32_t>(e.out_zp & 0xff) | static_cast<uint32_t>(e.act_min & 0xff) << 8 |
                       static_cast<uint32_t>(e.act_max & 0xff) << 16;
  rejected |= kErrorResponse == sasim_cfu_op(kCfg, kCfgEwConfig,
                       static_cast<uint32_t>(e.a_zp & 0xff) | static_cast<uint32_t>(e.b_zp & 0xff) << 8 |
                           static_cast<uint32_t>(e.op) << 16,
                       in1);
  if (e.op != kEwMul) {
    rejected |= kErrorResponse == sasim_cfu_op(kCfg, kCfgEwMult, static_cast<uint32_t>(e.m_a),
                         kEwMultA | (static_cast<uint32_t>(e.s_a) & 0xff) << 8);
    rejected |= kErrorResponse == sasim_cfu_op(kCfg, kCfgEwMult, static_cast<uint32_t>(e.m_b),
                         kEwMultB | (static_cast<uint32_t>(e.s_b) & 0xff) << 8);
  }
  rejected |= kErrorResponse == sasim_cfu_op(kCfg, kCfgEwMult, static_cast<uint32_t>(e.m_out),
                       kEwMultOut | (static_cast<uint32_t>(e.s_out) & 0xff) << 8);
  return rejected ? kErrCfuRejected : kOk;
}

int run_eltwise(const HwDesc& hw, const EltwiseDesc& desc) {
  if (!eltwise_supported(hw, desc)) return kErrCfuRejected;
  // ADD and MUL are symmetric: a scalar a and words of b swap, so that the
  // stream below takes them (SUB is not: x - y).
  EltwiseDesc e = desc;
  if (e.op != kEwSub && form_of(e.a, e.dims, e.stride_a) == kScalar && form_of(e.b, e.dims, e.stride_b) == kWords) {
    e.a = desc.b;
    e.b = desc.a;
    e.a_zp = desc.b_zp;
    e.b_zp = desc.a_zp;
    e.m_a = desc.m_b;
    e.s_a = desc.s_b;
    e.m_b = desc.m_a;
    e.s_b = desc.s_a;
    for (int k = 0; k < 5; ++k) {
      e.stride_a[k] = desc.stride_b[k];
      e.stride_b[k] = desc.stride_a[k];
    }
  }
  int32_t n = 1;
  for (int k = 0; k < 5; ++k) n *= e.dims[k];
  sasim_cfu_fence();  // the caller's stores must not hold execute at the first command (F19)
  if (eltwise_configure(e) != kOk) return kErrCfuRejected;

  const Form fa = form_of(e.a, e.dims, e.stride_a), fb = form_of(e.b, e.dims, e.stride_b);
  const bool out_words = (reinterpret_cast<uintptr_t>(e.output) & 3) == 0;
  Groups src(e, fa, fb, n);
  const int32_t groups = (n + 3) / 4, full = n / 4;
  int32_t k = 0;  // EW_OPs issued: k carries group k (zeros past the last), stores group k - kEwLag
  uint32_t a, b;
  for (; k < kEwLag && k < groups; ++k) {
    src.next(&a, &b);
    ew_op(a, b);
  }
  for (; k < kEwLag; ++k) ew_op(0, 0);
  // The steady stream, eight groups per step where a is words, b words or
  // a scalar and the output takes words.
  if (fa == kWords && fb != kGather && out_words && full - k >= 8) {
    uint32_t rep[8];
    const uint32_t* pb;
    int b_step;
    if (fb == kScalar) {
      for (int i = 0; i < 8; ++i) rep[i] = replicate(e.b[0]);
      pb = rep;
      b_step = 0;
    } else {
      pb = reinterpret_cast<const uint32_t*>(e.b) + k;
      b_step = 32;
    }
    const int iters = (full - k) / 8;
    stream8(reinterpret_cast<const uint32_t*>(e.a) + k, pb, b_step,
            reinterpret_cast<uint32_t*>(e.output) + (k - kEwLag), iters);
    k += 8 * iters;
    src.k = k;
  }
  for (; k < groups; ++k) {
    src.next(&a, &b);
    store_group(e.output, out_words, n, k - kEwLag, ew_op(a, b));
  }
  for (; k < groups + kEwLag; ++k) {
    const int32_t j = k - kEwLag;
    const uint32_t r = ew_op(0, 0);
    if (j >= 0) store_group(e.output, out_words, n, j, r);
  }
  sasim_cfu_fence();
  return kOk;
}

}  // namespace sasim_drv
