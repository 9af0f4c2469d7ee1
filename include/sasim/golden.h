// Golden int8 numerics: the independent oracle every engine is checked against.
//
// Contract: computes each output element directly from its definition
// (../shared/vectors/README.md, "Arithmetic"): no tiling, no im2col, no
// reordering of the reduction, taps outside the input skipped. Bit-exact with
// TFLite Micro's reference kernels ConvPerChannel, DepthwiseConvPerChannel,
// FullyConnected and FullyConnectedPerChannel with default double rounding.
// `spec` must have passed validate_layer(); `out` has spec.output_elems().
#pragma once

#include "sasim/layer.h"

namespace sasim {

// The int32 accumulator (bias included) of one output element; exposed so the
// cycle model's tests can check partial results, not only final int8 values.
// Indices: conv/depthwise (n, y, x, oc); fully_connected (n, 0, 0, unit).
int32_t golden_accumulator(const LayerSpec& spec, const LayerData& data, int n, int y, int x, int oc);

void golden_layer(const LayerSpec& spec, const LayerData& data, std::vector<int8_t>* out);

}  // namespace sasim
