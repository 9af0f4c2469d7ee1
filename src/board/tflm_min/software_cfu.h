// tflm_min (README.md): CFU Playground's software CFU hook.
#ifndef SOFTWARE_CFU_H_
#define SOFTWARE_CFU_H_

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif
uint32_t software_cfu(int funct3, int funct7, uint32_t rs1, uint32_t rs2);
#ifdef __cplusplus
}
#endif

#endif
