// ---- The im2col extension (docs/microarchitecture.md, "Im2col") --------
//
// Both dataflows: the bands, registers and loops here are the same; an OS
// tile is one START that the CFU runs as its whole reduction (os_im2col.cc
// says what else differs). What follows describes WS.
// The input goes to the CFU once, as raw NHWC pixels: a band of input rows
// in the A bank, `lines_per_pixel` lines of `rows` channels per pixel. Each
// pass is one kernel tap x one line of channels for a tile of up to
// c_lines output pixels and `cols` output channels (conv) or `rows`
// channels (depthwise, a diagonal B); the CFU walks the pixels itself
// (IM2COL_ORIGIN, START's IM2COL) and loads B line n into PE column n
// (B_COLS), so a B line is 8 consecutive bytes of an OHWI filter. On an
// array taller than wide, where a B line cannot hold a column's `rows`
// weights, each pass's B tile goes by rows instead (streamed_by_rows).
#include "driver/runner.h"

namespace sasim_drv {
SASIM_DRIVER_DETAIL_BEGIN

// The layout alone (plan() without the band cap, which depends on the
// group size, which depends on the passes).
SASIM_ONE_TU_INLINE Runner::Plan Runner::plan_layout() const {
  Plan p;
  const int R = hw_.rows, C = l_.in_c;
  // Packing replicates each input byte KW times on the CPU; it pays when a
  // whole kernel row fits one line (one line per pixel, KW times fewer
  // passes), or, with at least two taps a line, when the CPU would build
  // the plain layout's lines byte by byte too (lines under 8 bytes, C not a
  // multiple of them) and the band's lines are no more than its (a line per
  // channel line of each input column; G times fewer passes: DS-CNN's first
  // layer on 2 rows), not otherwise. (Plain rows of 8-byte lines stream
  // as words, or C <= 4 channels by shifts, and pair: MobileNetV2's first
  // layer.)
  const int G = C <= R ? R / C : 1;
  p.packed = l_.kind == kConv2d && l_.dil_w == 1 && l_.k_w > 1 && G >= 2 &&
             (l_.k_w * C <= R || (line_pitch(R) < 8 && C % line_pitch(R) != 0 &&
                                  l_.out_w * ((l_.k_w + G - 1) / G) <= l_.in_w * ((C + R - 1) / R)));
  p.G = p.packed ? R / C : 1;
  p.lines = p.packed ? (l_.k_w + p.G - 1) / p.G : (C + R - 1) / R;
  p.xtaps = p.packed ? 1 : l_.k_w;
  // Packed: band column x holds the kernel row under output column x, so
  // the columns between strides are not sent.
  p.band_w = p.packed ? l_.out_w : l_.in_w;
  p.sw_b = p.packed ? 1 : l_.stride_w;
  p.passes = l_.k_h * p.xtaps * (l_.kind == kDepthwiseConv2d ? dw_lines_ : p.lines);
  return p;
}

SASIM_ONE_TU_INLINE Runner::Plan Runner::plan() const {
  Plan p = plan_layout();
  p.max_rows = band_rows_cap(p);
  return p;
}

// The layers the extension takes: WS conv, FC (as a 1 x 1 conv) and
// depthwise (multiplier 1; more as a conv view, see run()), whose one
// output row's input fits a bank. On an array taller than wide (no B_COLS)
// each pass's B tile streams by rows (streamed_by_rows; depthwise: a
// shifted diagonal, send_b_pass), which needs a B bank of `rows` lines.
SASIM_ONE_TU_INLINE bool Runner::im2col_applies() const {
  if (!hw_.im2col) return false;
  if (ws_ && !b_cols_ok() && !streamed_by_rows()) return false;
  // Fully connected is a 1 x 1 conv on a 1 x 1 image per batch.
  if (l_.kind != kConv2d && l_.kind != kFullyConnected &&
      !(l_.kind == kDepthwiseConv2d && l_.depth_multiplier == 1))
    return false;
  // A depthwise pass's B: a line per output channel (B_COLS), or `rows` lines
  // at most (by rows, taller than wide).
  if (l_.kind == kDepthwiseConv2d && ws_ && hw_.b_lines < hw_.rows) return false;
  const Plan p = plan_layout();  // (the layout alone: no band cap, no group size)
  if (p.lines > 255 || p.band_w > 32767 || l_.in_h > 32767 || l_.out_w > 65535 || l_.stride_w > 255 ||
      l_.stride_h > 255)
    return false;
  // OS: a B bank holds a chunk of `rows` steps (a group's weights larger
  // than a bank go in parts, run_os_parts); a tile's whole reduction fits
  // START's 16 bits.
  if (!ws_ && (hw_.b_lines < hw_.rows || p.passes * hw_.rows > 0xffff)) return false;
  const int window_rows = min_i(l_.in_h, (l_.k_h - 1) * l_.dil_h + 1);
  // Depthwise reads one line of channels per group: with a band per group
  // (dw_split) one line per pixel is enough.
  const int lines_needed = l_.kind == kDepthwiseConv2d ? 1 : p.lines;
  return window_rows * p.band_w * lines_needed <= hw_.a_lines && mc_ >= 1;
}

// run_im2col for a Runner made for a view of the caller's layer (the
// caller issued SET_OUTPUT and set mc_).
SASIM_ONE_TU_INLINE int Runner::run_im2col_layer() {
  nc_ = hw_.cols;
  pending_.valid = false;
  bank_ = 0;
  return run_im2col();
}

// The schedule of this layer on the extension (no CFU commands): what
// run_im2col runs and pack_weights lays the blob out for.
Runner::Schedule Runner::schedule() const {
  const int R = hw_.rows;
  Schedule sc;
  const Plan pl = plan();
  sc.pl = pl;
  const int lines = pl.lines;
  const bool dw = l_.kind == kDepthwiseConv2d;
  // Output-channel groups: `cols` channels (conv) or `rows` (depthwise: the
  // line of channels j = group); taller than wide, group_size's.
  sc.gsize = group_size();
  sc.groups = (l_.out_c + sc.gsize - 1) / sc.gsize;
  // All of a group's weights in the B bank at once when they fit: column
  // n's weights for pass p in line n * P + p (P passes per group; B stride
  // P), every tile's passes load them from there (HOLD_B, slot p), and B
  // crosses the bus once per band. Otherwise each pass's B tile (stride 1).
  sc.resident = resident(pl.passes);
  // dw_split: the loops run group-major, each band holding split_lines
  // lines per pixel (its groups' channels); j is then the group's line in
  // the band.
  sc.split = dw_split(pl);
  sc.plb = pl;  // the band's layout
  sc.split_lines = 1;
  if (sc.split) {
    sc.split_lines = split_lines(pl);
    sc.plb.lines = sc.split_lines;
  }
  // With resident weights and one Kt for every pass, a tile is one START
  // (SEQ): the CFU runs its passes back to back while the CPU reads the
  // previous tile and streams.
  // (OS: always; every pass of the tile is `rows` steps.)
  // (By rows, b_rows: always; a pass's Kt lines are `rows`, the lanes past
  // the channels zero in A and B.)
  const bool uniform_kt = b_rows() || dw || pl.packed || lines == 1 || l_.in_c % R == 0;
  sc.seq = sc.resident && uniform_kt;
  // Rows no output reads (a kernel shorter than its vertical stride, as a
  // 1 x 1 stride-2 shortcut) are not sent: a band then holds each of its
  // output rows' k_h input rows, and the walker steps k_h band rows per
  // output row (sh_b). Raw rows only, every window inside the image.
  sc.fill = sc.split || hw_.rows <= 8 ? 0 : fill_parts(pl);
  sc.skip = !sc.split && !pl.packed && l_.k_h < l_.stride_h && l_.pad_top == 0 &&
            (l_.out_h - 1) * l_.stride_h + l_.k_h <= l_.in_h &&  // no padding row below
            (l_.k_h == 1 || l_.dil_h == 1) && (raw_rows(l_.k_h) || sc.fill > 0);
  sc.sh_b = sc.skip ? l_.k_h : l_.stride_h;
  sc.skip_rows = sc.skip ? max_i(1, hw_.a_lines / (l_.k_h * pl.band_w * lines)) : 0;  // output rows per band
  // Every group's weights in B for the whole layer, when the layer has
  // more than one band (otherwise each group's cross once anyway, in the
  // background): B crosses the bus once instead of once per band. Column
  // n of group g, pass p: line n * (G * P) + g * P + p (B stride G * P,
  // slot g * P; depthwise: line g * P + p, B stride 0).
  int y0, y1, nr = 0;
  // (Without a paired producer's cap: the blob's layout, which
  // pack_weights decided for the layer alone, depends on it.)
  const int cap = in_rows_cap_;
  in_rows_cap_ = 0;
  if (!sc.skip) band_of(sc.plb, 0, &y0, &y1, &nr);
  in_rows_cap_ = cap;
  const bool bands = l_.batches > 1 || (sc.skip ? sc.skip_rows < l_.out_h : nr < l_.out_h);
  sc.all = sc.seq && !sc.split && bands && all_groups_fit(sc.groups, pl.passes);
  sc.from_w = false;
  sc.kept = false;
  os_parts(pl, &sc);
  return sc;
}

// ---- The schedule memo (driver.h, prepare_layer) -------------------------
// schedule() is about 3 k cycles of code every layer runs once per call on
// the board (2.7 KB, mostly I$ misses: with the loops it is more code than
// the I$ holds). A deployed network calls each layer with the same tensors
// every inference, so the board's driver keeps each layer's schedule in a
// direct-mapped table (by the filter's address), keyed by everything
// schedule() reads (memo_key), and takes it from there on the layer's next
// call. A collision only costs the schedule again. The host computes it on
// every call: its figures never count the driver's instructions.
struct Runner::MemoEntry {
  int32_t key[kMemoKeyWords];
  Schedule sc;
};
int Runner::memo_entry_bytes() { return static_cast<int>(sizeof(MemoEntry)); }
#if defined(__riscv)
static const int kScheduleMemo = 64;
static Runner::MemoEntry g_schedule_memo[kScheduleMemo];
Runner::MemoEntry* Runner::memo_slot(const LayerDesc& l) {
  const uintptr_t f = reinterpret_cast<uintptr_t>(l.filter);
  return &g_schedule_memo[((f >> 4) ^ (f >> 10)) & (kScheduleMemo - 1)];
}
#else
Runner::MemoEntry* Runner::memo_slot(const LayerDesc&) { return 0; }
#endif

// Everything schedule() reads: the hardware, the layer's geometry, its
// input's and filter's addresses (the input's alignment decides raw rows),
// whether it is a depth multiplier's view (virt_) or its weights are in the
// store, and the tile's pixels (mc_). (The key's first
// word, rows, is never 0: an empty entry matches nothing.)
void Runner::memo_key(int32_t* k) const {
  k[0] = hw_.rows;
  k[1] = hw_.cols;
  k[2] = hw_.dataflow | (hw_.im2col ? 1 << 8 : 0) | (hw_.a_double ? 1 << 9 : 0) | (hw_.b_double ? 1 << 10 : 0) |
         (hw_.c_double ? 1 << 11 : 0);
  k[3] = hw_.a_lines;
  k[4] = hw_.b_lines;
  k[5] = hw_.c_lines;
  k[6] = hw_.w_lines;
  k[7] = l_.kind;
  k[8] = l_.depth_multiplier;
  k[9] = l_.batches;
  k[10] = l_.in_h;
  k[11] = l_.in_w;
  k[12] = l_.in_c;
  k[13] = l_.out_h;
  k[14] = l_.out_w;
  k[15] = l_.out_c;
  k[16] = l_.k_h;
  k[17] = l_.k_w;
  k[18] = l_.stride_h;
  k[19] = l_.stride_w;
  k[20] = l_.dil_h;
  k[21] = l_.dil_w;
  k[22] = l_.pad_top;
  k[23] = l_.pad_left;
  k[24] = static_cast<int32_t>(reinterpret_cast<uintptr_t>(l_.input));
  k[25] = static_cast<int32_t>(reinterpret_cast<uintptr_t>(l_.filter));
  // (the view's own layer is l_, virt_ points at a caller's copy; the
  // store caps the bands, band_rows_cap)
  k[26] = (virt_ ? 1 : 0) | (l_.w_store > 0 && l_.packed_weights ? 2 : 0);
  k[27] = mc_;
}

// The layer on the im2col path: its schedule (the memo's, or decided now
// and kept), registers, then the bands. A dry run (prepare_layer) stops
// after the schedule.
int Runner::run_im2col() {
  Schedule sc;
  MemoEntry* e = memo_ok() ? memo_slot(l_) : 0;
  bool found = false;
  if (e) {
    int32_t key[kMemoKeyWords];
    memo_key(key);
    found = true;
    for (int i = 0; i < kMemoKeyWords && found; ++i) found = e->key[i] == key[i];
    if (!found) {
      e->sc = schedule();
      for (int i = 0; i < kMemoKeyWords; ++i) e->key[i] = key[i];
    }
    sc = e->sc;
  } else {
    sc = schedule();
  }
  if (dry_) {
    memo_kept_ = e;
    return kOk;
  }
  if (!l_.packed_weights) sc.all = false;  // the layout is the prepared blob's
  configure_im2col(&sc);
  if (sc.fill == 0) return run_bands(sc);
  return run_filled(sc);
}

// A_FILL (fill_parts) for this layer's input only: on around its bands,
// off again after them (RESET also turns it off).
int Runner::run_filled(const Schedule& sc) {
  checked(kCfg, kCfgAFill, static_cast<uint32_t>(sc.fill), 0);
  fill_ = sc.fill;
  const int rc = run_bands(sc);
  fill_ = 0;
  sasim_cfu_op(kCfg, kCfgAFill, 0, 0);
  return rc;
}

// A_FILL's parts for this layer (runner.h): a pixel of C < rows channels,
// C a multiple of 8, one line per pixel, raw rows aligned; or a packed
// kernel row (Plan::packed, one line per band column) in fewer 8-byte parts
// than a line has. Not for a paired producer or a fed consumer.
int Runner::fill_parts(const Plan& pl) const {
  const int C = l_.in_c, pitch = line_pitch(hw_.rows);
  if (!hw_.im2col || pitch <= 8 || pair_ || feed_) return 0;
  if (pl.packed) {
    const int parts = (l_.k_w * C + 7) / 8;
    return pl.lines == 1 && parts < pitch / 8 ? parts : 0;
  }
  return pl.lines == 1 && C < hw_.rows && C % 8 == 0 && (reinterpret_cast<uintptr_t>(l_.input) & 3) == 0 ? C / 8
                                                                                                          : 0;
}

// The layer's im2col registers (IM2COL_PIXEL, W_BASE, IM2COL_SEQ) and the
// schedule's run-time choices (the store, the keep). Again after each band
// a paired producer ran (run_pair): the registers are the CFU's, not the
// layer's.
void Runner::configure_im2col(Schedule* scp) {
  Schedule& sc = *scp;
  const bool dw = l_.kind == kDepthwiseConv2d;
  const int group_passes = sc.pl.passes;
  const uint32_t b_stride = dw ? 0 : sc.all ? sc.groups * group_passes : sc.resident ? group_passes : 1;
  checked(kCfg, kCfgIm2colPixel,
          static_cast<uint32_t>(sc.plb.lines) | (static_cast<uint32_t>(l_.input_zp) & 0xff) << 8, b_stride);
  // The weight store (store_weights): the SEQ tiles load the prepared
  // blob from there, no B crosses the bus. Set (on at the blob, or off)
  // by every im2col layer: W_BASE outlives the layer that set it.
  // (OS: a group's weights larger than a B bank fit the store whole: then
  // each tile is one START from there, not parts.)
  sc.from_w = (sc.seq || sc.part_rows + sc.part_lines > 0) && l_.packed_weights && l_.w_store > 0 &&
              hw_.w_lines > 0;
  if (sc.from_w && !sc.seq) {
    sc.seq = true;
    sc.part_rows = sc.part_lines = 0;
  }
  sc.kept = l_.a_kept && kept_in_ok(sc);
  keep_ = l_.keep_out && keep_out_ok(sc);
  keep_only_ = keep_ && l_.keep_out == 2;
  if (hw_.w_lines > 0)
    checked(kCfg, kCfgWBase, sc.from_w ? static_cast<uint32_t>(l_.w_store - 1) : 0u, sc.from_w ? 1u : 0u);
  if (sc.seq || !ws_)
    checked(kCfg, kCfgIm2colSeq,
            static_cast<uint32_t>(l_.k_h) | static_cast<uint32_t>(sc.pl.xtaps) << 8 |
                static_cast<uint32_t>(dw ? dw_lines_ : sc.pl.lines) << 16,
            (static_cast<uint32_t>(l_.dil_h) & 0xffff) | static_cast<uint32_t>(sc.pl.packed ? 0 : l_.dil_w) << 16);
  if (pair_) {  // a paired producer: its output only into the A bank (run_pair)
    keep_ = keep_only_ = true;
  }
}

// Sends the band of output rows from oy of image n (the rest of it when
// it was prefetched into *bga) and its GEOM. Once per band, in the hot
// section beside the loops that call it (a layer of many small bands,
// MobileNetV2's, calls it nearly as often as a tile: in the per-layer
// section it shared I$ sets with run_bands).
void Runner::begin_band(const Schedule& sc, int go, int n, int oy, Segments* bga, Band* bd) {
  const Plan& pl = sc.pl;
  int y0, y1, nr;
  if (sc.skip) {
    nr = min_i(sc.skip_rows, l_.out_h - oy);
    y0 = oy * l_.k_h;
    y1 = y0 + nr * l_.k_h;
  } else if (row_hi_ > 0 || reverse_) {  // a paired producer's rows [oy, row_hi_); a reversed band
    pair_band(oy, &y0, &y1, &nr);
  } else {
    band_of(sc.plb, oy, &y0, &y1, &nr);
  }
  if (sc.split) {
    send_group_band(n, y0, y1 - y0, go * sc.split_lines * hw_.rows, sc.split_lines);
  } else if (sc.kept) {
    // the whole input, in the shadow A bank since the previous layer's readback
  } else if (feed_) {
    feed(sc, y0, y1);
  } else if (bga->left > 0 || bga->p) {  // the rest of a prefetched band
    put_segments_a(bga, bga->left);
    bga->p = 0;
  } else if (sc.skip) {
    Segments band = skip_segments(n, oy, nr);
    put_segments_a(&band, band.left);
  } else if (pl.packed) {
    send_band_packed(pl, n, y0, y1 - y0);
  } else {
    send_band(n, y0, y1 - y0, pl.lines);
  }
  checked(kCfg, kCfgIm2colGeom, static_cast<uint32_t>(pl.band_w) | static_cast<uint32_t>(y1 - y0) << 16,
          static_cast<uint32_t>(l_.out_w) | static_cast<uint32_t>(pl.sw_b) << 16 |
              static_cast<uint32_t>(sc.sh_b) << 24);
  int ny0 = 0, ny1 = 0;
  const bool a_next = prefetches_next(sc, n, oy, nr, &ny0, &ny1);
  const Band b = {y0, y1, nr, ny0, ny1, a_next};
  *bd = b;
}

// Whether the band of output rows [oy, oy + nr) of image n prefetches the
// next band of the image (its rows stream as raw words in the background,
// run_bands), and that band's input rows [*ny0, *ny1) (not skip).
SASIM_ONE_TU_INLINE bool Runner::prefetches_next(const Schedule& sc, int n, int oy, int nr, int* ny0, int* ny1) const {
  int nnr = 0;
  return !sc.split && sc.seq && hw_.a_double && oy + nr < l_.out_h && row_hi_ == 0 && !feed_ &&
         (sc.skip || (band_of(sc.plb, oy + nr, ny0, ny1, &nnr), (sc.fill > 0 && !sc.pl.packed) || raw_band(n, *ny0, *ny1 - *ny0)));
}

// The band, group and tile loops of an im2col layer.
int Runner::run_bands(const Schedule& sc) {
  const int R = hw_.rows;
  const Plan pl = sc.pl;
  const int group_passes = pl.passes, gsize = sc.gsize, groups = sc.groups;
  const int sh_b = sc.sh_b, skip_rows = sc.skip_rows;
  const bool dw = l_.kind == kDepthwiseConv2d, resident = sc.resident, split = sc.split, seq = sc.seq,
             skip = sc.skip;
  const int per_image = l_.out_h * l_.out_w;
  // A group's block in the blob (bytes), and the words of a group of nt columns.
  const int group_bytes = blob_group_bytes(group_passes, gsize);
  const int line_bytes = line_pitch(hw_.cols);
  // Post-processing parameters per C bank (PARAM_BANK): a group's first
  // tile starts before the previous group's last tile is read (that tile
  // keeps its group's parameters in the other C bank's set), and the
  // other set gets the group's parameters once that tile is read. The
  // pending tile's Gemm then outlives its group: two, used in turn.
  const bool banked = seq && hw_.c_double;
  Gemm gemms[2] = {Gemm(l_, 0, gsize), Gemm(l_, 0, gsize)};
  int turn = 0;
  // Every group's weights at once (Schedule::all): the whole blob into
  // the shadow B bank; the layer's first START makes it active, every
  // later one holds it.
  bool b_loaded = false;
  const bool from_w = sc.from_w;
  if (sc.all && !from_w)
    put_words_b(static_cast<const uint32_t*>(__builtin_assume_aligned(l_.packed_weights, 4)),
                groups * group_bytes / 4);
  // Background streams (SEQ tiles only): while a tile's passes run in the
  // CFU, the CPU reads the previous tile back and then sends a slice of
  // each: the next group's prepared weights (B, over the group's tiles),
  // from the band's first group on the next band's raw rows (A, over all
  // of the band's tiles: the shadow A bank is free once the band's first
  // START made its bank active). What is left is sent when it is needed.
  const uint32_t* bgb = 0;
  int bgb_left = 0, bgb_chunk = 0, bga_chunk = 0;
  Segments bga = {0, 0, 0, 0, 0};
  const int split_lines = sc.split_lines;
  // (split: band go holds lines [go * split_lines, + split_lines), gpl
  // groups each)
  const int gpl = dw ? max_i(1, hw_.rows / gsize) : 1, go_groups = split_lines * gpl;
  for (int go = 0; go < (split ? (groups + go_groups - 1) / go_groups : 1); ++go)
  for (int n = 0; n < l_.batches; ++n) {
    // (Paired and reversed: the bands from the last up, band_ending.)
    int oy_end = l_.out_h;
    for (int oy = row_lo_; reverse_ ? oy_end > 0 : oy < (row_hi_ > 0 ? row_hi_ : l_.out_h);) {
      if (reverse_) oy = next_reverse_band(sc, &oy_end);
      Band bd;
      begin_band(sc, go, n, oy, &bga, &bd);
      if (feed_) b_loaded = false;  // the producer's STARTs loaded its own weights into B
      const int y0 = bd.y0, nr = bd.nr, ny0 = bd.ny0, ny1 = bd.ny1;
      const bool a_next = bd.a_next;
      bool keep_a = false;  // the band's first START makes its bank active
      const int p_begin = n * per_image + oy * l_.out_w, p_end = n * per_image + (oy + nr) * l_.out_w;
      // The band's tiles, and a tile's step in output rows and columns (the
      // band's only divisions: none per group or tile).
      const int tiles = (p_end - p_begin + mc_ - 1) / mc_;
      const int tile_dy = mc_ / l_.out_w, tile_dx = mc_ - tile_dy * l_.out_w;
      for (int gi = split ? go * go_groups : 0; gi < (split ? min_i(groups, (go + 1) * go_groups) : groups);
           ++gi) {
        Gemm& g = gemms[turn ^= 1];
        g.set_group(dw ? gi : 0, gsize);
        const int n0 = dw ? 0 : gi * gsize;
        const int nt = dw ? g.N : min_i(gsize, l_.out_c - n0);
        const int oc0 = dw ? g.out_channel(0) : n0;
        if (!banked) finish_pending();  // it needs the previous group's post-processing parameters
        // The weight sums for the folded bias are gathered on the way
        // (when they were not prepared).
        int32_t sums[kMaxLanes];
        bool summed = false;
        if (sc.all) {
          // in B (or the store, at W_BASE) since the layer's start
        } else if (from_w) {  // the group's block in the store, by the group's first START
          checked(kCfg, kCfgWBase, static_cast<uint32_t>(l_.w_store - 1 + gi * (group_bytes / line_bytes)), 1);
        } else if (resident && l_.packed_weights) {  // prepared: the group's block as words
          WriterB bw;
          if (bgb) {  // the part not prefetched
            bw.put_words(bgb, bgb_left);
          } else {
            const int8_t* blk = l_.packed_weights + gi * group_bytes;
            bw.put_words(static_cast<const uint32_t*>(__builtin_assume_aligned(blk, 4)),
                         (group_b_lines(group_passes, nt) * line_bytes + 7) / 8 * 2);
          }
          bgb = 0;
          bgb_left = 0;
        } else if (resident) {
          summed = send_group_b(pl, oc0, nt, dw ? gi : -1, l_.folded_bias ? 0 : sums);
        }
        if (banked) sasim_cfu_op(kCfg, kCfgParamBank, 1u << bank_, 0);  // the first tile's C bank's set
        write_params(g, n0, nt, summed ? sums : 0);
        // The background streams: the next group's weights over this
        // group's tiles; from the band's first group on, the next band's
        // rows over all of the band's tiles (the shadow A bank is free once
        // the band's first START made its bank active).
        if (seq && !split && !sc.all && !from_w && l_.packed_weights && hw_.b_double && gi + 1 < groups) {
          const int next_nt = min_i(gsize, l_.out_c - (gi + 1) * gsize);
          bgb = static_cast<const uint32_t*>(__builtin_assume_aligned(
              l_.packed_weights + (gi + 1) * group_bytes, 4));
          bgb_left = (group_b_lines(group_passes, next_nt) * line_bytes + 7) / 8 * 2;
          bgb_chunk = tiles == 1 ? (bgb_left + 1) & ~1 : ((bgb_left + tiles - 1) / tiles + 1) & ~1;
        }
        if (a_next && gi == 0) {
          if (skip) {
            bga = skip_segments(n, oy + nr, min_i(skip_rows, l_.out_h - oy - nr));
          } else {
            const int words = (ny1 - ny0) * l_.in_w * l_.in_c / 4;
            const Segments next = {static_cast<const uint32_t*>(__builtin_assume_aligned(
                                       l_.input + (n * l_.in_h + ny0) * l_.in_w * l_.in_c, 4)),
                                   words, words, 0, words};
            bga = next;
          }
          // In place: all of it at the band's first tile, before this
          // band's outputs are stored (in_place_safe).
          bga_chunk = in_place_ ? bga.left : ((bga.left + tiles * groups - 1) / (tiles * groups) + 1) & ~1;
        }
        bool first_of_group = true;
        int oyt = oy, oxt = 0;  // the tile's first output pixel
        for (int m0 = p_begin; m0 < p_end; m0 += mc_, oyt += tile_dy, oxt += tile_dx) {
          if (oxt >= l_.out_w) {
            oxt -= l_.out_w;
            ++oyt;
          }
          const int mt = min_i(mc_, p_end - m0);
          if (seq) {
            // The tile's first pass's origin, then the whole tile.
            const int ix_row = pl.packed ? 0 : -l_.pad_left;
            const int iy = oyt * sh_b - l_.pad_top - y0, ix = oxt * pl.sw_b + ix_row;
            checked(kCfg, kCfgIm2colOrigin,
                    (static_cast<uint32_t>(iy) & 0xffff) | static_cast<uint32_t>(ix) << 16,
                    (static_cast<uint32_t>(ix_row) & 0xffff) | static_cast<uint32_t>(oxt) << 16);
            const int j0 = !dw ? 0 : split ? dw_line(gi, gsize) - go * split_lines : dw_line(gi, gsize);
            // (OS: the tile's whole reduction, `rows` steps a pass. WS by
            // rows: depthwise, the group's lanes from its offset in the
            // line; conv, `rows` where a pixel's channels take more than
            // one line, the last one's lanes past them zero.)
            const bool rows_b = b_rows();
            const int kt = !ws_ ? group_passes * R
                           : dw ? (dw_lines_ > 1 ? R : rows_b ? oc0 % R + nt : nt)
                           : pl.packed ? min_i(pl.G, l_.k_w) * l_.in_c
                           : rows_b && pl.lines > 1 ? R
                                       : min_i(R, l_.in_c);
            const bool hold = sc.all ? b_loaded : !first_of_group;
            const uint32_t flags = kFlagClear | (bank_ ? kFlagCBank : 0) | (keep_a ? kFlagKeepA : 0) | kFlagIm2col |
                                   (!ws_ ? (hold ? kFlagKeepB : 0)
                                         : (rows_b ? 0 : kFlagBCols) | (hold ? kFlagHoldB : 0) | kFlagSeq);
            const uint32_t slot = sc.all ? static_cast<uint32_t>(gi * group_passes) : 0;
            const uint32_t rsp =
                sasim_cfu_op(kStart, 0, static_cast<uint32_t>(mt) | static_cast<uint32_t>(kt) << 16,
                             static_cast<uint32_t>(nt) | flags << 8 | static_cast<uint32_t>(j0) << kStartJShift |
                                 slot << kStartSlotShift);
            b_loaded = true;
            if (rsp == kErrorResponse) return kErrCfuRejected;
            keep_a = true;
            finish_pending();  // while the tile's passes run
            if (banked && first_of_group && tiles > 1) {  // now the other set (its tile is read)
              sasim_cfu_op(kCfg, kCfgParamBank, 1u << (bank_ ^ 1), 0);
              write_params(g, n0, nt, summed ? sums : 0);
            }
            first_of_group = false;
            if (bgb_left > 0) {  // then a slice of each background stream
              const int k = bgb_left < bgb_chunk ? bgb_left : bgb_chunk;
              put_words_b(bgb, k);
              bgb += k;
              bgb_left -= k;
            }
            if (bga.left > 0) put_segments_a(&bga, bga_chunk);
            close_tile(g, m0, mt, dw ? 0 : oc0, nt);
            continue;
          }
          // Pass by pass (weights not resident, or Kt not uniform).
          const PassTile pt = {y0, oyt, oxt, mt, nt, oc0, gi, keep_a, first_of_group};
          if (!(ws_ ? run_passes(sc, pt) : run_os_parts(sc, pt))) return kErrCfuRejected;
          keep_a = true;
          first_of_group = false;
          finish_pending();  // its bank is the next tile's
          close_tile(g, m0, mt, dw ? 0 : oc0, nt);
        }
        if (!banked) finish_pending();  // the pending tile refers to `g`
      }
      oy += nr;
    }
  }
  finish_pending();
  if (banked) sasim_cfu_op(kCfg, kCfgParamBank, 3, 0);  // PARAM writes both sets again
  return status_;
}

// A tile pass by pass (the path without SEQ: weights that do not stay
// resident, or passes of different Kt): an ORIGIN per tap, a START per
// pass, the previous tile read back in slices between them. False when
// the CFU rejects a START.
bool Runner::run_passes(const Schedule& sc, const PassTile& t) {
  const Plan& pl = sc.pl;
  const int R = hw_.rows, y0 = t.y0, oyt = t.oyt, oxt = t.oxt, mt = t.mt, nt = t.nt, oc0 = t.oc0, gi = t.gi;
  const int lines = pl.lines, group_passes = pl.passes;
  const bool dw = l_.kind == kDepthwiseConv2d, split = sc.split, resident = sc.resident;
  bool keep_a = t.keep_a, first_of_group = t.first_of_group;
  // A streamed tile by rows (no B_COLS; streamed_by_rows, or a depthwise
  // pass taller than wide: send_b_pass); prepared, its offset in the blob
  // (streamed_pass_bytes, from the schedule's group size) and its words.
  const bool by_rows = !resident && (dw ? !b_cols_ok() : streamed_by_rows());
  const int pass_stride = ((by_rows ? R : sc.gsize) * line_pitch(hw_.cols) + 7) / 8 * 8;
  const int tile_words = (nt * line_pitch(hw_.cols) + 7) / 8 * 2;
  // The previous tile is read back in slices between this tile's passes.
  // (one division per tile)
  const int slice = pending_.valid ? (pending_.mt - pend_next_ + group_passes - 1) / group_passes : 0;
  int pass = 0;
  for (int ky = 0; ky < l_.k_h; ++ky)
    for (int kx = 0; kx < pl.xtaps; ++kx) {
      // The band coordinates of the tile's first pixel under this tap
      // (packed: the band's columns start at the left padding).
      const int ix_row = pl.packed ? 0 : -l_.pad_left + kx * l_.dil_w;
      const int iy = oyt * sc.sh_b - l_.pad_top + ky * l_.dil_h - y0, ix = oxt * pl.sw_b + ix_row;
      checked(kCfg, kCfgIm2colOrigin,
              (static_cast<uint32_t>(iy) & 0xffff) | static_cast<uint32_t>(ix) << 16,
              (static_cast<uint32_t>(ix_row) & 0xffff) | static_cast<uint32_t>(oxt) << 16);
      const int line = dw_line(gi, sc.gsize);
      const int j_lo = !dw ? 0 : split ? line % sc.split_lines : line, j_hi = dw ? j_lo + 1 : lines;
      for (int j = j_lo; j < j_hi; ++j, ++pass) {
        const int kt = dw ? (by_rows ? oc0 % R + nt : nt)
                           : pl.packed ? min_i(pl.G, l_.k_w - j * pl.G) * l_.in_c : min_i(R, l_.in_c - j * R);
        if (!resident && l_.packed_weights && !dw) {  // prepared: the pass's tile as words
          put_words_b(static_cast<const uint32_t*>(__builtin_assume_aligned(
                          l_.packed_weights + (gi * group_passes + pass) * pass_stride, 4)),
                      by_rows ? (kt * line_pitch(hw_.cols) + 7) / 8 * 2 : tile_words);
        } else if (!resident) {
          WriterB bw;
          send_b_pass(&bw, pl, pl.packed ? ky : ky * l_.k_w + kx, j, oc0, nt, dw);
          bw.flush();
        }
        const bool hold = resident && !first_of_group;
        const uint32_t flags = (pass == 0 ? kFlagClear : 0) | (bank_ ? kFlagCBank : 0) |
                               (keep_a ? kFlagKeepA : 0) | kFlagIm2col | (by_rows ? 0 : kFlagBCols) |
                               (hold ? kFlagHoldB : 0);
        const uint32_t slot = resident ? static_cast<uint32_t>(pass) : 0;
        const uint32_t rsp = sasim_cfu_op(
            kStart, 0, static_cast<uint32_t>(mt) | static_cast<uint32_t>(kt) << 16,
            static_cast<uint32_t>(nt) | flags << 8 | static_cast<uint32_t>(j) << kStartJShift |
                slot << kStartSlotShift);
        if (rsp == kErrorResponse) return false;
        keep_a = true;
        first_of_group = false;
        if (pending_.valid) read_pending(slice);  // while this pass computes
      }
    }
  return true;
}

// Rows of k_rows input rows each stream as raw words (whole 8-byte
// WRITEs, word-aligned).
SASIM_ONE_TU_INLINE bool Runner::raw_rows(int k_rows) const {
  const int R = hw_.rows, C = l_.in_c;
  return line_pitch(R) == R && C % R == 0 && (k_rows * l_.in_w * C) % 8 == 0 &&
         (reinterpret_cast<uintptr_t>(l_.input) & 3) == 0;
}

// The rows a skip band of output rows [oy, oy + nr) of image n reads.
Runner::Segments Runner::skip_segments(int n, int oy, int nr) const {
  const int row_words = l_.in_w * l_.in_c / 4;
  const int seg = l_.k_h * row_words;
  const Segments s = {static_cast<const uint32_t*>(__builtin_assume_aligned(
                          l_.input + (n * l_.in_h + oy * l_.stride_h) * l_.in_w * l_.in_c, 4)),
                      seg, seg, l_.stride_h * row_words - seg, nr * seg};
  return s;
}

// Up to k (even) more words of s to WRITE_A.
void Runner::put_segments_a(Segments* s, int k) {
  while (k > 0 && s->left > 0) {
    const int m = k < s->in_seg ? k : s->in_seg;
    put_words_a(s->p, m);
    s->p += m;
    s->in_seg -= m;
    s->left -= m;
    k -= m;
    if (s->in_seg == 0) {
      s->p += s->gap;
      s->in_seg = s->seg;
    }
  }
}

// The band under output rows [oy, oy + nr): input rows [y0, y1), as many
// output rows as fit an A bank (at least one).
void Runner::band_of(const Plan& pl, int oy, int* y0p, int* y1p, int* nrp) const {
  const int H = l_.in_h, sh = l_.stride_h, pt = l_.pad_top;
  const int keff = (l_.k_h - 1) * l_.dil_h + 1;
  const int y0 = min_i(H - 1, oy * sh - pt > 0 ? oy * sh - pt : 0);
  int rmax = hw_.a_lines / (pl.band_w * pl.lines);  // input rows a bank holds
  if (in_rows_cap_ > 0 && in_rows_cap_ < rmax) rmax = in_rows_cap_;  // (a paired producer's limit)
  // Output row k of the band (from oy) needs input rows up to
  // e(k) = (oy + k) * sh - pt + keff (clipped to the image): the band
  // takes every k with e(k) - y0 <= rmax, and at least one row.
  int nr;
  if (H - y0 <= rmax) {
    nr = l_.out_h - oy;
  } else {
    const int num = y0 + rmax + pt - keff - oy * sh;  // k * sh <= num
    nr = num < 0 ? 1 : min_i(l_.out_h - oy, num / sh + 1);
  }
  nr = min_i(nr, pl.max_rows);
  int y1 = min_i(H, (oy + nr - 1) * sh - pt + keff);
  if (y1 < y0 + 1) y1 = y0 + 1;
  *y0p = y0;
  *y1p = y1;
  *nrp = nr;
}

// Output rows per band at most, so that the board's L2 (LiteX's: 8 KiB,
// 16-byte lines, write-allocate, write-back; docs/memory-model.md) still
// holds a pixel's output line when the next group writes its part of it:
// the groups write a band's pixels one group after the other, and each
// group touches about one L2 line per pixel (its `cols` bytes), so a band
// of at most kBandPixels pixels (runner.h) keeps that traffic within half the L2.
// Otherwise a line is written back dirty after one group and fetched
// again for the next (ResNet-8's first conv: its whole 32 x 32 x 16
// output was one band, 1,560 dirty misses for 1,024 lines). A layer of one
// group, or a band split by group (dw_split), writes each line once
// anyway. Only where every group's weights stay in B for the whole layer
// (Schedule::all) or in the weight store (w_store: each group's block at
// its W_BASE, no B at all): otherwise each band sends them again, which
// costs more than the misses it saves (ResNet-8's 16 x 16 x 32 convs: +27
// k cycles). (The store's case leaves the blob's layout as it was: it
// applies only where Schedule::all does not, which stays off.) ResNet-8's
// first conv on 4 x 4, whose blocks are not whole WRITEs: 186 k -> k.
SASIM_ONE_TU_INLINE int Runner::band_rows_cap(const Plan& pl) const {
  const int gsize = group_size(), groups = (l_.out_c + gsize - 1) / gsize;
  if (groups <= 1 || l_.kind == kDepthwiseConv2d) return 1 << 30;
  const bool uniform_kt = pl.packed || pl.lines == 1 || l_.in_c % hw_.rows == 0;
  const bool stored = l_.w_store > 0 && l_.packed_weights && hw_.w_lines > 0;
  if (!resident(pl.passes) || !(uniform_kt || b_rows()) || !(stored || all_groups_fit(groups, pl.passes)))
    return 1 << 30;
  return max_i(1, kBandPixels / l_.out_w);
}

// send_band() streams these rows as raw words.
SASIM_ONE_TU_INLINE bool Runner::raw_band(int n, int y0, int h) const {
  const int R = hw_.rows, C = l_.in_c;
  const int8_t* src = l_.input + (n * l_.in_h + y0) * l_.in_w * C;
  return line_pitch(R) == R && C % R == 0 && (h * l_.in_w * C) % 8 == 0 &&
         (reinterpret_cast<uintptr_t>(src) & 3) == 0;
}

SASIM_DRIVER_DETAIL_END

// PUBLIC

}  // namespace sasim_drv
