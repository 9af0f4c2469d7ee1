// sasim export: TFLite Micro's integer conv kernels, with the int8
// ConvPerChannel run on the sasim accelerator (sasim_tflm.h) and TFLite
// Micro's reference arithmetic for whatever it cannot take. Every function
// the original header declares (tflite-micro 8746ec9) is here, with its
// signature. (No C++ library header: the kernels need none, and the board
// toolchain of sasim's tests has none.)
#ifndef TENSORFLOW_LITE_KERNELS_INTERNAL_REFERENCE_INTEGER_OPS_CONV_H_
#define TENSORFLOW_LITE_KERNELS_INTERNAL_REFERENCE_INTEGER_OPS_CONV_H_

#include "sasim_reference.h"
#include "sasim_tflm.h"
#include "tensorflow/lite/kernels/internal/common.h"
#include "tensorflow/lite/kernels/internal/portable_tensor_utils.h"

namespace tflite {
namespace reference_integer_ops {

// The reference arithmetic for int8 and int16 activations: a direct loop
// over output pixels and channels, grouped convs included (filter depth =
// input depth / groups). Taps outside the input contribute nothing; int8
// adds input_offset to each input value, int16 has no offsets.
template <typename InputT, typename AccT, typename BiasT, typename OutputT>
SASIM_FALLBACK inline void SasimConvReference(const ConvParams& params, const int32_t* output_multiplier,
                               const int32_t* output_shift, const RuntimeShape& input_shape,
                               const InputT* input_data, const RuntimeShape& filter_shape,
                               const int8_t* filter_data, const BiasT* bias_data,
                               const RuntimeShape& output_shape, OutputT* output_data, int32_t input_offset,
                               int32_t output_offset) {
  const int batches = input_shape.Dims(0);
  const int in_h = input_shape.Dims(1), in_w = input_shape.Dims(2), in_c = input_shape.Dims(3);
  const int k_h = filter_shape.Dims(1), k_w = filter_shape.Dims(2), f_c = filter_shape.Dims(3);
  const int out_h = output_shape.Dims(1), out_w = output_shape.Dims(2), out_c = output_shape.Dims(3);
  const int groups = in_c / f_c;
  const int per_group = out_c / groups;
  for (int b = 0; b < batches; ++b)
    for (int oy = 0; oy < out_h; ++oy)
      for (int ox = 0; ox < out_w; ++ox)
        for (int oc = 0; oc < out_c; ++oc) {
          const int g = oc / per_group;
          AccT acc = 0;
          for (int fy = 0; fy < k_h; ++fy) {
            const int iy = oy * params.stride_height - params.padding_values.height + fy * params.dilation_height_factor;
            if (iy < 0 || iy >= in_h) continue;
            for (int fx = 0; fx < k_w; ++fx) {
              const int ix = ox * params.stride_width - params.padding_values.width + fx * params.dilation_width_factor;
              if (ix < 0 || ix >= in_w) continue;
              for (int ic = 0; ic < f_c; ++ic) {
                const AccT x = static_cast<AccT>(input_data[Offset(input_shape, b, iy, ix, ic + g * f_c)]) + input_offset;
                acc += static_cast<AccT>(filter_data[Offset(filter_shape, oc, fy, fx, ic)]) * x;
              }
            }
          }
          if (bias_data) acc += bias_data[oc];
          output_data[Offset(output_shape, b, oy, ox, oc)] = static_cast<OutputT>(
              sasim_reference::Output(acc, output_multiplier[oc], output_shift[oc], output_offset,
                                      params.quantized_activation_min, params.quantized_activation_max));
        }
}

inline void ConvPerChannel(const ConvParams& params, const int32_t* output_multiplier, const int32_t* output_shift,
                           const RuntimeShape& input_shape, const int8_t* input_data,
                           const RuntimeShape& filter_shape, const int8_t* filter_data,
                           const RuntimeShape& bias_shape, const int32_t* bias_data,
                           const RuntimeShape& output_shape, int8_t* output_data) {
  if (sasim_tflm::ConvPerChannel(params, output_multiplier, output_shift, input_shape, input_data, filter_shape,
                                 filter_data, bias_shape, bias_data, output_shape, output_data))
    return;
  SasimConvReference<int8_t, int32_t, int32_t, int8_t>(params, output_multiplier, output_shift, input_shape,
                                                       input_data, filter_shape, filter_data, bias_data,
                                                       output_shape, output_data, params.input_offset,
                                                       params.output_offset);
}

inline void ConvPerChannelWithPackedInt4Weights(const ConvParams& params, const int32_t* output_multiplier,
                                                const int32_t* output_shift, const RuntimeShape& input_shape,
                                                const int8_t* input_data, const RuntimeShape& filter_shape,
                                                const int8_t* filter_input, int8_t* unpacked_filter_data,
                                                const RuntimeShape& bias_shape, const int32_t* bias_data,
                                                const RuntimeShape& output_shape, int8_t* output_data) {
  TFLITE_DCHECK(unpacked_filter_data != nullptr);
  tflite::tensor_utils::UnpackDenseInt4IntoInt8(filter_input, filter_shape.FlatSize(), unpacked_filter_data);
  ConvPerChannel(params, output_multiplier, output_shift, input_shape, input_data, filter_shape,
                 unpacked_filter_data, bias_shape, bias_data, output_shape, output_data);
}

// int16 activations (16x8): the reference arithmetic only; the accelerator
// is int8.
template <typename AccumScalar>
inline void ConvPerChannel(const ConvParams& params, const int32_t* output_multiplier, const int32_t* output_shift,
                           const RuntimeShape& input_shape, const int16_t* input_data,
                           const RuntimeShape& filter_shape, const int8_t* filter_data,
                           const RuntimeShape& bias_shape, const AccumScalar* bias_data,
                           const RuntimeShape& output_shape, int16_t* output_data) {
  (void)bias_shape;
  SasimConvReference<int16_t, AccumScalar, AccumScalar, int16_t>(params, output_multiplier, output_shift,
                                                                 input_shape, input_data, filter_shape,
                                                                 filter_data, bias_data, output_shape,
                                                                 output_data, 0, 0);
}

}  // namespace reference_integer_ops
}  // namespace tflite

#endif  // TENSORFLOW_LITE_KERNELS_INTERNAL_REFERENCE_INTEGER_OPS_CONV_H_
