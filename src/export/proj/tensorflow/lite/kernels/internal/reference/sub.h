// sasim export: TFLite Micro's SUB kernels, with the int8 Sub and
// BroadcastQuantSubSlow run on the CFU's elementwise unit (sasim_tflm.h)
// when the project's CFU has it and the driver's cost model prefers it, and
// TFLite Micro's reference arithmetic otherwise. Every function the original
// header declares (tflite-micro 8746ec9, reference/sub.h) is here, with its
// signature. (No C++ library header: the kernels need none, and the board
// toolchain of sasim's tests has none.)
#ifndef TENSORFLOW_LITE_KERNELS_INTERNAL_REFERENCE_SUB_H_
#define TENSORFLOW_LITE_KERNELS_INTERNAL_REFERENCE_SUB_H_

#include <stdint.h>

#include "sasim_tflm.h"
#include "tensorflow/lite/kernels/internal/common.h"
#include "tensorflow/lite/kernels/internal/compatibility.h"
#include "tensorflow/lite/kernels/internal/types.h"

namespace tflite {

namespace reference_ops {

namespace sasim_sub {

template <typename T>
inline T Clamp(T v, T lo, T hi) {
  return v < lo ? lo : v > hi ? hi : v;
}

// Visits every index of an N-D output in row-major order (the last index
// fastest), calling f(indexes).
template <int N, typename F>
inline void ForEachIndex(const NdArrayDesc<N>& out, F f) {
  int idx[N];
  for (int i = 0; i < N; ++i) idx[i] = 0;
  for (int i = 0; i < N; ++i)
    if (out.extents[i] <= 0) return;
  for (;;) {
    f(idx);
    int d = N - 1;
    while (d >= 0 && ++idx[d] == out.extents[d]) idx[d--] = 0;
    if (d < 0) return;
  }
}

// Element offset of `idx` in an N-D array described by desc.
template <int N>
inline int Index(const NdArrayDesc<N>& desc, const int* idx) {
  int r = 0;
  for (int i = 0; i < N; ++i) r += idx[i] * desc.strides[i];
  return r;
}

// The output's descriptor: its extended shape's extents, row-major strides.
template <int N>
inline void OutputDesc(const RuntimeShape& output_shape, NdArrayDesc<N>* d) {
  const RuntimeShape s = RuntimeShape::ExtendedShape(N, output_shape);
  int stride = 1;
  for (int i = N - 1; i >= 0; --i) {
    d->extents[i] = s.Dims(i);
    d->strides[i] = stride;
    stride *= s.Dims(i);
  }
}

// out = f(a, b) over the broadcast of the two inputs.
template <int N, typename T, typename F>
inline void Broadcast(const RuntimeShape& input1_shape, const T* input1_data, const RuntimeShape& input2_shape,
                      const T* input2_data, const RuntimeShape& output_shape, T* output_data, F f) {
  NdArrayDesc<N> d1;
  NdArrayDesc<N> d2;
  NdArrayDesc<N> out;
  NdArrayDescsForElementwiseBroadcast(input1_shape, input2_shape, &d1, &d2);
  OutputDesc(output_shape, &out);
  ForEachIndex(out, [&](const int* idx) {
    output_data[Index(out, idx)] = f(input1_data[Index(d1, idx)], input2_data[Index(d2, idx)]);
  });
}

// The quantized difference of one element pair (int8, uint8, int16): both
// inputs offset, shifted left by left_shift and rescaled, subtracted,
// rescaled to the output, offset and clamped.
template <typename T>
inline T QuantSub(T x, T y, const ArithmeticParams& params) {
  const int32_t a = (params.input1_offset + x) * (1 << params.left_shift);
  const int32_t b = (params.input2_offset + y) * (1 << params.left_shift);
  const int32_t d =
      MultiplyByQuantizedMultiplierSmallerThanOneExp(a, params.input1_multiplier, params.input1_shift) -
      MultiplyByQuantizedMultiplierSmallerThanOneExp(b, params.input2_multiplier, params.input2_shift);
  const int32_t v = MultiplyByQuantizedMultiplierSmallerThanOneExp(d, params.output_multiplier, params.output_shift) +
                    params.output_offset;
  return static_cast<T>(Clamp(v, params.quantized_activation_min, params.quantized_activation_max));
}

// A rounding right shift by `exponent` (to nearest, ties away from zero).
inline int32_t RoundingShiftRight(int32_t x, int exponent) {
  if (exponent <= 0) return x;
  const int32_t mask = static_cast<int32_t>((static_cast<int64_t>(1) << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

// int8 on the CFU (sasim_tflm::Sub), the output as 4 dimensions: false when
// the bridge declines or a fifth, leading dimension is not 1.
template <int N>
inline bool OnCfu(const ArithmeticParams& params, const RuntimeShape& input1_shape, const int8_t* input1_data,
                  const RuntimeShape& input2_shape, const int8_t* input2_data, const RuntimeShape& output_shape,
                  int8_t* output_data) {
  if (N < 4) return false;
  NdArrayDesc<N> d1;
  NdArrayDesc<N> d2;
  NdArrayDesc<N> out;
  NdArrayDescsForElementwiseBroadcast(input1_shape, input2_shape, &d1, &d2);
  OutputDesc(output_shape, &out);
  for (int i = 0; i < N - 4; ++i)
    if (out.extents[i] != 1) return false;
  const int dims[4] = {out.extents[N - 4], out.extents[N - 3], out.extents[N - 2], out.extents[N - 1]};
  const int s1[4] = {d1.strides[N - 4], d1.strides[N - 3], d1.strides[N - 2], d1.strides[N - 1]};
  const int s2[4] = {d2.strides[N - 4], d2.strides[N - 3], d2.strides[N - 2], d2.strides[N - 1]};
  return sasim_tflm::Sub(params, dims, s1, s2, input1_data, input2_data, output_data);
}
template <int N, typename T>
inline bool OnCfu(const ArithmeticParams&, const RuntimeShape&, const T*, const RuntimeShape&, const T*,
                  const RuntimeShape&, T*) {
  return false;
}

}  // namespace sasim_sub

inline void SubNonBroadcast(const ArithmeticParams& params, const RuntimeShape& input1_shape,
                            const float* input1_data, const RuntimeShape& input2_shape, const float* input2_data,
                            const RuntimeShape& output_shape, float* output_data) {
  const int n = MatchingElementsSize(input1_shape, input2_shape, output_shape);
  for (int i = 0; i < n; ++i)
    output_data[i] = ActivationFunctionWithMinMax(input1_data[i] - input2_data[i], params.float_activation_min,
                                                  params.float_activation_max);
}

inline void SubNonBroadcast(const ArithmeticParams& params, const RuntimeShape& input1_shape,
                            const int32_t* input1_data, const RuntimeShape& input2_shape,
                            const int32_t* input2_data, const RuntimeShape& output_shape, int32_t* output_data) {
  const int n = MatchingElementsSize(input1_shape, input2_shape, output_shape);
  for (int i = 0; i < n; ++i)
    output_data[i] = sasim_sub::Clamp(input1_data[i] - input2_data[i], params.quantized_activation_min,
                                      params.quantized_activation_max);
}

template <int N = 5>
inline void BroadcastSubSlow(const ArithmeticParams& params, const RuntimeShape& input1_shape,
                             const float* input1_data, const RuntimeShape& input2_shape, const float* input2_data,
                             const RuntimeShape& output_shape, float* output_data) {
  sasim_sub::Broadcast<N>(input1_shape, input1_data, input2_shape, input2_data, output_shape, output_data,
                          [&](float a, float b) {
                            return ActivationFunctionWithMinMax(a - b, params.float_activation_min,
                                                                params.float_activation_max);
                          });
}

template <int N = 5>
inline void BroadcastSubSlow(const ArithmeticParams& params, const RuntimeShape& input1_shape,
                             const int32_t* input1_data, const RuntimeShape& input2_shape,
                             const int32_t* input2_data, const RuntimeShape& output_shape, int32_t* output_data) {
  sasim_sub::Broadcast<N>(input1_shape, input1_data, input2_shape, input2_data, output_shape, output_data,
                          [&](int32_t a, int32_t b) {
                            return sasim_sub::Clamp(a - b, params.quantized_activation_min,
                                                    params.quantized_activation_max);
                          });
}

template <int N = 5>
void BroadcastSubSlow(const ArithmeticParams& params, const RuntimeShape& input1_shape, const int64_t* input1_data,
                      const RuntimeShape& input2_shape, const int64_t* input2_data, const RuntimeShape& output_shape,
                      int64_t* output_data) {
  sasim_sub::Broadcast<N>(input1_shape, input1_data, input2_shape, input2_data, output_shape, output_data,
                          [&](int64_t a, int64_t b) {
                            return sasim_sub::Clamp(a - b, params.int64_activation_min, params.int64_activation_max);
                          });
}

template <typename T, int N = 5>
void BroadcastSubSlow(const ArithmeticParams& params, const RuntimeShape& input1_shape, const T* input1_data,
                      const RuntimeShape& input2_shape, const T* input2_data, const RuntimeShape& output_shape,
                      T* output_data) {
  sasim_sub::Broadcast<N>(input1_shape, input1_data, input2_shape, input2_data, output_shape, output_data,
                          [&](T a, T b) {
                            return static_cast<T>(sasim_sub::Clamp<int32_t>(a - b, params.quantized_activation_min,
                                                                            params.quantized_activation_max));
                          });
}

// int16 with power-of-two scales: each input divided by 2^-shift (rounding),
// subtracted and clamped.
template <int N = 5>
inline void BroadcastSub16POTSlow(const ArithmeticParams& params, const RuntimeShape& input1_shape,
                                  const int16_t* input1_data, const RuntimeShape& input2_shape,
                                  const int16_t* input2_data, const RuntimeShape& output_shape,
                                  int16_t* output_data) {
  sasim_sub::Broadcast<N>(input1_shape, input1_data, input2_shape, input2_data, output_shape, output_data,
                          [&](int16_t a, int16_t b) {
                            const int32_t v = sasim_sub::RoundingShiftRight(a, -params.input1_shift) -
                                              sasim_sub::RoundingShiftRight(b, -params.input2_shift);
                            return static_cast<int16_t>(sasim_sub::Clamp(v, params.quantized_activation_min,
                                                                         params.quantized_activation_max));
                          });
}

template <typename T, int N = 5>
void BroadcastQuantSubSlow(const ArithmeticParams& params, const RuntimeShape& input1_shape, const T* input1_data,
                           const RuntimeShape& input2_shape, const T* input2_data, const RuntimeShape& output_shape,
                           T* output_data) {
  if (sasim_sub::OnCfu<N>(params, input1_shape, input1_data, input2_shape, input2_data, output_shape, output_data))
    return;
  sasim_sub::Broadcast<N>(input1_shape, input1_data, input2_shape, input2_data, output_shape, output_data,
                          [&](T a, T b) { return sasim_sub::QuantSub(a, b, params); });
}

template <typename T>
inline void SubElementwise(int size, const ArithmeticParams& params, const T* input1_data, const T* input2_data,
                           T* output_data) {
  for (int i = 0; i < size; ++i) output_data[i] = sasim_sub::QuantSub(input1_data[i], input2_data[i], params);
}

inline void Sub(const ArithmeticParams& params, const RuntimeShape& input1_shape, const uint8_t* input1_data,
                const RuntimeShape& input2_shape, const uint8_t* input2_data, const RuntimeShape& output_shape,
                uint8_t* output_data) {
  TFLITE_DCHECK_LE(params.quantized_activation_min, params.quantized_activation_max);
  SubElementwise(MatchingElementsSize(input1_shape, input2_shape, output_shape), params, input1_data, input2_data,
                 output_data);
}

inline void Sub(const ArithmeticParams& params, const RuntimeShape& input1_shape, const int8_t* input1_data,
                const RuntimeShape& input2_shape, const int8_t* input2_data, const RuntimeShape& output_shape,
                int8_t* output_data) {
  TFLITE_DCHECK_LE(params.quantized_activation_min, params.quantized_activation_max);
  const int n = MatchingElementsSize(input1_shape, input2_shape, output_shape);
  const int dims[4] = {1, 1, 1, n}, dense[4] = {0, 0, 0, 1};
  if (sasim_tflm::Sub(params, dims, dense, dense, input1_data, input2_data, output_data)) return;
  SubElementwise(n, params, input1_data, input2_data, output_data);
}

inline void Sub(const ArithmeticParams& params, const RuntimeShape& input1_shape, const int16_t* input1_data,
                const RuntimeShape& input2_shape, const int16_t* input2_data, const RuntimeShape& output_shape,
                int16_t* output_data) {
  TFLITE_DCHECK_LE(params.quantized_activation_min, params.quantized_activation_max);
  SubElementwise(MatchingElementsSize(input1_shape, input2_shape, output_shape), params, input1_data, input2_data,
                 output_data);
}

// The plain difference over a 4-D broadcast, no activation.
template <typename T>
void Sub(const ArithmeticParams& params, const RuntimeShape& input1_shape, const T* input1_data,
         const RuntimeShape& input2_shape, const T* input2_data, const RuntimeShape& output_shape, T* output_data) {
  (void)params;
  sasim_sub::Broadcast<4>(input1_shape, input1_data, input2_shape, input2_data, output_shape, output_data,
                          [](T a, T b) { return static_cast<T>(a - b); });
}

inline void SetActivationMinMax(const ArithmeticParams& params, int32_t* activation_min, int32_t* activation_max) {
  *activation_min = params.quantized_activation_min;
  *activation_max = params.quantized_activation_max;
}

inline void SetActivationMinMax(const ArithmeticParams& params, float* activation_min, float* activation_max) {
  *activation_min = params.float_activation_min;
  *activation_max = params.float_activation_max;
}

inline void SetActivationMinMax(const ArithmeticParams& params, int64_t* activation_min, int64_t* activation_max) {
  *activation_min = params.int64_activation_min;
  *activation_max = params.int64_activation_max;
}

template <typename T>
inline void SubWithActivation(const ArithmeticParams& params, const RuntimeShape& input1_shape,
                              const T* input1_data, const RuntimeShape& input2_shape, const T* input2_data,
                              const RuntimeShape& output_shape, T* output_data) {
  const int n = MatchingElementsSize(input1_shape, input2_shape, output_shape);
  T lo, hi;
  SetActivationMinMax(params, &lo, &hi);
  for (int i = 0; i < n; ++i) output_data[i] = sasim_sub::Clamp<T>(input1_data[i] - input2_data[i], lo, hi);
}

}  // namespace reference_ops
}  // namespace tflite

#endif  // TENSORFLOW_LITE_KERNELS_INTERNAL_REFERENCE_SUB_H_
