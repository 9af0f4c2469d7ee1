/* irq_mul_use: interrupt into multiplies used at once and loads used at once (D$ hit).
 * For each delay D of 0..31: the region raises
 * interrupt line 0 D cycles after its store (trap_bench.h, +0x18/+0x1C),
 * run twice; result words of the second run: mcycle delta, mepc minus the
 * address of `body`, handler entries, mcause sum. */
#include "trap_bench.h"

extern char irq_mul_use_body[];
__attribute__((noinline)) static void region(uint32_t d) {
  __asm__ volatile(
      "mv s9, %0\n"
      "li a0, 0\n li a1, 0\n li a2, 0\n"
      "li t6, 0xF0000000\n li t5, 1\n"
      "sw s9, 0x18(t6)\n"
      "li t3, 3\n" "li s3, 0x40041000\n"
      TIMED_BEGIN
      "sw t5, 0x1C(t6)\n"
      ".global irq_mul_use_body\n"
      "irq_mul_use_body:\n"
      ".rept 6\n" "mul t2, t3, t3\n" "add t4, t4, t2\n" "lw t2, 0(s3)\n" "add t4, t4, t2\n" ".endr\n" ".rept 8\n" "nop\n" ".endr\n"
      TIMED_END
      :: "r"(d) : BENCH_CLOBBERS);
}

int main(void) {
  set_mtvec(trap_irq);
  irq_enable();
  for (uint32_t d = 0; d < 32; ++d) {
    
    region(d);
    
    region(d);
    put_result(DELTA);
    put_result(BENCH_OUT[3] - (uint32_t)irq_mul_use_body);
    put_result(BENCH_OUT[4]);
    put_result(BENCH_OUT[2]);
  }
  return 0;
}
