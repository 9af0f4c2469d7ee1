/* irq_enable_mstatus: line 0 high while mstatus.MIE = 0; the region sets MIE (csrsi).
 * Result words: mcycle delta, mepc minus the address of `body`, handler
 * entries, mcause sum, then the pending CSR 0xFC0 and mip read with the
 * line high and interrupts off (second run; trap_bench.h, ENABLE_PROGRAM). */
#include "trap_bench.h"

ENABLE_PROGRAM(irq_enable_mstatus, "csrsi mstatus, 8", )
