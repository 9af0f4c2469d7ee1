/* irq_enable_mask: line 0 high and MIE set while the 0xBC0 mask is 0; the region unmasks it.
 * Result words: mcycle delta, mepc minus the address of `body`, handler
 * entries, mcause sum, then the pending CSR 0xFC0 and mip read with the
 * line high and interrupts off (second run; trap_bench.h, ENABLE_PROGRAM). */
#include "trap_bench.h"

ENABLE_PROGRAM(irq_enable_mask, "csrw 0xBC0, t5", __asm__ volatile("csrsi mstatus, 8"); __asm__ volatile("csrw 0xBC0, zero");)
