/* trap_illegal_zero: the all-zero word (illegal; also not a valid compressed instruction on rv32im).
 * Result words: a0 (sum of mcause), a1 (xor of mtval), a2 (handler entries),
 * warm mcycle delta, cold mcycle delta (trap_bench.h, EXC_PROGRAM). */
#include "trap_bench.h"

EXC_PROGRAM("",
            ".word 0\n",
            )
