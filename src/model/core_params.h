// The cycle model's geometry from a hardware config. Kept apart from
// model/core.h so that the cycle model itself (core.h, core.cc) depends on
// no host library: the CFU Playground export copies it into the project's
// software CFU (docs/export-cfu.md).
#pragma once

#include "model/core.h"
#include "sasim/config.h"

namespace sasim {

// Derives bank geometry from a hardware config; throws ConfigError naming the
// buffer when one bank cannot hold a single line.
CoreParams core_params_from(const HwConfig& hw);

}  // namespace sasim
