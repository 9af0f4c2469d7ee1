// tflm_min (README.md): CFU Playground's cycle counter (the perf+cfu CPU
// variant's mcycle CSR). On the host it counts nothing.
#ifndef PERF_H_
#define PERF_H_

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__riscv)
inline unsigned perf_get_mcycle() {
  unsigned v;
  __asm__ volatile(".insn i 0x73, 2, %0, zero, -1280" : "=r"(v));  // csrr mcycle (0xB00)
  return v;
}
static inline uint64_t perf_get_mcycle64() {
  unsigned hi, lo, hi2;
  do {
    __asm__ volatile(".insn i 0x73, 2, %0, zero, -1152" : "=r"(hi));  // csrr mcycleh (0xB80)
    __asm__ volatile(".insn i 0x73, 2, %0, zero, -1280" : "=r"(lo));
    __asm__ volatile(".insn i 0x73, 2, %0, zero, -1152" : "=r"(hi2));
  } while (hi != hi2);
  return (static_cast<uint64_t>(hi) << 32) | lo;
}
#else
inline unsigned perf_get_mcycle() { return 0; }
static inline uint64_t perf_get_mcycle64() { return 0; }
#endif

#ifdef __cplusplus
}
#endif

#endif
