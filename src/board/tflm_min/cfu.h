// tflm_min (README.md): CFU Playground's cfu.h. cfu_op(funct3, funct7, rs1,
// rs2) is the custom-0 R-type instruction (funct3 and funct7 must be
// constants), or software_cfu() with CFU_SOFTWARE_DEFINED.
#ifndef CFU_H_
#define CFU_H_

#include <stdint.h>

#include "software_cfu.h"

#define cfu_op_hw(funct3, funct7, rs1, rs2)                                                                \
  ({                                                                                                       \
    uint32_t cfu_op_hw_rd_;                                                                                \
    __asm__ volatile(".insn r 0x0B, " #funct3 ", " #funct7 ", %0, %1, %2"                                  \
                     : "=r"(cfu_op_hw_rd_)                                                                 \
                     : "r"(rs1), "r"(rs2));                                                                \
    cfu_op_hw_rd_;                                                                                         \
  })
#define cfu_op_sw(funct3, funct7, rs1, rs2) software_cfu(funct3, funct7, rs1, rs2)

#ifdef CFU_SOFTWARE_DEFINED
#define cfu_op(funct3, funct7, rs1, rs2) cfu_op_sw(funct3, funct7, rs1, rs2)
#else
#define cfu_op(funct3, funct7, rs1, rs2) cfu_op_hw(funct3, funct7, rs1, rs2)
#endif

#define cfu_op0(funct7, rs1, rs2) cfu_op(0, funct7, rs1, rs2)
#define cfu_op1(funct7, rs1, rs2) cfu_op(1, funct7, rs1, rs2)
#define cfu_op2(funct7, rs1, rs2) cfu_op(2, funct7, rs1, rs2)
#define cfu_op3(funct7, rs1, rs2) cfu_op(3, funct7, rs1, rs2)
#define cfu_op4(funct7, rs1, rs2) cfu_op(4, funct7, rs1, rs2)
#define cfu_op5(funct7, rs1, rs2) cfu_op(5, funct7, rs1, rs2)
#define cfu_op6(funct7, rs1, rs2) cfu_op(6, funct7, rs1, rs2)
#define cfu_op7(funct7, rs1, rs2) cfu_op(7, funct7, rs1, rs2)

#endif
