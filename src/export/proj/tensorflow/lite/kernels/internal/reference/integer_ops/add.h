// sasim export: TFLite Micro's int8 ADD kernels, with Add and
// BroadcastAdd4DSlow run on the CFU's elementwise unit (sasim_tflm.h) when
// the project's CFU has it and the driver's cost model prefers it, and
// TFLite Micro's reference arithmetic otherwise. Every function the original
// header declares (tflite-micro 8746ec9) is here, with its signature. (No C++
// library header: the kernels need none, and the board toolchain of sasim's
// tests has none.)
#ifndef TENSORFLOW_LITE_KERNELS_INTERNAL_REFERENCE_INTEGER_OPS_ADD_H_
#define TENSORFLOW_LITE_KERNELS_INTERNAL_REFERENCE_INTEGER_OPS_ADD_H_

#include "sasim_tflm.h"
#include "tensorflow/lite/kernels/internal/common.h"
#include "tensorflow/lite/kernels/internal/types.h"

namespace tflite {
namespace reference_integer_ops {

// The inputs' offsets are minus int8 zero points; the range is ordered.
inline void CheckArithmeticParams(const ArithmeticParams& params) {
  TFLITE_DCHECK_LE(params.quantized_activation_min, params.quantized_activation_max);
  TFLITE_DCHECK_GE(-params.input1_offset, -128);
  TFLITE_DCHECK_GE(-params.input2_offset, -128);
  TFLITE_DCHECK_LE(-params.input1_offset, 127);
  TFLITE_DCHECK_LE(-params.input2_offset, 127);
}

// output[i] = binary_func(input1[i], input2[i]) over `size` elements.
inline void ElementWise(int size, const ArithmeticParams& params, const int8_t* input1_data,
                        const int8_t* input2_data, int8_t* output_data,
                        void (*check_arithmetic_params)(const ArithmeticParams&),
                        int8_t (*binary_func)(int8_t, int8_t, const ArithmeticParams&)) {
  check_arithmetic_params(params);
  for (int i = 0; i < size; ++i) output_data[i] = binary_func(input1_data[i], input2_data[i], params);
}

// The same over a 4-D output, each input read through its broadcast strides.
inline void BroadcastBinaryFunction4DSlow(const ArithmeticParams& params, const RuntimeShape& input1_shape,
                                          const int8_t* input1_data, const RuntimeShape& input2_shape,
                                          const int8_t* input2_data, const RuntimeShape& output_shape,
                                          int8_t* output_data,
                                          void (*check_arithmetic_params)(const ArithmeticParams&),
                                          int8_t (*binary_func)(int8_t, int8_t, const ArithmeticParams&)) {
  check_arithmetic_params(params);
  NdArrayDesc<4> d1;
  NdArrayDesc<4> d2;
  NdArrayDescsForElementwiseBroadcast(input1_shape, input2_shape, &d1, &d2);
  const RuntimeShape out = RuntimeShape::ExtendedShape(4, output_shape);
  for (int b = 0; b < out.Dims(0); ++b)
    for (int y = 0; y < out.Dims(1); ++y)
      for (int x = 0; x < out.Dims(2); ++x)
        for (int c = 0; c < out.Dims(3); ++c)
          output_data[Offset(out, b, y, x, c)] = binary_func(input1_data[SubscriptToIndex(d1, b, y, x, c)],
                                                             input2_data[SubscriptToIndex(d2, b, y, x, c)], params);
}

// One element: both inputs offset, shifted left by left_shift and rescaled,
// summed, rescaled to the output, offset and clamped.
inline int8_t AddFunc(int8_t x, int8_t y, const ArithmeticParams& params) {
  const int32_t a = (params.input1_offset + x) * (1 << params.left_shift);
  const int32_t b = (params.input2_offset + y) * (1 << params.left_shift);
  const int32_t sum =
      MultiplyByQuantizedMultiplierSmallerThanOneExp(a, params.input1_multiplier, params.input1_shift) +
      MultiplyByQuantizedMultiplierSmallerThanOneExp(b, params.input2_multiplier, params.input2_shift);
  int32_t v = MultiplyByQuantizedMultiplierSmallerThanOneExp(sum, params.output_multiplier, params.output_shift) +
              params.output_offset;
  v = v < params.quantized_activation_min ? params.quantized_activation_min : v;
  v = v > params.quantized_activation_max ? params.quantized_activation_max : v;
  return static_cast<int8_t>(v);
}

inline void AddElementwise(int size, const ArithmeticParams& params, const int8_t* input1_data,
                           const int8_t* input2_data, int8_t* output_data) {
  const int dims[4] = {1, 1, 1, size}, dense[4] = {0, 0, 0, 1};
  if (sasim_tflm::Add(params, dims, dense, dense, input1_data, input2_data, output_data)) return;
  ElementWise(size, params, input1_data, input2_data, output_data, CheckArithmeticParams, AddFunc);
}

inline void Add(const ArithmeticParams& params, const RuntimeShape& input1_shape, const int8_t* input1_data,
                const RuntimeShape& input2_shape, const int8_t* input2_data, const RuntimeShape& output_shape,
                int8_t* output_data) {
  CheckArithmeticParams(params);
  AddElementwise(MatchingElementsSize(input1_shape, input2_shape, output_shape), params, input1_data, input2_data,
                 output_data);
}

inline void BroadcastAdd4DSlow(const ArithmeticParams& params, const RuntimeShape& input1_shape,
                               const int8_t* input1_data, const RuntimeShape& input2_shape,
                               const int8_t* input2_data, const RuntimeShape& output_shape, int8_t* output_data) {
  NdArrayDesc<4> d1;
  NdArrayDesc<4> d2;
  NdArrayDescsForElementwiseBroadcast(input1_shape, input2_shape, &d1, &d2);
  const RuntimeShape out = RuntimeShape::ExtendedShape(4, output_shape);
  const int dims[4] = {out.Dims(0), out.Dims(1), out.Dims(2), out.Dims(3)};
  if (sasim_tflm::Add(params, dims, d1.strides, d2.strides, input1_data, input2_data, output_data)) return;
  BroadcastBinaryFunction4DSlow(params, input1_shape, input1_data, input2_shape, input2_data, output_shape,
                                output_data, CheckArithmeticParams, AddFunc);
}

}  // namespace reference_integer_ops
}  // namespace tflite

#endif  // TENSORFLOW_LITE_KERNELS_INTERNAL_REFERENCE_INTEGER_OPS_ADD_H_
