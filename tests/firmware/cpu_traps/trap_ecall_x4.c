/* trap_ecall_x4: four ecalls back to back.
 * Result words: a0 (sum of mcause), a1 (xor of mtval), a2 (handler entries),
 * warm mcycle delta, cold mcycle delta (trap_bench.h, EXC_PROGRAM). */
#include "trap_bench.h"

EXC_PROGRAM("",
            ".rept 4\n" "ecall\n" ".endr\n",
            )
