// How fast the board's CPU can feed the CFU, measured on the CPU model: the
// feed bound of a layer (docs/bounds.md) is every input, weight and output
// byte crossing the CFU bus once at these rates.
#pragma once

#include "cpu/vexriscv.h"
#include "model/core.h"

namespace sasim::cpu {

struct FeedRates {
  double write_cycles_per_8_bytes = 0;  // WRITE_A of words loaded from (uncached) memory
  double read_cycles_per_4_bytes = 0;   // READ NEXT, result stored to memory
};

// Runs two tight rv32im loops on the CPU model with `cfu` behind the port,
// the driver's: 512 WRITE_A from 4 KiB of memory not in the D$ (a line's
// eight loads, then its four writes), and 256 READ NEXT of a finished pass,
// each result stored behind the next READ (software-pipelined, when writes
// take at most 3 cycles; else READ then store). Throws std::runtime_error if
// the loops do not run as expected.
FeedRates measure_feed_rates(const CpuParams& cpu, const CoreParams& cfu);

}  // namespace sasim::cpu
