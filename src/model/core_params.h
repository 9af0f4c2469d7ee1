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

// Throws ConfigError naming array.im2col when rtl/ cannot build hw: the RTL
// has the im2col extension for ws only so far (the os tile form is in the
// cycle model and the driver; docs/command-set.md). For cosim, the rtl
// engine, `board --cfu rtl` and export-cfu.
void require_rtl_buildable(const HwConfig& hw);

}  // namespace sasim
