/* held_irq_litex_isr: interrupt into mixed work; the handler saves 16 registers on the stack, calls a C function that reads the pending CSR and lowers the line, restores and returns (the shape of LiteX crt0 trap entry and isr()).
 * For each delay D of 0..63: the region raises
 * interrupt line 0 D cycles after its store (trap_bench.h, IRQ_PROGRAM),
 * run twice; result words of the second run: mcycle delta, mepc minus the
 * address of `body`, handler entries, mcause sum. */
#include "trap_bench.h"

/* trap_litex: the shape of LiteX's crt0 trap entry: save the caller-saved
 * registers, call a C handler, restore, mret. */
__asm__(
    ".section .text.handlers\n"
    ".balign 32\n"
    ".global trap_litex\n"
    "trap_litex:\n"
    "  addi sp, sp, -64\n"
    "  sw ra, 0(sp)\n sw t0, 4(sp)\n sw t1, 8(sp)\n sw t2, 12(sp)\n sw a0, 16(sp)\n sw a1, 20(sp)\n"
    "  sw a2, 24(sp)\n sw a3, 28(sp)\n sw a4, 32(sp)\n sw a5, 36(sp)\n sw a6, 40(sp)\n sw a7, 44(sp)\n"
    "  sw t3, 48(sp)\n sw t4, 52(sp)\n sw t5, 56(sp)\n sw t6, 60(sp)\n"
    "  call litex_isr\n"
    "  lw ra, 0(sp)\n lw t0, 4(sp)\n lw t1, 8(sp)\n lw t2, 12(sp)\n lw a0, 16(sp)\n lw a1, 20(sp)\n"
    "  lw a2, 24(sp)\n lw a3, 28(sp)\n lw a4, 32(sp)\n lw a5, 36(sp)\n lw a6, 40(sp)\n lw a7, 44(sp)\n"
    "  lw t3, 48(sp)\n lw t4, 52(sp)\n lw t5, 56(sp)\n lw t6, 60(sp)\n"
    "  addi sp, sp, 64\n"
    "  csrr a1, mepc\n"   /* the region's record, as trap_irq's */
    "  addi a2, a2, 1\n"
    "  csrr t6, mcause\n"
    "  add a0, a0, t6\n"
    "  mret\n"
    ".text\n");
void litex_isr(void) {
  uint32_t pending;
  __asm__ volatile("csrr %0, 0xFC0" : "=r"(pending));
  if (pending & 1) IO(0x14) = 1;
  BENCH_OUT[6] += pending;
}

extern char trap_litex[];

IRQ_PROGRAM(held_irq_litex_isr,
            "li s3, 0x40041000\n" "li s4, 0\n",
            ".rept 4\n" "lw s5, 0(s3)\n" "mul s6, s5, s5\n" "sw s6, 4(s3)\n" "add s4, s4, s6\n" "addi s3, s3, 32\n" ".endr\n" ".rept 8\n" "nop\n" ".endr\n",
            evict_dcache();, trap_litex, 0, 64)
