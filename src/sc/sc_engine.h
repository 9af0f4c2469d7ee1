#pragma once

#include <memory>

#include "sasim/engine.h"

namespace sasim {
// The SystemC cycle model as an Engine; elaborates the design (once per process).
std::unique_ptr<Engine> make_systemc_engine(const HwConfig& hw, const EngineOptions& opts);
}  // namespace sasim
