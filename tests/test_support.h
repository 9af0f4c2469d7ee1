// Helpers shared by the test binaries: the shared vector cases (read in
// place from ../shared/vectors) and hardware configs with the array overridden.
#pragma once

#include <dirent.h>

#include <algorithm>
#include <string>
#include <vector>

#include "sasim/config.h"
#include "sasim/layer.h"

namespace sasim_test {

// Every case directory under SASIM_SHARED_DIR/vectors, sorted.
inline std::vector<std::string> vector_cases() {
  std::vector<std::string> out;
  const std::string root = std::string(SASIM_SHARED_DIR) + "/vectors";
  DIR* d = opendir(root.c_str());
  if (!d) return out;
  while (dirent* e = readdir(d)) {
    const std::string n = e->d_name;
    if (n[0] == '.' || n == "README.md") continue;
    out.push_back(root + "/" + n);
  }
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

// The embedded default with array.rows/cols/dataflow set through --set
// overrides, exactly as a user would.
inline sasim::HwConfig hw_of(int rows, int cols, const char* dataflow) {
  return sasim::load_hw_config("", {sasim::parse_override("array.rows=" + std::to_string(rows)),
                                    sasim::parse_override("array.cols=" + std::to_string(cols)),
                                    sasim::parse_override(std::string("array.dataflow=") + dataflow)});
}

// Random operands for a layer: input over the whole int8 range, filter in
// -127 .. 127, and, with has_bias, an int32 bias per output channel in
// -20000 .. 20000; pick(lo, hi) draws an int in [lo, hi].
template <class Pick>
sasim::LayerData random_layer_data(const sasim::LayerSpec& s, Pick&& pick) {
  sasim::LayerData d;
  for (int64_t i = 0; i < s.input_elems(); ++i) d.input.push_back(static_cast<int8_t>(pick(-128, 127)));
  for (int64_t i = 0; i < s.filter_elems(); ++i) d.filter.push_back(static_cast<int8_t>(pick(-127, 127)));
  if (s.has_bias)
    for (int64_t i = 0; i < s.output_shape.back(); ++i) d.bias.push_back(pick(-20000, 20000));
  return d;
}

}  // namespace sasim_test
