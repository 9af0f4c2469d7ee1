// sasim export: TFLite Micro's integer MUL kernels, with the int8 Mul and
// BroadcastMul4DSlow run on the CFU's elementwise unit (sasim_tflm.h) when
// the project's CFU has it and the driver's cost model prefers it, and
// TFLite Micro's reference arithmetic otherwise (int16 always). Every
// function the original header declares (tflite-micro 8746ec9) is here, with
// its signature. (No C++ library header and no gemmlowp: the int16 x int16 ->
// int8 product is written out below.)
#ifndef TENSORFLOW_LITE_KERNELS_INTERNAL_REFERENCE_INTEGER_OPS_MUL_H_
#define TENSORFLOW_LITE_KERNELS_INTERNAL_REFERENCE_INTEGER_OPS_MUL_H_

#include "sasim_tflm.h"
#include "tensorflow/lite/kernels/internal/common.h"
#include "tensorflow/lite/kernels/internal/types.h"

namespace tflite {
namespace reference_integer_ops {

namespace sasim_mul {

// The CFU takes int8 only.
inline bool OnCfu(const ArithmeticParams& params, const int dims[4], const int strides1[4], const int strides2[4],
                  const int8_t* input1_data, const int8_t* input2_data, int8_t* output_data) {
  return sasim_tflm::Mul(params, dims, strides1, strides2, input1_data, input2_data, output_data);
}
template <typename T>
inline bool OnCfu(const ArithmeticParams&, const int*, const int*, const int*, const T*, const T*, T*) {
  return false;
}

// One element: the offset inputs' product rescaled to the output, offset
// and clamped.
template <typename T>
inline T Element(T x, T y, const ArithmeticParams& params) {
  const int32_t product = (params.input1_offset + x) * (params.input2_offset + y);
  int32_t v = params.output_offset +
              MultiplyByQuantizedMultiplier(product, params.output_multiplier, params.output_shift);
  v = v < params.quantized_activation_min ? params.quantized_activation_min : v;
  v = v > params.quantized_activation_max ? params.quantized_activation_max : v;
  return static_cast<T>(v);
}

}  // namespace sasim_mul

template <typename T>
inline void MulElementwise(int size, const ArithmeticParams& params, const T* input1_data, const T* input2_data,
                           T* output_data) {
  const int dims[4] = {1, 1, 1, size}, dense[4] = {0, 0, 0, 1};
  if (sasim_mul::OnCfu(params, dims, dense, dense, input1_data, input2_data, output_data)) return;
  for (int i = 0; i < size; ++i) output_data[i] = sasim_mul::Element(input1_data[i], input2_data[i], params);
}

template <typename T>
inline void Mul(const ArithmeticParams& params, const RuntimeShape& input1_shape, const T* input1_data,
                const RuntimeShape& input2_shape, const T* input2_data, const RuntimeShape& output_shape,
                T* output_data) {
  TFLITE_DCHECK_LE(params.quantized_activation_min, params.quantized_activation_max);
  MulElementwise(MatchingElementsSize(input1_shape, input2_shape, output_shape), params, input1_data, input2_data,
                 output_data);
}

// int16 x int16 -> int8: the Q0.15 product (a doubling high multiply,
// rounded, saturating the one overflow), divided by 2^8 with rounding,
// clamped around the output offset, then offset.
inline void Mul(const ArithmeticParams& params, const RuntimeShape& input1_shape, const int16_t* input1_data,
                const RuntimeShape& input2_shape, const int16_t* input2_data, const RuntimeShape& output_shape,
                int8_t* output_data) {
  const int32_t lo = params.quantized_activation_min - params.output_offset;
  const int32_t hi = params.quantized_activation_max - params.output_offset;
  const int size = MatchingElementsSize(input1_shape, input2_shape, output_shape);
  for (int i = 0; i < size; ++i) {
    const int32_t a = input1_data[i], b = input2_data[i];
    int32_t q15;
    if (a == -32768 && b == -32768) {
      q15 = 32767;
    } else {
      const int32_t ab = a * b;
      const int32_t nudge = ab >= 0 ? (1 << 14) : (1 - (1 << 14));
      q15 = (ab + nudge) / (1 << 15);  // truncates toward zero after the nudge
    }
    const int16_t x = static_cast<int16_t>(q15);
    const int32_t remainder = x & 0xff;
    const int32_t threshold = 0x7f + (x < 0 ? 1 : 0);
    int32_t v = (x >> 8) + (remainder > threshold ? 1 : 0);
    v = v > hi ? hi : v;
    v = v < lo ? lo : v;
    output_data[i] = static_cast<int8_t>(params.output_offset + v);
  }
}

template <typename T>
inline void BroadcastMul4DSlow(const ArithmeticParams& params, const RuntimeShape& input1_shape,
                               const T* input1_data, const RuntimeShape& input2_shape, const T* input2_data,
                               const RuntimeShape& output_shape, T* output_data) {
  NdArrayDesc<4> d1;
  NdArrayDesc<4> d2;
  NdArrayDescsForElementwiseBroadcast(input1_shape, input2_shape, &d1, &d2);
  const RuntimeShape out = RuntimeShape::ExtendedShape(4, output_shape);
  const int dims[4] = {out.Dims(0), out.Dims(1), out.Dims(2), out.Dims(3)};
  if (sasim_mul::OnCfu(params, dims, d1.strides, d2.strides, input1_data, input2_data, output_data)) return;
  for (int b = 0; b < out.Dims(0); ++b)
    for (int y = 0; y < out.Dims(1); ++y)
      for (int x = 0; x < out.Dims(2); ++x)
        for (int c = 0; c < out.Dims(3); ++c)
          output_data[Offset(out, b, y, x, c)] = sasim_mul::Element(
              input1_data[SubscriptToIndex(d1, b, y, x, c)], input2_data[SubscriptToIndex(d2, b, y, x, c)], params);
}

}  // namespace reference_integer_ops
}  // namespace tflite

#endif  // TENSORFLOW_LITE_KERNELS_INTERNAL_REFERENCE_INTEGER_OPS_MUL_H_
