/* irq_late_clear: interrupt into nops; the handler lowers the line just before mret (re-entries counted).
 * For each delay D of 0..3: the region raises
 * interrupt line 0 D cycles after its store (trap_bench.h, IRQ_PROGRAM),
 * run twice; result words of the second run: mcycle delta, mepc minus the
 * address of `body`, handler entries, mcause sum. */
#include "trap_bench.h"

IRQ_PROGRAM(irq_late_clear,
            "",
            ".rept 48\n" "nop\n" ".endr\n",
            , trap_irq_late, 0, 4)
