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

#endif  // SASIM_CFU_SEAM_H_
