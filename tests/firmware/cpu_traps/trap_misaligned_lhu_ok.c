/* trap_misaligned_lhu_ok: lhu from BUF+2 (aligned: no trap) then lw from BUF+2 (misaligned).
 * Result words: a0 (sum of mcause), a1 (xor of mtval), a2 (handler entries),
 * warm mcycle delta, cold mcycle delta (trap_bench.h, EXC_PROGRAM). */
#include "trap_bench.h"

EXC_PROGRAM("li t1, 0x40041000\n",
            "lhu t0, 2(t1)\n" "lw t0, 2(t1)\n",
            )
