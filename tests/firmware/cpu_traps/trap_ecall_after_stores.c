/* trap_ecall_after_stores: four stores then ecall (the handler runs with stores in flight).
 * Result words: a0 (sum of mcause), a1 (xor of mtval), a2 (handler entries),
 * warm mcycle delta, cold mcycle delta (trap_bench.h, EXC_PROGRAM). */
#include "trap_bench.h"

EXC_PROGRAM("li t1, 0x40041000\n",
            ".rept 4\n" "sw t0, 0(t1)\n" ".endr\n" "ecall\n",
            )
