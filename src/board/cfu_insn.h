// The driver's CFU seam (src/driver/cfu_seam.h) on the board: the custom-0
// R-type instruction with function_id = {funct7, funct3}, as CFU Playground's
// cfu_op() emits it. Included ahead of driver.cc (-include), it defines the
// seam inline under the seam's include guard, so the driver compiles
// unchanged and every call (constant funct3/funct7) becomes one instruction.
#ifndef SASIM_BOARD_CFU_INSN_H_
#define SASIM_BOARD_CFU_INSN_H_

#include <stdint.h>

#define SASIM_CFU_SEAM_H_

// One case per (funct3, funct7) the command set uses (funct7 0..7; funct3 0
// also 8..10, the elementwise extension, and 11..12, the weight store).
#define SASIM_BOARD_CFU_CASE(f3, f7)                                                            \
  case (f3) + 8 * (f7):                                                                         \
    __asm__ volatile(".insn r 0x0B, " #f3 ", " #f7 ", %0, %1, %2" : "=r"(r) : "r"(a), "r"(b)); \
    break;
#define SASIM_BOARD_CFU_F3(f3)                                                                  \
  SASIM_BOARD_CFU_CASE(f3, 0) SASIM_BOARD_CFU_CASE(f3, 1) SASIM_BOARD_CFU_CASE(f3, 2) SASIM_BOARD_CFU_CASE(f3, 3) \
  SASIM_BOARD_CFU_CASE(f3, 4) SASIM_BOARD_CFU_CASE(f3, 5) SASIM_BOARD_CFU_CASE(f3, 6) SASIM_BOARD_CFU_CASE(f3, 7)

static inline __attribute__((always_inline)) uint32_t sasim_cfu_op(int funct3, int funct7, uint32_t a, uint32_t b) {
  uint32_t r = 0xffffffffu;  // an encoding outside the command set: the CFU's error response
  if (funct7 < 0 || funct7 > 12 || (funct7 > 7 && funct3 != 0)) return r;
  switch ((funct3 & 7) + 8 * funct7) {
    SASIM_BOARD_CFU_F3(0) SASIM_BOARD_CFU_F3(1) SASIM_BOARD_CFU_F3(2) SASIM_BOARD_CFU_F3(3)
    SASIM_BOARD_CFU_F3(4) SASIM_BOARD_CFU_F3(5) SASIM_BOARD_CFU_F3(6) SASIM_BOARD_CFU_F3(7)
    SASIM_BOARD_CFU_CASE(0, 8) SASIM_BOARD_CFU_CASE(0, 9) SASIM_BOARD_CFU_CASE(0, 10)
    SASIM_BOARD_CFU_CASE(0, 11) SASIM_BOARD_CFU_CASE(0, 12)
  }
  return r;
}

// The fence before a CFU instruction that may follow stores. On the 2021 core
// (SASIM_CPU_2021: sasim_runner_2021.elf) a store held in writeback under a
// CFU instruction makes the CfuPlugin send the next instruction to the CFU too
// (facts.md F19); a CSR instruction waits in execute until memory and
// writeback are empty (F1): `csrrs zero, mcycle, zero`, encoded with .insn so
// that the driver builds with -march=rv32im. On CFU Playground's 2022 cores a
// CFU instruction itself waits until no store is in memory or writeback, so
// there is nothing to fence (and the CFU reads no memory: no compiler barrier
// either).
#define SASIM_CFU_FENCE_DEFINED
static inline __attribute__((always_inline)) void sasim_cfu_fence() {
#if defined(SASIM_CPU_2021)
  __asm__ volatile(".insn i 0x73, 2, zero, zero, -1280" ::: "memory");  // CSR 0xB00 as a signed 12-bit field
#endif
}

#endif  // SASIM_BOARD_CFU_INSN_H_
