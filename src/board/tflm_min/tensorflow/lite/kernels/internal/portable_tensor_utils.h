// tflm_min (README.md): the one tensor utility the integer_ops headers use.
#ifndef TENSORFLOW_LITE_KERNELS_INTERNAL_PORTABLE_TENSOR_UTILS_H_
#define TENSORFLOW_LITE_KERNELS_INTERNAL_PORTABLE_TENSOR_UTILS_H_

#include <stdint.h>

namespace tflite {
namespace tensor_utils {

// Two signed 4-bit values per byte, low nibble first, into int8.
inline void UnpackDenseInt4IntoInt8(const int8_t* src_buffer, int num_elements, int8_t* dst_buffer) {
  for (int i = 0; i < num_elements; ++i) {
    const int8_t byte = src_buffer[i / 2];
    const int nibble = i % 2 == 0 ? (byte & 0xF) : ((byte >> 4) & 0xF);
    dst_buffer[i] = static_cast<int8_t>(nibble >= 8 ? nibble - 16 : nibble);
  }
}

}  // namespace tensor_utils
}  // namespace tflite

#endif
