/* Harness of the trap and interrupt calibration programs (docs/cpu-model.md,
 * "Traps and interrupts"). Bare metal, rv32im + Zicsr, linked by link.ld,
 * started by crt0.S; run on the board model (`sasim exec`) and, to measure
 * the reference, on the VexRiscv RTL testbench of scripts/vexriscv_rtl.
 *
 * I/O page 0xF0000000 (uncached), word stores: +0x0 putchar, +0x4 exit,
 * +0x8 marker, +0xC result word, and the test interrupt lines (the
 * CPU's externalInterruptArray): +0x10 raise the lines of the value,
 * +0x14 lower them, +0x18 set a delay D, +0x1C raise the lines of the value
 * D cycles later. A raise or lower takes effect in the cycle after the
 * store's acknowledge (D cycles after that for +0x1C).
 *
 * Each program writes its result words in order; the timing words are
 * mcycle deltas between two `csrr mcycle` (an empty region measures 3). */
#ifndef TRAP_BENCH_H_
#define TRAP_BENCH_H_
#include <stdint.h>

#define IO(off) (*(volatile uint32_t*)(0xF0000000u + (off)))
static inline void put_result(uint32_t v) { IO(0x0C) = v; }
static inline void put_marker(uint32_t v) { IO(0x08) = v; }

/* BENCH_OUT: start, end, checksum, handler record (mepc, count). */
#define BENCH_OUT ((volatile uint32_t*)0x400F0000u)
#define EVICT_ADDR 0x40080000u
#define BUF_ADDR 0x40041000u

static __attribute__((noinline)) void evict_dcache(void) {
  volatile uint32_t* p = (volatile uint32_t*)EVICT_ADDR;
  uint32_t s = 0;
  for (int i = 0; i < 256; ++i) s += p[i * 8];
  BENCH_OUT[7] = s;
}

/* Everything but sp, gp, tp, s0 and x0 may be used by a region. */
#define BENCH_CLOBBERS                                                                      \
  "ra", "t0", "t1", "t2", "t3", "t4", "t5", "t6", "a0", "a1", "a2", "a3", "a4", "a5", "a6", \
      "a7", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "memory"

/* The handlers (32-byte aligned, so that each starts an I$ line).
 * trap_skip: for exceptions: a0 += mcause, a1 ^= mtval, a2 += 1, mepc += 4.
 * trap_irq: for the test interrupt: lowers line 0, a0 += mcause,
 *   a1 = mepc, a2 += 1, then returns to mepc.
 * trap_irq_late: as trap_irq, but lowers the line just before mret (the
 *   line may still be seen when mret has re-enabled interrupts). */
__asm__(
    ".section .text.handlers\n"
    ".balign 32\n"
    ".global trap_skip\n"
    "trap_skip:\n"
    "  csrr t6, mcause\n"
    "  add a0, a0, t6\n"
    "  csrr t6, mtval\n"
    "  xor a1, a1, t6\n"
    "  addi a2, a2, 1\n"
    "  csrr t6, mepc\n"
    "  addi t6, t6, 4\n"
    "  csrw mepc, t6\n"
    "  mret\n"
    ".balign 32\n"
    ".global trap_irq\n"
    "trap_irq:\n"
    "  li t6, 0xF0000000\n"
    "  li t5, 1\n"
    "  sw t5, 0x14(t6)\n"
    "  csrr t6, mcause\n"
    "  add a0, a0, t6\n"
    "  csrr a1, mepc\n"
    "  addi a2, a2, 1\n"
    "  mret\n"
    ".balign 32\n"
    ".global trap_irq_late\n"
    "trap_irq_late:\n"
    "  csrr t6, mcause\n"
    "  add a0, a0, t6\n"
    "  csrr a1, mepc\n"
    "  addi a2, a2, 1\n"
    "  li t6, 0xF0000000\n"
    "  li t5, 1\n"
    "  sw t5, 0x14(t6)\n"
    "  mret\n"
    ".text\n");
extern char trap_skip[], trap_irq[], trap_irq_late[];

static inline void set_mtvec(void* h) { __asm__ volatile("csrw mtvec, %0" ::"r"(h)); }
/* External interrupt line 0 enabled: VexRiscv's mask CSR 0xBC0, mie.MEIE,
 * mstatus.MIE. */
static inline void irq_enable(void) {
  __asm__ volatile("csrw 0xBC0, %0\n csrs mie, %1\n csrsi mstatus, 8" ::"r"(1), "r"(0x800));
}
static inline void irq_disable(void) { __asm__ volatile("csrci mstatus, 8"); }

/* Region bracket: the asm of a region starts with TIMED_BEGIN and ends with
 * TIMED_END, which stores start, end, a0, a1 and a2 to BENCH_OUT. */
#define TIMED_BEGIN ".balign 32\n csrr s10, mcycle\n"
#define TIMED_END                                                                              \
  "csrr s11, mcycle\n li t0, 0x400F0000\n sw s10, 0(t0)\n sw s11, 4(t0)\n sw a0, 8(t0)\n" \
  " sw a1, 12(t0)\n sw a2, 16(t0)\n"
#define DELTA (BENCH_OUT[1] - BENCH_OUT[0])

/* An exception program: the region (PRE untimed, then BODY timed) runs cold
 * and warm with trap_skip as the handler; MAIN_PRE (e.g. evict_dcache();)
 * before each run. Result words: a0 (sum of mcause), a1 (xor of mtval), a2
 * (handler entries), warm mcycle delta, cold mcycle delta. */
#define EXC_PROGRAM(PRE, BODY, MAIN_PRE)                                        \
  __attribute__((noinline)) static void region(void) {                          \
    __asm__ volatile("li a0, 0\n li a1, 0\n li a2, 0\n" PRE TIMED_BEGIN BODY    \
                     TIMED_END ::: BENCH_CLOBBERS);                             \
  }                                                                             \
  int main(void) {                                                              \
    set_mtvec(trap_skip);                                                       \
    MAIN_PRE                                                                    \
    region();                                                                   \
    const uint32_t cold = DELTA;                                                \
    MAIN_PRE                                                                    \
    put_marker(1);                                                              \
    region();                                                                   \
    put_marker(2);                                                              \
    put_result(BENCH_OUT[2]);                                                   \
    put_result(BENCH_OUT[3]);                                                   \
    put_result(BENCH_OUT[4]);                                                   \
    put_result(DELTA);                                                          \
    put_result(cold);                                                           \
    return 0;                                                                   \
  }

/* An interrupt program: for each delay D of FIRST..LAST - 1 the region
 * raises interrupt line 0 D cycles after its store (+0x18/+0x1C) and runs
 * BODY (label NAME_body), twice, with HANDLER; PER_RUN before each run.
 * Result words per D (the second run): mcycle delta, mepc minus the address
 * of NAME_body, handler entries, mcause sum. */
#define IRQ_PROGRAM(NAME, PRE, BODY, PER_RUN, HANDLER, FIRST, LAST)                       \
  extern char NAME##_body[];                                                              \
  __attribute__((noinline)) static void region(uint32_t d) {                              \
    __asm__ volatile("mv s9, %0\n"                                                        \
                     "li a0, 0\n li a1, 0\n li a2, 0\n"                                   \
                     "li t6, 0xF0000000\n li t5, 1\n"                                     \
                     "sw s9, 0x18(t6)\n" PRE TIMED_BEGIN "sw t5, 0x1C(t6)\n"              \
                     ".global " #NAME "_body\n" #NAME "_body:\n" BODY TIMED_END           \
                     ::"r"(d) : BENCH_CLOBBERS);                                          \
  }                                                                                       \
  int main(void) {                                                                        \
    set_mtvec(HANDLER);                                                                   \
    irq_enable();                                                                         \
    for (uint32_t d = FIRST; d < LAST; ++d) {                                             \
      PER_RUN                                                                             \
      region(d);                                                                          \
      PER_RUN                                                                             \
      region(d);                                                                          \
      put_result(DELTA);                                                                  \
      put_result(BENCH_OUT[3] - (uint32_t)NAME##_body);                                   \
      put_result(BENCH_OUT[4]);                                                           \
      put_result(BENCH_OUT[2]);                                                           \
    }                                                                                     \
    return 0;                                                                             \
  }

/* Enabling with line 0 already high: ARM_TAIL (after the line is raised
 * with everything but the one enable under test) leaves interrupts off by
 * that enable; the region turns it on with ENABLE and runs 16 nops (label
 * NAME_body). Result words (second run): mcycle delta, mepc minus the
 * address of NAME_body, handler entries, mcause sum, then 0xFC0 and mip as
 * read with the line high and interrupts off. */
#define ENABLE_PROGRAM(NAME, ENABLE, ARM_TAIL)                                                  \
  extern char NAME##_body[];                                                                    \
  __attribute__((noinline)) static void region(void) {                                          \
    __asm__ volatile("li a0, 0\n li a1, 0\n li a2, 0\n"                                         \
                     "li t6, 0xF0000000\n li t5, 1\n li t4, 0x800\n" TIMED_BEGIN ENABLE "\n"    \
                     ".global " #NAME "_body\n" #NAME "_body:\n"                                \
                     ".rept 16\n nop\n .endr\n" TIMED_END ::: BENCH_CLOBBERS);                  \
  }                                                                                             \
  static void arm(void) {                                                                       \
    uint32_t pend, mip;                                                                         \
    irq_disable();                                                                              \
    __asm__ volatile("csrw 0xBC0, %0\n csrs mie, %1" ::"r"(1), "r"(0x800));                     \
    IO(0x10) = 1;                                                                               \
    __asm__ volatile("nop\n nop\n nop\n nop\n nop\n nop\n csrr %0, 0xFC0\n csrr %1, mip"        \
                     : "=r"(pend), "=r"(mip));                                                  \
    BENCH_OUT[5] = pend;                                                                        \
    BENCH_OUT[6] = mip;                                                                         \
    ARM_TAIL                                                                                    \
  }                                                                                             \
  int main(void) {                                                                              \
    set_mtvec(trap_irq);                                                                        \
    arm();                                                                                      \
    region();                                                                                   \
    arm();                                                                                      \
    region();                                                                                   \
    put_result(DELTA);                                                                          \
    put_result(BENCH_OUT[3] - (uint32_t)NAME##_body);                                           \
    put_result(BENCH_OUT[4]);                                                                   \
    put_result(BENCH_OUT[2]);                                                                   \
    put_result(BENCH_OUT[5]);                                                                   \
    put_result(BENCH_OUT[6]);                                                                   \
    return 0;                                                                                   \
  }
#endif
