/* held_irq_calls: interrupt into calls and returns (jal, jalr) and an indirect jump.
 * For each delay D of 0..39: the region raises
 * interrupt line 0 D cycles after its store (trap_bench.h, IRQ_PROGRAM),
 * run twice; result words of the second run: mcycle delta, mepc minus the
 * address of `body`, handler entries, mcause sum. */
#include "trap_bench.h"

IRQ_PROGRAM(held_irq_calls,
            "",
            ".rept 3\n" "jal ra, 3f\n" ".endr\n" "auipc s3, 0\n" "jalr x0, 12(s3)\n" "nop\n" "nop\n" ".rept 6\n" "nop\n" ".endr\n" "j 4f\n" "3: addi s4, s4, 1\n" "ret\n" "4: nop\n",
            , trap_irq, 0, 40)
