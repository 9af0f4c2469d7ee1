// sasim export: TFLite Micro's integer pooling kernels (AVERAGE_POOL_2D,
// MAX_POOL_2D) with TFLite Micro's reference arithmetic (a window's int32
// sum, or maximum, then the rounding division and the clamp), the int8 ones
// in the loop order sasim's runner times: a window visited once per eight
// channels, whose sums stay in registers (the reference order, the channel
// outside the window, reloads the window per channel: about 13 cycles per
// input element on the board; this one about 2.5, the average's divide by a
// reciprocal). Every function the
// original header declares (tflite-micro 8746ec9) is here, with its
// signature. (No C++ library header: the kernels need none, and the board
// toolchain of sasim's tests has none.)
#ifndef TENSORFLOW_LITE_KERNELS_INTERNAL_REFERENCE_INTEGER_OPS_POOLING_H_
#define TENSORFLOW_LITE_KERNELS_INTERNAL_REFERENCE_INTEGER_OPS_POOLING_H_

#include <stdint.h>

#include "tensorflow/lite/kernels/internal/common.h"
#include "tensorflow/lite/kernels/internal/types.h"

namespace tflite {
namespace reference_integer_ops {

namespace sasim_pool {

// A window's clipped extent [y0, y1) x [x0, x1) in filter coordinates.
struct Window {
  int iy0, ix0, y0, y1, x0, x1;
};
inline Window WindowAt(const PoolParams& params, int in_h, int in_w, int oy, int ox) {
  Window w;
  w.iy0 = oy * params.stride_height - params.padding_values.height;
  w.ix0 = ox * params.stride_width - params.padding_values.width;
  w.y0 = w.iy0 < 0 ? -w.iy0 : 0;
  w.x0 = w.ix0 < 0 ? -w.ix0 : 0;
  w.y1 = params.filter_height < in_h - w.iy0 ? params.filter_height : in_h - w.iy0;
  w.x1 = params.filter_width < in_w - w.ix0 ? params.filter_width : in_w - w.ix0;
  return w;
}

// The activation's clamp.
inline int32_t Clamp(int32_t acc, const PoolParams& params) {
  acc = acc < params.quantized_activation_min ? params.quantized_activation_min : acc;
  return acc > params.quantized_activation_max ? params.quantized_activation_max : acc;
}

// The reference arithmetic's last step: the average (rounded away from
// zero), or the maximum, clamped.
inline int32_t Finish(int32_t acc, int count, bool max, const PoolParams& params) {
  if (!max) acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
  return Clamp(acc, params);
}

// The average of a window's sum acc over `count` elements, rounded away
// from zero (the reference's (acc +- count / 2) / count), from a
// reciprocal: with r = ceil(2^32 / count), the high word of n * r is n /
// count for every n < 2^16 when count < 2^16 (the error n * (r * count -
// 2^32) / 2^32 stays below one count). The caller keeps |acc| + count / 2
// below 2^16; the board's divide takes 35 cycles, this 4. (count 1: r, 2^32,
// does not fit; 0 stands for it.)
inline int32_t RoundedAverage(int32_t acc, int count, uint32_t r) {
  if (r == 0) return acc;
  const uint32_t n = static_cast<uint32_t>(acc < 0 ? -acc : acc) + static_cast<uint32_t>(count / 2);
  const int32_t q = static_cast<int32_t>((static_cast<uint64_t>(n) * r) >> 32);
  return acc < 0 ? -q : q;
}

// int8: eight channels per window visit. An average over a window that
// holds no input element is false (as the reference kernel); a maximum
// over it is the lowest value, clamped.
// Out of line: one function per pool kind in a profile.
template <bool kMax>
__attribute__((noinline)) bool PoolInt8(const PoolParams& params, const RuntimeShape& input_shape, const int8_t* input_data,
                     const RuntimeShape& output_shape, int8_t* output_data) {
  const int batches = MatchingDim(input_shape, 0, output_shape, 0);
  const int C = MatchingDim(input_shape, 3, output_shape, 3);
  const int in_h = input_shape.Dims(1), in_w = input_shape.Dims(2);
  const int out_h = output_shape.Dims(1), out_w = output_shape.Dims(2);
  const int32_t init = kMax ? -128 : 0;
  // The average's divide by the reciprocal (RoundedAverage) for windows of
  // up to 257 elements (|sum| + count / 2 < 2^16), computed once per
  // window size; 0: the divide (a larger window; a maximum).
  int last_count = 0;
  uint32_t r = 0;
  bool recip = false;
  for (int n = 0; n < batches; ++n)
    for (int oy = 0; oy < out_h; ++oy)
      for (int ox = 0; ox < out_w; ++ox) {
        const Window w = WindowAt(params, in_h, in_w, oy, ox);
        const int count = (w.y1 > w.y0 ? w.y1 - w.y0 : 0) * (w.x1 > w.x0 ? w.x1 - w.x0 : 0);
        if (count == 0 && !kMax) return false;
        if (!kMax && count != last_count) {  // (a 64-bit divide: once per window size)
          last_count = count;
          recip = count <= 257;
          r = recip && count > 1 ? static_cast<uint32_t>((0x100000000ull + static_cast<uint32_t>(count) - 1) /
                                                         static_cast<uint32_t>(count))
                                 : 0;
        }
        const int8_t* base = input_data + ((n * in_h + w.iy0) * in_w + w.ix0) * C;
        int8_t* out = output_data + ((n * out_h + oy) * out_w + ox) * C;
        int c = 0;
        for (; c + 8 <= C; c += 8) {
          int32_t a[8] = {init, init, init, init, init, init, init, init};
          for (int fy = w.y0; fy < w.y1; ++fy) {
            const int8_t* q = base + (fy * in_w + w.x0) * C + c;
            for (int fx = w.x0; fx < w.x1; ++fx, q += C)
              for (int k = 0; k < 8; ++k) a[k] = kMax ? (q[k] > a[k] ? q[k] : a[k]) : a[k] + q[k];
          }
          for (int k = 0; k < 8; ++k)
            out[c + k] = static_cast<int8_t>(recip ? Clamp(RoundedAverage(a[k], count, r), params)
                                                   : Finish(a[k], count, kMax, params));
        }
        for (; c < C; ++c) {  // the channels past the last eight
          int32_t acc = init;
          for (int fy = w.y0; fy < w.y1; ++fy)
            for (int fx = w.x0; fx < w.x1; ++fx) {
              const int32_t v = base[(fy * in_w + fx) * C + c];
              acc = kMax ? (v > acc ? v : acc) : acc + v;
            }
          out[c] = static_cast<int8_t>(recip ? Clamp(RoundedAverage(acc, count, r), params)
                                             : Finish(acc, count, kMax, params));
        }
      }
  return true;
}

// int16: the reference order (batch, y, x, channel; the window inside).
template <bool kMax>
inline bool PoolInt16(const PoolParams& params, const RuntimeShape& input_shape, const int16_t* input_data,
                      const RuntimeShape& output_shape, int16_t* output_data) {
  const int batches = MatchingDim(input_shape, 0, output_shape, 0);
  const int C = MatchingDim(input_shape, 3, output_shape, 3);
  const int in_h = input_shape.Dims(1), in_w = input_shape.Dims(2);
  const int out_h = output_shape.Dims(1), out_w = output_shape.Dims(2);
  for (int n = 0; n < batches; ++n)
    for (int oy = 0; oy < out_h; ++oy)
      for (int ox = 0; ox < out_w; ++ox)
        for (int c = 0; c < C; ++c) {
          const Window w = WindowAt(params, in_h, in_w, oy, ox);
          int32_t acc = kMax ? -32768 : 0;
          int count = 0;
          for (int fy = w.y0; fy < w.y1; ++fy)
            for (int fx = w.x0; fx < w.x1; ++fx) {
              const int32_t v = input_data[Offset(input_shape, n, w.iy0 + fy, w.ix0 + fx, c)];
              acc = kMax ? (v > acc ? v : acc) : acc + v;
              ++count;
            }
          if (!kMax && count == 0) return false;
          output_data[Offset(output_shape, n, oy, ox, c)] = static_cast<int16_t>(Finish(acc, count, kMax, params));
        }
  return true;
}

}  // namespace sasim_pool

inline bool AveragePool(const PoolParams& params, const RuntimeShape& input_shape, const int8_t* input_data,
                        const RuntimeShape& output_shape, int8_t* output_data) {
  TFLITE_DCHECK_LE(params.quantized_activation_min, params.quantized_activation_max);
  return sasim_pool::PoolInt8<false>(params, input_shape, input_data, output_shape, output_data);
}

inline void MaxPool(const PoolParams& params, const RuntimeShape& input_shape, const int8_t* input_data,
                    const RuntimeShape& output_shape, int8_t* output_data) {
  TFLITE_DCHECK_LE(params.quantized_activation_min, params.quantized_activation_max);
  sasim_pool::PoolInt8<true>(params, input_shape, input_data, output_shape, output_data);
}

inline bool AveragePool(const PoolParams& params, const RuntimeShape& input_shape, const int16_t* input_data,
                        const RuntimeShape& output_shape, int16_t* output_data) {
  TFLITE_DCHECK_LE(params.quantized_activation_min, params.quantized_activation_max);
  return sasim_pool::PoolInt16<false>(params, input_shape, input_data, output_shape, output_data);
}

inline void MaxPool(const PoolParams& params, const RuntimeShape& input_shape, const int16_t* input_data,
                    const RuntimeShape& output_shape, int16_t* output_data) {
  TFLITE_DCHECK_LE(params.quantized_activation_min, params.quantized_activation_max);
  sasim_pool::PoolInt16<true>(params, input_shape, input_data, output_shape, output_data);
}

}  // namespace reference_integer_ops
}  // namespace tflite

#endif  // TENSORFLOW_LITE_KERNELS_INTERNAL_REFERENCE_INTEGER_OPS_POOLING_H_
