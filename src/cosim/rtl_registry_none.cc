// Built when Verilator is unavailable: no RTL configurations. With Verilator,
// rtl/CMakeLists.txt generates the registry of the built models instead.
#include "cosim/lockstep.h"

namespace sasim {
const std::vector<RtlConfig>& rtl_configs() {
  static const std::vector<RtlConfig> none;
  return none;
}
}  // namespace sasim
