// A layer on the simulated board (--cpu vexriscv), for every engine: the
// layer runner on the CPU model with the engine's CFU behind the port.
#pragma once

#include "cpu/board_host.h"
#include "model/core.h"
#include "sasim/engine.h"

namespace sasim {

// Runs `spec` through `board`. `core` (may be null: RTL only) is the cycle
// model whose counters give the array's cycle classes; they are sampled at
// the runner's markers around run_layer. Throws ConfigError when the layer
// does not fit the buffers or the board's memory, std::runtime_error when the
// CFU rejects a command or the program stops abnormally.
// `sampler` (may be null) receives the CPU's counters every sample_interval()
// cycles, for the timeline's CPU track.
// The CPU's side of a layer or CPU operator on the board, as LayerStats
// carries it: a profile's classes, memory causes, misses, hazards and top
// functions.
CpuStats cpu_stats_from(const cpu::CpuLayerProfile& prof);

EngineResult run_layer_on_board(cpu::BoardHost* board, const CoreParams& p, const LayerSpec& spec,
                                const LayerData& data, const CfuCore* core, const std::string& hw_source,
                                cpu::MarkerListener* sampler = nullptr);

}  // namespace sasim
