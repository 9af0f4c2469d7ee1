/* irq_enable_mie: line 0 high, MIE and mask set, mie.MEIE = 0; the region sets MEIE.
 * Result words: mcycle delta, mepc minus the address of `body`, handler
 * entries, mcause sum, then the pending CSR 0xFC0 and mip read with the
 * line high and interrupts off (second run; trap_bench.h, ENABLE_PROGRAM). */
#include "trap_bench.h"

ENABLE_PROGRAM(irq_enable_mie, "csrs mie, t4", __asm__ volatile("csrsi mstatus, 8"); __asm__ volatile("csrc mie, %0" ::"r"(0x800));)
