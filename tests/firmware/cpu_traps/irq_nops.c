/* irq_nops: interrupt into a run of 48 nops.
 * For each delay D of 0..23: the region raises
 * interrupt line 0 D cycles after its store (trap_bench.h, IRQ_PROGRAM),
 * run twice; result words of the second run: mcycle delta, mepc minus the
 * address of `body`, handler entries, mcause sum. */
#include "trap_bench.h"

IRQ_PROGRAM(irq_nops,
            "",
            ".rept 48\n" "nop\n" ".endr\n",
            , trap_irq, 0, 24)
