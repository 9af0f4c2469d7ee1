/* trap_mret_alone: mret with mepc set to the next instruction (no trap).
 * Result words: a0 (sum of mcause), a1 (xor of mtval), a2 (handler entries),
 * warm mcycle delta, cold mcycle delta (trap_bench.h, EXC_PROGRAM). */
#include "trap_bench.h"

EXC_PROGRAM("",
            "la t0, 1f\n" "csrw mepc, t0\n" "mret\n" "1: addi a2, a2, 1\n",
            )
