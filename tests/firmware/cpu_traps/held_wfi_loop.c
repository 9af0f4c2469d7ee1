/* held_wfi_loop (held out: written after the wfi rule was fixed): the
 * idiom "interrupts off, wfi, interrupts on" in a loop of three rounds,
 * with a load-use before the wfi; the interrupt, pending from the wfi on
 * (or from before it, for short delays), is taken once MIE is set again;
 * the round spins until the handler has run (it lowers the line first),
 * and each round but the last raises the line again D cycles later (the
 * I/O page's address loaded again: the handler leaves mcause in t6). For
 * each delay D of 0..15 (trap_bench.h, IRQ_PROGRAM; MIE off when each run
 * starts, so that no interrupt comes before the first wfi), result words of the
 * second run: mcycle delta, mepc minus the address of `body` (the last
 * entry's), handler entries, mcause sum. */
#include "trap_bench.h"

IRQ_PROGRAM(held_wfi_loop,
            "li s8, 3\n" "li s7, 1\n",
            "1:\n" "csrci mstatus, 8\n" "lw t4, 0(sp)\n" "addi t4, t4, 1\n" "wfi\n" "csrsi mstatus, 8\n"
            "3:\n" "blt a2, s7, 3b\n" "addi s7, s7, 1\n" "addi s8, s8, -1\n" "beqz s8, 2f\n"
            "li t6, 0xF0000000\n" "sw t5, 0x1C(t6)\n" "j 1b\n" "2:\n" "nop\n",
            irq_disable();, trap_irq, 0, 16)
