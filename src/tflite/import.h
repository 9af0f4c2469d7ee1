// From a TFLite model to sasim layers: CONV_2D, DEPTHWISE_CONV_2D and
// FULLY_CONNECTED become LayerSpecs with the model's weights, and their
// quantization derived exactly as TFLite Micro prepares them
// (../shared/vectors/README.md); the CPU operators are listed.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "sasim/config.h"
#include "sasim/layer.h"
#include "tflite/reader.h"

namespace sasim::tflite {

struct ImportedLayer {
  int op_index = 0;
  LayerSpec spec;  // validated
  std::vector<int8_t> filter;
  std::vector<int32_t> bias;  // empty without bias
};

struct CpuOp {
  int op_index = 0;
  std::string op;  // "ADD", ...
  std::string detail;  // shapes, for the listing
};

struct Imported {
  std::string name;  // from the file name
  std::vector<ImportedLayer> layers;
  std::vector<CpuOp> cpu_ops;
};

// The checks TFLite Micro's Prepare makes on a CPU operator (and the limits
// of sasim's golden operators), so that a model runs only when every
// operator can: throws fail(op, reason) for the first problem.
using CheckFail = std::function<ConfigError(const Operator& op, const std::string& reason)>;
void check_cpu_op(const Model& m, const Operator& op, const CheckFail& fail);

// Throws ConfigError (naming the file, the operator and its index) for an
// operator sasim does not support, a float model, or parameters it cannot
// take (a filter zero point other than 0, a shape it cannot map).
Imported import_model(const Model& m);

// Writes `yaml_path` (a whole-network model config, docs/model-config.md)
// and, in a folder named after it without ".yaml", one .bin per weight tensor
// and constant operand. Returns the written file names.
std::vector<std::string> write_model_yaml(const Model& m, const Imported& im, const std::string& yaml_path,
                                          const std::string& source_path);

}  // namespace sasim::tflite
