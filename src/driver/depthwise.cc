// Depthwise layers on the im2col path: groups of `rows` channels (a
// diagonal B; taller than wide, a divisor of `rows`, by rows: send_b_pass),
// bands split by group when the whole band does not fit an A bank, and a
// depth multiplier > 1 run as the conv it equals (prepared weights only).
// The legacy loop runs them as block-diagonal GEMMs (gemm.h).
#include "driver/runner.h"

namespace sasim_drv {
SASIM_DRIVER_DETAIL_BEGIN

// A depthwise layer as a conv (the depth multiplier's view: virt_weight
// gives its weights).
SASIM_ONE_TU_INLINE LayerDesc Runner::conv_view(const LayerDesc& l) {
  LayerDesc v = l;
  v.kind = kConv2d;
  v.depth_multiplier = 1;
  return v;
}

// The weight of the conv view (runner.h, virt_) at output channel oc, tap
// (ky, kx), input channel c: zero unless c feeds oc (c = oc / dm).
SASIM_ONE_TU_INLINE int8_t Runner::virt_weight(int oc, int ky, int kx, int c) const {
  const LayerDesc& d = *virt_;
  return c == oc / d.depth_multiplier ? d.filter[(ky * d.k_w + kx) * d.out_c + oc] : int8_t{0};
}

// Depthwise whose all-channel band does not fit an A bank: a band per
// group, holding only the group's line of channels.
SASIM_ONE_TU_INLINE bool Runner::dw_split(const Plan& p) const {
  const int window_rows = min_i(l_.in_h, (l_.k_h - 1) * l_.dil_h + 1);
  return l_.kind == kDepthwiseConv2d && window_rows * p.band_w * p.lines > hw_.a_lines;
}

// A split band's lines per pixel: several groups' lines, as many as still
// leave a band two output rows or more, so that the input crosses the bus
// once per such super-group instead of once per group (a group's 8 bytes
// of a pixel cost a D$ line each: MobileNetV2's 80 x 80 x 48 stride-2
// depthwise, 6 groups, 3.13 M cycles with one line, 2.67 M with two; with
// three its bands hold one output row and re-send the kernel's overlap for
// each: 2.89 M). Out of line: only split layers run it.
int Runner::split_lines(const Plan& pl) const {
  const int window_rows = min_i(l_.in_h, (l_.k_h - 1) * l_.dil_h + 1);
  // Two output rows of a band past the first (which also gets the top
  // padding rows) need window_rows + stride_h input rows.
  int n = max_i(1, min_i(pl.lines, hw_.a_lines / (window_rows * pl.band_w)));
  while (n > 1 && hw_.a_lines / (pl.band_w * n) < window_rows + l_.stride_h && l_.out_h > 1) --n;
  return n;
}

// dw_split: input rows [y0, y0 + h) of image n, of each pixel only the
// `lines` lines of `rows` channels from channel c0 (the rest zero); was:
// `rows` channels from c0 (one line; two word loads when aligned).
void Runner::send_group_band(int n, int y0, int h, int c0, int lines) {
  const int R = hw_.rows, C = l_.in_c, pitch = line_pitch(R);
  const int8_t* src = l_.input + (n * l_.in_h + y0) * l_.in_w * C + c0;
  const int pixels = h * l_.in_w;
  WriterA w;
  if (R == 8 && pitch == 8 && C % 8 == 0 && (reinterpret_cast<uintptr_t>(src) & 3) == 0) {
    // Whole lines: each is 8 channels of the pixel or past C (zero).
    const int full = min_i(lines, (C - c0) / 8);
    for (int px = 0; px < pixels; ++px, src += C) {
      const uint32_t* p = static_cast<const uint32_t*>(__builtin_assume_aligned(src, 4));
      for (int j = 0; j < full; ++j) w.put8(p[2 * j], p[2 * j + 1]);
      for (int j = full; j < lines; ++j) w.put8(0, 0);
    }
  } else {
    for (int px = 0; px < pixels; ++px, src += C)
      for (int j = 0; j < lines; ++j)
        for (int lane = 0; lane < pitch; ++lane) {
          const int c = c0 + j * R + lane;
          w.put(lane < R && c < C ? src[j * R + lane] : int8_t{0});
        }
  }
  w.flush();
}

// A depthwise layer with a depth multiplier > 1 as the conv it equals
// (conv_view, virt_weight), with prepared weights and folded biases; false
// when that does not apply.
SASIM_ONE_TU_INLINE bool Runner::run_dw_view(int* rc) {
  if (l_.kind == kDepthwiseConv2d && l_.depth_multiplier > 1 && l_.packed_weights && l_.folded_bias &&
      hw_.im2col) {
    const LayerDesc v = conv_view(l_);
    Runner r(hw_, v);
    r.mc_ = mc_;
    r.dry_ = dry_;
    r.virt_ = &l_;
    if (r.im2col_applies()) {
      *rc = r.run_im2col_layer();
      memo_kept_ = r.memo_kept_;
      return true;
    }
  }
  return false;
}

SASIM_DRIVER_DETAIL_END

}  // namespace sasim_drv
