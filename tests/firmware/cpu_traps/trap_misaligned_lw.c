/* trap_misaligned_lw: lw from BUF+1 (misaligned load).
 * Result words: a0 (sum of mcause), a1 (xor of mtval), a2 (handler entries),
 * warm mcycle delta, cold mcycle delta (trap_bench.h, EXC_PROGRAM). */
#include "trap_bench.h"

EXC_PROGRAM("li t1, 0x40041000\n",
            "lw t0, 1(t1)\n",
            )
