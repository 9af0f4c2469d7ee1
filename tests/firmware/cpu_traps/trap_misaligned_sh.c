/* trap_misaligned_sh: sh to BUF+1.
 * Result words: a0 (sum of mcause), a1 (xor of mtval), a2 (handler entries),
 * warm mcycle delta, cold mcycle delta (trap_bench.h, EXC_PROGRAM). */
#include "trap_bench.h"

EXC_PROGRAM("li t1, 0x40041000\n",
            "sh t0, 1(t1)\n",
            )
