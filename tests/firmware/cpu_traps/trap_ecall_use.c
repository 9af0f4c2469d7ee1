/* trap_ecall_use: ecall, then an instruction using a register the handler wrote (a0).
 * Result words: a0 (sum of mcause), a1 (xor of mtval), a2 (handler entries),
 * warm mcycle delta, cold mcycle delta (trap_bench.h, EXC_PROGRAM). */
#include "trap_bench.h"

EXC_PROGRAM("",
            "ecall\n" "add t3, a0, a0\n" "add a0, a0, t3\n",
            )
