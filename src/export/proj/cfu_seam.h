// The driver's CFU seam in a CFU Playground project (written by `sasim
// export-cfu` as src/sasim/driver/cfu_seam.h, in place of sasim's host seam).
//
// sasim_cfu_op() is CFU Playground's cfu_op(): the custom-0 instruction, or
// software_cfu() in a CFU_SOFTWARE_DEFINED build. cfu_op needs constant
// funct3/funct7, so the seam switches over the command set's encodings; the
// driver calls it with constants, so each call compiles to one instruction.
#ifndef SASIM_CFU_SEAM_H_
#define SASIM_CFU_SEAM_H_

#include <stdint.h>

#include "cfu.h"

#define SASIM_SEAM_CASE(f3, f7) \
  case (f3) + 8 * (f7):         \
    return cfu_op(f3, f7, a, b);
#define SASIM_SEAM_F3(f3)                                                                              \
  SASIM_SEAM_CASE(f3, 0) SASIM_SEAM_CASE(f3, 1) SASIM_SEAM_CASE(f3, 2) SASIM_SEAM_CASE(f3, 3)          \
  SASIM_SEAM_CASE(f3, 4) SASIM_SEAM_CASE(f3, 5) SASIM_SEAM_CASE(f3, 6) SASIM_SEAM_CASE(f3, 7)

// funct7 0..7, and 8..13 of funct3 0 (the elementwise extension, the weight store, A_FILL), is
// the whole command set (docs/command-set.md); anything else gets the CFU's
// error response without reaching it.
static inline __attribute__((always_inline)) uint32_t sasim_cfu_op(int funct3, int funct7, uint32_t a,
                                                                   uint32_t b) {
  if (funct7 < 0 || funct7 > 13 || (funct7 > 7 && funct3 != 0)) return 0xffffffffu;
  switch ((funct3 & 7) + 8 * funct7) {
    SASIM_SEAM_F3(0) SASIM_SEAM_F3(1) SASIM_SEAM_F3(2) SASIM_SEAM_F3(3)
    SASIM_SEAM_F3(4) SASIM_SEAM_F3(5) SASIM_SEAM_F3(6) SASIM_SEAM_F3(7)
    SASIM_SEAM_CASE(0, 8) SASIM_SEAM_CASE(0, 9) SASIM_SEAM_CASE(0, 10)
    SASIM_SEAM_CASE(0, 11) SASIM_SEAM_CASE(0, 12) SASIM_SEAM_CASE(0, 13)
    default: return 0xffffffffu;
  }
}

// Before a CFU instruction that may follow stores: on the board, a CSR read
// waits until memory and writeback are empty, so that no store can hold
// execute while the CFU instruction issues. VexRiscv's CfuPlugin would then
// send the next instruction to the CFU as well (board-reference facts.md,
// F19), which corrupts results. CFU Playground's 2022 cores (SASIM_CPU_2022,
// the Makefile's default) hold a CFU instruction until no store is in memory
// or writeback, so there is nothing to fence (the CFU reads no memory: no
// compiler barrier is needed either). Without a CFU
// there is nothing to fence.
static inline __attribute__((always_inline)) void sasim_cfu_fence() {
#if defined(__riscv) && !defined(CFU_SOFTWARE_DEFINED) && !defined(SASIM_CPU_2022)
  __asm__ volatile(".insn i 0x73, 2, zero, zero, -1280" ::: "memory");  // csrrs zero, mcycle, zero
#endif
}
#define SASIM_CFU_FENCE_DEFINED

#endif  // SASIM_CFU_SEAM_H_
