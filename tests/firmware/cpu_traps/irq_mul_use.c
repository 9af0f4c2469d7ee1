/* irq_mul_use: interrupt into multiplies used at once and loads used at once (D$ hit).
 * For each delay D of 0..31: the region raises
 * interrupt line 0 D cycles after its store (trap_bench.h, IRQ_PROGRAM),
 * run twice; result words of the second run: mcycle delta, mepc minus the
 * address of `body`, handler entries, mcause sum. */
#include "trap_bench.h"

IRQ_PROGRAM(irq_mul_use,
            "li t3, 3\n" "li s3, 0x40041000\n",
            ".rept 6\n" "mul t2, t3, t3\n" "add t4, t4, t2\n" "lw t2, 0(s3)\n" "add t4, t4, t2\n" ".endr\n" ".rept 8\n" "nop\n" ".endr\n",
            , trap_irq, 0, 32)
