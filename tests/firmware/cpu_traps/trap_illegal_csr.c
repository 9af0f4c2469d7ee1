/* trap_illegal_csr: a read of an unimplemented CSR (0x7c0).
 * Result words: a0 (sum of mcause), a1 (xor of mtval), a2 (handler entries),
 * warm mcycle delta, cold mcycle delta (trap_bench.h, EXC_PROGRAM). */
#include "trap_bench.h"

EXC_PROGRAM("",
            "csrr t0, 0x7c0\n",
            )
