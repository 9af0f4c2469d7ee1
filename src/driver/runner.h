// Internal to src/driver/: the run of one layer (or of a view of it) on the
// CFU. A Runner holds the hardware, the layer, and the bookkeeping of the
// tiles in flight; run() picks the layer's mapping. Its member functions
// live in one file per mapping, each file's contracts at its definitions:
//
//   driver.cc           the public entry points (driver.h) and the choice of
//                       a mapping (run, layer_mapping's reasons)
//   im2col.cc           the im2col extension: plan, schedule, the band /
//                       group / tile loops (both dataflows), bands and rows
//   os_im2col.cc        what the OS tile form does differently: a group's
//                       weights as the tile's reduction steps
//   input_band.cc       the im2col path's input bands into the A bank (raw
//                       rows, packed kernel rows, narrow pixels)
//   depthwise.cc        depthwise layers: split bands, the conv view of a
//                       depth multiplier
//   fully_connected.cc  fully connected layers as convs (views), and the
//                       cost model that leaves small ones on the CPU
//   legacy.cc           the tile loop: the CPU gathers every tile's A and B
//                       (the OS dataflow, layers the im2col path refuses)
//   weights.cc          weight preparation (folded biases, the prepared
//                       blob, the weight store), B tiles, post-processing
//                       parameters
//   readback.cc         READ back: plain, pipelined, fused (READ_EW), kept
//   chaining.cc         layers sharing buffers: in place, the output keep,
//                       paired layers
//   stream.{h,cc}       words to the CFU, the byte writers, the load guards
//   gemm.h              a layer as GEMMs, pixel and tap cursors
//   placement.h         code placement on the board, the shared namespace
//
// Board code (C++11 subset, driver.h).
#ifndef SASIM_DRIVER_RUNNER_H_
#define SASIM_DRIVER_RUNNER_H_

#include <stddef.h>
#include <stdint.h>

#include "driver/cfu_isa.h"
#include "driver/cfu_seam.h"
#include "driver/driver.h"
#include "driver/gemm.h"
#include "driver/placement.h"
#include "driver/stream.h"

namespace sasim_drv {
SASIM_DRIVER_DETAIL_BEGIN

using namespace sasim_isa;

struct Tile {
  bool valid;
  int bank, m0, mt, n0, nt;
};

class Runner {
 public:
  Runner(const HwDesc& hw, const LayerDesc& l)
      : virt_(0), hw_(hw), l_(l), ws_(hw.dataflow == kDataflowWs), kc_(0), mc_(0), nc_(0), bank_(0), pending_gemm_(0),
        last_a_m0_(-1), last_a_k0_(-1), last_b_k0_(-1), last_b_n0_(-1), last_ch_(-1) {
    Tile none = {false, 0, 0, 0, 0, 0};
    pending_ = none;
    dw_lines_ = wide_dw_lines();
    b_rows_ = !ws_ || hw.rows > hw.cols || (hw.rows < hw.cols && l.kind != kDepthwiseConv2d && hw.b_lines >= hw.rows) ||
              dw_lines_ > 1;
  }

  // How a layer maps onto the extension. A line holds `rows` lanes: lines
  // of channels (lines = ceil(C / rows) per pixel, a pass per tap and line),
  // or, when a kernel row's taps fit one line (KW x C <= rows, dilation_w 1),
  // packed: G = rows / C horizontally adjacent taps of a kernel row per line
  // (lines = ceil(KW / G) = 1 per pixel, a pass per kernel row), the band
  // then built by the CPU with the left/right padding in it.
  struct Plan {
    bool packed;
    int G;      // packed: taps per line
    int lines;  // A lines per pixel
    int xtaps;  // kernel columns with their own ORIGIN (packed: 1)
    int band_w; // pixels per band row: W, or packed out_w (a column per output column)
    int sw_b;   // the walker's column step: stride_w, or packed 1
    int passes; // per output-channel group
    int max_rows;  // output rows per band at most (band_rows_cap)
  };
  // Words in equal segments `gap` words apart (a band's rows in memory):
  // `p` the next word, `in_seg` words left in its segment (never more than
  // `left`, the words left in all), `seg` a segment's words.
  struct Segments {
    const uint32_t* p;
    int in_seg, seg, gap, left;
  };
  // A layer's im2col schedule, decided once (run_im2col) and run by
  // run_bands.
  struct Schedule {
    Plan pl, plb;
    int gsize, groups, sh_b, skip_rows;
    bool resident, split, seq, skip;
    // split: lines per pixel in a band, as many as fit (a group's line each;
    // taller than wide, a line holds rows / gsize groups)
    int split_lines;
    bool all;  // every group's weights resident for the whole layer
    bool from_w;  // the prepared weights are in the weight store (run_im2col)
    bool kept;    // the first band is in the shadow A bank already (LayerDesc::a_kept)
    // OS, a group's weights larger than a B bank: each tile in parts, one
    // START each, the part's slice of the group's weights streamed before
    // it: part_rows kernel rows a part, or (0) part_lines lines of one tap
    // (run_os_parts). Both 0 otherwise.
    int part_rows, part_lines;
    // A_FILL's parts (fill_parts): the input streams as raw words, a pixel
    // a line, or packed lines of 8 x fill bytes; 0: not used.
    int fill;
  };
  // A band as begin_band set it up: input rows [y0, y1) for output rows
  // [oy, oy + nr) (skip: each output row's k_h rows, y0 the band coordinate
  // of oy's first); a_next: the next band of the image streams as raw rows
  // [ny0, ny1) in the background.
  struct Band {
    int y0, y1, nr, ny0, ny1;
    bool a_next;
  };
  // run_passes' tile (im2col.cc): its band's first row, first output pixel,
  // size, group, and whether its A is in place and its group's B loaded.
  struct PassTile {
    int y0, oyt, oxt, mt, nt, oc0, gi;
    bool keep_a, first_of_group;
  };
  // The fused readback's store cursor in the tile being read.
  struct FusedCursor {
    uint32_t* p;  // the line of the next result
    int j, w, step, k;  // its word in the line, words per line, words between lines; READ_EWs issued
    void put(uint32_t r) {
      p[j] = r;
      if (++j == w) {
        j = 0;
        p += step;
      }
    }
  };

  // ---- driver.cc
#if !defined(__riscv)
  const char* mapping(const char** why);
  bool view_applies() const;
  bool applies_as(const LayerDesc& v) const;
  const char* im2col_refusal() const;
#endif
  SASIM_WARM int run();
  bool set_limits();
  void set_output();
  bool output_overlaps_input() const;
  SASIM_NOINLINE bool run_view(int* rc);

  // ---- im2col.cc
  Plan plan_layout() const;
  Plan plan() const;
  bool im2col_applies() const;
  int run_im2col_layer();
  SASIM_NOINLINE Schedule schedule() const;
  // The schedule memo (board builds; driver.h, prepare_layer): whether this
  // runner's schedule may be kept (not a paired layer's: their bands depend
  // on the pair), its key (every input of schedule()), and the entry that
  // holds it or would (null: none, the host).
  static const int kMemoKeyWords = 28;
  bool memo_ok() const {
    return !pair_ && !feed_ && in_rows_cap_ == 0 && row_lo_ == 0 && row_hi_ == 0 && !reverse_;
  }
  void memo_key(int32_t* k) const;
  struct MemoEntry;
  static MemoEntry* memo_slot(const LayerDesc& l);
  static int memo_entry_bytes();
  SASIM_WARM int run_im2col();
  SASIM_WARM void configure_im2col(Schedule* scp);
  SASIM_BAND void begin_band(const Schedule& sc, int go, int n, int oy, Segments* bga, Band* bd);
  bool prefetches_next(const Schedule& sc, int n, int oy, int nr, int* ny0, int* ny1) const;
  SASIM_HOT int run_bands(const Schedule& sc);
  SASIM_RARE int run_filled(const Schedule& sc);
  SASIM_BAND bool run_passes(const Schedule& sc, const PassTile& t);
  bool raw_rows(int k_rows) const;
  SASIM_RARE Segments skip_segments(int n, int oy, int nr) const;
  SASIM_HOT static void put_segments_a(Segments* s, int k);
  SASIM_BAND void band_of(const Plan& pl, int oy, int* y0p, int* y1p, int* nrp) const;
  int band_rows_cap(const Plan& pl) const;
  bool raw_band(int n, int y0, int h) const;

  // ---- os_im2col.cc
  template <class W>
  bool write_group_b_os(W* wp, const Plan& pl, int oc0, int nt, int32_t* sums, int q0 = 0, int q1 = 1 << 30);
  SASIM_RARE void pack_weights_os(int8_t* out, const Plan& pl, int group_bytes);
  SASIM_RARE void os_parts(const Plan& pl, Schedule* sc) const;
  SASIM_RARE bool run_os_parts(const Schedule& sc, const PassTile& t);

  // ---- input_band.cc
  SASIM_NOINLINE void send_band_packed(const Plan& pl, int n, int y0, int h);
  SASIM_NOINLINE void send_band_lines(int n, int y0, int h, int band_w, int sx, int pad_left, int kw, int G, int lines);
  SASIM_NOINLINE void send_pixels_small_c(const int8_t* src, int npx, int C, bool paired);
  SASIM_NOINLINE void send_band(int n, int y0, int h, int lines);

  // ---- depthwise.cc
  bool run_dw_view(int* rc);
  static LayerDesc conv_view(const LayerDesc& l);
  int8_t virt_weight(int oc, int ky, int kx, int c) const;
  bool dw_split(const Plan& p) const;
  SASIM_RARE int split_lines(const Plan& pl) const;
  SASIM_RARE void send_group_band(int n, int y0, int h, int c0, int lines);

  // ---- fully_connected.cc
  bool run_fc_view(int* rc);
  static LayerDesc fc_depth_view(const LayerDesc& l, int rows);
  static LayerDesc fc_batch_view(const LayerDesc& l);

  // ---- legacy.cc
  SASIM_NOINLINE int run_gemm(const Gemm& g, int ch);
  SASIM_NOINLINE void send_a(const Gemm& g, int m0, int mt, int k0, int kt);
  void send_conv_a(const Gemm& g, WriterA* w, int m0, int mt, int k0, int kt, int pitch);
  void stream_tap_words(WriterA* w, int m0, int mt, int dy, int dx, int c0);
  void first_pixels(PixelCursor* px, int first, int n) const;
  bool interior(const PixelCursor& p) const;
  static void put_line(WriterA* w, const uint8_t* b, int lanes, int pitch);
  SASIM_NOINLINE void send_b(const Gemm& g, int k0, int kt, int n0, int nt);

  // ---- weights.cc
  int packed_weights_bytes();
  int streamed_pass_bytes() const;
  int store_lines();
  // group_size: computed once per Runner (it is asked for by the schedule,
  // the band cap, residency and the blob; inlined at each, its computation
  // made the once-per-layer code larger than the I$ sets the loops leave it).
  int group_size() const { return gsize_ > 0 ? gsize_ : (gsize_ = compute_group_size()); }
  SASIM_NOINLINE int compute_group_size() const;
  SASIM_RARE int tall_group_size() const;
  SASIM_RARE int narrowed_group(int g) const;
  int blob_group_bytes(int passes, int gsize) const;
  void pack_weights(int8_t* out);
  bool blob_applies();
  const int8_t* b_line_src(const Plan& pl, int oc, int t, int j, int* kt) const;
  template <class W>
  void send_b_pass(W* w, const Plan& pl, int tap, int j, int oc0, int nt, bool dw);
  SASIM_RARE bool send_group_b(const Plan& pl, int oc0, int nt, int dw_group, int32_t* sums);
  template <class W>
  bool write_group_b(W* wp, const Plan& pl, int oc0, int nt, int dw_group, int32_t* sums);
  template <class W>
  SASIM_RARE static void wide_group_b(W* w, const uint32_t* p, int words, int pitch, int32_t* sums, int per_column);
  SASIM_HOT void write_params(const Gemm& g, int n0, int nt, const int32_t* sums = 0);
  SASIM_RARE void write_params_folding(const Gemm& g, int n0, int nt, const int32_t* sums);

  // ---- readback.cc
  void close_tile(const Gemm& g, int m0, int mt, int n0, int nt);
  void set_pending(const Gemm& g, const Tile& t);
  SASIM_FUSED static void read_discard(int words);
  SASIM_FUSED void keep_tile(const Gemm& g, const Tile& t);
  SASIM_HOT void read_pending(int n);
  SASIM_NOINLINE void readback(const Gemm& g, const Tile& t);
  SASIM_HOT void read_lines(const Gemm& g, const Tile& t, int m_lo, int m_hi);
  SASIM_FUSED void read_fused(const Tile& t, int stride, int col0, int m_lo, int m_hi);
  SASIM_FUSED void fused_line(const uint32_t* x, int w);
  SASIM_HOT static void read_words_pipelined(uint32_t* dst, int step, int w, int lines);
  SASIM_RARE void read_lines_unfenced(const Gemm& g, const Tile& t, int m_lo, int m_hi);
  SASIM_RARE static void read_halves_pipelined(uint16_t* dst, int step, int lines);

  // ---- chaining.cc
  SASIM_RARE bool in_place_safe() const;
  bool in_place_supported();
  SASIM_RARE int pair_producer_rows();
  SASIM_RARE bool pair_consumer_ok(int rows);
  SASIM_RARE int pair_order(const LayerDesc& p);
  SASIM_RARE int produce_rows(int y0, int y1);
  SASIM_RARE bool keep_path() const;
  SASIM_RARE bool keep_out_ok(const Schedule& sc) const;
  SASIM_RARE bool kept_in_ok(const Schedule& sc) const;
  SASIM_RARE void feed(const Schedule& sc, int y0, int y1);
  void rows_under(int oy, int nr, int* y0p, int* y1p) const;
  SASIM_RARE void pair_band(int oy, int* y0, int* y1, int* nr) const;
  SASIM_RARE int next_reverse_band(const Schedule& sc, int* oy_end);
  SASIM_RARE int band_ending(const Plan& pl, int oy_end) const;

  // ---- small helpers (every part)
  // run_layer_in_place: the caller checked in_place_supported for l.
  void set_in_place_checked() { in_place_checked_ = true; }
  // keep_out_supported / kept_in_supported (driver.h).
  bool keep_out_supported() { return set_limits() && keep_out_ok(); }
  bool kept_in_supported() { return set_limits() && kept_in_ok(); }
  void set_producer() { pair_ = true; }
  void set_feed(Runner* p, bool reverse) {
    feed_ = p;
    reverse_ = reverse;
  }
  void set_virtual(const LayerDesc* dw) { virt_ = dw; }
  // prepare_layer (driver.h): run() decides the layer's mapping and
  // schedule, keeps it in the memo, and sends no command.
  void set_dry() { dry_ = true; }
  // The memo entry the last run_im2col of a dry run kept (or null).
  const void* memo_kept() const { return memo_kept_; }
  // A conv whose group's weights do not all fit a B bank (or take more than
  // 256 passes: a 2-row array's 3 x 3 x 64 conv, 288) streams each pass's B
  // tile (run_passes); prepared, the blob holds each pass's tile as the
  // driver would send it (send_b_pass), a group's passes in run_passes'
  // order, each tile in whole WRITEs: streamed as words instead of gathered
  // from the filter on every pass of every tile.
  //
  // On an array wider than tall the tile goes by rows (no B_COLS: B line r
  // fills PE row r, lane n column n's weight), `rows` lines instead of
  // `cols`: on 2 x 32, 64 bytes a pass instead of 1 KiB, each B_COLS line
  // carrying two weights in 32 bytes. On an array taller than wide it must:
  // a B_COLS line (`cols` lanes) cannot hold a column's `rows` weights.
  // (Kt <= B lines: a B bank holds the tile's lines.)
  bool streamed_by_rows() const { return hw_.rows != hw_.cols && hw_.b_lines >= hw_.rows; }
  // B_COLS (column n's weights from B line n: resident weights, SEQ tiles,
  // the depthwise diagonal) needs a line of `rows` lanes: rows <= cols.
  bool b_cols_ok() const { return hw_.rows <= hw_.cols; }
  // A group's B block goes by rows: one line per reduction step, `rows` a
  // pass, pass p's at line (slot + p) x rows (lane n: column n's weight).
  // OS always (its tile form); WS (an IM2COL pass without B_COLS) where a
  // B_COLS line does not suit: taller than wide, where it cannot hold a
  // column's `rows` weights, and for conv and FC wider than tall, where it
  // would carry `rows` weights in `cols` lanes (2 x 32: 16 times the lines).
  // A depthwise group wider than tall keeps the diagonal (a line per tap),
  // and so does any group wider than tall whose B bank holds fewer lines
  // than a pass's `rows` (B_COLS: Nt lines, narrowed to what fits). Where
  // a group's passes by rows do not all fit a B bank they stream by rows,
  // a pass's tile at a time (streamed_by_rows): on 8 x 16, ResNet-8's
  // 3 x 3 x 64 conv took 197 K cycles so, 260 K as narrowed B_COLS groups.
  bool b_rows() const { return b_rows_; }
  // A depthwise group's lines of channels (dw_lines_, its passes'
  // IM2COL_SEQ lines): 1, or on an array at least twice as wide as tall
  // several (weights.cc: a group of up to `cols` channels, a pass per tap
  // and line, each line's `rows` channels on the diagonal of its own `rows`
  // columns).
  SASIM_NOINLINE int wide_dw_lines() const;
  // A_FILL (docs/command-set.md): a line of more than 8 bytes that holds
  // fewer, in whole 8-byte parts: a pixel of C < rows channels, C a
  // multiple of 8 (the raw NHWC words go to the CFU as they are), or a
  // packed kernel row of KW x C bytes (the CPU builds 8 x parts bytes a
  // line, not the pitch). The line's other lanes stay unwritten: no WS pass
  // reads them (Kt = C, or KW x C packed); an OS chunk meets zero weights
  // there. The parts a line takes, or 0. Not for a paired producer or a fed
  // consumer (the A bank's writes are another layer's too).
  SASIM_RARE int fill_parts(const Plan& pl) const;
  // run_im2col: A_FILL's parts while on for this layer's input (send_band
  // streams raw words; send_band_lines builds lines of 8 x fill_ bytes); 0: off.
  int fill_ = 0;
  // A depthwise group's line of channels in the band (IM2COL's j): a group
  // is a line's `rows` channels, or on an array taller than wide a part of
  // one (group_size divides `rows`).
  int dw_line(int gi, int gsize) const { return gi * gsize / hw_.rows; }
  // B lines of a group's weights: a line per pass and column (B stride P),
  // or for depthwise a line per pass whose lane n is column n's weight (B
  // stride 0: the CFU's diagonal, docs/command-set.md). By rows (b_rows,
  // OS always): a line per reduction step, `rows` per pass (os_im2col.cc).
  int group_b_lines(int passes, int nt) const {
    return b_rows() ? passes * hw_.rows : l_.kind == kDepthwiseConv2d ? passes : passes * nt;
  }
  // A group's weights stay in one B bank for all its passes (slot = pass;
  // OS: for all its tiles, KEEP_B).
  bool resident(int passes) const {
    return (b_rows() || b_cols_ok()) && group_b_lines(passes, group_size()) <= hw_.b_lines && passes <= 256;
  }
  // Every group's blocks in a B bank at once (Schedule::all): slots up to
  // 255 and whole WRITEs per block (B_COLS: a column's P lines,
  // interleaved; by rows: a group's P x rows lines, one after the other).
  bool all_groups_fit(int groups, int passes) const {
    const int block = b_rows() ? group_b_lines(passes, 0) : passes;
    return groups * passes <= 256 && groups * group_b_lines(passes, group_size()) <= hw_.b_lines &&
           block * line_pitch(hw_.cols) % 8 == 0;
  }
  // One band (the shadow A bank is not needed for a next band), whole words
  // per READ NEXT (every group's Nt and the output's pitch multiples of 4).
  SASIM_RARE bool keep_out_ok() const { return keep_out_ok(schedule()); }
  // One band holding the whole input as raw rows, from the bank's byte 0:
  // exactly the bytes a producer's KEEP readback wrote there.
  SASIM_RARE bool kept_in_ok() const { return kept_in_ok(schedule()); }
  void finish_pending() { read_pending(pending_.mt); }
  // A command other than a READ answers 0, or the error response when the
  // CFU rejects it; a rejection makes run_layer() return kErrCfuRejected.
  void checked(int f3, int f7, uint32_t a, uint32_t b) {
    if (sasim_cfu_op(f3, f7, a, b) == kErrorResponse) status_ = kErrCfuRejected;
  }

  int32_t mult(int oc) const { return l_.multiplier[l_.per_tensor ? 0 : oc]; }
  int32_t shift(int oc) const { return l_.shift[l_.per_tensor ? 0 : oc]; }

  // Output pixels a band holds at most (band_rows_cap, im2col.cc).
  static const int kBandPixels = 256;

 private:
  // A depthwise layer with depth multiplier > 1 run as a conv (its weights
  // zero except where input channel c feeds output channel oc: c = oc / dm);
  // only with prepared weights and folded biases (the blob carries the
  // zeros, the driver never reads l_.filter then).
  const LayerDesc* virt_;
  const HwDesc& hw_;
  const LayerDesc& l_;
  bool ws_;
  int kc_, mc_, nc_;
  int bank_;
  Tile pending_;
  const Gemm* pending_gemm_;
  int pend_next_ = 0;  // the pending tile's next line to read
  FusedCursor fz_ = {0, 0, 0, 0, 0};
  int last_a_m0_, last_a_k0_, last_b_k0_, last_b_n0_, last_ch_;
  int status_ = kOk;
  bool in_place_ = false;  // the output overlaps the input (in_place_safe)
  bool in_place_checked_ = false;  // run_layer_in_place
  bool keep_ = false;  // KEEP on for this layer's readback (LayerDesc::keep_out, keep_out_ok)
  bool keep_only_ = false;  // ... and the output not stored (keep_out 2)
  // run_pair (driver.h): the consumer's producer, which fills each band;
  // the producer's flag, and the output rows it runs as one band
  // ([row_lo_, row_hi_); row_hi_ 0: the whole layer, band by band). The
  // KEEP pointer counts from row_lo_'s first pixel.
  Runner* feed_ = 0;
  bool pair_ = false;
  bool b_rows_ = false;  // b_rows(), set by the constructor
  int dw_lines_ = 1;     // wide_dw_lines(), set by the constructor
  int row_lo_ = 0, row_hi_ = 0;
  // The consumer's bands from the last up (pair_order 2), and the current
  // one's output rows.
  bool reverse_ = false;
  int rev_nr_ = 0;
  // The consumer's input rows per band at most (its producer's limit,
  // pair_producer_rows; 0: the bank's).
  // (mutable: schedule() decides the blob's layout without it)
  mutable int in_rows_cap_ = 0;
  mutable int gsize_ = 0;  // group_size, once known (0: not yet)
  bool dry_ = false;  // set_dry: decide only, no command
  const void* memo_kept_ = 0;  // (a view's runner passes it up: run_view)
};

SASIM_DRIVER_DETAIL_END
}  // namespace sasim_drv

#endif  // SASIM_DRIVER_RUNNER_H_
