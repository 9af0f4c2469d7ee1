// Whole-network inference on the golden library: the accelerator layers with
// golden_layer, the CPU operators with the golden CPU operators
// (include/sasim/cpu_ops.h), in the model's operator order.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "sasim/cpu_ops.h"
#include "tflite/import.h"
#include "tflite/reader.h"

namespace sasim::tflite {

// Runs the model on `input` (the input tensor's bytes). Returns the output
// tensor; `tensors`, when given, receives every activation tensor by index.
// Throws std::runtime_error for an operator the golden library does not
// implement yet.
std::vector<int8_t> run_golden(const Model& m, const Imported& im, const std::vector<int8_t>& input,
                               std::map<int, std::vector<int8_t>>* tensors = nullptr);

// One operator on the golden library, its activation inputs taken from `t`
// (constant inputs from the model).
std::vector<int8_t> run_golden_op(const Model& m, const Imported& im, const Operator& op,
                                  const std::map<int, std::vector<int8_t>>& t);

// A tensor's first (per-tensor) scale and zero point.
QuantParam quant_of(const Tensor& t);
// An int32 or int64 constant tensor's values (paddings, axes); throws
// std::runtime_error naming `what` for another type or a non-constant tensor.
std::vector<int64_t> int_constant(const Tensor& x, const char* what);
// Tensor `index`'s bytes: its activation in `t`, or its constant int8 data
// (copied into *scratch, which the returned reference then names).
const std::vector<int8_t>& tensor_value(const Model& m, const std::map<int, std::vector<int8_t>>& t, int index,
                                        std::vector<int8_t>* scratch);

// The pooling parameters of a pooling operator (TFLite's padding rule and
// the fused activation's bounds).
PoolParams pool_params_of(const Model& m, const Operator& op);

}  // namespace sasim::tflite
