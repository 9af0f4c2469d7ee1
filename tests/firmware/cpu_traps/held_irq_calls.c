/* held_irq_calls: interrupt into calls and returns (jal, jalr) and an indirect jump.
 * For each delay D of 0..39: the region raises
 * interrupt line 0 D cycles after its store (trap_bench.h, +0x18/+0x1C),
 * run twice; result words of the second run: mcycle delta, mepc minus the
 * address of `body`, handler entries, mcause sum. */
#include "trap_bench.h"

extern char held_irq_calls_body[];
__attribute__((noinline)) static void region(uint32_t d) {
  __asm__ volatile(
      "mv s9, %0\n"
      "li a0, 0\n li a1, 0\n li a2, 0\n"
      "li t6, 0xF0000000\n li t5, 1\n"
      "sw s9, 0x18(t6)\n"
      
      TIMED_BEGIN
      "sw t5, 0x1C(t6)\n"
      ".global held_irq_calls_body\n"
      "held_irq_calls_body:\n"
      ".rept 3\n" "jal ra, 3f\n" ".endr\n" "auipc s3, 0\n" "jalr x0, 12(s3)\n" "nop\n" "nop\n" ".rept 6\n" "nop\n" ".endr\n" "j 4f\n" "3: addi s4, s4, 1\n" "ret\n" "4: nop\n"
      TIMED_END
      :: "r"(d) : BENCH_CLOBBERS);
}

int main(void) {
  set_mtvec(trap_irq);
  irq_enable();
  for (uint32_t d = 0; d < 40; ++d) {
    
    region(d);
    
    region(d);
    put_result(DELTA);
    put_result(BENCH_OUT[3] - (uint32_t)held_irq_calls_body);
    put_result(BENCH_OUT[4]);
    put_result(BENCH_OUT[2]);
  }
  return 0;
}
