/* trap_ecall_after_div: div then ecall (the trap waits for the divider).
 * Result words: a0 (sum of mcause), a1 (xor of mtval), a2 (handler entries),
 * warm mcycle delta, cold mcycle delta (trap_bench.h, EXC_PROGRAM). */
#include "trap_bench.h"

EXC_PROGRAM("li t5, 100\n" "li t6, 7\n",
            "div t2, t5, t6\n" "ecall\n",
            )
