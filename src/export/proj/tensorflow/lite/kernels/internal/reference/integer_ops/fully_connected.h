// sasim export: TFLite Micro's integer fully-connected kernels, with the int8
// FullyConnected and FullyConnectedPerChannel run on the sasim accelerator
// (sasim_tflm.h) and TFLite Micro's reference arithmetic for whatever it
// cannot take. Every function the original header declares (tflite-micro
// 8746ec9) is here, with its signature. (No C++ library header: the kernels
// need none, and the board toolchain of sasim's tests has none.)
#ifndef TENSORFLOW_LITE_KERNELS_INTERNAL_REFERENCE_INTEGER_OPS_FULLY_CONNECTED_H_
#define TENSORFLOW_LITE_KERNELS_INTERNAL_REFERENCE_INTEGER_OPS_FULLY_CONNECTED_H_

#include "sasim_reference.h"
#include "sasim_tflm.h"
#include "tensorflow/lite/kernels/internal/common.h"
#include "tensorflow/lite/kernels/internal/portable_tensor_utils.h"

namespace tflite {
namespace reference_integer_ops {

// The reference arithmetic: out[b][u] = sum_d (w[u][d] + filter_offset) *
// (x[b][d] + input_offset) + bias[u], requantized with channel u's pair (or
// the one pair when per_channel is false). int16 has no input/output offsets.
template <typename InputT, typename AccT, typename BiasT, typename OutputT>
inline void SasimFullyConnectedReference(const FullyConnectedParams& params, const int32_t* multipliers,
                                         const int* shifts, bool per_channel, int batches, int units, int depth,
                                         const InputT* input_data, const int8_t* filter_data, const BiasT* bias_data,
                                         OutputT* output_data, int32_t input_offset, int32_t output_offset) {
  for (int b = 0; b < batches; ++b)
    for (int u = 0; u < units; ++u) {
      AccT acc = 0;
      for (int d = 0; d < depth; ++d) {
        const AccT w = static_cast<AccT>(filter_data[u * depth + d]) + params.weights_offset;
        acc += w * (static_cast<AccT>(input_data[b * depth + d]) + input_offset);
      }
      if (bias_data) acc += bias_data[u];
      const int c = per_channel ? u : 0;
      output_data[b * units + u] = static_cast<OutputT>(
          sasim_reference::Output(acc, multipliers[c], shifts[c], output_offset, params.quantized_activation_min,
                                  params.quantized_activation_max));
    }
}

inline void FullyConnectedPerChannel(const FullyConnectedParams& params, const int32_t* output_multiplier,
                                     const int* output_shift, const RuntimeShape& input_shape,
                                     const int8_t* input_data, const RuntimeShape& filter_shape,
                                     const int8_t* filter_data, const RuntimeShape& bias_shape,
                                     const int32_t* bias_data, const RuntimeShape& output_shape,
                                     int8_t* output_data) {
  if (sasim_tflm::FullyConnected(params, output_multiplier, output_shift, input_shape, input_data, filter_shape,
                                 filter_data, bias_shape, bias_data, output_shape, output_data))
    return;
  // FullyConnectedPerChannel takes no filter offset.
  FullyConnectedParams p = params;
  p.weights_offset = 0;
  SasimFullyConnectedReference<int8_t, int32_t, int32_t, int8_t>(
      p, output_multiplier, output_shift, true, output_shape.Dims(0), output_shape.Dims(1),
      filter_shape.Dims(filter_shape.DimensionsCount() - 1), input_data, filter_data, bias_data, output_data,
      params.input_offset, params.output_offset);
}

template <typename AccumScalar>
inline void FullyConnectedPerChannel(const FullyConnectedParams& params, const int32_t* output_multiplier,
                                     const int* output_shift, const RuntimeShape& input_shape,
                                     const int16_t* input_data, const RuntimeShape& filter_shape,
                                     const int8_t* filter_data, const RuntimeShape& bias_shape,
                                     const AccumScalar* bias_data, const RuntimeShape& output_shape,
                                     int16_t* output_data) {
  (void)input_shape;
  (void)bias_shape;
  FullyConnectedParams p = params;
  p.weights_offset = 0;
  SasimFullyConnectedReference<int16_t, AccumScalar, AccumScalar, int16_t>(
      p, output_multiplier, output_shift, true, output_shape.Dims(0), output_shape.Dims(1),
      filter_shape.Dims(filter_shape.DimensionsCount() - 1), input_data, filter_data, bias_data, output_data, 0, 0);
}

inline void FullyConnected(const FullyConnectedParams& params, const RuntimeShape& input_shape,
                           const int8_t* input_data, const RuntimeShape& filter_shape, const int8_t* filter_data,
                           const RuntimeShape& bias_shape, const int32_t* bias_data,
                           const RuntimeShape& output_shape, int8_t* output_data) {
  if (sasim_tflm::FullyConnected(params, 0, 0, input_shape, input_data, filter_shape, filter_data, bias_shape,
                                 bias_data, output_shape, output_data))
    return;
  const int out_dims = output_shape.DimensionsCount();
  const int32_t multiplier = params.output_multiplier;
  const int shift = params.output_shift;
  SasimFullyConnectedReference<int8_t, int32_t, int32_t, int8_t>(
      params, &multiplier, &shift, false, FlatSizeSkipDim(output_shape, out_dims - 1),
      output_shape.Dims(out_dims - 1), filter_shape.Dims(filter_shape.DimensionsCount() - 1), input_data,
      filter_data, bias_data, output_data, params.input_offset, params.output_offset);
}

inline void FullyConnectedWithPackedInt4Weights(const FullyConnectedParams& params, const RuntimeShape& input_shape,
                                                const int8_t* input_data, const RuntimeShape& filter_shape,
                                                const int8_t* filter_data, int8_t* unpacked_filter_data,
                                                const RuntimeShape& bias_shape, const int32_t* bias_data,
                                                const RuntimeShape& output_shape, int8_t* output_data) {
  TFLITE_DCHECK_NE(unpacked_filter_data, nullptr);
  tflite::tensor_utils::UnpackDenseInt4IntoInt8(filter_data, filter_shape.FlatSize(), unpacked_filter_data);
  FullyConnected(params, input_shape, input_data, filter_shape, unpacked_filter_data, bias_shape, bias_data,
                 output_shape, output_data);
}

template <typename AccumScalar>
inline void FullyConnected(const FullyConnectedParams& params, const RuntimeShape& input_shape,
                           const int16_t* input_data, const RuntimeShape& filter_shape, const int8_t* filter_data,
                           const RuntimeShape& bias_shape, const AccumScalar* bias_data,
                           const RuntimeShape& output_shape, int16_t* output_data) {
  (void)input_shape;
  (void)bias_shape;
  const int out_dims = output_shape.DimensionsCount();
  const int32_t multiplier = params.output_multiplier;
  const int shift = params.output_shift;
  SasimFullyConnectedReference<int16_t, AccumScalar, AccumScalar, int16_t>(
      params, &multiplier, &shift, false, FlatSizeSkipDim(output_shape, out_dims - 1),
      output_shape.Dims(out_dims - 1), filter_shape.Dims(filter_shape.DimensionsCount() - 1), input_data,
      filter_data, bias_data, output_data, 0, 0);
}

}  // namespace reference_integer_ops
}  // namespace tflite

#endif  // TENSORFLOW_LITE_KERNELS_INTERNAL_REFERENCE_INTEGER_OPS_FULLY_CONNECTED_H_
