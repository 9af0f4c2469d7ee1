// Golden int8 CPU operators (include/sasim/cpu_ops.h). The fixed-point
// helpers follow gemmlowp's scalar semantics (FixedPoint<int32_t, N>: N
// integer bits, 31 - N fractional), written for sasim from their definitions.
#include "sasim/cpu_ops.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "sasim/cpu_kernels.h"
#include "sasim/fixedpoint.h"
#include "sasim/quant.h"

namespace sasim {

using namespace fp;  // gemmlowp fixed point (include/sasim/fixedpoint.h)

namespace {

// QuantizeMultiplier, including TFLite's rule for tiny multipliers.
void quantize(double real, int32_t* m, int* shift) {
  if (!quantize_multiplier_tflm(real, m, shift)) throw std::runtime_error("multiplier out of range");
}

}  // namespace

void int8_activation_range(int act, QuantParam out, int32_t* lo, int32_t* hi) {
  auto q = [&](float f) {
    const float t = std::round(f / out.scale);
    return out.zero_point + static_cast<int32_t>(t);
  };
  *lo = -128;
  *hi = 127;
  if (act == 1) *lo = std::max(-128, q(0.0f));
  if (act == 3) {
    *lo = std::max(-128, q(0.0f));
    *hi = std::min(127, q(6.0f));
  }
  if (act == 2) {
    *lo = std::max(-128, q(-1.0f));
    *hi = std::min(127, q(1.0f));
  }
}

Shape broadcast_shape(const Shape& a, const Shape& b) {
  if (a.size() > 5 || b.size() > 5) throw std::runtime_error("broadcast: more than 5 dimensions");
  const size_t n = std::max(a.size(), b.size());
  Shape r(n);
  for (size_t i = 0; i < n; ++i) {
    const int da = i + a.size() >= n ? a[i + a.size() - n] : 1;
    const int db = i + b.size() >= n ? b[i + b.size() - n] : 1;
    if (da != db && da != 1 && db != 1)
      throw std::runtime_error("broadcast: dimensions " + std::to_string(da) + " and " + std::to_string(db) + " differ");
    r[i] = da == 1 ? db : da;
  }
  return r;
}

namespace {

// Calls f(i, ia, ib) for every output element i in row-major order, with the
// element of each input it reads (strides of 0 on broadcast dimensions).
template <typename F>
void for_each_broadcast(const Shape& sa, size_t na, const Shape& sb, size_t nb, const Shape& so, F f) {
  if (broadcast_shape(sa, sb) != so) throw std::runtime_error("broadcast: the output shape does not follow");
  const size_t n = so.size();
  auto strides = [&](const Shape& s) {
    std::vector<size_t> st(n, 0);
    size_t acc = 1;
    for (size_t k = s.size(); k-- > 0;) {
      const size_t i = k + n - s.size();
      st[i] = s[k] == 1 ? 0 : acc;
      acc *= static_cast<size_t>(s[k]);
    }
    return st;
  };
  size_t total = 1, ta = 1, tb = 1;
  for (int d : so) total *= static_cast<size_t>(d);
  for (int d : sa) ta *= static_cast<size_t>(d);
  for (int d : sb) tb *= static_cast<size_t>(d);
  if (ta != na || tb != nb) throw std::runtime_error("broadcast: a tensor's size does not match its shape");
  const std::vector<size_t> st_a = strides(sa), st_b = strides(sb);
  std::vector<int> idx(n, 0);
  size_t ia = 0, ib = 0;
  for (size_t i = 0; i < total; ++i) {
    f(i, ia, ib);
    for (size_t k = n; k-- > 0;) {  // odometer increment
      ia += st_a[k];
      ib += st_b[k];
      if (++idx[k] < so[k]) break;
      ia -= st_a[k] * static_cast<size_t>(so[k]);
      ib -= st_b[k] * static_cast<size_t>(so[k]);
      idx[k] = 0;
    }
  }
}


}  // namespace

void add_multipliers(QuantParam qa, QuantParam qb, QuantParam qout, int32_t m[3], int s[3]) {
  const int left_shift = 20;
  const double twice_max_input_scale = 2 * static_cast<double>(std::max(qa.scale, qb.scale));
  quantize(static_cast<double>(qa.scale) / twice_max_input_scale, &m[0], &s[0]);
  quantize(static_cast<double>(qb.scale) / twice_max_input_scale, &m[1], &s[1]);
  quantize(twice_max_input_scale / ((1 << left_shift) * static_cast<double>(qout.scale)), &m[2], &s[2]);
}

namespace {

// A broadcast operator's output: zeroed to the shape's size; the fused
// activation's bounds.
void start_output(int act, QuantParam qout, const Shape& out_shape, std::vector<int8_t>* out, int32_t* lo,
                  int32_t* hi) {
  int8_activation_range(act, qout, lo, hi);
  size_t total = 1;
  for (int d : out_shape) total *= static_cast<size_t>(d);
  out->assign(total, 0);
}

// ADD (sign +1) and SUB (sign -1): both inputs rescaled with a left shift of
// 20, summed or subtracted, rescaled to the output (the reference kernels'
// shared element arithmetic); `m`, `s` from add_multipliers/sub_multipliers.
void add_or_sub(int sign, const int32_t m[3], const int s[3], const std::vector<int8_t>& a, const Shape& sa,
                QuantParam qa, const std::vector<int8_t>& b, const Shape& sb, QuantParam qb, QuantParam qout, int act,
                const Shape& out_shape, std::vector<int8_t>* out) {
  const int left_shift = 20;
  int32_t lo, hi;
  start_output(act, qout, out_shape, out, &lo, &hi);
  for_each_broadcast(sa, a.size(), sb, b.size(), out_shape, [&](size_t i, size_t ia, size_t ib) {
    const int32_t v1 = (static_cast<int32_t>(a[ia]) - qa.zero_point) * (1 << left_shift);
    const int32_t v2 = (static_cast<int32_t>(b[ib]) - qb.zero_point) * (1 << left_shift);
    const int32_t s1v = multiply_by_quantized_multiplier(v1, m[0], s[0]);
    const int32_t s2v = multiply_by_quantized_multiplier(v2, m[1], s[1]);
    const int32_t raw = multiply_by_quantized_multiplier(sign > 0 ? s1v + s2v : s1v - s2v, m[2], s[2]) +
                        qout.zero_point;
    (*out)[i] = static_cast<int8_t>(std::min(hi, std::max(lo, raw)));
  });
}

}  // namespace

void add_int8(const std::vector<int8_t>& a, const Shape& sa, QuantParam qa, const std::vector<int8_t>& b,
              const Shape& sb, QuantParam qb, QuantParam qout, int act, const Shape& out_shape,
              std::vector<int8_t>* out) {
  int32_t m[3];
  int s[3];
  add_multipliers(qa, qb, qout, m, s);
  add_or_sub(+1, m, s, a, sa, qa, b, sb, qb, qout, act, out_shape, out);
}

void sub_multipliers(QuantParam qa, QuantParam qb, QuantParam qout, int32_t m[3], int s[3]) {
  const int left_shift = 20;
  // In float, as TFLite Micro computes them (CalculateOpDataSub), then widened.
  const float twice_max = 2 * std::max(qa.scale, qb.scale);
  quantize(static_cast<double>(qa.scale / twice_max), &m[0], &s[0]);
  quantize(static_cast<double>(qb.scale / twice_max), &m[1], &s[1]);
  quantize(static_cast<double>(twice_max / ((1 << left_shift) * qout.scale)), &m[2], &s[2]);
}

void mul_multiplier(QuantParam qa, QuantParam qb, QuantParam qout, int32_t* m, int* s) {
  quantize(static_cast<double>(qa.scale) * static_cast<double>(qb.scale) / static_cast<double>(qout.scale), m, s);
}

void sub_int8(const std::vector<int8_t>& a, const Shape& sa, QuantParam qa, const std::vector<int8_t>& b,
              const Shape& sb, QuantParam qb, QuantParam qout, int act, const Shape& out_shape,
              std::vector<int8_t>* out) {
  int32_t m[3];
  int s[3];
  sub_multipliers(qa, qb, qout, m, s);
  add_or_sub(-1, m, s, a, sa, qa, b, sb, qb, qout, act, out_shape, out);
}

void mul_int8(const std::vector<int8_t>& a, const Shape& sa, QuantParam qa, const std::vector<int8_t>& b,
              const Shape& sb, QuantParam qb, QuantParam qout, int act, const Shape& out_shape,
              std::vector<int8_t>* out) {
  int32_t m;
  int shift;
  mul_multiplier(qa, qb, qout, &m, &shift);
  int32_t lo, hi;
  start_output(act, qout, out_shape, out, &lo, &hi);
  for_each_broadcast(sa, a.size(), sb, b.size(), out_shape, [&](size_t i, size_t ia, size_t ib) {
    const int32_t v1 = static_cast<int32_t>(a[ia]) - qa.zero_point;
    const int32_t v2 = static_cast<int32_t>(b[ib]) - qb.zero_point;
    const int32_t r = qout.zero_point + multiply_by_quantized_multiplier(v1 * v2, m, shift);
    (*out)[i] = static_cast<int8_t>(std::min(hi, std::max(lo, r)));
  });
}

namespace {

// The pooling window loop shared by AVERAGE_POOL_2D and MAX_POOL_2D: each
// window clipped to the input, then the activation clamp.
void pool_int8(const std::vector<int8_t>& in, const PoolParams& p, bool max, std::vector<int8_t>* out) {
  out->assign(static_cast<size_t>(p.batches) * p.out_h * p.out_w * p.channels, 0);
  for (int n = 0; n < p.batches; ++n)
    for (int oy = 0; oy < p.out_h; ++oy)
      for (int ox = 0; ox < p.out_w; ++ox)
        for (int c = 0; c < p.channels; ++c) {
          const int iy0 = oy * p.stride_h - p.pad_top, ix0 = ox * p.stride_w - p.pad_left;
          const int fy0 = std::max(0, -iy0), fy1 = std::min(p.filter_h, p.in_h - iy0);
          const int fx0 = std::max(0, -ix0), fx1 = std::min(p.filter_w, p.in_w - ix0);
          int32_t acc = max ? std::numeric_limits<int8_t>::lowest() : 0;
          int count = 0;
          for (int fy = fy0; fy < fy1; ++fy)
            for (int fx = fx0; fx < fx1; ++fx) {
              const int32_t v = in[((static_cast<size_t>(n) * p.in_h + iy0 + fy) * p.in_w + ix0 + fx) * p.channels + c];
              acc = max ? std::max(acc, v) : acc + v;
              ++count;
            }
          if (count == 0) throw std::runtime_error("pooling: a window covers no input");
          // AVERAGE_POOL_2D: the sum divided with rounding half away from zero.
          if (!max) acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
          acc = std::min(p.act_max, std::max(p.act_min, acc));
          (*out)[((static_cast<size_t>(n) * p.out_h + oy) * p.out_w + ox) * p.channels + c] = static_cast<int8_t>(acc);
        }
}

}  // namespace

void average_pool_int8(const std::vector<int8_t>& in, const PoolParams& p, std::vector<int8_t>* out) {
  pool_int8(in, p, false, out);
}

void max_pool_int8(const std::vector<int8_t>& in, const PoolParams& p, std::vector<int8_t>* out) {
  pool_int8(in, p, true, out);
}

void pad_int8(const std::vector<int8_t>& in, const Shape& shape, const std::vector<std::pair<int, int>>& pads,
              int8_t pad_value, std::vector<int8_t>* out) {
  if (pads.size() != shape.size() || shape.size() > 5) throw std::runtime_error("PAD: one (before, after) per dimension");
  const size_t n = shape.size();
  int32_t in_dims[5] = {1, 1, 1, 1, 1}, before[5] = {0, 0, 0, 0, 0}, out_dims[5] = {1, 1, 1, 1, 1};
  size_t total = 1, in_total = 1;
  for (size_t k = 0; k < n; ++k) {
    if (pads[k].first < 0 || pads[k].second < 0) throw std::runtime_error("PAD: negative padding");
    const size_t d = 5 - n + k;
    in_dims[d] = shape[k];
    before[d] = pads[k].first;
    out_dims[d] = shape[k] + pads[k].first + pads[k].second;
    total *= static_cast<size_t>(out_dims[d]);
    in_total *= static_cast<size_t>(shape[k]);
  }
  if (in_total != in.size()) throw std::runtime_error("PAD: the input's size does not match its shape");
  out->assign(total, pad_value);
  if (total == 0) return;
  kern::pad(in.data(), in_dims, before, out_dims, pad_value, out->data());
}

void requantize_int8(const std::vector<int8_t>& in, QuantParam qin, QuantParam qout, std::vector<int8_t>* out) {
  out->resize(in.size());
  const kern::UnaryParams p = requantize_params(qin, qout);
  kern::unary(in.data(), out->data(), static_cast<int32_t>(in.size()), p);
}

kern::UnaryParams requantize_params(QuantParam qin, QuantParam qout) {
  kern::UnaryParams p{};
  p.op = kern::kRequantize;
  p.in_zp = qin.zero_point;
  p.out_zp = qout.zero_point;
  int shift;
  quantize(static_cast<double>(qin.scale) / static_cast<double>(qout.scale), &p.m1, &shift);
  p.s1 = shift;
  return p;
}

void quantize_float(const std::vector<float>& in, QuantParam qout, std::vector<int8_t>* out) {
  out->resize(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    const float q = std::round(in[i] / qout.scale);
    // A NaN or an out-of-range value saturates instead of overflowing the cast.
    const int32_t v = std::isnan(q) ? qout.zero_point
                      : q >= 1e6f   ? 127
                      : q <= -1e6f  ? -128
                                    : static_cast<int32_t>(q) + qout.zero_point;
    (*out)[i] = static_cast<int8_t>(std::min(127, std::max(-128, v)));
  }
}

void dequantize_int8(const std::vector<int8_t>& in, QuantParam qin, std::vector<float>* out) {
  out->resize(in.size());
  kern::dequantize(in.data(), out->data(), static_cast<int32_t>(in.size()), qin.scale, qin.zero_point);
}

kern::UnaryParams logistic_params(QuantParam qin) {
  const int kInputIntegerBits = 4;
  // Prepare: frexp of in_scale * 2^27, rounded without QuantizeMultiplier's
  // fix-up; the radius beyond which the output saturates.
  const double real = static_cast<double>(qin.scale) * static_cast<double>(int64_t{1} << (31 - kInputIntegerBits));
  int left_shift = 0;
  const double q = std::frexp(real, &left_shift);
  kern::UnaryParams p{};
  p.op = kern::kLogistic;
  p.in_zp = qin.zero_point;
  p.out_zp = -128;
  p.m1 = static_cast<int32_t>(std::round(q * static_cast<double>(int64_t{1} << 31)));
  p.s1 = left_shift;
  const double max_rescaled = 15.0 * static_cast<double>(int64_t{1} << (31 - kInputIntegerBits)) / std::ldexp(1.0, left_shift);
  p.radius = static_cast<int32_t>(std::min(std::floor(max_rescaled), 2147483647.0));
  return p;
}

void logistic_int8(const std::vector<int8_t>& in, QuantParam qin, std::vector<int8_t>* out) {
  out->resize(in.size());
  kern::unary(in.data(), out->data(), static_cast<int32_t>(in.size()), logistic_params(qin));
}

kern::UnaryParams leaky_relu_params(QuantParam qin, QuantParam qout, float alpha) {
  // Both products and quotients in float, as CalculateOpDataLeakyRelu forms them.
  const float alpha_real = qin.scale * alpha / qout.scale;
  const float identity_real = qin.scale / qout.scale;
  kern::UnaryParams p{};
  p.op = kern::kLeakyRelu;
  p.in_zp = qin.zero_point;
  p.out_zp = qout.zero_point;
  int s_id, s_alpha;
  quantize(static_cast<double>(identity_real), &p.m1, &s_id);
  quantize(std::fabs(static_cast<double>(alpha_real)), &p.m2, &s_alpha);  // the sign is applied after
  p.s1 = s_id;
  p.s2 = s_alpha;
  p.negate = alpha_real < 0;
  return p;
}

void leaky_relu_int8(const std::vector<int8_t>& in, QuantParam qin, QuantParam qout, float alpha,
                     std::vector<int8_t>* out) {
  out->resize(in.size());
  kern::unary(in.data(), out->data(), static_cast<int32_t>(in.size()), leaky_relu_params(qin, qout, alpha));
}

void mean_params(QuantParam qin, QuantParam qout, int64_t n, int32_t* m_out, int* s_out) {
  int32_t m;
  int s;
  quantize(static_cast<double>(qin.scale) / static_cast<double>(qout.scale), &m, &s);
  // Fold 1/N into the multiplier: shift by floor(log2 N) first to keep precision.
  int sh = 63 - __builtin_clzll(static_cast<uint64_t>(n));
  sh = std::min(sh, std::min(32, 31 + s));
  *m_out = static_cast<int32_t>((static_cast<int64_t>(m) << sh) / n);
  *s_out = s - sh;
}

void mean_int8(const std::vector<int8_t>& in, const Shape& shape, std::vector<int> axes, QuantParam qin,
               QuantParam qout, std::vector<int8_t>* out) {
  const int rank = static_cast<int>(shape.size());
  if (rank > 5) throw std::runtime_error("MEAN: more than 5 dimensions");
  int32_t dims[5] = {1, 1, 1, 1, 1};
  uint32_t reduced = 0;
  for (int k = 0; k < rank; ++k) dims[5 - rank + k] = shape[static_cast<size_t>(k)];
  for (int a : axes) {
    const int k = a < 0 ? a + rank : a;
    if (k < 0 || k >= rank) throw std::runtime_error("MEAN: axis out of range");
    reduced |= 1u << (5 - rank + k);  // duplicates count once
  }
  size_t total = 1, out_total = 1;
  int64_t n = 1;
  for (int k = 0; k < 5; ++k) {
    total *= static_cast<size_t>(dims[k]);
    if ((reduced >> k) & 1u) n *= dims[k];
    else out_total *= static_cast<size_t>(dims[k]);
  }
  if (total != in.size()) throw std::runtime_error("MEAN: the input's size does not match its shape");
  out->assign(out_total, 0);
  if (total == 0 || n == 0) return;
  int32_t m;
  int s;
  mean_params(qin, qout, n, &m, &s);
  std::vector<int32_t> sum(out_total, 0);
  kern::mean(in.data(), dims, reduced, qin.zero_point, qout.zero_point, m, s, static_cast<int32_t>(n), sum.data(),
             out->data());
}

void softmax_int8(const std::vector<int8_t>& in, int depth, float input_scale, float beta, std::vector<int8_t>* out) {
  int32_t input_multiplier, diff_min;
  int input_left_shift;
  softmax_params(input_scale, beta, &input_multiplier, &input_left_shift, &diff_min);
  out->resize(in.size());
  const size_t rows = in.size() / static_cast<size_t>(depth);
  for (size_t r = 0; r < rows; ++r)
    fp::softmax_row(&in[r * static_cast<size_t>(depth)], &(*out)[r * static_cast<size_t>(depth)], depth,
                    input_multiplier, input_left_shift, diff_min);
}

void softmax_params(float input_scale, float beta, int32_t* input_multiplier_out, int* input_left_shift_out,
                    int32_t* diff_min_out) {
  const int kScaledDiffIntegerBits = 5;
  // PreprocessSoftmaxScaling (double rounding).
  const double real = std::min<double>(static_cast<double>(beta) * static_cast<double>(input_scale) *
                                           static_cast<double>(int64_t{1} << (31 - kScaledDiffIntegerBits)),
                                       static_cast<double>((int64_t{1} << 31) - 1));
  int32_t input_multiplier;
  int input_left_shift;
  quantize(real, &input_multiplier, &input_left_shift);
  if (input_left_shift < 0) throw std::runtime_error("SOFTMAX: input scale too small");
  // CalculateInputRadius.
  const double max_input_rescaled = 1.0 * ((1 << kScaledDiffIntegerBits) - 1) *
                                    static_cast<double>(int64_t{1} << (31 - kScaledDiffIntegerBits)) /
                                    static_cast<double>(int64_t{1} << input_left_shift);
  *diff_min_out = -static_cast<int32_t>(std::floor(max_input_rescaled));
  *input_multiplier_out = input_multiplier;
  *input_left_shift_out = input_left_shift;
}

}  // namespace sasim
