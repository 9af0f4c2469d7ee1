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

// The tensor scales a model layer gave (0 when absent): output_scale is
// allowed beside explicit output_multiplier/output_shift, where it describes
// the output tensor (whole-network configs need it) and gives relu bounds.
struct LayerScales {
  double input = 0, output = 0;
};

// Reads the layer keys of `r` into `spec` and validates the result, reporting
// cross-field problems at the offending key. Returns true when all is well.
bool read_layer_fields(MapReader& r, LayerSource src, LayerSpec* spec, LayerScales* scales = nullptr);

}  // namespace sasim
