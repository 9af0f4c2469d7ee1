// Static checks of code compiled for the board against the CfuPlugin's
// hazards (docs/cpu-model.md, "The 2021 core's replayed command").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cpu/elf_image.h"

namespace sasim::cpu {

struct CfuReplayHazard {
  uint32_t cfu_pc = 0, load_pc = 0;
  int distance = 0;      // instructions between the load and the CFU instruction
  std::string function;  // the function holding the CFU instruction ("?" when none)
};

// Every CFU instruction of the image's functions that the perf+cfu-2021 core
// can send to the CFU twice (facts.md F20-F22): at distance 0 or 1 behind a
// load (straight on, or through a jal or a conditional branch at distance 0),
// not reading the loaded register, with nothing between them that waits in
// decode for the load or holds execute (a CSR instruction). Whether the load
// misses is a run-time matter: any such instruction is a hazard.
std::vector<CfuReplayHazard> find_replay_hazards(const ElfImage& img);

}  // namespace sasim::cpu
