/* irq_load_miss: interrupt into D$-missing loads with uses.
 * For each delay D of 0..63: the region raises
 * interrupt line 0 D cycles after its store (trap_bench.h, IRQ_PROGRAM),
 * run twice; result words of the second run: mcycle delta, mepc minus the
 * address of `body`, handler entries, mcause sum. */
#include "trap_bench.h"

IRQ_PROGRAM(irq_load_miss,
            "li t3, 0x40041000\n",
            ".rept 4\n" "lw t2, 0(t3)\n" "add t4, t4, t2\n" "addi t3, t3, 32\n" ".endr\n" ".rept 16\n" "nop\n" ".endr\n",
            evict_dcache();, trap_irq, 0, 64)
