// The legacy tile loop: the CPU gathers each tile's A (im2col rows) and B
// (weights) and sends them line by line; the CFU computes the tile. Every
// layer the other mappings refuse runs here (the OS dataflow, layers without
// the extension or whose window does not fit an A bank; layer_mapping says
// why).
#include "driver/runner.h"

namespace sasim_drv {
SASIM_DRIVER_DETAIL_BEGIN

// One GEMM view (a depthwise group, or the whole conv or fully connected
// layer) tile by tile: per column block its parameters, per tile and depth
// chunk A and B (unless the previous pass left them) and a START; the
// previous tile is read back while this one computes.
int Runner::run_gemm(const Gemm& g, int ch) {
  const int k_chunks = (g.K + kc_ - 1) / kc_;
  for (int n0 = 0; n0 < g.N; n0 += nc_) {
    const int nt = min_i(nc_, g.N - n0);
    // Post-processing parameters are about to change: drain the tile that
    // still needs the old ones.
    if (pending_.valid) {
      readback(*pending_gemm_, pending_);
      pending_.valid = false;
    }
    write_params(g, n0, nt);
    for (int m0 = 0; m0 < g.M; m0 += mc_) {
      const int mt = min_i(mc_, g.M - m0);
      for (int k0 = 0; k0 < g.K; k0 += kc_) {
        const int kt = min_i(kc_, g.K - k0);
        // Operands identical to the previous pass stay where they are.
        const bool keep_a = k_chunks == 1 && ch == last_ch_ && m0 == last_a_m0_ && k0 == last_a_k0_;
        const bool keep_b = k_chunks == 1 && ch == last_ch_ && n0 == last_b_n0_ && k0 == last_b_k0_;
        if (!keep_a) send_a(g, m0, mt, k0, kt);
        if (!keep_b) send_b(g, k0, kt, n0, nt);
        last_ch_ = ch;
        last_a_m0_ = m0; last_a_k0_ = k0;
        last_b_k0_ = k0; last_b_n0_ = n0;
        const uint32_t flags = (k0 == 0 ? kFlagClear : 0) | (bank_ ? kFlagCBank : 0) |
                               (keep_a ? kFlagKeepA : 0) | (keep_b ? kFlagKeepB : 0);
        // The bookkeeping above stores to memory: a CFU instruction right
        // behind a store stall forks the next instruction (facts.md F19).
        sasim_cfu_fence();
        const uint32_t r = sasim_cfu_op(kStart, 0, static_cast<uint32_t>(mt) | static_cast<uint32_t>(kt) << 16,
                                        static_cast<uint32_t>(nt) | flags << 8);
        if (r == kErrorResponse) return kErrCfuRejected;
        // The previous tile's bank is free to read while this one computes.
        if (k0 == 0) finish_pending();
      }
      Tile t = {true, bank_, m0, mt, n0, nt};
      if (hw_.c_double) {
        set_pending(g, t);
        bank_ ^= 1;
      } else {
        readback(g, t);  // single C bank: read before the next tile overwrites it
      }
    }
  }
  // The pending tile refers to `g`; read it before `g` goes out of scope.
  finish_pending();
  return status_;
}

// A tile in buffer order: WS lines are rows m (lanes k), OS lines are taps k
// (lanes m). Lanes beyond the tile are zero.
void Runner::send_a(const Gemm& g, int m0, int mt, int k0, int kt) {
  WriterA w;
  const int pitch = line_pitch(hw_.rows);
  if (l_.kind != kFullyConnected) {
    send_conv_a(g, &w, m0, mt, k0, kt, pitch);
  } else {
    const int lines = ws_ ? mt : kt;
    for (int line = 0; line < lines; ++line)
      for (int lane = 0; lane < pitch; ++lane) {
        const int m = ws_ ? line : lane, k = ws_ ? lane : line;
        w.put((m < mt && k < kt) ? g.a(m0 + m, k0 + k) : int8_t{0});
      }
  }
  w.flush();
}

// conv A = im2col rows. WS: lines are pixels m, lanes taps k; OS: lines
// are taps, lanes pixels. Walked with cursors (no division per byte); a
// line's bytes are gathered and sent eight at a time (put_line).
SASIM_ONE_TU_INLINE void Runner::send_conv_a(const Gemm& g, WriterA* w, int m0, int mt, int k0, int kt, int pitch) {
  const int C = l_.in_c;
  const int TC = g.tap_channels();
  if (ws_) {
    const int lanes = min_i(kt, pitch);
    // The tile's taps, decoded once: offsets and their input offset.
    int dy[kMaxLanes], dx[kMaxLanes], ch[kMaxLanes], off[kMaxLanes];
    TapCursor t(l_, k0, TC);
    bool contiguous = true;
    for (int i = 0; i < lanes; ++i, t.next(l_, TC)) {
      dy[i] = t.dy;
      dx[i] = t.dx;
      ch[i] = g.input_channel(t.c);
      off[i] = (t.dy * l_.in_w + t.dx) * C + ch[i];
      contiguous = contiguous && dy[i] == dy[0] && dx[i] == dx[0] && ch[i] == ch[0] + i;
    }
    // Eight lanes that are eight channels of one tap are two aligned words.
    const bool words = pitch == 8 && kt == 8 && contiguous && C % 4 == 0 && ch[0] % 4 == 0 &&
                       (reinterpret_cast<uintptr_t>(l_.input) & 3) == 0;
    if (words && w->at_boundary()) {
      stream_tap_words(w, m0, mt, dy[0], dx[0], ch[0]);
      return;
    }
    PixelCursor p(l_, m0);
    uint8_t b[kMaxLanes];
    for (int m = 0; m < mt; ++m, p.next(l_)) {
      if (interior(p)) {
        const int8_t* base = l_.input + ((p.n * l_.in_h + p.iy0) * l_.in_w + p.ix0) * C;
        for (int i = 0; i < lanes; ++i) b[i] = static_cast<uint8_t>(base[off[i]]);
      } else {
        for (int i = 0; i < lanes; ++i) b[i] = static_cast<uint8_t>(tap_value(l_, p, dy[i], dx[i], ch[i]));
      }
      put_line(w, b, lanes, pitch);
    }
  } else {
    const int lanes = min_i(mt, pitch);
    PixelCursor px[kMaxLanes];
    first_pixels(px, m0, lanes);
    TapCursor t(l_, k0, TC);
    uint8_t b[kMaxLanes];
    for (int k = 0; k < kt; ++k, t.next(l_, TC)) {
      const int c = g.input_channel(t.c);
      for (int i = 0; i < lanes; ++i) b[i] = static_cast<uint8_t>(tap_value(l_, px[i], t.dy, t.dx, c));
      put_line(w, b, lanes, pitch);
    }
  }
}

// WS lines of eight channels c0..c0+7 of one tap (dy, dx), for pixels
// m0..m0+mt-1: two aligned word loads per line, or the zero point where the
// tap is padding. Walks output rows, so the inner loop only steps x.
SASIM_ONE_TU_INLINE void Runner::stream_tap_words(WriterA* w, int m0, int mt, int dy, int dx, int c0) {
  const uint32_t zp4 = (static_cast<uint32_t>(l_.input_zp) & 0xff) * 0x01010101u;
  const int C = l_.in_c, W = l_.in_w, sw = l_.stride_w;
  PixelCursor p(l_, m0);
  for (int left = mt; left > 0;) {
    const int run = min_i(l_.out_w - p.ox, left);
    const int iy = p.iy0 + dy;
    int ix = p.ix0 + dx;
    if (static_cast<unsigned>(iy) >= static_cast<unsigned>(l_.in_h)) {
      for (int i = 0; i < run; ++i) w->put8(zp4, zp4);
    } else {
      const int8_t* row = l_.input + (p.n * l_.in_h + iy) * W * C + c0;
      for (int i = 0; i < run; ++i, ix += sw) {
        if (static_cast<unsigned>(ix) >= static_cast<unsigned>(W)) {
          w->put8(zp4, zp4);
        } else {
          const uint32_t* src = static_cast<const uint32_t*>(__builtin_assume_aligned(row + ix * C, 4));
          w->put8(src[0], src[1]);
        }
      }
    }
    left -= run;
    // The next output row (run reached its end, or the tile ended).
    p.ox += run - 1;
    p.ix0 += (run - 1) * sw;
    p.next(l_);
  }
}

// px[0..n) = pixels first, first+1, ...
SASIM_ONE_TU_INLINE void Runner::first_pixels(PixelCursor* px, int first, int n) const {
  if (n <= 0) return;
  px[0] = PixelCursor(l_, first);
  for (int i = 1; i < n; ++i) {
    px[i] = px[i - 1];
    px[i].next(l_);
  }
}

// The kernel window of pixel p lies inside the image (no padding).
SASIM_ONE_TU_INLINE bool Runner::interior(const PixelCursor& p) const {
  return p.iy0 >= 0 && p.ix0 >= 0 && p.iy0 + (l_.k_h - 1) * l_.dil_h < l_.in_h &&
         p.ix0 + (l_.k_w - 1) * l_.dil_w < l_.in_w;
}

// One buffer line: `lanes` bytes, zeros up to the line pitch.
SASIM_ONE_TU_INLINE void Runner::put_line(WriterA* w, const uint8_t* b, int lanes, int pitch) {
  int i = 0;
  if (w->at_boundary())
    for (; i + 8 <= lanes; i += 8)
      w->put8(static_cast<uint32_t>(b[i]) | static_cast<uint32_t>(b[i + 1]) << 8 |
                  static_cast<uint32_t>(b[i + 2]) << 16 | static_cast<uint32_t>(b[i + 3]) << 24,
              static_cast<uint32_t>(b[i + 4]) | static_cast<uint32_t>(b[i + 5]) << 8 |
                  static_cast<uint32_t>(b[i + 6]) << 16 | static_cast<uint32_t>(b[i + 7]) << 24);
  for (; i < lanes; ++i) w->put(static_cast<int8_t>(b[i]));
  for (; i < pitch; ++i) w->put(0);
}

// B tile [k0, k0 + kt) x [n0, n0 + nt): a line per depth k, lane n.
void Runner::send_b(const Gemm& g, int k0, int kt, int n0, int nt) {
  WriterB w;
  const int pitch = line_pitch(hw_.cols);
  for (int k = 0; k < kt; ++k)
    for (int lane = 0; lane < pitch; ++lane) w.put(lane < nt ? g.b(k0 + k, n0 + lane) : int8_t{0});
  w.flush();
}

SASIM_DRIVER_DETAIL_END

// PUBLIC

}  // namespace sasim_drv
