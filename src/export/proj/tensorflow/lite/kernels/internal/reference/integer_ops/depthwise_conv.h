// sasim export: TFLite Micro's integer depthwise kernels, with the int8
// DepthwiseConvPerChannel run on the sasim accelerator (sasim_tflm.h) and
// TFLite Micro's reference arithmetic for whatever it cannot take. Every
// function the original header declares (tflite-micro 8746ec9) is here, with
// its signature. (No C++ library header: the kernels need none, and the
// board toolchain of sasim's tests has none.)
#ifndef TENSORFLOW_LITE_KERNELS_INTERNAL_REFERENCE_INTEGER_OPS_DEPTHWISE_CONV_H_
#define TENSORFLOW_LITE_KERNELS_INTERNAL_REFERENCE_INTEGER_OPS_DEPTHWISE_CONV_H_

#include "sasim_reference.h"
#include "sasim_tflm.h"
#include "tensorflow/lite/kernels/internal/common.h"
#include "tensorflow/lite/kernels/internal/portable_tensor_utils.h"

namespace tflite {
namespace reference_integer_ops {

// The reference arithmetic: output channel oc = ic * depth_multiplier + m
// sums its own input channel ic over the taps inside the input; int8 adds
// input_offset to each input value, int16 has no offsets.
template <typename InputT, typename AccT, typename BiasT, typename OutputT>
SASIM_FALLBACK inline void SasimDepthwiseReference(const DepthwiseParams& params, const int32_t* output_multiplier,
                                    const int32_t* output_shift, const RuntimeShape& input_shape,
                                    const InputT* input_data, const RuntimeShape& filter_shape,
                                    const int8_t* filter_data, const BiasT* bias_data,
                                    const RuntimeShape& output_shape, OutputT* output_data, int32_t input_offset,
                                    int32_t output_offset) {
  const int batches = input_shape.Dims(0), in_c = input_shape.Dims(3);
  const int out_h = output_shape.Dims(1), out_w = output_shape.Dims(2);
  const int dm = params.depth_multiplier;
  for (int b = 0; b < batches; ++b)
    for (int oy = 0; oy < out_h; ++oy)
      for (int ox = 0; ox < out_w; ++ox)
        for (int ic = 0; ic < in_c; ++ic)
          for (int m = 0; m < dm; ++m) {
            const int oc = ic * dm + m;
            AccT acc = sasim_reference::DepthwiseSum<InputT, AccT>(params, input_shape, input_data, filter_shape,
                                                                   filter_data, b, oy, ox, ic, oc, input_offset);
            if (bias_data) acc += bias_data[oc];
            output_data[Offset(output_shape, b, oy, ox, oc)] = static_cast<OutputT>(
                sasim_reference::Output(acc, output_multiplier[oc], output_shift[oc], output_offset,
                                        params.quantized_activation_min, params.quantized_activation_max));
          }
}

inline void DepthwiseConvPerChannel(const DepthwiseParams& params, const int32_t* output_multiplier,
                                    const int32_t* output_shift, const RuntimeShape& input_shape,
                                    const int8_t* input_data, const RuntimeShape& filter_shape,
                                    const int8_t* filter_data, const RuntimeShape& bias_shape,
                                    const int32_t* bias_data, const RuntimeShape& output_shape,
                                    int8_t* output_data) {
  if (sasim_tflm::DepthwiseConvPerChannel(params, output_multiplier, output_shift, input_shape, input_data,
                                          filter_shape, filter_data, bias_shape, bias_data, output_shape,
                                          output_data))
    return;
  SasimDepthwiseReference<int8_t, int32_t, int32_t, int8_t>(params, output_multiplier, output_shift, input_shape,
                                                            input_data, filter_shape, filter_data, bias_data,
                                                            output_shape, output_data, params.input_offset,
                                                            params.output_offset);
}

inline void DepthwiseConvPerChannelWithPackedInt4Weights(
    const DepthwiseParams& params, const int32_t* output_multiplier, const int32_t* output_shift,
    const RuntimeShape& input_shape, const int8_t* input_data, const RuntimeShape& filter_shape,
    const int8_t* filter_data, int8_t* unpacked_filter_data, const RuntimeShape& bias_shape,
    const int32_t* bias_data, const RuntimeShape& output_shape, int8_t* output_data) {
  TFLITE_DCHECK_NE(unpacked_filter_data, nullptr);
  tflite::tensor_utils::UnpackDenseInt4IntoInt8(filter_data, filter_shape.FlatSize(), unpacked_filter_data);
  DepthwiseConvPerChannel(params, output_multiplier, output_shift, input_shape, input_data, filter_shape,
                          unpacked_filter_data, bias_shape, bias_data, output_shape, output_data);
}

// int16 activations (16x8): the reference arithmetic only.
inline void DepthwiseConvPerChannel(const DepthwiseParams& params, const int32_t* output_multiplier,
                                    const int32_t* output_shift, const RuntimeShape& input_shape,
                                    const int16_t* input_data, const RuntimeShape& filter_shape,
                                    const int8_t* filter_data, const RuntimeShape& bias_shape,
                                    const int64_t* bias_data, const RuntimeShape& output_shape,
                                    int16_t* output_data) {
  (void)bias_shape;
  SasimDepthwiseReference<int16_t, int64_t, int64_t, int16_t>(params, output_multiplier, output_shift,
                                                              input_shape, input_data, filter_shape, filter_data,
                                                              bias_data, output_shape, output_data, 0, 0);
}

// Hybrid (int8 weights and activations, float output): the sums with the
// per-batch input offsets, scaled by the input's and the channel's scale.
inline void DepthwiseConvHybridPerChannel(const DepthwiseParams& params, float* scaling_factors_ptr,
                                          const RuntimeShape& input_shape, const int8_t* input_data,
                                          const RuntimeShape& filter_shape, const int8_t* filter_data,
                                          const RuntimeShape& bias_shape, const float* bias_data,
                                          const RuntimeShape& output_shape, float* output_data,
                                          const float* per_channel_scale, int32_t* input_offset) {
  (void)bias_shape;
  const int batches = input_shape.Dims(0), in_c = input_shape.Dims(3);
  const int out_h = output_shape.Dims(1), out_w = output_shape.Dims(2);
  const int dm = params.depth_multiplier;
  for (int b = 0; b < batches; ++b)
    for (int oy = 0; oy < out_h; ++oy)
      for (int ox = 0; ox < out_w; ++ox)
        for (int ic = 0; ic < in_c; ++ic)
          for (int m = 0; m < dm; ++m) {
            const int oc = ic * dm + m;
            const int32_t acc = sasim_reference::DepthwiseSum<int8_t, int32_t>(
                params, input_shape, input_data, filter_shape, filter_data, b, oy, ox, ic, oc, -input_offset[b]);
            float v = static_cast<float>(acc) * (per_channel_scale[oc] * scaling_factors_ptr[b]);
            if (bias_data) v += bias_data[oc];
            output_data[Offset(output_shape, b, oy, ox, oc)] =
                ActivationFunctionWithMinMax(v, params.float_activation_min, params.float_activation_max);
          }
}

}  // namespace reference_integer_ops
}  // namespace tflite

#endif  // TENSORFLOW_LITE_KERNELS_INTERNAL_REFERENCE_INTEGER_OPS_DEPTHWISE_CONV_H_
