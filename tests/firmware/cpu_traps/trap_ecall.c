/* trap_ecall: one ecall; the handler skips it (trap_skip).
 * Result words: a0 (sum of mcause), a1 (xor of mtval), a2 (handler entries),
 * warm mcycle delta, cold mcycle delta (trap_bench.h, EXC_PROGRAM). */
#include "trap_bench.h"

EXC_PROGRAM("",
            "ecall\n",
            )
