/* irq_enable_mstatus: line 0 high while mstatus.MIE = 0; the region sets MIE (csrsi).
 * Result words: mcycle delta, mepc minus the address of `body`, handler
 * entries, mcause sum, then the pending CSR 0xFC0 and mip read with the
 * line high and interrupts off (second run). */
#include "trap_bench.h"

extern char irq_enable_mstatus_body[];
__attribute__((noinline)) static void region(void) {
  __asm__ volatile(
      "li a0, 0\n li a1, 0\n li a2, 0\n"
      "li t6, 0xF0000000\n li t5, 1\n li t4, 0x800\n"
      TIMED_BEGIN
      "csrsi mstatus, 8\n"
      ".global irq_enable_mstatus_body\n"
      "irq_enable_mstatus_body:\n"
      ".rept 16\n nop\n .endr\n"
      TIMED_END
      ::: BENCH_CLOBBERS);
}

static void arm(void) {
  uint32_t pend, mip;
  irq_disable();
  __asm__ volatile("csrw 0xBC0, %0\n csrs mie, %1" ::"r"(1), "r"(0x800));
  IO(0x10) = 1;
  __asm__ volatile("nop\n nop\n nop\n nop\n nop\n nop\n csrr %0, 0xFC0\n csrr %1, mip" : "=r"(pend), "=r"(mip));
  BENCH_OUT[5] = pend;
  BENCH_OUT[6] = mip;
  
  
  
}

int main(void) {
  set_mtvec(trap_irq);
  arm();
  region();
  arm();
  region();
  put_result(DELTA);
  put_result(BENCH_OUT[3] - (uint32_t)irq_enable_mstatus_body);
  put_result(BENCH_OUT[4]);
  put_result(BENCH_OUT[2]);
  put_result(BENCH_OUT[5]);
  put_result(BENCH_OUT[6]);
  return 0;
}
