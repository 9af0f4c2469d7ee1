/* irq_div: interrupt into dependent divides between nops.
 * For each delay D of 0..79: the region raises
 * interrupt line 0 D cycles after its store (trap_bench.h, IRQ_PROGRAM),
 * run twice; result words of the second run: mcycle delta, mepc minus the
 * address of `body`, handler entries, mcause sum. */
#include "trap_bench.h"

IRQ_PROGRAM(irq_div,
            "li t3, 1000\n" "li t4, 7\n",
            ".rept 2\n" "div t2, t3, t4\n" "add t3, t3, t2\n" "nop\n" ".endr\n" ".rept 16\n" "nop\n" ".endr\n",
            , trap_irq, 0, 80)
