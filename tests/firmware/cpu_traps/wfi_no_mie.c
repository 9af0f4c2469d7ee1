/* wfi_no_mie: a wfi with mstatus.MIE off but mie.MEIE and the mask on: the
 * line wakes it and execution goes on with no trap (the region then lowers
 * the line). For each delay D of 0..23 (trap_bench.h, IRQ_PROGRAM, MIE
 * cleared before each run), result words of the second run: mcycle delta,
 * mepc minus the address of `body` (0: no trap), handler entries (0),
 * mcause sum (0). */
#include "trap_bench.h"

IRQ_PROGRAM(wfi_no_mie,
            "",
            "nop\n" "wfi\n" "sw t5, 0x14(t6)\n" ".rept 4\n" "nop\n" ".endr\n",
            irq_disable();, trap_irq, 0, 24)
