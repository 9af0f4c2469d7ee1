// Numerics: the requantization primitives against an independent 128-bit
// formulation of their documented semantics (include/sasim/quant.h), on edge
// values and every shift TFLM can produce.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <vector>

#include "sasim/quant.h"

using sasim::multiply_by_quantized_multiplier;
using sasim::rounding_divide_by_pot;
using sasim::srdhm;

namespace {
using i128 = __int128;

i128 floor_div(i128 a, i128 b) {  // b > 0
  i128 q = a / b;
  if ((a % b) != 0 && a < 0) --q;
  return q;
}

// a*b/2^31 to nearest, ties toward +inf; the one overflow saturates.
int32_t ref_srdhm(int32_t a, int32_t b) {
  if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
  return static_cast<int32_t>(floor_div(static_cast<i128>(a) * b + (i128{1} << 30), i128{1} << 31));
}

// x/2^e to nearest, ties away from zero.
int32_t ref_rdbpot(int32_t x, int e) {
  const i128 d = i128{1} << e;
  const i128 ax = x < 0 ? -static_cast<i128>(x) : static_cast<i128>(x);
  const i128 q = (2 * ax + d) / (2 * d);  // |x|/d rounded half up
  return static_cast<int32_t>(x < 0 ? -q : q);
}

int32_t ref_mbqm(int32_t x, int32_t m, int shift) {
  const int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
  // Left shift wraps modulo 2^32 (two's complement), as documented.
  const uint64_t wrapped = (static_cast<uint64_t>(static_cast<uint32_t>(x)) << left) & 0xffffffffu;
  const int32_t xs = static_cast<int32_t>(static_cast<uint32_t>(wrapped));
  return ref_rdbpot(ref_srdhm(xs, m), right);
}

std::vector<int32_t> edge_values() {
  std::vector<int32_t> v{INT32_MIN, INT32_MIN + 1, INT32_MAX, INT32_MAX - 1, 0, 1, -1, 2, -2, 3, -3};
  for (int k = 1; k < 31; ++k) {
    const int32_t p = int32_t{1} << k;
    for (int32_t d : {-1, 0, 1}) {
      v.push_back(p + d);
      v.push_back(-p + d);
      v.push_back((p >> 1) * 3 + d);   // ties at several scales
      v.push_back(-(p >> 1) * 3 + d);
    }
  }
  return v;
}
}  // namespace

TEST_CASE("srdhm: documented values", "[numerics]") {
  CHECK(srdhm(INT32_MIN, INT32_MIN) == INT32_MAX);  // the only overflow
  CHECK(srdhm(INT32_MAX, INT32_MAX) == INT32_MAX - 1);
  CHECK(srdhm(INT32_MIN, INT32_MAX) == INT32_MIN + 1);
  CHECK(srdhm(1 << 30, 1 << 30) == 1 << 29);  // 0.5 * 0.5 in Q31
  CHECK(srdhm(1, 1 << 30) == 1);    // exact tie +0.5 rounds up
  CHECK(srdhm(-1, 1 << 30) == 0);   // exact tie -0.5 rounds toward +inf
  CHECK(srdhm(-3, 1 << 30) == -1);  // -1.5 -> -1
  CHECK(srdhm(0, INT32_MIN) == 0);
}

TEST_CASE("rounding_divide_by_pot: ties away from zero", "[numerics]") {
  CHECK(rounding_divide_by_pot(5, 1) == 3);
  CHECK(rounding_divide_by_pot(-5, 1) == -3);
  CHECK(rounding_divide_by_pot(4, 1) == 2);
  CHECK(rounding_divide_by_pot(-6, 2) == -2);  // -1.5 -> -2
  CHECK(rounding_divide_by_pot(INT32_MIN, 31) == -1);
  CHECK(rounding_divide_by_pot(INT32_MAX, 31) == 1);
  CHECK(rounding_divide_by_pot(INT32_MIN, 0) == INT32_MIN);
}

TEST_CASE("srdhm equals the 128-bit reference on edge and random operands", "[numerics]") {
  const auto v = edge_values();
  for (int32_t a : v)
    for (int32_t b : v) REQUIRE(srdhm(a, b) == ref_srdhm(a, b));
  std::mt19937 rng(1);
  std::uniform_int_distribution<int32_t> any(INT32_MIN, INT32_MAX);
  for (int i = 0; i < 200000; ++i) {
    const int32_t a = any(rng), b = any(rng);
    REQUIRE(srdhm(a, b) == ref_srdhm(a, b));
  }
}

TEST_CASE("rounding_divide_by_pot equals the reference for every exponent 0..31", "[numerics]") {
  const auto v = edge_values();
  for (int e = 0; e <= 31; ++e) {
    for (int32_t x : v) REQUIRE(rounding_divide_by_pot(x, e) == ref_rdbpot(x, e));
    // Every tie at this exponent and its neighbours.
    if (e > 0) {
      const int64_t half = int64_t{1} << (e - 1);
      for (int64_t k = -3; k <= 3; ++k)
        for (int64_t d = -1; d <= 1; ++d) {
          const int64_t x = k * (int64_t{1} << e) + half + d;
          if (x < INT32_MIN || x > INT32_MAX) continue;
          REQUIRE(rounding_divide_by_pot(static_cast<int32_t>(x), e) == ref_rdbpot(static_cast<int32_t>(x), e));
        }
    }
  }
}

TEST_CASE("multiply_by_quantized_multiplier for every shift -31..+30", "[numerics]") {
  const auto v = edge_values();
  const std::vector<int32_t> mults{0, 1, 1 << 30, (1 << 30) + 64, INT32_MAX, INT32_MAX - 20480, 1518500250,
                                   1073741824, 2147462400, 1342177280};
  std::mt19937 rng(7);
  std::uniform_int_distribution<int32_t> any(INT32_MIN, INT32_MAX);
  std::uniform_int_distribution<int32_t> q31(1 << 30, INT32_MAX);
  for (int shift = sasim::kMinShift; shift <= sasim::kMaxShift; ++shift) {
    for (int32_t m : mults)
      for (int32_t x : v) REQUIRE(multiply_by_quantized_multiplier(x, m, shift) == ref_mbqm(x, m, shift));
    for (int i = 0; i < 5000; ++i) {
      const int32_t x = any(rng), m = q31(rng);
      REQUIRE(multiply_by_quantized_multiplier(x, m, shift) == ref_mbqm(x, m, shift));
    }
  }
}

TEST_CASE("requantize adds the zero point after rounding and clamps", "[numerics]") {
  // 100 * 0.5 = 50, +zp 3, inside bounds.
  CHECK(sasim::requantize(100, 1 << 30, 0, 3, -128, 127) == 53);
  CHECK(sasim::requantize(100000, 1 << 30, 0, 0, -128, 127) == 127);
  CHECK(sasim::requantize(-100000, 1 << 30, 0, 0, -128, 127) == -128);
  CHECK(sasim::requantize(-10, 1 << 30, 0, -128, -128, 127) == -128);  // relu-style lower bound
  CHECK(sasim::requantize(7, 1 << 30, -1, 0, -128, 127) == 2);  // 7*0.5=3.5 -> 4 (srdhm) ... /2 = 2 (ties away)
}

TEST_CASE("quantize_multiplier follows TFLM's QuantizeMultiplier", "[numerics]") {
  int32_t m;
  int s;
  REQUIRE(sasim::quantize_multiplier(0.5, &m, &s));
  CHECK(m == 1 << 30);
  CHECK(s == 0);
  REQUIRE(sasim::quantize_multiplier(0.25, &m, &s));
  CHECK(m == 1 << 30);
  CHECK(s == -1);
  // Just below 1.0: the significand rounds to 2^31 and renormalises.
  REQUIRE(sasim::quantize_multiplier(1.0 - 1e-12, &m, &s));
  CHECK(m == 1 << 30);
  CHECK(s == 1);
  CHECK_FALSE(sasim::quantize_multiplier(0.0, &m, &s));
  CHECK_FALSE(sasim::quantize_multiplier(-1.0, &m, &s));
  CHECK_FALSE(sasim::quantize_multiplier(std::ldexp(1.0, -40), &m, &s));
}
