/* held_irq_store_load_d1: interrupt into store, independent addi, load of the same word, use (an F12 redo at distance 1), with a D$-missing load between the groups.
 * For each delay D of 0..55: the region raises
 * interrupt line 0 D cycles after its store (trap_bench.h, +0x18/+0x1C),
 * run twice; result words of the second run: mcycle delta, mepc minus the
 * address of `body`, handler entries, mcause sum. */
#include "trap_bench.h"

extern char held_irq_store_load_d1_body[];
__attribute__((noinline)) static void region(uint32_t d) {
  __asm__ volatile(
      "mv s9, %0\n"
      "li a0, 0\n li a1, 0\n li a2, 0\n"
      "li t6, 0xF0000000\n li t5, 1\n"
      "sw s9, 0x18(t6)\n"
      "li s3, 0x40041000\n" "li s8, 0x40042000\n" "li s4, 1\n" "lw s5, 0(s3)\n"
      TIMED_BEGIN
      "sw t5, 0x1C(t6)\n"
      ".global held_irq_store_load_d1_body\n"
      "held_irq_store_load_d1_body:\n"
      ".rept 3\n" "sw s4, 0(s3)\n" "addi s6, s6, 1\n" "lw s5, 0(s3)\n" "add s4, s4, s5\n" "lw s7, 0(s8)\n" "addi s8, s8, 32\n" ".endr\n" ".rept 8\n" "nop\n" ".endr\n"
      TIMED_END
      :: "r"(d) : BENCH_CLOBBERS);
}

int main(void) {
  set_mtvec(trap_irq);
  irq_enable();
  for (uint32_t d = 0; d < 56; ++d) {
    evict_dcache();
    region(d);
    evict_dcache();
    region(d);
    put_result(DELTA);
    put_result(BENCH_OUT[3] - (uint32_t)held_irq_store_load_d1_body);
    put_result(BENCH_OUT[4]);
    put_result(BENCH_OUT[2]);
  }
  return 0;
}
