/* wfi_pending: a wfi after the line rose long before (the region waits with
 * a divide and loads first), with mstatus.MIE off: wfiWake is already set
 * and the wfi leaves execute at once; the region lowers the line after it.
 * For each delay D of 0..11 (trap_bench.h, IRQ_PROGRAM, MIE cleared before
 * each run), result words of the second run: mcycle delta, mepc minus the
 * address of `body`, handler entries, mcause sum. */
#include "trap_bench.h"

IRQ_PROGRAM(wfi_pending,
            "",
            "li t4, 1000\n" "li t3, 7\n" "div t4, t4, t3\n" "add t4, t4, t4\n"
            "wfi\n" "wfi\n" "sw t5, 0x14(t6)\n" "wfi\n" "nop\n",
            irq_disable();, trap_irq, 0, 12)
