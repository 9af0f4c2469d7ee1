// Reading a LayerSpec from YAML: shared by model configs and vector cases so
// both use the same key names and the same rules (private to src/).
#pragma once

#include "sasim/layer.h"
#include "config/yaml_reader.h"

namespace sasim {

enum class LayerSource {
  kModel,       // a model config: quantization from scales or explicit
                // multiplier/shift (exactly one), activation from
                // fused_activation or explicit bounds (exactly one)
  kVectorCase,  // ../shared/vectors case.yaml: explicit multiplier/shift and
                // bounds are authoritative; scale fields are informational
};

// Reads the layer keys of `r` into `spec` and validates the result, reporting
// cross-field problems at the offending key. Returns true when all is well.
bool read_layer_fields(MapReader& r, LayerSource src, LayerSpec* spec);

}  // namespace sasim
