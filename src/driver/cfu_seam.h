// The one seam between the host driver and the accelerator.
//
// On the board this is CFU Playground's cfu_op(funct3, funct7, a, b) (the
// export maps it onto the custom-0 instruction; with CFU_SOFTWARE_DEFINED it
// is software_cfu()). On the host, sasim provides it and routes each call to
// the simulated CFU, which advances simulated time until the response.
#ifndef SASIM_CFU_SEAM_H_
#define SASIM_CFU_SEAM_H_

#include <stdint.h>

uint32_t sasim_cfu_op(int funct3, int funct7, uint32_t a, uint32_t b);

// Called before a CFU instruction that may follow stores. On the board it
// waits until the pipeline behind execute is empty, so that the CFU
// instruction cannot be issued in a cycle in which a store holds execute:
// the board's CfuPlugin would then also send the next instruction to the CFU
// (../shared/board-reference/facts.md, F19). On the host it does nothing.
#ifndef SASIM_CFU_FENCE_DEFINED
inline void sasim_cfu_fence() {}
#endif

#endif  // SASIM_CFU_SEAM_H_
