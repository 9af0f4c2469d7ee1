// The export's self-test as a board program of sasim's: runs
// sasim_selftest_run() (the menu's entry 1) and reports through the I/O
// page's result words: the failures, then per case the CFU's and the
// reference code's cycles. The exit code is the number of failures.
#include <stdint.h>

#include "sasim_selftest.h"

namespace {
void result_word(uint32_t v) { *reinterpret_cast<volatile uint32_t*>(0xF000000Cu) = v; }
}  // namespace

int main() {
  const int failures = sasim_selftest_run();
  result_word(static_cast<uint32_t>(failures));
  for (int i = 0; i < sasim_selftest_cases(); ++i) {
    result_word(sasim_selftest_cfu_cycles(i));
    result_word(sasim_selftest_reference_cycles(i));
  }
  return failures;
}
