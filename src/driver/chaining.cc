// Layers that share buffers (driver.h): an output over its own input (in
// place), an output kept in the CFU's shadow A bank for the next layer (the
// output keep), and paired layers (a producer run band by band under its
// consumer's bands).
#include "driver/runner.h"

namespace sasim_drv {
SASIM_DRIVER_DETAIL_BEGIN

// In place: whether this layer's schedule reads every input byte before
// any store overwrites it, wherever the output lies against the input.
// Only the conv path that walks raw input rows on the extension, band by
// band, qualifies (Schedule, not split by group): each band's input rows
// go to an A bank and are never read again, and an in-place run sends the
// whole next band at the band's first tile (run_bands), when the stores so
// far are the output rows of the bands before. So the check, band by
// band: the rows the band reads overlap none of the output rows stored
// before they are read (the bands before the one whose first tile
// prefetches them, or, not prefetched, every band before this one). With a
// fused operator the output must also stay off its operand. No command.
bool Runner::in_place_safe() const {
  if (l_.kind != kConv2d || !hw_.im2col || !im2col_applies()) return false;
  const uintptr_t in = reinterpret_cast<uintptr_t>(l_.input), out = reinterpret_cast<uintptr_t>(l_.output);
  const uintptr_t in_row = static_cast<uintptr_t>(l_.in_w) * l_.in_c;
  const uintptr_t out_row = static_cast<uintptr_t>(l_.out_w) * l_.out_c;
  const uintptr_t out_bytes = static_cast<uintptr_t>(l_.batches) * l_.out_h * out_row;
  if (l_.fused) {
    const uintptr_t b = reinterpret_cast<uintptr_t>(l_.fused->b);
    if (out < b + out_bytes && b < out + out_bytes) return false;
  }
  const Schedule sc = schedule();
  if (sc.split) return false;
  for (int n = 0; n < l_.batches; ++n) {
    bool prefetched = false;  // this band's rows were sent at the previous band's first tile
    int prev_oy = 0;
    for (int oy = 0; oy < l_.out_h;) {
      int y0, y1, nr;
      if (sc.skip) {
        nr = min_i(sc.skip_rows, l_.out_h - oy);
        y0 = oy * l_.stride_h;
        y1 = (oy + nr - 1) * l_.stride_h + l_.k_h;
      } else {
        band_of(sc.plb, oy, &y0, &y1, &nr);
      }
      const uintptr_t r0 = in + (static_cast<uintptr_t>(n) * l_.in_h + y0) * in_row;
      const uintptr_t r1 = in + (static_cast<uintptr_t>(n) * l_.in_h + y1) * in_row;
      const uintptr_t stored = out + (static_cast<uintptr_t>(n) * l_.out_h + (prefetched ? prev_oy : oy)) * out_row;
      if (r0 < stored && out < r1) return false;
      int ny0 = 0, ny1 = 0;
      prefetched = prefetches_next(sc, n, oy, nr, &ny0, &ny1);  // begin_band's rule
      prev_oy = oy;
      oy += nr;
    }
  }
  return true;
}

SASIM_ONE_TU_INLINE bool Runner::in_place_supported() {
  if (!output_overlaps_input()) return true;
  return set_limits() && in_place_safe();
}

// run_pair (driver.h, docs/microarchitecture.md "Paired layers"). The
// producer: the im2col path (conv or depthwise) on plain rows, SEQ tiles,
// whole readback words; its output rows under a consumer band run as one
// band of its own, whose input rows the bank must hold: the most output
// rows it can run so (0: none, not pairable).
int Runner::pair_producer_rows() {
  if (!set_limits() || !keep_path()) return 0;
  const Schedule sc = schedule();
  if (!sc.seq || sc.split || sc.skip || sc.pl.packed || l_.out_c % 4 != 0 || sc.gsize % 4 != 0) return 0;
  const int rmax = hw_.a_lines / (sc.pl.band_w * sc.pl.lines);
  const int keff = (l_.k_h - 1) * l_.dil_h + 1;
  return rmax < keff ? 0 : (rmax - keff) / l_.stride_h + 1;
}

// The consumer: the im2col path whose band is raw NHWC rows, exactly what
// the producer's KEEP writes (pixel x C + channel), at most `rows` input
// rows a band (the producer's limit).
bool Runner::pair_consumer_ok(int rows) {
  if (rows <= 0 || !set_limits() || !keep_path()) return false;
  in_rows_cap_ = rows;
  const Schedule sc = schedule();
  if (sc.split || sc.skip || sc.pl.packed || line_pitch(hw_.rows) != hw_.rows || l_.in_c % hw_.rows != 0) return false;
  // (every band's window must fit the cap)
  const int keff = (l_.k_h - 1) * l_.dil_h + 1;
  return min_i(l_.in_h, keff) <= rows;
}

// The consumer's band order that never overwrites a producer input row
// before it is read (TFLite Micro's arena plan may give the consumer's
// output the buffer of the producer's input: MobileNetV2's stride-2
// depthwise layers get the very same offset): 1, top down; 2, from the
// last band up; 0 neither. Each band reads its producer input rows before
// it stores its output rows; the rows stored before a band (one
// contiguous range either way) must not overlap the rows it reads.
int Runner::pair_order(const LayerDesc& p) {
  if (!set_limits()) return 0;
  const Schedule sc = schedule();
  const uintptr_t in = reinterpret_cast<uintptr_t>(p.input), out = reinterpret_cast<uintptr_t>(l_.output);
  const uintptr_t in_row = static_cast<uintptr_t>(p.in_w) * p.in_c;
  const uintptr_t out_row = static_cast<uintptr_t>(l_.out_w) * l_.out_c;
  for (int order = 1; order <= 2; ++order) {
    bool ok = true;
    uintptr_t w0 = 0, w1 = 0;  // the output bytes stored so far
    int oy = 0, oy_end = l_.out_h;
    while (ok && (order == 1 ? oy < l_.out_h : oy_end > 0)) {
      int y0, y1, nr;
      if (order == 1) {
        band_of(sc.plb, oy, &y0, &y1, &nr);
      } else {
        nr = band_ending(sc.plb, oy_end);
        oy = oy_end - nr;
        rows_under(oy, nr, &y0, &y1);
      }
      // The producer's input rows under its output rows [y0, y1).
      const int keff = (p.k_h - 1) * p.dil_h + 1;
      const int p0 = min_i(p.in_h - 1, max_i(0, y0 * p.stride_h - p.pad_top));
      const int p1 = max_i(p0 + 1, min_i(p.in_h, (y1 - 1) * p.stride_h - p.pad_top + keff));
      const uintptr_t r0 = in + static_cast<uintptr_t>(p0) * in_row, r1 = in + static_cast<uintptr_t>(p1) * in_row;
      if (w1 > w0 && r0 < w1 && w0 < r1) ok = false;
      const uintptr_t o0 = out + static_cast<uintptr_t>(oy) * out_row, o1 = o0 + static_cast<uintptr_t>(nr) * out_row;
      w0 = w1 > w0 && w0 < o0 ? w0 : o0;
      w1 = w1 > o1 ? w1 : o1;
      if (order == 1) oy += nr;
      else oy_end = oy;
    }
    if (ok) return order;
  }
  return 0;
}

// The producer's part of a band: output rows [y0, y1) of its one image as
// one band, kept only into the shadow A bank from byte 0 (the consumer's
// band); the A bank then holds nothing of the producer's, and KEEP is off.
int Runner::produce_rows(int y0, int y1) {
  row_lo_ = y0;
  row_hi_ = y1;
  set_output();
  pending_.valid = false;
  bank_ = 0;
  Schedule sc = schedule();
  if (!l_.packed_weights) sc.all = false;  // (pair_supported: they are)
  configure_im2col(&sc);
  const int rc = run_bands(sc);
  checked(kRead, kReadKeep, 0, 0);  // off: the consumer's READs write no A
  return rc == kOk ? status_ : rc;
}

// The output keep (LayerDesc::keep_out, a_kept): the layers whose run() is
// run_im2col on this very layer (no view), one image.
bool Runner::keep_path() const {
  if (!hw_.keep || !hw_.a_double || l_.batches != 1 || !im2col_applies()) return false;
  if (l_.kind == kFullyConnected && (l_.in_c + hw_.rows - 1) / hw_.rows > 255) return false;  // run_view's
  return !(l_.kind == kDepthwiseConv2d && l_.depth_multiplier > 1);
}

bool Runner::keep_out_ok(const Schedule& sc) const {
  if (l_.fused || !keep_path()) return false;
  if (sc.split || l_.out_c % 4 != 0 || sc.gsize % 4 != 0) return false;
  if (sc.skip) return sc.skip_rows >= l_.out_h;
  int y0, y1, nr;
  band_of(sc.plb, 0, &y0, &y1, &nr);
  return nr >= l_.out_h;
}

bool Runner::kept_in_ok(const Schedule& sc) const {
  if (!keep_path()) return false;
  if (sc.split || sc.skip || sc.pl.packed) return false;
  int y0, y1, nr;
  band_of(sc.plb, 0, &y0, &y1, &nr);
  return y0 == 0 && y1 == l_.in_h && nr >= l_.out_h && raw_band(0, 0, l_.in_h);
}

// run_pair's consumer: its band rows [y0, y1) from the producer, which
// runs them after this layer's last tile is read (its STARTs take both C
// banks and swap A); then this layer's registers go back.
void Runner::feed(const Schedule& sc, int y0, int y1) {
  finish_pending();
  const int rc = feed_->produce_rows(y0, y1);
  if (rc != kOk) status_ = rc;
  set_output();
  Schedule again = sc;
  configure_im2col(&again);
}

// The input rows [y0, y1) under output rows [oy, oy + nr) (clipped to the
// image, at least one).
SASIM_ONE_TU_INLINE void Runner::rows_under(int oy, int nr, int* y0p, int* y1p) const {
  const int keff = (l_.k_h - 1) * l_.dil_h + 1;
  const int y0 = min_i(l_.in_h - 1, max_i(0, oy * l_.stride_h - l_.pad_top));
  *y0p = y0;
  *y1p = max_i(y0 + 1, min_i(l_.in_h, (oy + nr - 1) * l_.stride_h - l_.pad_top + keff));
}

// A paired layer's band from oy (begin_band): the producer's output rows
// [oy, row_hi_), or a reversed consumer's rev_nr_ rows. Out of line.
void Runner::pair_band(int oy, int* y0, int* y1, int* nr) const {
  *nr = reverse_ ? rev_nr_ : row_hi_ - oy;
  rows_under(oy, *nr, y0, y1);
}

// band_of from the other end: the output rows of the band that ends at
// row oy_end (exclusive), as many as fit an A bank (at least one).
// A reversed consumer's next band (run_bands): the one ending at
// *oy_end; its first row (also the next band's end) and rev_nr_ rows.
int Runner::next_reverse_band(const Schedule& sc, int* oy_end) {
  rev_nr_ = band_ending(sc.plb, *oy_end);
  *oy_end -= rev_nr_;
  return *oy_end;
}

// Out of line: only a paired consumer's calls it.
int Runner::band_ending(const Plan& pl, int oy_end) const {
  int rmax = hw_.a_lines / (pl.band_w * pl.lines);
  if (in_rows_cap_ > 0 && in_rows_cap_ < rmax) rmax = in_rows_cap_;
  int nr = 1;
  int y0, y1;
  while (nr < oy_end && nr < pl.max_rows) {
    rows_under(oy_end - nr - 1, nr + 1, &y0, &y1);
    if (y1 - y0 > rmax) break;
    ++nr;
  }
  return nr;
}

SASIM_DRIVER_DETAIL_END

using namespace detail;  // Runner, the streams, sasim_isa

bool in_place_supported(const HwDesc& hw, const LayerDesc& l) {
  Runner r(hw, l);
  return r.in_place_supported();
}

SASIM_RARE bool keep_out_supported(const HwDesc& hw, const LayerDesc& l) {
  Runner r(hw, l);
  return r.keep_out_supported();
}

SASIM_RARE bool kept_in_supported(const HwDesc& hw, const LayerDesc& l) {
  Runner r(hw, l);
  return r.kept_in_supported();
}

SASIM_RARE bool pair_supported(const HwDesc& hw, const LayerDesc& p, const LayerDesc& q) {
  if (!hw.keep || !hw.a_double || !hw.im2col) return false;
  if (p.kind == kFullyConnected || p.fused || (p.kind == kDepthwiseConv2d && p.depth_multiplier != 1)) return false;
  if (q.kind == kFullyConnected || q.fused || (q.kind == kDepthwiseConv2d && q.depth_multiplier != 1)) return false;
  if (p.batches != 1 || q.batches != 1 || q.input != p.output || q.in_h != p.out_h || q.in_w != p.out_w ||
      q.in_c != p.out_c)
    return false;
  // Neither in an output-keep chain: the producer sends its input band by
  // band, the consumer's bands come from it (not a kept input) and its
  // output goes to memory.
  if (p.a_kept || p.keep_out || q.a_kept || q.keep_out) return false;
  if (!p.packed_weights || !q.packed_weights || p.w_store <= 0 || q.w_store <= 0 || hw.w_lines <= 0) return false;
  Runner rp(hw, p), rq(hw, q);
  // The producer's input is read band by band while the consumer's output
  // is stored: in an order that overwrites no row before it is read.
  return rq.pair_consumer_ok(rp.pair_producer_rows()) && rq.pair_order(p) != 0;
}

SASIM_WARM int run_pair(const HwDesc& hw, const LayerDesc& p, const LayerDesc& q) {
  if (!pair_supported(hw, p, q)) return kErrNotFusable;
  Runner rp(hw, p), rq(hw, q);
  if (!rq.pair_consumer_ok(rp.pair_producer_rows())) return kErrNotFusable;  // (sets the limits and the cap)
  rp.set_producer();
  rq.set_feed(&rp, rq.pair_order(p) == 2);
  return rq.run();
}

SASIM_RARE int put_kept_input(const HwDesc& hw, const LayerDesc& l) {
  if (!kept_in_supported(hw, l)) return kErrCfuRejected;
  sasim_cfu_op(kReset, 0, 0, 0);  // bank 0 active: the shadow is bank 1, its write pointer 0
  put_words_a(static_cast<const uint32_t*>(__builtin_assume_aligned(l.input, 4)), l.in_h * l.in_w * l.in_c / 4);
  return kOk;
}

}  // namespace sasim_drv
