/* The SoC test firmware's view of the hardware: CSR accessors over the
 * generated csr_gen.h (addresses from csr.json, as LiteX's generated/csr.h
 * gives a CFU Playground build), VexRiscv's interrupt CSRs, the perf
 * counters and the CFU instruction. */
#ifndef SOC_APP_SOC_H_
#define SOC_APP_SOC_H_
#include <stdint.h>

#include "csr_gen.h"

static inline uint32_t csr_read(uint32_t a) { return *(volatile uint32_t*)a; }
static inline void csr_write(uint32_t a, uint32_t v) { *(volatile uint32_t*)a = v; }

static inline uint32_t irq_getmask(void) { uint32_t m; __asm__ volatile("csrr %0, 0xBC0" : "=r"(m)); return m; }
static inline void irq_setmask(uint32_t m) { __asm__ volatile("csrw 0xBC0, %0" ::"r"(m)); }
static inline uint32_t irq_pending(void) { uint32_t p; __asm__ volatile("csrr %0, 0xFC0" : "=r"(p)); return p; }
static inline void irq_setie(int on) {
  if (on) __asm__ volatile("csrsi mstatus, 8");
  else __asm__ volatile("csrci mstatus, 8");
}

static inline uint64_t mcycle64(void) {
  uint32_t hi, lo, hi2;
  do {
    __asm__ volatile("csrr %0, mcycleh" : "=r"(hi));
    __asm__ volatile("csrr %0, mcycle" : "=r"(lo));
    __asm__ volatile("csrr %0, mcycleh" : "=r"(hi2));
  } while (hi != hi2);
  return ((uint64_t)hi << 32) | lo;
}
/* CFU Playground's perf counter 0 (perf+cfu): value at 0xB04, enable 0xB05. */
static inline void perf0_enable(int on) { __asm__ volatile("csrw 0xB05, %0" ::"r"(on)); }
static inline uint32_t perf0_value(void) { uint32_t v; __asm__ volatile("csrr %0, 0xB04" : "=r"(v)); return v; }
static inline void perf0_set(uint32_t v) { __asm__ volatile("csrw 0xB04, %0" ::"r"(v)); }

#define CFU_OP(f3, f7, a, b)                                                                 \
  ({                                                                                         \
    uint32_t r_;                                                                             \
    __asm__ volatile(".insn r 0x0B, %1, %2, %0, %3, %4" : "=r"(r_) : "i"(f3), "i"(f7), "r"(a), "r"(b)); \
    r_;                                                                                      \
  })

void uart_init(void);
void uart_write(char c);
int uart_read_nonblock(void);
char uart_read(void);
void uart_isr(void);
void put_str(const char* s);
void put_dec(uint64_t v);
#endif
