// Reading layer cases in the ../shared/vectors format (see its README.md):
// a directory with case.yaml and raw little-endian input/filter/bias/output .bin
// files.
//
// Contract: load_case returns a validated LayerSpec whose derived padding and
// MAC count agree with the case's own `pad` and `macs` fields, and tensors
// whose sizes agree with the shapes; otherwise it throws ConfigError naming the
// file (and line/key for case.yaml problems). Unknown case.yaml keys are
// accepted: the format belongs to the vector producer and may grow.
#pragma once

#include <string>

#include "sasim/config.h"
#include "sasim/layer.h"

namespace sasim {

struct LayerCase {
  std::string name;  // directory base name
  std::string dir;
  LayerSpec spec;
  LayerData data;  // data.output holds the expected output
};

LayerCase load_case(const std::string& dir);

}  // namespace sasim
