/* irq_store_load: interrupt into store-then-load of the same word (the redone load) with uses.
 * For each delay D of 0..35: the region raises
 * interrupt line 0 D cycles after its store (trap_bench.h, +0x18/+0x1C),
 * run twice; result words of the second run: mcycle delta, mepc minus the
 * address of `body`, handler entries, mcause sum. */
#include "trap_bench.h"

extern char irq_store_load_body[];
__attribute__((noinline)) static void region(uint32_t d) {
  __asm__ volatile(
      "mv s9, %0\n"
      "li a0, 0\n li a1, 0\n li a2, 0\n"
      "li t6, 0xF0000000\n li t5, 1\n"
      "sw s9, 0x18(t6)\n"
      "li s3, 0x40041000\n" "li s4, 1\n" "lw s5, 0(s3)\n"
      TIMED_BEGIN
      "sw t5, 0x1C(t6)\n"
      ".global irq_store_load_body\n"
      "irq_store_load_body:\n"
      ".rept 6\n" "sw s4, 0(s3)\n" "lw s5, 0(s3)\n" "add s4, s4, s5\n" "addi s4, s4, 1\n" ".endr\n" ".rept 8\n" "nop\n" ".endr\n"
      TIMED_END
      :: "r"(d) : BENCH_CLOBBERS);
}

int main(void) {
  set_mtvec(trap_irq);
  irq_enable();
  for (uint32_t d = 0; d < 36; ++d) {
    
    region(d);
    
    region(d);
    put_result(DELTA);
    put_result(BENCH_OUT[3] - (uint32_t)irq_store_load_body);
    put_result(BENCH_OUT[4]);
    put_result(BENCH_OUT[2]);
  }
  return 0;
}
