/* held_irq_cfu_wait: interrupt into a CFU START and WAIT of an 8x8x8 pass, then READ NEXT x4 and nops.
 * For each delay D of 0..47: the region raises
 * interrupt line 0 D cycles after its store (trap_bench.h, +0x18/+0x1C),
 * run twice; result words of the second run: mcycle delta, mepc minus the
 * address of `body`, handler entries, mcause sum. */
#include "trap_bench.h"

extern char held_irq_cfu_wait_body[];
__attribute__((noinline)) static void region(uint32_t d) {
  __asm__ volatile(
      "mv s9, %0\n"
      "li a0, 0\n li a1, 0\n li a2, 0\n"
      "li t6, 0xF0000000\n li t5, 1\n"
      "sw s9, 0x18(t6)\n"
      ".insn r 0x0B, 7, 0, zero, zero, zero\n" "li t3, 0x007f8000\n" ".insn r 0x0B, 0, 0, zero, t3, zero\n" "li t4, 100\n" ".insn r 0x0B, 3, 2, zero, zero, t4\n" "li t3, 0x40000000\n" "li t4, 0\n" ".insn r 0x0B, 3, 3, zero, t3, t4\n" "li t3, 0x04030201\n" "li t4, 0x08070605\n" ".rept 8\n" ".insn r 0x0B, 2, 0, zero, t3, t4\n" ".endr\n" "li t3, 0xfd02ff01\n" "li t4, 0x03fc0405\n" ".rept 8\n" ".insn r 0x0B, 1, 0, zero, t3, t4\n" ".endr\n" "li t3, (8 | (8 << 16))\n" "li t4, (8 | (1 << 8))\n" "li s7, 0\n" "li s3, 0\n" "li s2, 0\n"
      TIMED_BEGIN
      "sw t5, 0x1C(t6)\n"
      ".global held_irq_cfu_wait_body\n"
      "held_irq_cfu_wait_body:\n"
      ".insn r 0x0B, 4, 0, s4, t3, t4\n" ".insn r 0x0B, 6, 0, s5, zero, zero\n" ".rept 4\n" ".insn r 0x0B, 5, 0, s6, zero, zero\n" "add s7, s7, s6\n" ".endr\n" ".rept 8\n" "nop\n" ".endr\n"
      TIMED_END
      :: "r"(d) : BENCH_CLOBBERS);
}

int main(void) {
  set_mtvec(trap_irq);
  irq_enable();
  for (uint32_t d = 0; d < 48; ++d) {
    
    region(d);
    
    region(d);
    put_result(DELTA);
    put_result(BENCH_OUT[3] - (uint32_t)held_irq_cfu_wait_body);
    put_result(BENCH_OUT[4]);
    put_result(BENCH_OUT[2]);
  }
  return 0;
}
