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
// Computed as sum w x + input_offset sum w (+ filter_offset (sum x +
// depth input_offset)), four products a step: the same integers, fewer
// instructions (it runs where the driver's cost model leaves a small layer
// on the CPU, sasim_drv::layer_on_cfu).
template <typename InputT, typename AccT, typename BiasT, typename OutputT>
SASIM_CPU_LOOP inline void SasimFullyConnectedReference(const FullyConnectedParams& params, const int32_t* multipliers,
                                         const int* shifts, bool per_channel, int batches, int units, int depth,
                                         const InputT* input_data, const int8_t* filter_data, const BiasT* bias_data,
                                         OutputT* output_data, int32_t input_offset, int32_t output_offset) {
  const AccT filter_offset = params.weights_offset;
  for (int b = 0; b < batches; ++b) {
    const InputT* x = input_data + b * depth;
    AccT xsum = 0;
    if (filter_offset != 0)
      for (int d = 0; d < depth; ++d) xsum += x[d];
    for (int u = 0; u < units; ++u) {
      const int8_t* w = filter_data + u * depth;
      AccT acc = 0, wsum = 0;
      int d = 0;
      for (; d + 4 <= depth; d += 4) {
        acc += static_cast<AccT>(x[d]) * w[d] + static_cast<AccT>(x[d + 1]) * w[d + 1] +
               static_cast<AccT>(x[d + 2]) * w[d + 2] + static_cast<AccT>(x[d + 3]) * w[d + 3];
        wsum += w[d] + w[d + 1] + w[d + 2] + w[d + 3];
      }
      for (; d < depth; ++d) {
        acc += static_cast<AccT>(x[d]) * w[d];
        wsum += w[d];
      }
      acc += wsum * input_offset;
      if (filter_offset != 0) acc += filter_offset * (xsum + static_cast<AccT>(depth) * input_offset);
      if (bias_data) acc += bias_data[u];
      const int c = per_channel ? u : 0;
      output_data[b * units + u] = static_cast<OutputT>(
          sasim_reference::Output(acc, multipliers[c], shifts[c], output_offset, params.quantized_activation_min,
                                  params.quantized_activation_max));
    }
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
