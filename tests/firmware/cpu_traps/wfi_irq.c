/* wfi_irq: a wfi with interrupts on (MIE, MEIE, mask): the core halts it in
 * execute until line 0 wakes it, then takes the interrupt before the
 * instruction after it. For each delay D of 0..23: the region raises
 * interrupt line 0 D cycles after its store (trap_bench.h, IRQ_PROGRAM),
 * run twice; result words of the second run: mcycle delta, mepc minus the
 * address of `body`, handler entries, mcause sum. */
#include "trap_bench.h"

IRQ_PROGRAM(wfi_irq,
            "",
            "nop\n" "wfi\n" ".rept 8\n" "nop\n" ".endr\n",
            , trap_irq, 0, 24)
