// Reading whole-network model configs (private to src/config/): the model
// input, each entry's `inputs:` wiring and output tensor, and the parameters
// of the CPU operators. docs/model-config.md is the user-facing description.
#pragma once

#include <map>
#include <string>

#include "config/layer_yaml.h"
#include "config/yaml_reader.h"
#include "sasim/config.h"

namespace sasim {

// The CPU operators a whole-network config may list (YAML spelling).
bool is_cpu_op_name(const std::string& op);

// What an entry may read: the tensors defined so far, by name.
struct TensorInfo {
  std::vector<int> shape;
  double scale = 0;
  int zero_point = 0;
  bool is_float = false;
  // The entry that makes it has errors of its own: what it would make is not
  // known, so readers are not checked against it (one error, not a cascade).
  bool unknown = false;
};
using TensorTable = std::map<std::string, TensorInfo>;

// The top-level `input:` into m->input; registers it in *known.
void read_graph_input(MapReader& top, ModelConfig* m, TensorTable* known);

// The `inputs:` of entry `lr` (names in *known or constant operands, which
// are appended to m->constants with paths resolved against base_dir).
// Returns false when some entry of the list was wrong (and reported).
bool read_node_inputs(MapReader& lr, const std::string& base_dir, ModelConfig* m, const TensorTable& known,
                      GraphNode* n);

// A CPU operator entry: its parameters and output tensor (n->op is set);
// the number of inputs is checked when `inputs_ok`.
void read_cpu_node(MapReader& lr, bool inputs_ok, GraphNode* n);

// An accelerator entry: its output tensor and the agreement of its input
// keys with the tensor it reads (shape, zero point, scale when given).
void check_layer_node(MapReader& lr, const LayerSpec& spec, const LayerScales& scales, const TensorTable& known,
                      GraphNode* n);

}  // namespace sasim
