// The input tensor of a whole-network run (`sasim run --input`): raw int8
// bytes (.bin), an int8 .npy array of the tensor's shape, or seeded values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tflite/reader.h"

namespace sasim::tflite {

// path empty: `seed`'s values (uniform int8). A .npy must be int8, C order,
// and of the tensor's shape, leading 1s aside (a (1, 3, 32, 32) array for a
// 1x32x32x3 tensor is refused, naming both shapes); a .bin must hold exactly
// the tensor's bytes. Bad input: ConfigError naming the file.
std::vector<int8_t> model_input(const std::string& path, int64_t seed, const Tensor& t);

}  // namespace sasim::tflite
