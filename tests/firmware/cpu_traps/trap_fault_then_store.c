/* trap_fault_then_store: misaligned lw right behind a store (the store drains across the trap).
 * Result words: a0 (sum of mcause), a1 (xor of mtval), a2 (handler entries),
 * warm mcycle delta, cold mcycle delta (trap_bench.h). */
#include "trap_bench.h"

__attribute__((noinline)) static void region(void) {
  __asm__ volatile(
      "li a0, 0\n li a1, 0\n li a2, 0\n"
      "li t1, 0x40041000\n"
      TIMED_BEGIN
      "sw t0, 0(t1)\n" "lw t0, 1(t1)\n"
      TIMED_END
      ::: BENCH_CLOBBERS);
}

int main(void) {
  set_mtvec(trap_skip);
  
  region();
  const uint32_t cold = DELTA;
  
  put_marker(1);
  region();
  put_marker(2);
  put_result(BENCH_OUT[2]);
  put_result(BENCH_OUT[3]);
  put_result(BENCH_OUT[4]);
  put_result(DELTA);
  put_result(cold);
  return 0;
}
