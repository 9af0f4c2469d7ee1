// Golden int8 CPU operators: bit-exact with TensorFlow Lite Micro's reference
// kernels (default double rounding, gemmlowp fixed point) for the operators a
// model runs on the CPU between its accelerator layers. Each function takes
// the quantization parameters as stored in the model (float scales, zero
// points) and derives its integer parameters exactly as TFLite Micro's
// Prepare does.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "sasim/cpu_kernels.h"

namespace sasim {

struct QuantParam {
  float scale = 1.0f;
  int32_t zero_point = 0;
};

// Activation bounds of a fused activation on an int8 output
// (CalculateActivationRangeQuantized): act is 0 none, 1 relu, 2 relu_n1_to_1, 3 relu6.
void int8_activation_range(int act, QuantParam out, int32_t* lo, int32_t* hi);


// Elementwise binary operators on int8 tensors with numpy broadcasting (a
// dimension of 1, or a missing leading dimension, repeats), as TFLite Micro's
// reference kernels and their Broadcast*Slow variants compute them. Shapes
// have at most 5 dimensions; `out_shape` is the broadcast shape.
using Shape = std::vector<int>;
// SUB (reference_ops::Sub / BroadcastQuantSubSlow; parameters derived in
// float as CalculateOpDataSub does).
void sub_int8(const std::vector<int8_t>& a, const Shape& sa, QuantParam qa, const std::vector<int8_t>& b,
              const Shape& sb, QuantParam qb, QuantParam qout, int act, const Shape& out_shape,
              std::vector<int8_t>* out);
// ADD's Prepare: the input and output multipliers and shifts (left shift 20):
// m[0], s[0] input 1; m[1], s[1] input 2; m[2], s[2] output.
void add_multipliers(QuantParam qa, QuantParam qb, QuantParam qout, int32_t m[3], int s[3]);
// SUB's and MUL's Prepare (SUB: as add_multipliers, derived in float).
void sub_multipliers(QuantParam qa, QuantParam qb, QuantParam qout, int32_t m[3], int s[3]);
void mul_multiplier(QuantParam qa, QuantParam qb, QuantParam qout, int32_t* m, int* s);
// ADD (reference_integer_ops::Add / BroadcastAdd4DSlow; add_multipliers' parameters).
void add_int8(const std::vector<int8_t>& a, const Shape& sa, QuantParam qa, const std::vector<int8_t>& b,
              const Shape& sb, QuantParam qb, QuantParam qout, int act, const Shape& out_shape,
              std::vector<int8_t>* out);
// MUL (reference_integer_ops::Mul / BroadcastMul4DSlow).
void mul_int8(const std::vector<int8_t>& a, const Shape& sa, QuantParam qa, const std::vector<int8_t>& b,
              const Shape& sb, QuantParam qb, QuantParam qout, int act, const Shape& out_shape,
              std::vector<int8_t>* out);
// The broadcast shape of two shapes; throws std::runtime_error if they do not
// broadcast.
Shape broadcast_shape(const Shape& a, const Shape& b);

// AVERAGE_POOL_2D on NHWC int8 (reference_integer_ops::AveragePool).
struct PoolParams {
  int batches, in_h, in_w, channels, out_h, out_w;
  int filter_h, filter_w, stride_h, stride_w, pad_top, pad_left;
  int32_t act_min = -128, act_max = 127;
};
void average_pool_int8(const std::vector<int8_t>& in, const PoolParams& p, std::vector<int8_t>* out);

// MAX_POOL_2D on NHWC int8 (reference_integer_ops::MaxPool): the window
// clipped to the input, then the activation clamp.
void max_pool_int8(const std::vector<int8_t>& in, const PoolParams& p, std::vector<int8_t>* out);

// PAD / PADV2 of an int8 tensor of up to 5 dimensions: `pads` holds (before,
// after) per dimension; padding takes `pad_value` (the output zero point for
// PAD, the constant operand for PADV2).
void pad_int8(const std::vector<int8_t>& in, const Shape& shape, const std::vector<std::pair<int, int>>& pads,
              int8_t pad_value, std::vector<int8_t>* out);

// QUANTIZE int8 -> int8 (reference_ops::Requantize with the multiplier of
// in_scale / out_scale) and float32 -> int8 (AffineQuantize: round half away
// from zero of x / scale in float); DEQUANTIZE int8 -> float32
// (scale * (x - zero point) in double, then float).
void requantize_int8(const std::vector<int8_t>& in, QuantParam qin, QuantParam qout, std::vector<int8_t>* out);
void quantize_float(const std::vector<float>& in, QuantParam qout, std::vector<int8_t>* out);
void dequantize_int8(const std::vector<int8_t>& in, QuantParam qin, std::vector<float>* out);

// LOGISTIC int8 -> int8 (reference_integer_ops::Logistic: the input scaled
// into gemmlowp's FixedPoint<int32, 4>, its fixed-point logistic, output
// scale 1/256 and zero point -128 as TFLite Micro requires).
void logistic_int8(const std::vector<int8_t>& in, QuantParam qin, std::vector<int8_t>* out);

// LEAKY_RELU int8 (reference_ops::QuantizeLeakyRelu: an identity and an
// alpha multiplier, both derived in float as TFLite Micro does).
void leaky_relu_int8(const std::vector<int8_t>& in, QuantParam qin, QuantParam qout, float alpha,
                     std::vector<int8_t>* out);

// MEAN int8 over `axes` of `shape` (QuantizedMeanOrSum, TFLite Micro's only
// int8 MEAN path: raw sums, then one multiplier folding 1/N and the scales).
// MEAN's Prepare with 1/n folded in: the multiplier and shift kern::mean uses.
void mean_params(QuantParam qin, QuantParam qout, int64_t n, int32_t* m, int* s);
void mean_int8(const std::vector<int8_t>& in, const Shape& shape, std::vector<int> axes, QuantParam qin,
               QuantParam qout, std::vector<int8_t>* out);

// The Prepare of QUANTIZE (int8), LOGISTIC and LEAKY_RELU: the parameters
// of kern::unary (include/sasim/cpu_kernels.h).
kern::UnaryParams requantize_params(QuantParam qin, QuantParam qout);
kern::UnaryParams logistic_params(QuantParam qin);
kern::UnaryParams leaky_relu_params(QuantParam qin, QuantParam qout, float alpha);

// SOFTMAX over the last dimension (reference_ops::Softmax, int8 -> int8 with
// TFLite Micro's int8 output quantization: scale 1/256, zero point -128).
void softmax_int8(const std::vector<int8_t>& in, int depth, float input_scale, float beta, std::vector<int8_t>* out);
// SOFTMAX's Prepare: the input multiplier and left shift and diff_min
// (fp::softmax_row's parameters).
void softmax_params(float input_scale, float beta, int32_t* input_multiplier, int* input_left_shift,
                    int32_t* diff_min);

}  // namespace sasim
