// A whole-network model config (docs/model-config.md) as the same in-memory
// model a .tflite file gives, so that `sasim run` runs both through one path:
// an imported model re-run from its YAML gives the same output and cycles.
#pragma once

#include "sasim/config.h"
#include "tflite/import.h"
#include "tflite/reader.h"

namespace sasim::tflite {

struct Network {
  Model model;        // tensors and operators; operator i is entry i of layers:
  Imported imported;  // the accelerator layers, with their weights
};

// Builds the network of `cfg` (cfg.whole_network must be true), reading the
// weight and constant files, and runs the CPU operators' Prepare checks.
// Throws ConfigError naming the config file, the entry's line and the entry.
Network network_from_config(const ModelConfig& cfg);

}  // namespace sasim::tflite
