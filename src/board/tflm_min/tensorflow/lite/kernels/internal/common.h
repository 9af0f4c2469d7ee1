// tflm_min (README.md): the requantization of TFLite Micro's
// kernels/internal/common.h in its default double-rounding form
// (TFLITE_SINGLE_ROUNDING unset), and the float activation clamp.
#ifndef TENSORFLOW_LITE_KERNELS_INTERNAL_COMMON_H_
#define TENSORFLOW_LITE_KERNELS_INTERNAL_COMMON_H_

#include <stdint.h>

#include "tensorflow/lite/kernels/internal/types.h"

namespace tflite {

// round(a * b / 2^31), saturating the one overflow (INT32_MIN * INT32_MIN).
inline int32_t SaturatingRoundingDoublingHighMul(int32_t a, int32_t b) {
  if (a == b && a == INT32_MIN) return INT32_MAX;
  const int64_t ab = static_cast<int64_t>(a) * b;
  const int64_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
  return static_cast<int32_t>((ab + nudge) / (int64_t{1} << 31));
}

// x / 2^exponent rounded half away from zero.
inline int32_t RoundingDivideByPOT(int32_t x, int exponent) {
  const int32_t mask = static_cast<int32_t>((int64_t{1} << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

// shift > 0: a left shift before the multiply; shift < 0: a rounding right
// shift after it.
inline int32_t MultiplyByQuantizedMultiplier(int32_t x, int32_t quantized_multiplier, int shift) {
  const int left_shift = shift > 0 ? shift : 0;
  const int right_shift = shift > 0 ? 0 : -shift;
  const int32_t shifted = static_cast<int32_t>(static_cast<uint32_t>(x) << left_shift);
  return RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(shifted, quantized_multiplier), right_shift);
}

// The 64-bit accumulator form (16x8 kernels): the multiplier rounded to 16
// bits, one rounding shift by 15 - shift (shift in [-31, 7]).
inline int32_t MultiplyByQuantizedMultiplier(int64_t x, int32_t quantized_multiplier, int shift) {
  const int32_t reduced = quantized_multiplier < 0x7FFF0000 ? ((quantized_multiplier + (1 << 15)) >> 16) : 0x7FFF;
  const int total_shift = 15 - shift;
  const int64_t rounded = x * static_cast<int64_t>(reduced) + (static_cast<int64_t>(1) << (total_shift - 1));
  return static_cast<int32_t>(rounded >> total_shift);
}

// The double-rounding form: a rounding right shift by -shift (shift <= 0).
inline int32_t MultiplyByQuantizedMultiplierSmallerThanOneExp(int32_t x, int32_t quantized_multiplier, int shift) {
  return RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x, quantized_multiplier), -shift);
}

// Broadcasting: each dimension's extent and element stride (0 where an
// input of extent 1 is broadcast over the other's).
template <int N>
struct NdArrayDesc {
  int extents[N];
  int strides[N];
};

inline int SubscriptToIndex(const NdArrayDesc<4>& desc, int i0, int i1, int i2, int i3) {
  return i0 * desc.strides[0] + i1 * desc.strides[1] + i2 * desc.strides[2] + i3 * desc.strides[3];
}

template <int N>
inline void NdArrayDescsForElementwiseBroadcast(const RuntimeShape& input0_shape, const RuntimeShape& input1_shape,
                                                NdArrayDesc<N>* desc0_out, NdArrayDesc<N>* desc1_out) {
  const RuntimeShape s0 = RuntimeShape::ExtendedShape(N, input0_shape);
  const RuntimeShape s1 = RuntimeShape::ExtendedShape(N, input1_shape);
  int stride0 = 1, stride1 = 1;
  for (int i = N - 1; i >= 0; --i) {  // row-major strides of each input
    desc0_out->extents[i] = s0.Dims(i);
    desc0_out->strides[i] = stride0;
    desc1_out->extents[i] = s1.Dims(i);
    desc1_out->strides[i] = stride1;
    stride0 *= s0.Dims(i);
    stride1 *= s1.Dims(i);
  }
  for (int i = 0; i < N; ++i) {
    if (s0.Dims(i) == s1.Dims(i)) continue;
    if (s0.Dims(i) == 1) {
      desc0_out->strides[i] = 0;
      desc0_out->extents[i] = s1.Dims(i);
    } else {
      desc1_out->strides[i] = 0;
      desc1_out->extents[i] = s0.Dims(i);
    }
  }
}

inline float ActivationFunctionWithMinMax(float x, float output_activation_min, float output_activation_max) {
  return x < output_activation_min ? output_activation_min : x > output_activation_max ? output_activation_max : x;
}

}  // namespace tflite

#endif
