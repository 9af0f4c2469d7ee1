/* trap_ecall_after_load_miss: a D$-missing lw then ecall.
 * Result words: a0 (sum of mcause), a1 (xor of mtval), a2 (handler entries),
 * warm mcycle delta, cold mcycle delta (trap_bench.h, EXC_PROGRAM). */
#include "trap_bench.h"

EXC_PROGRAM("li t1, 0x40041000\n",
            "lw t2, 0(t1)\n" "ecall\n",
            evict_dcache();)
