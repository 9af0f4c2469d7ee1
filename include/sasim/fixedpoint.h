// gemmlowp's scalar fixed-point arithmetic (FixedPoint<int32_t, N>: N
// integer bits, 31 - N fractional) as TFLite Micro's int8 SOFTMAX and
// LOGISTIC use it, written for sasim from the definitions, and the SOFTMAX
// row kernel built on it. C++11 with <stdint.h> only: the golden operators
// (src/golden/cpu_ops.cc) and the board's kernels (src/board/cpu_ops.h)
// include this one header, so both compute the same bits.
#pragma once

#include <stdint.h>

#include "sasim/quant.h"

namespace sasim {
namespace fp {

// gemmlowp SaturatingRoundingMultiplyByPOT<exponent>.
inline int32_t sat_rounding_mul_by_pot(int32_t x, int exponent) {
  if (exponent == 0) return x;
  if (exponent < 0) return rounding_divide_by_pot(x, -exponent);
  const int32_t threshold = static_cast<int32_t>((int64_t{1} << (31 - exponent)) - 1);
  if (x > threshold) return INT32_MAX;
  if (x < -threshold) return INT32_MIN;
  return static_cast<int32_t>(static_cast<uint32_t>(x) << exponent);
}

// Rescale<dst>(FixedPoint<src>): multiply the raw value by 2^(src - dst).
inline int32_t rescale(int32_t raw, int src_int_bits, int dst_int_bits) {
  return sat_rounding_mul_by_pot(raw, src_int_bits - dst_int_bits);
}

// FixedPoint<int32, 0> exp on [-1/4, 0).
inline int32_t exp_on_interval_minus_quarter_to_0(int32_t a) {
  const int32_t constant_term = 1895147668;  // exp(-1/8)
  const int32_t constant_1_over_3 = 715827883;
  const int32_t x = a + (1 << 28);  // a + 1/8
  const int32_t x2 = srdhm(x, x);
  const int32_t x3 = srdhm(x2, x);
  const int32_t x4 = srdhm(x2, x2);
  const int32_t x4_over_4 = sat_rounding_mul_by_pot(x4, -2);
  const int32_t poly = sat_rounding_mul_by_pot(srdhm(x4_over_4 + x3, constant_1_over_3) + x2, -1);
  return constant_term + srdhm(constant_term, x + poly);
}

// exp_on_negative_values for FixedPoint<int32, int_bits> input; result
// FixedPoint<int32, 0>.
inline int32_t exp_on_negative_values(int32_t a, int int_bits) {
  const int frac_bits = 31 - int_bits;
  const int32_t one_quarter = int32_t{1} << (frac_bits - 2);
  const int32_t mask = one_quarter - 1;
  const int32_t a_mod_quarter_minus_one_quarter = (a & mask) - one_quarter;
  int32_t result = exp_on_interval_minus_quarter_to_0(rescale(a_mod_quarter_minus_one_quarter, int_bits, 0));
  const int32_t remainder = a_mod_quarter_minus_one_quarter - a;
  struct Step {
    int exponent;
    int32_t multiplier;  // exp(-2^exponent) in Q0.31
  };
  static const Step kSteps[] = {{-2, 1672461947}, {-1, 1302514674}, {0, 790015084}, {1, 290630308},
                                {2, 39332535},    {3, 720401},      {4, 242}};
  for (const Step& s : kSteps) {
    if (int_bits > s.exponent) {
      const int shift = frac_bits + s.exponent;
      if (remainder & (int32_t{1} << shift)) result = srdhm(result, s.multiplier);
    }
  }
  if (int_bits > 5) {
    const int32_t clamp = -(int32_t{1} << (36 - int_bits));
    if (a < clamp) result = 0;
  }
  if (a == 0) result = INT32_MAX;
  return result;
}

inline int32_t rounding_half_sum(int32_t a, int32_t b) {
  const int64_t sum = static_cast<int64_t>(a) + static_cast<int64_t>(b);
  const int64_t sign = sum >= 0 ? 1 : -1;
  return static_cast<int32_t>((sum + sign) / 2);
}

// one_over_one_plus_x_for_x_in_0_1: FixedPoint<int32,0> in and out.
inline int32_t one_over_one_plus_x(int32_t a) {
  const int32_t half_denominator = rounding_half_sum(a, INT32_MAX);
  const int32_t c48_over_17 = 1515870810;      // F2
  const int32_t c_neg32_over_17 = -1010580540;  // F2
  int32_t x = c48_over_17 + srdhm(half_denominator, c_neg32_over_17);  // F2
  const int32_t f2_one = int32_t{1} << 29;
  for (int i = 0; i < 3; ++i) {
    const int32_t half_denominator_times_x = srdhm(half_denominator, x);  // F2
    const int32_t one_minus = f2_one - half_denominator_times_x;          // F2
    x = x + rescale(srdhm(x, one_minus), 4, 2);                           // F4 -> F2
  }
  // ExactMulByPot<-1>: the raw value read as F1; then Rescale<0>.
  return rescale(x, 1, 0);
}

// GetReciprocal(x in FixedPoint<int32, x_int_bits>).
inline int32_t get_reciprocal(int32_t x, int x_int_bits, int* num_bits_over_unit) {
  const int headroom_plus_one = __builtin_clz(static_cast<uint32_t>(x));
  *num_bits_over_unit = x_int_bits - headroom_plus_one;
  const int32_t shifted_sum_minus_one =
      static_cast<int32_t>((static_cast<uint32_t>(x) << headroom_plus_one) - (static_cast<uint32_t>(1) << 31));
  return one_over_one_plus_x(shifted_sum_minus_one);
}


// One SOFTMAX row (reference_ops::Softmax, int8 in, int8 out with scale
// 1/256 and zero point -128), given Prepare's input multiplier, left shift
// and diff_min.
inline void softmax_row(const int8_t* x, int8_t* y, int depth, int32_t input_multiplier, int input_left_shift,
                        int32_t diff_min) {
  const int kScaledDiffIntegerBits = 5, kAccumulationIntegerBits = 12;
  int32_t max_in_row = -128;
  for (int c = 0; c < depth; ++c) max_in_row = x[c] > max_in_row ? x[c] : max_in_row;
  int32_t sum_of_exps = 0;  // FixedPoint<int32, 12>
  for (int c = 0; c < depth; ++c) {
    const int32_t diff = static_cast<int32_t>(x[c]) - max_in_row;
    if (diff >= diff_min) {
      // MultiplyByQuantizedMultiplierGreaterThanOne.
      const int32_t scaled = srdhm(static_cast<int32_t>(static_cast<uint32_t>(diff) << input_left_shift), input_multiplier);
      sum_of_exps += rescale(exp_on_negative_values(scaled, kScaledDiffIntegerBits), 0, kAccumulationIntegerBits);
    }
  }
  int num_bits_over_unit;
  const int32_t shifted_scale = get_reciprocal(sum_of_exps, kAccumulationIntegerBits, &num_bits_over_unit);
  for (int c = 0; c < depth; ++c) {
    const int32_t diff = static_cast<int32_t>(x[c]) - max_in_row;
    if (diff >= diff_min) {
      const int32_t scaled = srdhm(static_cast<int32_t>(static_cast<uint32_t>(diff) << input_left_shift), input_multiplier);
      const int32_t exp_in_0 = exp_on_negative_values(scaled, kScaledDiffIntegerBits);
      int32_t v = rounding_divide_by_pot(srdhm(shifted_scale, exp_in_0), num_bits_over_unit + 31 - 8) - 128;
      v = v < -128 ? -128 : v;
      v = v > 127 ? 127 : v;
      y[c] = static_cast<int8_t>(v);
    } else {
      y[c] = -128;
    }
  }
}

}  // namespace fp
}  // namespace sasim
