// The pieces TFLite Micro's reference arithmetic shares between the export's
// kernel headers (conv.h, depthwise_conv.h, fully_connected.h): the output
// stage, and a depthwise output's sum over its taps. Only what those headers
// include (no C++ library header: the board toolchain of sasim's tests has
// none).
#ifndef SASIM_REFERENCE_H_
#define SASIM_REFERENCE_H_

#include "tensorflow/lite/kernels/internal/common.h"

// The reference code a kernel runs when the bridge refuses a layer: out of
// line and cold, so that it neither grows the kernels' common path nor sits
// in the instruction cache beside the driver's loops.
#define SASIM_FALLBACK __attribute__((noinline, cold))
// The CPU loop a kernel runs by choice (the driver's cost model leaves small
// layers on the CPU): out of line only.
#define SASIM_CPU_LOOP __attribute__((noinline))

namespace sasim_reference {

// requantize, + output offset, clamp: TFLite Micro's output stage. The
// accumulator's type picks MultiplyByQuantizedMultiplier's int32 or int64
// form, as in TFLite Micro.
template <typename AccT>
inline int32_t Output(AccT acc, int32_t multiplier, int shift, int32_t output_offset, int32_t act_min,
                      int32_t act_max) {
  int32_t v = tflite::MultiplyByQuantizedMultiplier(acc, multiplier, shift);
  v += output_offset;
  v = v < act_min ? act_min : v;
  return v > act_max ? act_max : v;
}

// Output channel oc = ic * depth_multiplier + m of a depthwise layer at
// (b, oy, ox): the sum over the taps inside the input of filter * (input +
// input_offset).
template <typename InputT, typename AccT>
inline AccT DepthwiseSum(const tflite::DepthwiseParams& params, const tflite::RuntimeShape& input_shape,
                         const InputT* input_data, const tflite::RuntimeShape& filter_shape,
                         const int8_t* filter_data, int b, int oy, int ox, int ic, int oc, int32_t input_offset) {
  const int in_h = input_shape.Dims(1), in_w = input_shape.Dims(2);
  AccT acc = 0;
  for (int fy = 0; fy < filter_shape.Dims(1); ++fy) {
    const int iy = oy * params.stride_height - params.padding_values.height + fy * params.dilation_height_factor;
    if (iy < 0 || iy >= in_h) continue;
    for (int fx = 0; fx < filter_shape.Dims(2); ++fx) {
      const int ix = ox * params.stride_width - params.padding_values.width + fx * params.dilation_width_factor;
      if (ix < 0 || ix >= in_w) continue;
      const AccT x = static_cast<AccT>(input_data[tflite::Offset(input_shape, b, iy, ix, ic)]) + input_offset;
      acc += static_cast<AccT>(filter_data[tflite::Offset(filter_shape, 0, fy, fx, oc)]) * x;
    }
  }
  return acc;
}

}  // namespace sasim_reference

#endif  // SASIM_REFERENCE_H_
