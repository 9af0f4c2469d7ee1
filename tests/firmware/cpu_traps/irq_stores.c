/* irq_stores: interrupt into a burst of stores.
 * For each delay D of 0..47: the region raises
 * interrupt line 0 D cycles after its store (trap_bench.h, IRQ_PROGRAM),
 * run twice; result words of the second run: mcycle delta, mepc minus the
 * address of `body`, handler entries, mcause sum. */
#include "trap_bench.h"

IRQ_PROGRAM(irq_stores,
            "li t3, 0x40041000\n",
            ".rept 16\n" "sw t5, 0(t3)\n" "addi t3, t3, 4\n" ".endr\n" ".rept 16\n" "nop\n" ".endr\n",
            , trap_irq, 0, 48)
