/* trap_fault_then_store: misaligned lw right behind a store (the store drains across the trap).
 * Result words: a0 (sum of mcause), a1 (xor of mtval), a2 (handler entries),
 * warm mcycle delta, cold mcycle delta (trap_bench.h, EXC_PROGRAM). */
#include "trap_bench.h"

EXC_PROGRAM("li t1, 0x40041000\n",
            "sw t0, 0(t1)\n" "lw t0, 1(t1)\n",
            )
