/* held_irq_store_load_d1: interrupt into store, independent addi, load of the same word, use (an F12 redo at distance 1), with a D$-missing load between the groups.
 * For each delay D of 0..55: the region raises
 * interrupt line 0 D cycles after its store (trap_bench.h, IRQ_PROGRAM),
 * run twice; result words of the second run: mcycle delta, mepc minus the
 * address of `body`, handler entries, mcause sum. */
#include "trap_bench.h"

IRQ_PROGRAM(held_irq_store_load_d1,
            "li s3, 0x40041000\n" "li s8, 0x40042000\n" "li s4, 1\n" "lw s5, 0(s3)\n",
            ".rept 3\n" "sw s4, 0(s3)\n" "addi s6, s6, 1\n" "lw s5, 0(s3)\n" "add s4, s4, s5\n" "lw s7, 0(s8)\n" "addi s8, s8, 32\n" ".endr\n" ".rept 8\n" "nop\n" ".endr\n",
            evict_dcache();, trap_irq, 0, 56)
