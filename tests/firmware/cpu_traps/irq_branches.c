/* irq_branches: interrupt into a small loop (addi; bnez backward) and a forward branch.
 * For each delay D of 0..39: the region raises
 * interrupt line 0 D cycles after its store (trap_bench.h, IRQ_PROGRAM),
 * run twice; result words of the second run: mcycle delta, mepc minus the
 * address of `body`, handler entries, mcause sum. */
#include "trap_bench.h"

IRQ_PROGRAM(irq_branches,
            "",
            "li t3, 12\n" "1: addi t3, t3, -1\n" "bnez t3, 1b\n" "beqz t3, 2f\n" "nop\n" "2: nop\n" ".rept 8\n" "nop\n" ".endr\n",
            , trap_irq, 0, 40)
