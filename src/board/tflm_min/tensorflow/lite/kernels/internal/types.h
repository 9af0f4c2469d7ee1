// tflm_min (README.md): the shapes and parameter structs of TFLite Micro's
// kernels/internal/types.h and runtime_shape.h, as its int8 kernels use them.
// Field names, types and order are TFLite Micro's.
#ifndef TENSORFLOW_LITE_KERNELS_INTERNAL_TYPES_H_
#define TENSORFLOW_LITE_KERNELS_INTERNAL_TYPES_H_

#include <stdint.h>

#include "tensorflow/lite/kernels/internal/compatibility.h"

namespace tflite {

class RuntimeShape {
 public:
  static const int kMaxSmallSize = 5;
  RuntimeShape() : size_(0) {}
  explicit RuntimeShape(int dimensions_count) : size_(dimensions_count) {
    for (int i = 0; i < kMaxSmallSize; ++i) dims_[i] = 0;
  }
  RuntimeShape(int dimensions_count, const int32_t* dims_data) : size_(dimensions_count) {
    for (int i = 0; i < kMaxSmallSize; ++i) dims_[i] = i < dimensions_count ? dims_data[i] : 0;
  }
  int32_t DimensionsCount() const { return size_; }
  int32_t Dims(int i) const { return dims_[i]; }
  void SetDim(int i, int32_t val) { dims_[i] = val; }
  const int32_t* DimsData() const { return dims_; }
  int FlatSize() const {
    int n = 1;
    for (int i = 0; i < size_; ++i) n *= dims_[i];
    return n;
  }
  // `shape` with leading 1s up to new_shape_size dimensions.
  static RuntimeShape ExtendedShape(int new_shape_size, const RuntimeShape& shape) {
    RuntimeShape r(new_shape_size);
    const int pad = new_shape_size - shape.DimensionsCount();
    for (int i = 0; i < new_shape_size; ++i) r.SetDim(i, i < pad ? 1 : shape.Dims(i - pad));
    return r;
  }

 private:
  int32_t size_;
  int32_t dims_[kMaxSmallSize];
};

inline int Offset(const RuntimeShape& shape, int i0, int i1, int i2, int i3) {
  return ((i0 * shape.Dims(1) + i1) * shape.Dims(2) + i2) * shape.Dims(3) + i3;
}

inline int MatchingDim(const RuntimeShape& shape1, int index1, const RuntimeShape& shape2, int index2) {
  (void)shape2;
  (void)index2;
  return shape1.Dims(index1);
}

// The element count the three shapes share (checked in debug builds only).
inline int MatchingElementsSize(const RuntimeShape& shape, const RuntimeShape& check_shape_0,
                                const RuntimeShape& check_shape_1) {
  (void)check_shape_0;
  (void)check_shape_1;
  return shape.FlatSize();
}

inline int FlatSizeSkipDim(const RuntimeShape& shape, int skip_dim) {
  int n = 1;
  for (int i = 0; i < shape.DimensionsCount(); ++i) n *= i == skip_dim ? 1 : shape.Dims(i);
  return n;
}

enum class FusedActivationFunctionType : uint8_t { kNone, kRelu6, kRelu1, kRelu };
enum class PaddingType : uint8_t { kNone, kSame, kValid };

struct PaddingValues {
  int16_t width;
  int16_t height;
  int16_t width_offset;
  int16_t height_offset;
};

struct ConvParams {
  PaddingType padding_type;
  PaddingValues padding_values;
  int16_t stride_width;
  int16_t stride_height;
  int16_t dilation_width_factor;
  int16_t dilation_height_factor;
  int32_t input_offset;
  int32_t weights_offset;
  int32_t output_offset;
  int32_t output_multiplier;
  int output_shift;
  int32_t quantized_activation_min;
  int32_t quantized_activation_max;
  float float_activation_min;
  float float_activation_max;
};

struct DepthwiseParams {
  PaddingType padding_type;
  PaddingValues padding_values;
  int16_t stride_width;
  int16_t stride_height;
  int16_t dilation_width_factor;
  int16_t dilation_height_factor;
  int16_t depth_multiplier;
  int32_t input_offset;
  int32_t weights_offset;
  int32_t output_offset;
  int32_t output_multiplier;
  int output_shift;
  int32_t quantized_activation_min;
  int32_t quantized_activation_max;
  float float_activation_min;
  float float_activation_max;
  const int32_t* output_multiplier_per_channel;
  const int32_t* output_shift_per_channel;
};

enum class FullyConnectedWeightsFormat : uint8_t { kDefault, kShuffled4x16Int8 };

struct FullyConnectedParams {
  int32_t input_offset;
  int32_t weights_offset;
  int32_t output_offset;
  int32_t output_multiplier;
  int output_shift;
  int32_t quantized_activation_min;
  int32_t quantized_activation_max;
  float float_activation_min;
  float float_activation_max;
  bool lhs_cacheable;
  bool rhs_cacheable;
  FullyConnectedWeightsFormat weights_format;
};

enum class BroadcastableOpCategory : uint8_t {
  kNone,
  kNonBroadcast,
  kFirstInputBroadcastsFast,
  kSecondInputBroadcastsFast,
  kGenericBroadcast,
};

// AVERAGE_POOL_2D and MAX_POOL_2D.
struct PoolParams {
  FusedActivationFunctionType activation;
  PaddingType padding_type;
  PaddingValues padding_values;
  int stride_height;
  int stride_width;
  int filter_height;
  int filter_width;
  int32_t quantized_activation_min;
  int32_t quantized_activation_max;
  float float_activation_min;
  float float_activation_max;
};

// ADD, SUB, MUL and the like.
struct ArithmeticParams {
  BroadcastableOpCategory broadcast_category;
  int32_t input1_offset;
  int32_t input2_offset;
  int32_t output_offset;
  int32_t output_multiplier;
  int output_shift;
  int left_shift;
  int32_t input1_multiplier;
  int input1_shift;
  int32_t input2_multiplier;
  int input2_shift;
  int32_t quantized_activation_min;
  int32_t quantized_activation_max;
  float float_activation_min;
  float float_activation_max;
  int64_t int64_activation_min;
  int64_t int64_activation_max;
  int broadcast_shape[5];
};

}  // namespace tflite

#endif
