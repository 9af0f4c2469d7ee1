/* irq_csr: interrupt into csrr mcycle reads (each waits for an empty memory and writeback stage).
 * For each delay D of 0..31: the region raises
 * interrupt line 0 D cycles after its store (trap_bench.h, IRQ_PROGRAM),
 * run twice; result words of the second run: mcycle delta, mepc minus the
 * address of `body`, handler entries, mcause sum. */
#include "trap_bench.h"

IRQ_PROGRAM(irq_csr,
            "",
            ".rept 8\n" "csrr t2, mcycle\n" ".endr\n" ".rept 8\n" "nop\n" ".endr\n",
            , trap_irq, 0, 32)
