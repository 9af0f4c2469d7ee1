// Weight preparation (driver.h: fold_biases, pack_weights, the weight
// store) and the B side of every mapping: groups of output channels, the
// prepared blob's layout, B tiles and lines, and the post-processing
// parameters (PARAM) per group.
#include "driver/runner.h"

namespace sasim_drv {
SASIM_DRIVER_DETAIL_BEGIN

// The prepared weight blob (pack_weights): every output-channel group's
// resident B block, in group order, each padded to whole 8-byte WRITEs and
// to the size of a full group. 0 when the layer does not take the im2col
// path with resident weights.
SASIM_ONE_TU_INLINE int Runner::packed_weights_bytes() {
  if (!blob_applies()) return 0;
  const int gsize = group_size();
  const int passes = plan().passes;
  return (l_.out_c + gsize - 1) / gsize *
         (resident(passes) || !ws_ ? blob_group_bytes(passes, gsize) : passes * streamed_pass_bytes());
}

SASIM_ONE_TU_INLINE int Runner::streamed_pass_bytes() const {
  return ((streamed_by_rows() ? hw_.rows : group_size()) * line_pitch(hw_.cols) + 7) / 8 * 8;
}

// Store lines of the blob when run_im2col would load it from the weight
// store (SEQ tiles), else 0. The blob is whole 8-byte WRITEs, so the next
// layer's blob starts at a line W_SEEK takes (line_pitch divides 8, or 8
// divides it).
SASIM_ONE_TU_INLINE int Runner::store_lines() {
  if (hw_.w_lines == 0) return 0;
  const int bytes = packed_weights_bytes();
  if (bytes == 0) return 0;
  const LayerDesc v = l_.kind == kFullyConnected && l_.batches > 1 ? fc_batch_view(l_) : l_;
  Runner r(hw_, v);
  r.virt_ = virt_;
  r.mc_ = mc_;
  const Schedule sc = r.schedule();
  if (!sc.seq && sc.part_rows + sc.part_lines == 0) return 0;  // (OS parts: one START from the store)
  const int pitch = line_pitch(hw_.cols);
  return (bytes + pitch - 1) / pitch;
}

// Output channels per group: `cols` (conv; no more than B lines), or the
// `rows` channels of one line (depthwise, a diagonal B); by rows (b_rows:
// OS, WS not square but a depthwise layer wider than tall),
// tall_group_size. A B_COLS conv group
// whose weights would not all fit a B bank narrows to as many columns as
// do: fewer columns per pass, but resident weights (SEQ tiles, the weight
// store, B once per band) instead of a B tile sent for every pass of
// every tile (docs/microarchitecture.md: ResNet-8, 8 x 16: 5.5 M -> 0.9 M).
int Runner::compute_group_size() const {
  // By rows: `cols` (fewer columns would not make a group's lines fewer),
  // or for depthwise a line's channels up to `cols` (tall_group_size).
  if (b_rows()) return tall_group_size();
  if (l_.kind == kDepthwiseConv2d) return hw_.rows;
  const int g = min_i(hw_.cols, hw_.b_lines);
  // k_h x k_w x lines bounds the passes (plan_layout): most layers fit.
  const int64_t most = static_cast<int64_t>(l_.k_h) * l_.k_w * ((l_.in_c + hw_.rows - 1) / hw_.rows) * g;
  return most <= hw_.b_lines ? g : narrowed_group(g);
}

// group_size on an array taller than wide, whose B tiles stream by rows
// (never resident), and on OS: `cols` columns, or for depthwise the most
// columns that divide a line (a group never straddles two; `rows` where
// rows <= cols). Out of line, as the default layers never run it.
int Runner::tall_group_size() const {
  if (l_.kind != kDepthwiseConv2d) return hw_.cols;
  if (dw_lines_ > 1) return dw_lines_ * hw_.rows;
  int g = hw_.cols;
  while (hw_.rows % g != 0) --g;
  return g;
}

// A depthwise group of several lines (dw_lines): on an array at least
// twice as wide as tall (WS or OS), a group of `rows` channels would leave
// all but `rows` columns idle, and its readback would be `rows` bytes a
// READ (DS-CNN's depthwise layers on 2 x 8: 4,000 halfword READs and 32
// groups a layer). Instead a group is L lines (L x rows channels, L the
// most that divides the pixel's lines and fits the columns): each tap is
// L passes (IM2COL_SEQ's lines, from the group's first line), pass l
// putting line l's `rows` channels on the diagonal of columns l x rows ..
// (the by-rows layout, write_group_b_os): the same MACs and PE cycles, a
// word-wide readback and L times fewer groups. Only where the group's
// weights stay in a B bank (P x rows lines) and the band holds every line
// (no dw_split); 1 otherwise (and for any other layer).
int Runner::wide_dw_lines() const {
  const int R = hw_.rows;
  if (l_.kind != kDepthwiseConv2d || l_.depth_multiplier != 1 || !hw_.im2col || 2 * R > hw_.cols ||
      l_.in_c % R != 0 || (ws_ && hw_.b_lines < R))
    return 1;
  const int lines = l_.in_c / R;
  int n = min_i(hw_.cols / R, lines);
  while (n > 1 && (lines % n != 0 || static_cast<int64_t>(l_.k_h) * l_.k_w * n * R > hw_.b_lines)) --n;
  if (n <= 1) return 1;
  const int window_rows = min_i(l_.in_h, (l_.k_h - 1) * l_.dil_h + 1);
  if (static_cast<int64_t>(window_rows) * l_.in_w * lines > hw_.a_lines) return 1;  // (dw_split's test)
  return n;
}

int Runner::narrowed_group(int g) const {
  const int passes = plan_layout().passes;
  if (passes * g <= hw_.b_lines || passes > hw_.b_lines) return g;
  // Whole words of columns where `cols` is (a fused readback's tiles,
  // fused_eltwise_supported); none that fit: the full group, streamed.
  const int n = hw_.cols % 4 == 0 ? hw_.b_lines / passes / 4 * 4 : hw_.b_lines / passes;
  return n >= 1 ? n : g;
}

// One group's block in the blob: whole 8-byte WRITEs.
SASIM_ONE_TU_INLINE int Runner::blob_group_bytes(int passes, int gsize) const {
  return (group_b_lines(passes, gsize) * line_pitch(hw_.cols) + 7) / 8 * 8;
}

// The prepared blob (packed_weights_bytes' bytes) as run_im2col sends it:
// each group's block, or each streamed pass's tile.
SASIM_ONE_TU_INLINE void Runner::pack_weights(int8_t* out) {
  if (!blob_applies()) return;
  const Plan pl = plan();
  const bool dw = l_.kind == kDepthwiseConv2d;
  const int gsize = group_size();
  if (!ws_ || (b_rows() && resident(pl.passes))) {  // by rows: a block per group, one after the other (os_im2col.cc)
    pack_weights_os(out, pl, blob_group_bytes(pl.passes, gsize));
    return;
  }
  if (!resident(pl.passes)) {  // streamed: each pass's tile, as run_passes sends it
    const int stride = streamed_pass_bytes();
    for (int gi = 0, oc0 = 0; oc0 < l_.out_c; ++gi, oc0 += gsize) {
      const int nt = min_i(gsize, l_.out_c - oc0);
      int8_t* blk = out + gi * pl.passes * stride;
      int pass = 0;
      for (int ky = 0; ky < l_.k_h; ++ky)
        for (int kx = 0; kx < pl.xtaps; ++kx)
          for (int j = 0; j < pl.lines; ++j, ++pass) {
            MemWriter w(blk + pass * stride);
            const int tap = pl.packed ? ky : ky * l_.k_w + kx;
            send_b_pass(&w, pl, tap, j, oc0, nt, false);
            w.flush();
            while (w.bytes() < stride) w.put(0);
          }
    }
    return;
  }
  const int group_bytes = blob_group_bytes(pl.passes, gsize);
  // The schedule run() will run (on the same view of the layer).
  const LayerDesc v = l_.kind == kFullyConnected && l_.batches > 1 ? fc_batch_view(l_) : l_;
  Runner r(hw_, v);
  r.virt_ = virt_;
  const Schedule sc = r.schedule();
  if (sc.all && !dw) {  // columns interleaved: line n * (G * P) + g * P + p (Schedule::all)
    MemWriter w(out);
    const int zero_bytes = pl.passes * line_pitch(hw_.cols);  // a column past out_c
    for (int n = 0; n < gsize; ++n)
      for (int g = 0; g < sc.groups; ++g) {
        const int oc = g * gsize + n;
        if (oc < l_.out_c) {
          write_group_b(&w, pl, oc, 1, -1, 0);
        } else {
          for (int i = 0; i < zero_bytes; ++i) w.put(0);
        }
      }
    w.flush();
    while (w.bytes() < sc.groups * group_bytes) w.put(0);
    return;
  }
  for (int gi = 0, oc0 = 0; oc0 < l_.out_c; ++gi, oc0 += gsize) {
    MemWriter w(out + gi * group_bytes);
    write_group_b(&w, pl, oc0, min_i(gsize, l_.out_c - oc0), dw ? gi : -1, 0);
    w.flush();
    while (w.bytes() < group_bytes) w.put(0);
  }
}

SASIM_ONE_TU_INLINE bool Runner::blob_applies() {
  mc_ = min_i(min_i(hw_.a_lines, hw_.c_lines), 0xffff);  // as run() sets it for WS
  // As run() views it (a named copy: the Runner keeps a reference).
  const LayerDesc v = l_.kind == kFullyConnected && l_.batches > 1 ? fc_batch_view(l_) : l_;
  Runner r(hw_, v);
  r.mc_ = mc_;
  if (!r.im2col_applies()) return false;
  // Resident groups; or streamed passes of a conv (not depthwise, whose
  // bands split by group; a depthwise viewed as a conv, whose weights are
  // virtual, virt_weight, only by rows) whose tiles are whole WRITEs.
  const Plan pl = plan();
  return resident(pl.passes) || !ws_ || (l_.kind != kDepthwiseConv2d && (!virt_ || streamed_by_rows()) && pl.passes > 0 &&
                                 streamed_pass_bytes() % 8 == 0);
}

// The pass of tap t (packed: kernel row t) and line j of a group: the
// first weight of column `oc`'s line (kt consecutive filter bytes) and kt.
// Conv only.
SASIM_ONE_TU_INLINE const int8_t* Runner::b_line_src(const Plan& pl, int oc, int t, int j, int* kt) const {
  const int R = hw_.rows, C = l_.in_c;
  if (pl.packed) {
    *kt = min_i(pl.G, l_.k_w - j * pl.G) * C;
    return l_.filter + ((oc * l_.k_h + t) * l_.k_w + j * pl.G) * C;
  }
  *kt = min_i(R, C - j * R);
  return l_.filter + (oc * l_.k_h * l_.k_w + t) * C + j * R;
}

// One pass's B tile: by columns (B stride 1: line n = column oc0 + n), or
// by rows when streamed_by_rows (line r = PE row r); depthwise: the pass's
// one diagonal line (B stride 0), or taller than wide a diagonal shifted to
// the group's lanes, by rows.
template <class W>
SASIM_ONE_TU_INLINE void Runner::send_b_pass(W* w, const Plan& pl, int tap, int j, int oc0, int nt, bool dw) {
  const int pitch = line_pitch(hw_.cols);
  if (dw && !b_cols_ok()) {
    // Taller than wide (no B_COLS): by rows, line r (PE row r) holding
    // column n's weight in lane n where r is its channel's lane o + n in the
    // A line (o: the group's first), zeros elsewhere; o + nt lines (Kt).
    // Built as whole 8-byte WRITEs (lines of up to 4 lanes packed two or
    // more a WRITE), not byte by byte: a pass's tile is mostly zeros.
    const int8_t* f = l_.filter + tap * l_.out_c + oc0;
    const int o = oc0 % hw_.rows;
    uint32_t wd[2] = {0, 0};
    int at = 0;  // the next line's byte offset in the pending WRITE (pitch < 8)
    for (int r = 0; r < o + nt; ++r) {
      const int n = r - o;  // the line's one weight: column n's, in lane n
      for (int c = 0; c < pitch; c += 8) {
        const int b = at + n - c;
        if (n >= 0 && b >= at && b < at + (pitch < 8 ? pitch : 8))
          wd[b >> 2] |= static_cast<uint32_t>(static_cast<uint8_t>(f[n])) << (8 * (b & 3));
        if (pitch < 8 && (at += pitch) < 8) continue;
        w->put8_guarded(wd[0], wd[1]);
        wd[0] = wd[1] = 0;
        at = 0;
      }
    }
    if (at > 0) w->put8_guarded(wd[0], wd[1]);
    return;
  }
  if (dw) {  // one line: lane n is column n's weight (the diagonal)
    const int8_t* f = l_.filter + tap * l_.out_c + oc0;
    for (int lane = 0; lane < pitch; ++lane) w->put(lane < nt ? f[lane] : int8_t{0});
    return;
  }
  if (streamed_by_rows()) {  // by rows (streamed_by_rows): line r, lane n = column oc0 + n's weight r
    const int8_t* src[kMaxLanes];
    int kt = 0;
    for (int n = 0; n < nt; ++n) src[n] = b_line_src(pl, oc0 + n, tap, j, &kt);
    for (int r = 0; r < kt; ++r)
      for (int n = 0; n < pitch; ++n) {
        if (n >= nt) {
          w->put(0);
        } else if (!virt_) {
          w->put(src[n][r]);
        } else {  // a depthwise layer as a conv: lane r of tap / kernel row `tap`, line j (write_group_b's rule)
          const int C = l_.in_c;
          const int kx = pl.packed ? j * pl.G + r / C : tap % l_.k_w;
          const int ky = pl.packed ? tap : tap / l_.k_w;
          const int c = pl.packed ? r % C : j * hw_.rows + r;
          w->put(virt_weight(oc0 + n, ky, kx, c));
        }
      }
    return;
  }
  for (int n = 0; n < nt; ++n) {
    int kt;
    const int8_t* f = b_line_src(pl, oc0 + n, tap, j, &kt);
    if ((kt == 8 || kt == 4) && pitch % 8 == 0 && w->at_boundary() && (reinterpret_cast<uintptr_t>(f) & 3) == 0) {
      // Eight (or four) weights as words; a wider line (cols > 8) zero above.
      const uint32_t* p = static_cast<const uint32_t*>(__builtin_assume_aligned(f, 4));
      w->put8(p[0], kt == 8 ? p[1] : 0u);
      for (int z = 8; z < pitch; z += 8) w->put8(0, 0);
    } else if (kt <= 8 && pitch % 8 == 0 && w->at_boundary()) {
      // Fewer or unaligned weights (a 2-row array: two a line): gathered
      // into words, not written byte by byte.
      uint32_t w0 = 0, w1 = 0;
      for (int b = 0; b < kt; ++b) {
        const uint32_t v = static_cast<uint32_t>(static_cast<uint8_t>(f[b])) << (8 * (b & 3));
        if (b < 4) w0 |= v;
        else w1 |= v;
      }
      w->put8(w0, w1);
      for (int z = 8; z < pitch; z += 8) w->put8(0, 0);
    } else {
      for (int lane = 0; lane < pitch; ++lane) w->put(lane < kt ? f[lane] : int8_t{0});
    }
  }
}

// A group's weights, column-major (line n * P + p: column n, pass p in
// tap-major order, P passes), into the B shadow bank. Conv rows whose
// lines are exactly 8 channels are the filter's own bytes: output channels
// oc0 .. oc0 + nt - 1 are nt consecutive OHWI rows, streamed as words.
// Depthwise (dw_group >= 0: a resident group, one line of channels): line
// t (tap t) holds channel n's weight in lane n (B stride 0: the CFU's
// diagonal). With `sums`, sums[n] = the sum of column n's weights (conv);
// returns whether it filled them.
bool Runner::send_group_b(const Plan& pl, int oc0, int nt, int dw_group, int32_t* sums) {
  WriterB w;
  if (b_rows()) return write_group_b_os(&w, pl, oc0, nt, dw_group >= 0 ? 0 : sums);
  return write_group_b(&w, pl, oc0, nt, dw_group, sums);
}

template <class W>
SASIM_ONE_TU_INLINE bool Runner::write_group_b(W* wp, const Plan& pl, int oc0, int nt, int dw_group, int32_t* sums) {
  W& w = *wp;
  const int R = hw_.rows, C = l_.in_c, pitch = line_pitch(hw_.cols), taps = l_.k_h * l_.k_w;
  const int K = taps * C;
  bool summed = false;
  if (dw_group >= 0) {
    for (int t = 0; t < taps; ++t) {
      const int8_t* f = l_.filter + t * l_.out_c + oc0;
      for (int lane = 0; lane < pitch; ++lane) w.put(lane < nt ? f[lane] : int8_t{0});
    }
  } else if (!virt_ && !pl.packed && R == 8 && pitch % 8 == 0 && C % 8 == 0 &&
             (reinterpret_cast<uintptr_t>(l_.filter) & 3) == 0) {
    const uint32_t* p = static_cast<const uint32_t*>(
        __builtin_assume_aligned(l_.filter + oc0 * K, 4));
    const int words = K / 4;  // per output channel (even: K is a multiple of 8)
    if (pitch > 8) {
      // Lines wider than the eight weights (cols > 8): each line's two
      // words, zeros above.
      wide_group_b(&w, p, nt * words, pitch, sums, words);
      w.flush();
      return sums != 0;
    }
    if (!sums) {
      w.put_words(p, nt * words);  // the group's rows are consecutive
      return false;
    }
    for (int n = 0; n < nt; ++n, p += words) {
      // Bytes biased by 128 (unsigned) add two per 16-bit half; flushed
      // every 64 words, before a half can exceed 65535.
      int32_t total = 0;
      for (int i0 = 0; i0 < words; i0 += 64) {
        const int i1 = i0 + 64 < words ? i0 + 64 : words;
        uint32_t h = 0;
        for (int i = i0; i < i1; i += 2) {
          const uint32_t w0 = p[i], w1 = p[i + 1];
          w.put8(w0, w1);
          const uint32_t x0 = w0 ^ 0x80808080u, x1 = w1 ^ 0x80808080u;
          h += (x0 & 0x00ff00ffu) + ((x0 >> 8) & 0x00ff00ffu) + (x1 & 0x00ff00ffu) + ((x1 >> 8) & 0x00ff00ffu);
        }
        total += static_cast<int32_t>((h & 0xffffu) + (h >> 16)) - 128 * 4 * (i1 - i0);
      }
      sums[n] = total;
    }
    summed = sums != 0;
  } else {
    for (int n = 0; n < nt; ++n) {
      int32_t total = 0;
      // Passes run tap-major (packed: kernel row), then line j.
      for (int t = 0; t < pl.passes / pl.lines; ++t)
        for (int j = 0; j < pl.lines; ++j) {
          int kt;
          const int8_t* f = b_line_src(pl, oc0 + n, t, j, &kt);
          for (int lane = 0; lane < pitch; ++lane) {
            int8_t v = 0;
            if (lane < kt && !virt_) {
              v = f[lane];
            } else if (lane < kt) {  // a depthwise layer as a conv: lane (kx, c) of tap / kernel row t
              const int kx = pl.packed ? j * pl.G + lane / C : t % l_.k_w;
              const int ky = pl.packed ? t : t / l_.k_w;
              const int c = pl.packed ? lane % C : j * R + lane;
              v = virt_weight(oc0 + n, ky, kx, c);
            }
            w.put(v);
            total += v;
          }
        }
      if (sums) sums[n] = total;
    }
    summed = sums != 0;
  }
  w.flush();
  return summed;
}

// write_group_b's lines of eight weights in a wider B line (pitch > 8):
// `words` words from p, two a line, each line padded with zeros; with
// `sums`, sums[n] = the sum of column n's weights (per_column words each).
template <class W>
void Runner::wide_group_b(W* w, const uint32_t* p, int words, int pitch, int32_t* sums, int per_column) {
  for (int i = 0; i < words; i += 2) {
    const uint32_t w0 = p[i], w1 = p[i + 1];
    w->put8(w0, w1);
    for (int z = 8; z < pitch; z += 8) w->put8(0, 0);
    if (sums) {
      int32_t t = 0;
      for (int b = 0; b < 4; ++b) t += static_cast<int8_t>(w0 >> (8 * b)) + static_cast<int8_t>(w1 >> (8 * b));
      if (i % per_column == 0) sums[i / per_column] = 0;
      sums[i / per_column] += t;
    }
  }
}

// PARAM: the post-processing parameters of columns [n0, n0 + nt) of g
// (folded bias, multiplier, shift), from the prepared arrays, or folded here.
void Runner::write_params(const Gemm& g, int n0, int nt, const int32_t* sums) {
  if (!sums && l_.folded_bias) {
    // Prepared biases: straight from the arrays (a group's channels are
    // consecutive). Columns j < nt <= cols are never rejected, so the
    // responses are not examined and the commands go back to back.
    const int oc0 = g.out_channel(n0);
    const int32_t* fb = l_.folded_bias + oc0;
    if (l_.per_tensor) {
      sasim_cfu_op(kParam, 3, static_cast<uint32_t>(l_.multiplier[0]),
                   (static_cast<uint32_t>(l_.shift[0]) & 0xff) << 8);
      for (int j = 0; j < nt; ++j) sasim_cfu_op(kParam, 0, static_cast<uint32_t>(j), static_cast<uint32_t>(fb[j]));
      return;
    }
    const int32_t* m = l_.multiplier + oc0;
    const int32_t* sh = l_.shift + oc0;
    for (int j = 0; j < nt; ++j) {
      const uint32_t b = static_cast<uint32_t>(fb[j]), mj = static_cast<uint32_t>(m[j]);
      const uint32_t cs = static_cast<uint32_t>(j) | (static_cast<uint32_t>(sh[j]) & 0xff) << 8;
      sasim_cfu_op(kParam, 0, static_cast<uint32_t>(j), b);
      sasim_cfu_op(kParam, 1, mj, cs);
    }
    return;
  }
  write_params_folding(g, n0, nt, sums);
}

// write_params without prepared biases: folded here (from `sums`, or
// summing the filter).
void Runner::write_params_folding(const Gemm& g, int n0, int nt, const int32_t* sums) {
  for (int j = 0; j < nt; ++j) {
    const int oc = g.out_channel(n0 + j);
    const int32_t fb = sums ? g.fold(n0 + j, sums[j]) : g.folded_bias(n0 + j);
    checked(kParam, 0, static_cast<uint32_t>(j), static_cast<uint32_t>(fb));
    checked(kParam, 1, static_cast<uint32_t>(mult(oc)),
                 static_cast<uint32_t>(j) | (static_cast<uint32_t>(shift(oc)) & 0xff) << 8);
  }
}

// run_passes (im2col.cc) sends a B tile by WriterB.
template void Runner::send_b_pass<WriterB>(WriterB* w, const Plan& pl, int tap, int j, int oc0, int nt, bool dw);

SASIM_DRIVER_DETAIL_END

using namespace detail;  // Runner, the streams, sasim_isa

// A depthwise layer with depth multiplier > 1 is packed as the conv the
// driver runs it as (Runner::virt_).
int packed_weights_bytes(const HwDesc& hw, const LayerDesc& l) {
  const bool virt = l.kind == kDepthwiseConv2d && l.depth_multiplier > 1;
  const LayerDesc v = virt ? Runner::conv_view(l) : l;
  Runner r(hw, v);
  if (virt) r.set_virtual(&l);
  return r.packed_weights_bytes();
}

void pack_weights(const HwDesc& hw, const LayerDesc& l, int8_t* out) {
  const bool virt = l.kind == kDepthwiseConv2d && l.depth_multiplier > 1;
  const LayerDesc v = virt ? Runner::conv_view(l) : l;
  Runner r(hw, v);
  if (virt) r.set_virtual(&l);
  r.pack_weights(out);
}

int store_lines(const HwDesc& hw, const LayerDesc& l) {
  const bool virt = l.kind == kDepthwiseConv2d && l.depth_multiplier > 1;
  const LayerDesc v = virt ? Runner::conv_view(l) : l;
  Runner r(hw, v);
  if (virt) r.set_virtual(&l);
  return r.store_lines();
}

int store_weights(const HwDesc& hw, const LayerDesc& l, int line) {
  const int lines = store_lines(hw, l);
  if (lines == 0 || !l.packed_weights || line < 0 || line > hw.w_lines - lines) return kErrCfuRejected;
  sasim_cfu_fence();  // the caller's stores must not hold execute at a CFU instruction (F19)
  if (sasim_cfu_op(kCfg, kCfgWSeek, static_cast<uint32_t>(line), 0) == kErrorResponse) return kErrCfuRejected;
  put_words_w(static_cast<const uint32_t*>(__builtin_assume_aligned(l.packed_weights, 4)),
              packed_weights_bytes(hw, l) / 4);
  return kOk;
}

void fold_biases(const LayerDesc& l0, int32_t* out) {
  LayerDesc l = l0;
  l.folded_bias = 0;
  if (l.kind == kDepthwiseConv2d) {
    for (int oc = 0; oc < l.out_c; ++oc) out[oc] = Gemm(l, oc, 1).folded_bias(0);
  } else {
    const Gemm g(l, 0, 1);
    for (int oc = 0; oc < l.out_c; ++oc) out[oc] = g.folded_bias(oc);
  }
}

}  // namespace sasim_drv
