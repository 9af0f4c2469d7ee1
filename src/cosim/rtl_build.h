// Verilated RTL on demand: a configuration that rtl/CMakeLists.txt did not
// prebuild is Verilated when first needed, compiled into a shared library in
// a cache and loaded with dlopen (docs/microarchitecture.md, "Co-simulation").
//
// The cache key is a hash of the RTL's text (as compiled into sasim), the
// library's C interface (rtl/dynamic_cfu.cc), the parameters, and the
// Verilator and compiler versions; so a changed RTL or tool is rebuilt and an
// unchanged one is reused across runs. The cache is $SASIM_CACHE_DIR, else
// $XDG_CACHE_HOME/sasim, else ~/.cache/sasim (subfolder rtl/).
#pragma once

#include <memory>
#include <string>

#include "cosim/lockstep.h"

namespace sasim {

// The prebuilt configuration matching p, else one built (or found in the
// cache) now, with progress on stderr. Throws std::runtime_error when it
// cannot be built (no Verilator in this build or on the machine, a failed
// compile: the message names the log).
const RtlConfig* rtl_config_for(const CoreParams& p);

// A user's own CFU (a CFU Playground project's cfu.v, top module `Cfu` with
// its ports; the other Verilog files of its folder are hashed too, for its
// `include`s), Verilated on demand into the same cache with progress on
// stderr. Throws std::runtime_error naming the log and the first errors.
std::unique_ptr<RtlModel> user_rtl(const std::string& cfu_path);

}  // namespace sasim
