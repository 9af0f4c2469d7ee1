#include "sasim/quant.h"

#include <cmath>

namespace sasim {

bool quantize_multiplier(double real_multiplier, int32_t* multiplier, int* shift) {
  if (!(real_multiplier > 0.0) || !std::isfinite(real_multiplier)) return false;
  int exp = 0;
  const double q = std::frexp(real_multiplier, &exp);  // q in [0.5, 1)
  int64_t q_fixed = static_cast<int64_t>(std::round(q * static_cast<double>(int64_t{1} << 31)));
  if (q_fixed == (int64_t{1} << 31)) {  // rounding reached 1.0: renormalise
    q_fixed /= 2;
    ++exp;
  }
  if (exp < kMinShift || exp > kMaxShift) return false;
  *multiplier = static_cast<int32_t>(q_fixed);
  *shift = exp;
  return true;
}

bool quantize_multiplier_tflm(double real_multiplier, int32_t* multiplier, int* shift) {
  if (quantize_multiplier(real_multiplier, multiplier, shift)) return true;
  if (real_multiplier == 0.0 || (real_multiplier > 0.0 && real_multiplier < 1.0)) {
    *multiplier = 0;
    *shift = 0;
    return true;
  }
  return false;
}

}  // namespace sasim
