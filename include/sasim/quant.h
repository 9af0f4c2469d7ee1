// TFLite Micro's default (double-rounding) requantization, bit-exact.
//
// Contract: these functions reproduce, for every int32 input, the results of
// gemmlowp's SaturatingRoundingDoublingHighMul and RoundingDivideByPOT and of
// TFLM's MultiplyByQuantizedMultiplier (tensorflow/lite/kernels/internal/
// common.h, built without TFLITE_SINGLE_ROUNDING). They are the only place in
// sasim where requantization arithmetic is written; the golden model, the
// cycle model's post-processing unit and the host driver all call them, and
// the RTL implements the same steps (docs/microarchitecture.md).
//
// Semantics, stated once (tests/test_quant.cc checks each against an
// independent 128-bit formulation):
//  * srdhm(a, b)         = floor((a*b + 2^30) / 2^31), i.e. a*b/2^31 rounded to
//                          nearest with ties toward +infinity; the single
//                          overflow case a = b = INT32_MIN gives INT32_MAX.
//  * rounding_divide_by_pot(x, e) = x / 2^e rounded to nearest, ties away from
//                          zero, for 0 <= e <= 31.
//  * multiply_by_quantized_multiplier(x, m, s): positive s is a left shift
//                          applied to x before the multiply (wrapping in int32
//                          as the two's-complement hardware does), negative s a
//                          rounding right shift applied after it.
#pragma once

#include <stdint.h>  // not <cstdint>: the board build (no libstdc++) includes this header too

namespace sasim {

// Valid output_shift range accepted by configs and the hardware: TFLM's
// QuantizeMultiplier produces shifts in [-31, 30] for any representable scale.
constexpr int kMinShift = -31;
constexpr int kMaxShift = 30;

inline int32_t srdhm(int32_t a, int32_t b) {
  const bool overflow = a == b && a == INT32_MIN;
  const int64_t ab = static_cast<int64_t>(a) * static_cast<int64_t>(b);
  const int64_t nudge = ab >= 0 ? (int64_t{1} << 30) : (1 - (int64_t{1} << 30));
  // Division truncates toward zero, exactly as in gemmlowp.
  const int32_t high = static_cast<int32_t>((ab + nudge) / (int64_t{1} << 31));
  return overflow ? INT32_MAX : high;
}

inline int32_t rounding_divide_by_pot(int32_t x, int exponent) {
  const int32_t mask = static_cast<int32_t>((int64_t{1} << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

inline int32_t multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int shift) {
  const int left = shift > 0 ? shift : 0;
  const int right = shift > 0 ? 0 : -shift;
  // TFLM writes x * (1 << left) in int32; we make the wrap-around explicit so
  // the behaviour is defined C++ and equal to what the hardware computes.
  const int32_t shifted = static_cast<int32_t>(static_cast<uint32_t>(x) << left);
  return rounding_divide_by_pot(srdhm(shifted, multiplier), right);
}

// The complete per-element output stage shared by every engine:
// requantize, add the output zero point, clamp to [act_min, act_max].
inline int8_t requantize(int32_t acc, int32_t multiplier, int shift, int32_t output_zero_point,
                         int32_t act_min, int32_t act_max) {
  // The zero-point add wraps in int32 (defined here; TFLM's int32 add and the
  // RTL's 32-bit adder do the same for the values real layers produce).
  int32_t v = static_cast<int32_t>(static_cast<uint32_t>(multiply_by_quantized_multiplier(acc, multiplier, shift)) +
                                   static_cast<uint32_t>(output_zero_point));
  v = v < act_min ? act_min : v;
  v = v > act_max ? act_max : v;
  return static_cast<int8_t>(v);
}

// TFLM's QuantizeMultiplier: a real multiplier as a Q31 significand and a
// power-of-two exponent (positive = left shift). Used to derive per-channel
// multipliers from scales in model configs. Returns false when the scale is
// not representable (zero, negative, NaN, or a shift outside [-31, 30]).
bool quantize_multiplier(double real_multiplier, int32_t* multiplier, int* shift);

// As TFLite Micro derives a model's multipliers: zero, and a multiplier in
// (0, 1) too small for a shift of -31, become multiplier 0, shift 0 (the
// output is the zero point). Returns false only when the multiplier is not
// representable otherwise (negative, NaN, or too large).
bool quantize_multiplier_tflm(double real_multiplier, int32_t* multiplier, int* shift);

}  // namespace sasim
