// Helpers shared by the test binaries: the shared vector cases (read in
// place from ../shared/vectors) and hardware configs with the array overridden.
#pragma once

#include <dirent.h>

#include <algorithm>
#include <string>
#include <vector>

#include "sasim/config.h"
#include "sasim/cpu_ops.h"
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

// s with an elementwise operator fused into its readback (LayerSpec::fused):
// op (sasim_isa::EwOp) of the layer's result (quantized qy) and an operand
// (qx) into qo, with the multipliers and shifts m, sh of its Prepare
// (sasim::add_multipliers and the like) and the range [lo, hi].
inline void set_fused(sasim::LayerSpec* s, int op, const int32_t m[3], const int sh[3], sasim::QuantParam qy,
                      sasim::QuantParam qx, sasim::QuantParam qo, int32_t lo = -128, int32_t hi = 127) {
  s->has_fused = true;
  s->fused.op = op;
  s->fused.a_zp = qy.zero_point;
  s->fused.b_zp = qx.zero_point;
  s->fused.out_zp = qo.zero_point;
  s->fused.act_min = lo;
  s->fused.act_max = hi;
  s->fused.m_a = m[0];
  s->fused.s_a = sh[0];
  s->fused.m_b = m[1];
  s->fused.s_b = sh[1];
  s->fused.m_out = m[2];
  s->fused.s_out = sh[2];
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
