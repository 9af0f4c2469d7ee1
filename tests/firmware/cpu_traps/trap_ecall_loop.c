/* trap_ecall_loop: a loop of 8 x (ecall; addi; bnez).
 * Result words: a0 (sum of mcause), a1 (xor of mtval), a2 (handler entries),
 * warm mcycle delta, cold mcycle delta (trap_bench.h, EXC_PROGRAM). */
#include "trap_bench.h"

EXC_PROGRAM("",
            "li t3, 8\n" "1: ecall\n" "addi t3, t3, -1\n" "bnez t3, 1b\n",
            )
