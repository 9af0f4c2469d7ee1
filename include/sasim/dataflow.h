// The array's dataflow: shared by the configuration (sasim/config.h) and the
// cycle model (model/core.h), which depends on no other sasim header.
#pragma once

namespace sasim {

enum class Dataflow { kWeightStationary, kOutputStationary };

}  // namespace sasim
