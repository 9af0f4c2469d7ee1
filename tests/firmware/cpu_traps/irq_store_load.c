/* irq_store_load: interrupt into store-then-load of the same word (the redone load) with uses.
 * For each delay D of 0..35: the region raises
 * interrupt line 0 D cycles after its store (trap_bench.h, IRQ_PROGRAM),
 * run twice; result words of the second run: mcycle delta, mepc minus the
 * address of `body`, handler entries, mcause sum. */
#include "trap_bench.h"

IRQ_PROGRAM(irq_store_load,
            "li s3, 0x40041000\n" "li s4, 1\n" "lw s5, 0(s3)\n",
            ".rept 6\n" "sw s4, 0(s3)\n" "lw s5, 0(s3)\n" "add s4, s4, s5\n" "addi s4, s4, 1\n" ".endr\n" ".rept 8\n" "nop\n" ".endr\n",
            , trap_irq, 0, 36)
