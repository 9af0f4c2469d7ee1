// Internal to src/driver/: a layer as GEMMs (the legacy tile loop's
// operands, the post-processing parameters' columns, the folded biases) and
// the cursors that walk a conv's output pixels and kernel taps without a
// division per byte. Board code (C++11 subset, driver.h).
#ifndef SASIM_DRIVER_GEMM_H_
#define SASIM_DRIVER_GEMM_H_

#include <stddef.h>
#include <stdint.h>

#include "driver/driver.h"
#include "driver/placement.h"

namespace sasim_drv {
SASIM_DRIVER_DETAIL_BEGIN


// One GEMM view of a layer. A depthwise layer is cut into groups of `group`
// output channels, each a conv with a block-diagonal filter: K = taps x G
// (tap-major), A[m][t*G + j] = the input under tap t of pixel m in the input
// channel of output channel oc0 + j, B[t*G + j][n] = w[t][oc0 + n] when
// j == n, else 0. The array then streams im2col rows as for a conv (eight
// channels of one tap are contiguous in NHWC input) instead of one channel at
// a time.
class Gemm {
 public:
  Gemm(const LayerDesc& l, int group_index, int group) : l_(l), oc0_(0), g_(1) { set_group(group_index, group); }
  // Makes this the view of group `group_index` (depthwise; conv and fully
  // connected have one).
  void set_group(int group_index, int group) {
    const LayerDesc& l = l_;
    const int pixels = l.batches * l.out_h * l.out_w;
    switch (l.kind) {
      case kConv2d: M = pixels; K = l.k_h * l.k_w * l.in_c; N = l.out_c; break;
      case kFullyConnected: M = l.batches; K = l.in_c; N = l.out_c; break;
      default:
        oc0_ = group_index * group;
        g_ = min_i(group, l.out_c - oc0_);
        M = pixels;
        K = l.k_h * l.k_w * g_;
        N = g_;
        break;
    }
  }
  int M, K, N;
  bool depthwise() const { return l_.kind == kDepthwiseConv2d; }
  // Im2col "channels" per tap (conv: C_in; depthwise: the group's size).
  int tap_channels() const { return depthwise() ? g_ : l_.in_c; }
  // The input channel read by im2col lane j of a tap.
  int input_channel(int j) const { return depthwise() ? (oc0_ + j) / l_.depth_multiplier : j; }

  int8_t a(int m, int k) const {
    switch (l_.kind) {
      case kConv2d: return input_tap(m, k / l_.in_c, k % l_.in_c);
      case kFullyConnected: return l_.input[m * K + k];
      default: return input_tap(m, k / g_, input_channel(k % g_));
    }
  }
  int8_t b(int k, int n) const {
    switch (l_.kind) {
      case kConv2d:
      case kFullyConnected: return l_.filter[n * K + k];
      default: return k % g_ == n ? l_.filter[(k / g_) * l_.out_c + oc0_ + n] : int8_t{0};
    }
  }
  int out_channel(int n) const { return oc0_ + n; }
  // bias'[n] = bias[n] - zp * sum_k B[k][n], in wrapping 32-bit arithmetic
  // like the accumulators.
  int32_t folded_bias(int n) const {
    return l_.folded_bias ? l_.folded_bias[out_channel(n)] : fold(n, weight_sum(n));
  }
  // The sum of output column n's weights.
  int32_t weight_sum(int n) const {
    const int oc = out_channel(n);
    int32_t sum = 0;
    if (depthwise()) {
      for (int t = 0; t < l_.k_h * l_.k_w; ++t) sum += l_.filter[t * l_.out_c + oc];
    } else {
      sum = row_sum(l_.filter + n * K, K);
    }
    return sum;
  }
  int32_t fold(int n, int32_t weight_sum) const {
    const int oc = out_channel(n);
    const uint32_t bias = l_.bias ? static_cast<uint32_t>(l_.bias[oc]) : 0u;
    return static_cast<int32_t>(bias - static_cast<uint32_t>(l_.input_zp) * static_cast<uint32_t>(weight_sum));
  }
  // Sum of `n` int8 values. Four at a time when aligned: each byte biased by
  // 128 (x ^ 0x80) is unsigned, two bytes add into each 16-bit half of an
  // accumulator (at most 510 per word), flushed before a half can overflow.
  static int32_t row_sum(const int8_t* p, int n) {
    int32_t sum = 0;
    int i = 0;
    if ((reinterpret_cast<uintptr_t>(p) & 3) == 0) {
      const uint32_t* w = static_cast<const uint32_t*>(__builtin_assume_aligned(p, 4));
      const int words = n / 4;
      for (int k0 = 0; k0 < words; k0 += 128) {
        const int k1 = k0 + 128 < words ? k0 + 128 : words;
        uint32_t acc = 0;
        for (int k = k0; k < k1; ++k) {
          const uint32_t x = w[k] ^ 0x80808080u;
          acc += (x & 0x00ff00ffu) + ((x >> 8) & 0x00ff00ffu);
        }
        sum += static_cast<int32_t>((acc & 0xffffu) + (acc >> 16)) - 128 * 4 * (k1 - k0);
      }
      i = words * 4;
    }
    for (; i < n; ++i) sum += p[i];
    return sum;
  }

  void store(int m, int n, int8_t v) const {
    if (depthwise()) l_.output[m * l_.out_c + oc0_ + n] = v;
    else l_.output[m * N + n] = v;
  }

 private:
  // Input value under kernel tap `tap` (= ky*KW + kx) of output pixel `pixel`,
  // channel `c`; a tap in the padding reads as the input zero point.
  int8_t input_tap(int pixel, int tap, int c) const {
    const int ox = pixel % l_.out_w, oy = (pixel / l_.out_w) % l_.out_h, n = pixel / (l_.out_w * l_.out_h);
    const int ky = tap / l_.k_w, kx = tap % l_.k_w;
    const int iy = oy * l_.stride_h - l_.pad_top + ky * l_.dil_h;
    const int ix = ox * l_.stride_w - l_.pad_left + kx * l_.dil_w;
    if (iy < 0 || iy >= l_.in_h || ix < 0 || ix >= l_.in_w) return static_cast<int8_t>(l_.input_zp);
    return l_.input[((n * l_.in_h + iy) * l_.in_w + ix) * l_.in_c + c];
  }
  const LayerDesc& l_;
  int oc0_, g_;
};

// Output pixel `pixel` of a conv or depthwise layer, walked in order without
// division: its batch and the input coordinates of its kernel's top-left tap.
struct PixelCursor {
  int n, oy, ox, iy0, ix0;
  PixelCursor() {}  // uninitialised on purpose: arrays of them are filled by first_pixels()
  PixelCursor(const LayerDesc& l, int pixel) {
    // One division per tile, not per byte.
    const int per_image = l.out_h * l.out_w;
    n = pixel / per_image;
    const int r = pixel - n * per_image;
    oy = r / l.out_w;
    ox = r - oy * l.out_w;
    iy0 = oy * l.stride_h - l.pad_top;
    ix0 = ox * l.stride_w - l.pad_left;
  }
  void next(const LayerDesc& l) {
    ix0 += l.stride_w;
    if (++ox == l.out_w) {
      ox = 0;
      ix0 = -l.pad_left;
      iy0 += l.stride_h;
      if (++oy == l.out_h) {
        oy = 0;
        iy0 = -l.pad_top;
        ++n;
      }
    }
  }
};

// Kernel tap `k` of a conv im2col row (k = (ky*KW + kx)*C_in + c; for
// depthwise, c_step = 0 and k = ky*KW + kx), walked in order: the tap's
// offsets from the top-left input coordinate and its channel.
struct TapCursor {
  int dy, dx, c, kx;
  TapCursor(const LayerDesc& l, int k, int channels) {
    const int tap = channels > 1 ? k / channels : k;
    c = k - tap * channels;
    const int ky = tap / l.k_w;
    kx = tap - ky * l.k_w;
    dy = ky * l.dil_h;
    dx = kx * l.dil_w;
  }
  void next(const LayerDesc& l, int channels) {
    if (++c < channels) return;
    c = 0;
    dx += l.dil_w;
    if (++kx == l.k_w) {
      kx = 0;
      dx = 0;
      dy += l.dil_h;
    }
  }
};

// The input byte under a tap of a pixel, channel `ch` (the zero point in the
// padding).
inline int8_t tap_value(const LayerDesc& l, const PixelCursor& p, int dy, int dx, int ch) {
  const int iy = p.iy0 + dy, ix = p.ix0 + dx;
  if (static_cast<unsigned>(iy) >= static_cast<unsigned>(l.in_h) ||
      static_cast<unsigned>(ix) >= static_cast<unsigned>(l.in_w))
    return static_cast<int8_t>(l.input_zp);
  return l.input[((p.n * l.in_h + iy) * l.in_w + ix) * l.in_c + ch];
}

SASIM_DRIVER_DETAIL_END
}  // namespace sasim_drv

#endif  // SASIM_DRIVER_GEMM_H_
