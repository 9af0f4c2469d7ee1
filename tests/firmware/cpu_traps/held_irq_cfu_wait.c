/* held_irq_cfu_wait: interrupt into a CFU START and WAIT of an 8x8x8 pass, then READ NEXT x4 and nops.
 * For each delay D of 0..47: the region raises
 * interrupt line 0 D cycles after its store (trap_bench.h, IRQ_PROGRAM),
 * run twice; result words of the second run: mcycle delta, mepc minus the
 * address of `body`, handler entries, mcause sum. */
#include "trap_bench.h"

IRQ_PROGRAM(held_irq_cfu_wait,
            ".insn r 0x0B, 7, 0, zero, zero, zero\n" "li t3, 0x007f8000\n" ".insn r 0x0B, 0, 0, zero, t3, zero\n" "li t4, 100\n" ".insn r 0x0B, 3, 2, zero, zero, t4\n" "li t3, 0x40000000\n" "li t4, 0\n" ".insn r 0x0B, 3, 3, zero, t3, t4\n" "li t3, 0x04030201\n" "li t4, 0x08070605\n" ".rept 8\n" ".insn r 0x0B, 2, 0, zero, t3, t4\n" ".endr\n" "li t3, 0xfd02ff01\n" "li t4, 0x03fc0405\n" ".rept 8\n" ".insn r 0x0B, 1, 0, zero, t3, t4\n" ".endr\n" "li t3, (8 | (8 << 16))\n" "li t4, (8 | (1 << 8))\n" "li s7, 0\n" "li s3, 0\n" "li s2, 0\n",
            ".insn r 0x0B, 4, 0, s4, t3, t4\n" ".insn r 0x0B, 6, 0, s5, zero, zero\n" ".rept 4\n" ".insn r 0x0B, 5, 0, s6, zero, zero\n" "add s7, s7, s6\n" ".endr\n" ".rept 8\n" "nop\n" ".endr\n",
            , trap_irq, 0, 48)
