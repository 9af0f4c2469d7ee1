// Resource estimate of a configuration's CFU (rtl/cfu.v) on the Nexys A7's
// XC7A100T, for sweeps and for `sasim run` to warn when a design does not fit.
//
// The model reproduces `scripts/synth` (yosys synth_xilinx -family xc7):
//  * DSP48E1 = rows x cols (one per PE) + 51 (the requantizer's multiplies and
//    the controller) + 22 with the im2col extension (the walker's and the
//    sequencer's multiplies): exact on the fit grid except one point (12x10:
//    185, not 193).
//  * BRAM36: each buffer bank mapped onto the cheapest RAMB36/RAMB18 shape for
//    its width and depth, plus 3 (what synthesis adds; 2.5 .. 4.5 on the grid).
//  * LUT and FF: least squares over the grid on 1, R x C, C^2, C, ext,
//    ext x R x C (R rows, C cols, ext the im2col extension). On the grid:
//    LUT within 9%, FF within 22%; left out of the fit one at a time (the
//    error on a configuration not in the fit): LUT mean 8%, at most 18%;
//    FF mean 8%, at most 34% (8x4 os). LUT and DSP are what limit a design;
//    FF stays far below the budget.
// The grid and its synthesis results: scripts/resources_fit.csv (refresh with
// scripts/resource_grid); docs/microarchitecture.md, section 11.
#pragma once

#include <string>

#include "sasim/config.h"

namespace sasim {

struct ResourceEstimate {
  int lut = 0, ff = 0, dsp = 0;
  double bram36 = 0;
  // The budget: the XC7A100T less the SoC's share (as scripts/synth states it).
  static constexpr int kLut = 58400, kFf = 122800, kDsp = 236;
  static constexpr double kBram36 = 123;
  bool fits() const { return lut <= kLut && ff <= kFf && dsp <= kDsp && bram36 <= kBram36; }
  // The resources over budget, e.g. "DSP48E1 329 > 236"; empty when it fits.
  std::string over() const;
};

ResourceEstimate estimate_resources(const HwConfig& hw);

// The warning `sasim run` prints when hw does not fit the board (naming what
// is over and where the configuration came from); empty when it fits.
std::string fit_warning(const HwConfig& hw);

}  // namespace sasim
