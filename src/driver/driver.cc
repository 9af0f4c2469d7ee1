#include "driver/driver.h"

#include <stddef.h>

#include "driver/cfu_isa.h"
#include "driver/cfu_seam.h"

namespace sasim_drv {

using namespace sasim_isa;

namespace {

inline int min_i(int a, int b) { return a < b ? a : b; }
inline int max_i(int a, int b) { return a > b ? a : b; }

// Code placement on the board (no effect on the host). The board's I$ is 8
// KiB, direct-mapped, refilled through the L2 the layers' data streams
// through (a lost line mostly comes back from DRAM; docs/board-runtime.md,
// "Code layout"): the code a layer runs over and over (the tile and group
// loops, the band set-up, the streams, READ back) is kept in one contiguous
// section (.text.sasim_hot) so that it does not evict itself, the fused
// readback right behind it; the code every layer runs once (run_layer, the
// schedule) in one section of its own (.text.sasim_warm). CFU Playground's
// linker keeps an object's sections in the object's order, and so does
// src/board/link.ld. Code that runs once per layer or band and is not
// needed by every layer is kept out of line (SASIM_NOINLINE).
#if defined(__riscv)
#define SASIM_HOT __attribute__((section(".text.sasim_hot"), noinline, noclone))
#define SASIM_WARM __attribute__((section(".text.sasim_warm"), noinline, noclone))
// The fused readback (read_fused) and the kept one (read_discard, keep_tile):
// right behind the hot loops, so that the layers without them keep the hot
// section's layout.
#define SASIM_FUSED __attribute__((section(".text.sasim_fused"), noinline, noclone))
#else
#define SASIM_FUSED
#define SASIM_HOT
#define SASIM_WARM
#endif
#define SASIM_NOINLINE __attribute__((noinline))
// Paths the board's usual layers never take (the layer then runs them once
// per band or tile): cold, so that GCC moves the blocks that call them out
// of the hot functions too.
#define SASIM_RARE __attribute__((noinline, cold))

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

// Loads of words that CFU instructions then send, as one asm block on the
// board whose last instruction steps the pointer: with the computation that
// every first CFU operand below needs, no CFU instruction sits at distance 0
// or 1 behind these loads. Such an instruction (one that does not read the
// loaded register) is sent to the CFU twice on the 2021 core when the load
// misses the D$ (facts.md F20-F22), and waits two cycles on the 2022 cores.
// tests/test_cpu.cc scans every compiled image for one.
#if defined(__riscv) && !defined(SASIM_DRIVER_UNGUARDED)
#define SASIM_LOAD_WORDS_1(p, a) \
  __asm__ volatile("lw %0, 0(%1)\n\taddi %1, %1, 4" : "=&r"(a), "+r"(p) : : "memory")
#define SASIM_LOAD_WORDS_2(p, a, b) \
  __asm__ volatile("lw %0, 0(%2)\n\tlw %1, 4(%2)\n\taddi %2, %2, 8" : "=&r"(a), "=&r"(b), "+r"(p) : : "memory")
#define SASIM_LOAD_WORDS_3(p, a, b, c)                                                          \
  __asm__ volatile("lw %0, 0(%3)\n\tlw %1, 4(%3)\n\tlw %2, 8(%3)\n\taddi %3, %3, 12"            \
                   : "=&r"(a), "=&r"(b), "=&r"(c), "+r"(p)                                     \
                   :                                                                           \
                   : "memory")
#define SASIM_LOAD_STEP(p, n) ((void)0)
#elif defined(__riscv)
// SASIM_DRIVER_UNGUARDED (a test-only build, src/board/CMakeLists.txt): the
// loads as the driver had them before, ordered before the CFU instructions
// but with nothing between, the pointer stepped at the end of the loop body
// (SASIM_LOAD_STEP).
#define SASIM_LOAD_WORDS_1(p, a) (a = p[0])
#define SASIM_LOAD_WORDS_2(p, a, b) (a = p[0], b = p[1])
#define SASIM_LOAD_WORDS_3(p, a, b, c)                 \
  do {                                                 \
    a = p[0];                                          \
    b = p[1];                                          \
    c = p[2];                                          \
    __asm__ volatile("" : : "r"(a), "r"(b), "r"(c));   \
  } while (0)
#define SASIM_LOAD_STEP(p, n) (p += (n))
#else
#define SASIM_LOAD_WORDS_1(p, a) (a = p[0], p += 1)
#define SASIM_LOAD_WORDS_2(p, a, b) (a = p[0], b = p[1], p += 2)
#define SASIM_LOAD_WORDS_3(p, a, b, c) (a = p[0], b = p[1], c = p[2], p += 3)
#define SASIM_LOAD_STEP(p, n) ((void)0)
#endif

// Lanes of one buffer line: an array dimension (at most 64).
const int kMaxLanes = 64;
// Bytes of one padded input row the packed band builder buffers (a row of
// up to 1024 bytes with its padding; wider rows take the slower path).
const int kMaxPackedRow = 1024;

// WRITE_A / WRITE_B of words p[0 .. words) (an even count): four WRITEs (a
// D$ line) per iteration. Plain functions, not Writer members, so that they
// go where SASIM_HOT puts them (a template's code goes to its own section).
//
// All eight loads go before the first WRITE: a WRITE right behind the load
// of its operand waits 2 cycles for it (facts.md F4), while back-to-back
// WRITEs cost 2 cycles each anyway (F16). And two instructions (the pointer
// and the count) sit between the last load and the first WRITE: on CFU
// Playground's 2022 cores a CFU instruction leaves execute only when memory
// and writeback hold no load or store (docs/cpu-model.md). On the board the
// block is one asm statement, so that no compiler reorders it; the host
// build takes the plain loop.
template <int F3, int F7>
inline void put_words_body(const uint32_t* p, int words) {
  int i = 0;
#if defined(__riscv) && !defined(SASIM_DRIVER_UNGUARDED)
  if (words >= 8) {
    const uint32_t* const end = p + (words & ~7);
    uint32_t a, b, c, d, e, f, g, h;
    do {
      __asm__ volatile(
          "lw %0, 0(%8)\n\t"
          "lw %1, 4(%8)\n\t"
          "lw %2, 8(%8)\n\t"
          "lw %3, 12(%8)\n\t"
          "lw %4, 16(%8)\n\t"
          "lw %5, 20(%8)\n\t"
          "lw %6, 24(%8)\n\t"
          "lw %7, 28(%8)\n\t"
          "addi %8, %8, 32\n\t"
          "nop\n\t"
          ".insn r 0x0B, %9, %10, zero, %0, %1\n\t"
          ".insn r 0x0B, %9, %10, zero, %2, %3\n\t"
          ".insn r 0x0B, %9, %10, zero, %4, %5\n\t"
          ".insn r 0x0B, %9, %10, zero, %6, %7\n\t"
          : "=&r"(a), "=&r"(b), "=&r"(c), "=&r"(d), "=&r"(e), "=&r"(f), "=&r"(g), "=&r"(h), "+r"(p)
          : "i"(F3), "i"(F7)
          : "memory");
    } while (p != end);
    i = 0;
    words &= 7;
  }
#else
  for (; i + 8 <= words; i += 8) {
    const uint32_t a = p[i], b = p[i + 1], c = p[i + 2], d = p[i + 3];
    const uint32_t e = p[i + 4], f = p[i + 5], g = p[i + 6], h = p[i + 7];
    __asm__ volatile("" : : "r"(a), "r"(b), "r"(c), "r"(d), "r"(e), "r"(f), "r"(g), "r"(h));
    sasim_cfu_op(F3, F7, a, b);
    sasim_cfu_op(F3, F7, c, d);
    sasim_cfu_op(F3, F7, e, f);
    sasim_cfu_op(F3, F7, g, h);
  }
#endif
  for (; i < words; i += 2) sasim_cfu_op(F3, F7, p[i], p[i + 1]);
}
SASIM_HOT void put_words_a(const uint32_t* p, int words) { put_words_body<kWriteA, 0>(p, words); }
SASIM_HOT void put_words_b(const uint32_t* p, int words) { put_words_body<kWriteB, 0>(p, words); }
// The weight store's WRITE_W: once per layer and power-up (store_weights).
SASIM_NOINLINE void put_words_w(const uint32_t* p, int words) { put_words_body<kWriteB, kWriteW>(p, words); }

// Streams bytes to WRITE_A / WRITE_B eight at a time. WRITE_A/B are only
// rejected for a funct7 other than 0, so their responses are not checked: a
// streaming loop is two word loads and one CFU instruction per 8 bytes.
template <int F3>
class Writer {
 public:
  Writer() : n_(0), w0_(0), w1_(0) {}
  void put(int8_t v) {
    const uint32_t byte = static_cast<uint32_t>(static_cast<uint8_t>(v)) << (8 * (n_ & 3));
    if (n_ < 4) w0_ |= byte;
    else w1_ |= byte;
    if (++n_ == kBytesPerWrite) flush();
  }
  // Eight bytes at once (only at a write boundary).
  void put8(uint32_t w0, uint32_t w1) { sasim_cfu_op(F3, 0, w0, w1); }
  // Words p[0 .. words) (an even count), at a write boundary.
  void put_words(const uint32_t* p, int words) {
    if (F3 == kWriteA)
      put_words_a(p, words);
    else
      put_words_b(p, words);
  }
  bool at_boundary() const { return n_ == 0; }
  void flush() {
    if (n_ == 0) return;
    sasim_cfu_op(F3, 0, w0_, w1_);
    n_ = 0;
    w0_ = w1_ = 0;
  }

 private:
  int n_;
  uint32_t w0_, w1_;
};
typedef Writer<kWriteA> WriterA;
typedef Writer<kWriteB> WriterB;

// The same interface into memory: the prepared weight blob (pack_weights)
// holds exactly the bytes the driver would send.
class MemWriter {
 public:
  explicit MemWriter(int8_t* out) : out_(out), n_(0) {}
  void put(int8_t v) { out_[n_++] = v; }
  void put8(uint32_t w0, uint32_t w1) {
    for (int i = 0; i < 4; ++i) out_[n_ + i] = static_cast<int8_t>((w0 >> (8 * i)) & 0xff);
    for (int i = 0; i < 4; ++i) out_[n_ + 4 + i] = static_cast<int8_t>((w1 >> (8 * i)) & 0xff);
    n_ += 8;
  }
  void put_words(const uint32_t* p, int words) {
    for (int i = 0; i < words; i += 2) put8(p[i], p[i + 1]);
  }
  bool at_boundary() const { return n_ % kBytesPerWrite == 0; }
  void flush() {
    while (n_ % kBytesPerWrite != 0) out_[n_++] = 0;
  }
  int bytes() const { return n_; }

 private:
  int8_t* out_;
  int n_;
};

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
  }

  SASIM_WARM int run() {
    if (l_.fused && !fused_eltwise_supported(hw_, l_)) return kErrNotFusable;  // before any command
    if (!set_limits()) return kErrTileTooLarge;
    // An output over the layer's own input (in place, docs/
    // microarchitecture.md "In place"): only on a schedule that reads no
    // input byte after a store overwrote it; otherwise refused before any
    // command.
    in_place_ = output_overlaps_input();
    // (Fed by a paired producer, the input is never read from memory.)
    if (in_place_ && !in_place_checked_ && !feed_ && !in_place_safe()) return kErrInPlace;
    set_output();
    // A fused elementwise operator: its parameters once (they empty the
    // unit). After SET_OUTPUT: a load of l_.fused placed right before that
    // command would let the 2021 core send it twice (F20).
    if (l_.fused && eltwise_configure(*l_.fused) != kOk) return kErrCfuRejected;
    pending_.valid = false;
    bank_ = 0;
    last_a_m0_ = last_a_k0_ = last_b_k0_ = last_b_n0_ = -1;
    last_ch_ = -1;
    if (ws_ && hw_.im2col && (l_.kind == kFullyConnected || l_.kind == kDepthwiseConv2d)) {
      int rc;
      if (run_view(&rc)) return rc;
    }
    if (im2col_applies()) {
      const int rc = run_im2col();
      if (keep_) checked(kRead, kReadKeep, 0, 0);  // off: later READs write no A
      return keep_ && rc == kOk ? status_ : rc;
    }
    // Depthwise: groups of one array width of output channels.
    const int groups = l_.kind == kDepthwiseConv2d ? (l_.out_c + nc_ - 1) / nc_ : 1;
    for (int gi = 0; gi < groups; ++gi) {
      Gemm g(l_, gi, nc_);
      const int rc = run_gemm(g, gi);
      if (rc != kOk) return rc;
    }
    return status_;  // run_gemm reads its last tile back before returning
  }

#if !defined(__riscv)
  // Host only (the board's image is built without it): the mapping run()
  // takes, by run()'s own tests and without a command (layer_mapping).
  const char* mapping(const char** why) {
    *why = 0;
    if (!set_limits()) {
      *why = "no tile fits the buffers";
      return "none";
    }
    if (ws_ && hw_.im2col && (l_.kind == kFullyConnected || l_.kind == kDepthwiseConv2d) && view_applies())
      return "view";
    if (im2col_applies()) return "im2col";
    *why = im2col_refusal();
    return "legacy";
  }
#endif

 private:
#if !defined(__riscv)
  // run_view's cases, tested as run_view tests them.
  bool view_applies() const {
    if (l_.kind == kFullyConnected && (l_.in_c + hw_.rows - 1) / hw_.rows > 255 && l_.in_c % hw_.rows == 0 &&
        applies_as(fc_depth_view(l_, hw_.rows)))
      return true;
    if (l_.kind == kFullyConnected && l_.batches > 1 && applies_as(fc_batch_view(l_))) return true;
    return l_.kind == kDepthwiseConv2d && l_.depth_multiplier > 1 && l_.packed_weights && l_.folded_bias &&
           applies_as(conv_view(l_));
  }
  bool applies_as(const LayerDesc& v) const {
    Runner r(hw_, v);
    r.mc_ = mc_;
    return r.im2col_applies();
  }
  // Why im2col_applies() is false: its first failing test, in its order.
  const char* im2col_refusal() const {
    if (!ws_) return "the output-stationary dataflow has no im2col path";
    if (!hw_.im2col) return "the im2col extension is off (array.im2col: false)";
    if (hw_.rows > hw_.cols) return "the array is taller than wide (rows > cols)";
    if (l_.kind == kDepthwiseConv2d && l_.depth_multiplier != 1)
      return "a depthwise layer with a depth multiplier and no prepared weights";
    if (l_.kind == kDepthwiseConv2d && hw_.b_lines < hw_.rows) return "buffer B holds fewer lines than the array has rows";
    const Plan p = plan();
    if (p.lines > 255 || p.band_w > 32767 || l_.in_h > 32767 || l_.out_w > 65535 || l_.stride_w > 255 ||
        l_.stride_h > 255)
      return "the layer's dimensions exceed the im2col commands' fields";
    if (mc_ < 1) return "no tile fits the buffers";
    return "one output row's input window does not fit an A bank";
  }
#endif
  // Tile limits: lines per bank and array dimensions; false when a bank
  // holds no tile. No CFU command.
  bool set_limits() {
    if (ws_) {
      kc_ = min_i(hw_.rows, hw_.b_lines);
      mc_ = min_i(hw_.a_lines, hw_.c_lines);
    } else {
      mc_ = min_i(hw_.rows, hw_.c_lines);
      kc_ = min_i(hw_.a_lines, hw_.b_lines);
    }
    nc_ = hw_.cols;
    // START carries Mt and Kt in 16 bits.
    mc_ = min_i(mc_, 0xffff);
    kc_ = min_i(kc_, 0xffff);
    return kc_ >= 1 && mc_ >= 1;
  }

  // SET_OUTPUT: the output's zero point and range.
  void set_output() {
    const uint32_t out_cfg = (static_cast<uint32_t>(l_.output_zp) & 0xff) |
                             (static_cast<uint32_t>(l_.act_min) & 0xff) << 8 |
                             (static_cast<uint32_t>(l_.act_max) & 0xff) << 16;
    sasim_cfu_fence();  // the caller's stores (this object's set-up) must not hold execute here (F19)
    checked(kCfg, 0, out_cfg, 0);
  }

  bool output_overlaps_input() const {
    const uintptr_t in = reinterpret_cast<uintptr_t>(l_.input), out = reinterpret_cast<uintptr_t>(l_.output);
    const uintptr_t in_bytes = static_cast<uintptr_t>(l_.batches) * l_.in_h * l_.in_w * l_.in_c;
    const uintptr_t out_bytes = static_cast<uintptr_t>(l_.batches) * l_.out_h * l_.out_w * l_.out_c;
    return out < in + in_bytes && in < out + out_bytes;
  }

 public:
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
  SASIM_RARE bool in_place_safe() const {
    if (l_.kind != kConv2d || !ws_ || !hw_.im2col || !im2col_applies()) return false;
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
  bool in_place_supported() {
    if (!output_overlaps_input()) return true;
    return set_limits() && in_place_safe();
  }
  // run_layer_in_place: the caller checked in_place_supported for l.
  void set_in_place_checked() { in_place_checked_ = true; }
  // keep_out_supported / kept_in_supported (driver.h).
  bool keep_out_supported() { return set_limits() && keep_out_ok(); }
  bool kept_in_supported() { return set_limits() && kept_in_ok(); }

  // run_pair (driver.h, docs/microarchitecture.md "Paired layers"). The
  // producer: the im2col path (conv or depthwise) on plain rows, SEQ tiles,
  // whole readback words; its output rows under a consumer band run as one
  // band of its own, whose input rows the bank must hold: the most output
  // rows it can run so (0: none, not pairable).
  SASIM_RARE int pair_producer_rows() {
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
  SASIM_RARE bool pair_consumer_ok(int rows) {
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
  SASIM_RARE int pair_order(const LayerDesc& p) {
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
  void set_producer() { pair_ = true; }
  void set_feed(Runner* p, bool reverse) {
    feed_ = p;
    reverse_ = reverse;
  }
  // The producer's part of a band: output rows [y0, y1) of its one image as
  // one band, kept only into the shadow A bank from byte 0 (the consumer's
  // band); the A bank then holds nothing of the producer's, and KEEP is off.
  SASIM_RARE int produce_rows(int y0, int y1) {
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


 private:
  // Layers the im2col path takes through a view of them (docs/
  // microarchitecture.md, section 7); false when none applies. Out of line:
  // most layers never run it.
  SASIM_NOINLINE bool run_view(int* rc) {
    if (l_.kind == kFullyConnected && ws_ && hw_.im2col && (l_.in_c + hw_.rows - 1) / hw_.rows > 255 &&
        l_.in_c % hw_.rows == 0) {
      const LayerDesc v = fc_depth_view(l_, hw_.rows);
      Runner r(hw_, v);
      r.mc_ = mc_;
      if (r.im2col_applies()) {
        *rc = r.run_im2col_layer();
        return true;
      }
    }
    if (l_.kind == kFullyConnected && l_.batches > 1 && ws_ && hw_.im2col) {
      // Batches as the pixels of one 1-row image: one band, tiles of many rows.
      const LayerDesc v = fc_batch_view(l_);
      Runner r(hw_, v);
      r.mc_ = mc_;
      if (r.im2col_applies()) {
        *rc = r.run_im2col_layer();
        return true;
      }
    }
    if (l_.kind == kDepthwiseConv2d && l_.depth_multiplier > 1 && l_.packed_weights && l_.folded_bias && ws_ &&
        hw_.im2col) {
      const LayerDesc v = conv_view(l_);
      Runner r(hw_, v);
      r.mc_ = mc_;
      r.virt_ = &l_;
      if (r.im2col_applies()) {
        *rc = r.run_im2col_layer();
        return true;
      }
    }
    return false;
  }

  SASIM_NOINLINE int run_gemm(const Gemm& g, int ch) {
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

  // ---- The im2col extension (docs/microarchitecture.md, "Im2col") --------
  //
  // The input goes to the CFU once, as raw NHWC pixels: a band of input rows
  // in the A bank, `lines_per_pixel` lines of `rows` channels per pixel. Each
  // pass is one kernel tap x one line of channels for a tile of up to
  // c_lines output pixels and `cols` output channels (conv) or `rows`
  // channels (depthwise, a diagonal B); the CFU walks the pixels itself
  // (IM2COL_ORIGIN, START's IM2COL) and loads B line n into PE column n
  // (B_COLS), so a B line is 8 consecutive bytes of an OHWI filter.

 public:
  void set_virtual(const LayerDesc* dw) { virt_ = dw; }
  static LayerDesc conv_view(const LayerDesc& l) {
    LayerDesc v = l;
    v.kind = kConv2d;
    v.depth_multiplier = 1;
    return v;
  }
  // The prepared weight blob (pack_weights): every output-channel group's
  // resident B block, in group order, each padded to whole 8-byte WRITEs and
  // to the size of a full group. 0 when the layer does not take the im2col
  // path with resident weights.
  int packed_weights_bytes() {
    if (!blob_applies()) return 0;
    const int gsize = group_size();
    const int passes = plan().passes;
    return (l_.out_c + gsize - 1) / gsize *
           (resident(passes) ? blob_group_bytes(passes, gsize) : passes * streamed_pass_bytes());
  }
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
  // carrying two weights in 32 bytes.
  bool streamed_by_rows() const { return hw_.rows < hw_.cols; }
  int streamed_pass_bytes() const {
    return ((streamed_by_rows() ? hw_.rows : group_size()) * line_pitch(hw_.cols) + 7) / 8 * 8;
  }
  // Store lines of the blob when run_im2col would load it from the weight
  // store (SEQ tiles), else 0. The blob is whole 8-byte WRITEs, so the next
  // layer's blob starts at a line W_SEEK takes (line_pitch divides 8, or 8
  // divides it).
  int store_lines() {
    if (hw_.w_lines == 0) return 0;
    const int bytes = packed_weights_bytes();
    if (bytes == 0) return 0;
    const LayerDesc v = l_.kind == kFullyConnected && l_.batches > 1 ? fc_batch_view(l_) : l_;
    Runner r(hw_, v);
    r.virt_ = virt_;
    r.mc_ = mc_;
    if (!r.schedule().seq) return 0;
    const int pitch = line_pitch(hw_.cols);
    return (bytes + pitch - 1) / pitch;
  }
  // Output channels per group: `cols` (conv; no more than B lines), or the
  // `rows` channels of one line (depthwise, a diagonal B). A conv group
  // whose weights would not all fit a B bank narrows to as many columns as
  // do: fewer columns per pass, but resident weights (SEQ tiles, the weight
  // store, B once per band) instead of a B tile sent for every pass of
  // every tile (docs/microarchitecture.md: ResNet-8, 8 x 16: 5.5 M -> 0.9 M).
  int group_size() const {
    if (l_.kind == kDepthwiseConv2d) return hw_.rows;
    const int g = min_i(hw_.cols, hw_.b_lines);
    // k_h x k_w x lines bounds the passes (plan_layout): most layers fit.
    const int64_t most = static_cast<int64_t>(l_.k_h) * l_.k_w * ((l_.in_c + hw_.rows - 1) / hw_.rows) * g;
    return most <= hw_.b_lines ? g : narrowed_group(g);
  }
  SASIM_RARE int narrowed_group(int g) const {
    const int passes = plan_layout().passes;
    if (passes * g <= hw_.b_lines || passes > hw_.b_lines) return g;
    // Whole words of columns where `cols` is (a fused readback's tiles,
    // fused_eltwise_supported); none that fit: the full group, streamed.
    const int n = hw_.cols % 4 == 0 ? hw_.b_lines / passes / 4 * 4 : hw_.b_lines / passes;
    return n >= 1 ? n : g;
  }
  // B lines of a group's weights: a line per pass and column (B stride P),
  // or for depthwise a line per pass whose lane n is column n's weight (B
  // stride 0: the CFU's diagonal, docs/command-set.md).
  int group_b_lines(int passes, int nt) const { return l_.kind == kDepthwiseConv2d ? passes : passes * nt; }
  // A group's weights stay in one B bank for all its passes (slot = pass).
  bool resident(int passes) const { return group_b_lines(passes, group_size()) <= hw_.b_lines && passes <= 256; }
  // Fully connected with batches as the pixels of one image row.
  // A depth beyond 255 lines of `rows` channels: the same bytes as a 1 x
  // (depth / rows) image of `rows` channels under a 1 x (depth / rows)
  // kernel (input NHWC, filter OHWI, output NHWC all unchanged).
  static LayerDesc fc_depth_view(const LayerDesc& l, int rows) {
    LayerDesc v = l;
    v.kind = kConv2d;
    v.in_h = v.out_h = v.out_w = v.k_h = 1;
    v.in_w = v.k_w = l.in_c / rows;
    v.in_c = rows;
    v.stride_h = v.stride_w = v.dil_h = v.dil_w = 1;
    v.pad_top = v.pad_left = 0;
    return v;
  }
  static LayerDesc fc_batch_view(const LayerDesc& l) {
    LayerDesc v = l;
    v.in_w = v.out_w = l.batches;
    v.batches = 1;
    return v;
  }
  // One group's block in the blob: whole 8-byte WRITEs.
  int blob_group_bytes(int passes, int gsize) const {
    return (group_b_lines(passes, gsize) * line_pitch(hw_.cols) + 7) / 8 * 8;
  }
  void pack_weights(int8_t* out) {
    if (!blob_applies()) return;
    const Plan pl = plan();
    const bool dw = l_.kind == kDepthwiseConv2d;
    const int gsize = group_size();
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
              if (streamed_by_rows()) {  // line r: lane n = column oc0 + n's weight r
                const int8_t* src[kMaxLanes];
                int kt = 0;
                for (int n = 0; n < nt; ++n) src[n] = b_line_src(pl, oc0 + n, tap, j, &kt);
                const int pitch = line_pitch(hw_.cols);
                for (int r = 0; r < kt; ++r)
                  for (int n = 0; n < pitch; ++n) w.put(n < nt ? src[n][r] : int8_t{0});
              } else {
                send_b_pass(&w, pl, tap, j, oc0, nt, false);
              }
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
  bool blob_applies() {
    mc_ = min_i(min_i(hw_.a_lines, hw_.c_lines), 0xffff);  // as run() sets it for WS
    // As run() views it (a named copy: the Runner keeps a reference).
    const LayerDesc v = l_.kind == kFullyConnected && l_.batches > 1 ? fc_batch_view(l_) : l_;
    Runner r(hw_, v);
    r.mc_ = mc_;
    if (!r.im2col_applies()) return false;
    // Resident groups; or streamed passes of a conv (not depthwise, whose
    // bands split by group, nor a depthwise viewed as a conv, whose weights
    // are virtual: virt_weight) whose tiles are whole WRITEs.
    const Plan pl = plan();
    return resident(pl.passes) ||
           (l_.kind != kDepthwiseConv2d && !virt_ && pl.passes > 0 && streamed_pass_bytes() % 8 == 0);
  }

 private:

  // A depthwise layer with depth multiplier > 1 run as a conv (its weights
  // zero except where input channel c feeds output channel oc: c = oc / dm);
  // only with prepared weights and folded biases (the blob carries the
  // zeros, the driver never reads l_.filter then).
  const LayerDesc* virt_;
  int8_t virt_weight(int oc, int ky, int kx, int c) const {
    const LayerDesc& d = *virt_;
    return c == oc / d.depth_multiplier ? d.filter[(ky * d.k_w + kx) * d.out_c + oc] : int8_t{0};
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

  // The layout alone (plan() without the band cap, which depends on the
  // group size, which depends on the passes).
  Plan plan_layout() const {
    Plan p;
    const int R = hw_.rows, C = l_.in_c;
    // Packing replicates each input byte KW times on the CPU; it pays when a
    // whole kernel row fits one line (one line per pixel, KW times fewer
    // passes), not otherwise (more lines per pixel than the plain layout).
    p.packed = l_.kind == kConv2d && l_.dil_w == 1 && l_.k_w > 1 && l_.k_w * C <= R;
    p.G = p.packed ? R / C : 1;
    p.lines = p.packed ? (l_.k_w + p.G - 1) / p.G : (C + R - 1) / R;
    p.xtaps = p.packed ? 1 : l_.k_w;
    // Packed: band column x holds the kernel row under output column x, so
    // the columns between strides are not sent.
    p.band_w = p.packed ? l_.out_w : l_.in_w;
    p.sw_b = p.packed ? 1 : l_.stride_w;
    p.passes = l_.k_h * p.xtaps * (l_.kind == kDepthwiseConv2d ? 1 : p.lines);
    return p;
  }
  Plan plan() const {
    Plan p = plan_layout();
    p.max_rows = band_rows_cap(p);
    return p;
  }

  // The layers the extension takes: WS conv and depthwise (multiplier 1) on
  // an array no taller than wide, whose one output row's input fits a bank.
  // The layers the extension takes: WS conv, FC (as a 1 x 1 conv) and
  // depthwise (multiplier 1; more as a conv view, see run()) on an array no
  // taller than wide, whose one output row's input fits a bank.
  bool im2col_applies() const {
    if (!ws_ || !hw_.im2col || hw_.rows > hw_.cols) return false;
    // Fully connected is a 1 x 1 conv on a 1 x 1 image per batch.
    if (l_.kind != kConv2d && l_.kind != kFullyConnected &&
        !(l_.kind == kDepthwiseConv2d && l_.depth_multiplier == 1))
      return false;
    // B_COLS reads one B line per output channel of the pass.
    if (l_.kind == kDepthwiseConv2d && hw_.b_lines < hw_.rows) return false;
    const Plan p = plan();
    if (p.lines > 255 || p.band_w > 32767 || l_.in_h > 32767 || l_.out_w > 65535 || l_.stride_w > 255 ||
        l_.stride_h > 255)
      return false;
    const int window_rows = min_i(l_.in_h, (l_.k_h - 1) * l_.dil_h + 1);
    // Depthwise reads one line of channels per group: with a band per group
    // (dw_split) one line per pixel is enough.
    const int lines_needed = l_.kind == kDepthwiseConv2d ? 1 : p.lines;
    return window_rows * p.band_w * lines_needed <= hw_.a_lines && mc_ >= 1;
  }
  // Depthwise whose all-channel band does not fit an A bank: a band per
  // group, holding only the group's line of channels.
  bool dw_split(const Plan& p) const {
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
  SASIM_RARE int split_lines(const Plan& pl) const {
    const int window_rows = min_i(l_.in_h, (l_.k_h - 1) * l_.dil_h + 1);
    // Two output rows of a band past the first (which also gets the top
    // padding rows) need window_rows + stride_h input rows.
    int n = max_i(1, min_i(pl.lines, hw_.a_lines / (window_rows * pl.band_w)));
    while (n > 1 && hw_.a_lines / (pl.band_w * n) < window_rows + l_.stride_h && l_.out_h > 1) --n;
    return n;
  }

  // The pass of tap t (packed: kernel row t) and line j of a group: the
  // first weight of column `oc`'s line (kt consecutive filter bytes) and kt.
  // Conv only.
  const int8_t* b_line_src(const Plan& pl, int oc, int t, int j, int* kt) const {
    const int R = hw_.rows, C = l_.in_c;
    if (pl.packed) {
      *kt = min_i(pl.G, l_.k_w - j * pl.G) * C;
      return l_.filter + ((oc * l_.k_h + t) * l_.k_w + j * pl.G) * C;
    }
    *kt = min_i(R, C - j * R);
    return l_.filter + (oc * l_.k_h * l_.k_w + t) * C + j * R;
  }

  // run_im2col for a Runner made for a view of the caller's layer (the
  // caller issued SET_OUTPUT and set mc_).
  int run_im2col_layer() {
    nc_ = hw_.cols;
    pending_.valid = false;
    bank_ = 0;
    return run_im2col();
  }

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
    int split_lines;  // split: lines (groups) per pixel in a band, as many as fit
    bool all;  // every group's weights resident for the whole layer
    bool from_w;  // the prepared weights are in the weight store (run_im2col)
    bool kept;    // the first band is in the shadow A bank already (LayerDesc::a_kept)
  };

  // The schedule of this layer on the extension (no CFU commands): what
  // run_im2col runs and pack_weights lays the blob out for.
  SASIM_WARM Schedule schedule() const {
    const int R = hw_.rows;
    Schedule sc;
    const Plan pl = plan();
    sc.pl = pl;
    const int lines = pl.lines;
    const bool dw = l_.kind == kDepthwiseConv2d;
    // Output-channel groups: `cols` channels (conv) or `rows` (depthwise: the
    // line of channels j = group).
    sc.gsize = group_size();
    sc.groups = (l_.out_c + sc.gsize - 1) / sc.gsize;
    // All of a group's weights in the B bank at once when they fit: column
    // n's weights for pass p in line n * P + p (P passes per group; B stride
    // P), every tile's passes load them from there (HOLD_B, slot p), and B
    // crosses the bus once per band. Otherwise each pass's B tile (stride 1).
    sc.resident = resident(pl.passes);
    // dw_split: the loops run group-major, each band holding one line per
    // pixel (the group's channels); j is then 0.
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
    const bool uniform_kt = dw || pl.packed || lines == 1 || l_.in_c % R == 0;
    sc.seq = sc.resident && uniform_kt;
    // Rows no output reads (a kernel shorter than its vertical stride, as a
    // 1 x 1 stride-2 shortcut) are not sent: a band then holds each of its
    // output rows' k_h input rows, and the walker steps k_h band rows per
    // output row (sh_b). Raw rows only, every window inside the image.
    sc.skip = !sc.split && !pl.packed && l_.k_h < l_.stride_h && l_.pad_top == 0 &&
              (l_.out_h - 1) * l_.stride_h + l_.k_h <= l_.in_h &&  // no padding row below
              (l_.k_h == 1 || l_.dil_h == 1) && raw_rows(l_.k_h);
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
    sc.all = sc.seq && !sc.split && bands && sc.groups * pl.passes <= 256 &&
             sc.groups * group_b_lines(pl.passes, sc.gsize) <= hw_.b_lines &&
             pl.passes * line_pitch(hw_.cols) % 8 == 0;  // groups' blocks in whole WRITEs
    sc.from_w = false;
    sc.kept = false;
    return sc;
  }

  // The output keep (LayerDesc::keep_out, a_kept): the layers whose run() is
  // run_im2col on this very layer (no view), one image.
  SASIM_RARE bool keep_path() const {
    if (!hw_.keep || !hw_.a_double || l_.batches != 1 || !im2col_applies()) return false;
    if (l_.kind == kFullyConnected && (l_.in_c + hw_.rows - 1) / hw_.rows > 255) return false;  // run_view's
    return !(l_.kind == kDepthwiseConv2d && l_.depth_multiplier > 1);
  }
  // One band (the shadow A bank is not needed for a next band), whole words
  // per READ NEXT (every group's Nt and the output's pitch multiples of 4).
  SASIM_RARE bool keep_out_ok() const { return keep_out_ok(schedule()); }
  SASIM_RARE bool keep_out_ok(const Schedule& sc) const {
    if (l_.fused || !keep_path()) return false;
    if (sc.split || l_.out_c % 4 != 0 || sc.gsize % 4 != 0) return false;
    if (sc.skip) return sc.skip_rows >= l_.out_h;
    int y0, y1, nr;
    band_of(sc.plb, 0, &y0, &y1, &nr);
    return nr >= l_.out_h;
  }
  // One band holding the whole input as raw rows, from the bank's byte 0:
  // exactly the bytes a producer's KEEP readback wrote there.
  SASIM_RARE bool kept_in_ok() const { return kept_in_ok(schedule()); }
  SASIM_RARE bool kept_in_ok(const Schedule& sc) const {
    if (!keep_path()) return false;
    if (sc.split || sc.skip || sc.pl.packed) return false;
    int y0, y1, nr;
    band_of(sc.plb, 0, &y0, &y1, &nr);
    return y0 == 0 && y1 == l_.in_h && nr >= l_.out_h && raw_band(0, 0, l_.in_h);
  }

  SASIM_WARM int run_im2col() {
    Schedule sc = schedule();
    if (!l_.packed_weights) sc.all = false;  // the layout is the prepared blob's
    configure_im2col(&sc);
    return run_bands(sc);
  }
  // The layer's im2col registers (IM2COL_PIXEL, W_BASE, IM2COL_SEQ) and the
  // schedule's run-time choices (the store, the keep). Again after each band
  // a paired producer ran (run_pair): the registers are the CFU's, not the
  // layer's.
  SASIM_WARM void configure_im2col(Schedule* scp) {
    Schedule& sc = *scp;
    const bool dw = l_.kind == kDepthwiseConv2d;
    const int group_passes = sc.pl.passes;
    const uint32_t b_stride = dw ? 0 : sc.all ? sc.groups * group_passes : sc.resident ? group_passes : 1;
    checked(kCfg, kCfgIm2colPixel,
            static_cast<uint32_t>(sc.plb.lines) | (static_cast<uint32_t>(l_.input_zp) & 0xff) << 8, b_stride);
    // The weight store (store_weights): the SEQ tiles load the prepared
    // blob from there, no B crosses the bus. Set (on at the blob, or off)
    // by every im2col layer: W_BASE outlives the layer that set it.
    sc.from_w = sc.seq && l_.packed_weights && l_.w_store > 0 && hw_.w_lines > 0;
    sc.kept = l_.a_kept && kept_in_ok(sc);
    keep_ = l_.keep_out && keep_out_ok(sc);
    keep_only_ = keep_ && l_.keep_out == 2;
    if (hw_.w_lines > 0)
      checked(kCfg, kCfgWBase, sc.from_w ? static_cast<uint32_t>(l_.w_store - 1) : 0u, sc.from_w ? 1u : 0u);
    if (sc.seq)
      checked(kCfg, kCfgIm2colSeq,
              static_cast<uint32_t>(l_.k_h) | static_cast<uint32_t>(sc.pl.xtaps) << 8 |
                  static_cast<uint32_t>(dw ? 1 : sc.pl.lines) << 16,
              (static_cast<uint32_t>(l_.dil_h) & 0xffff) | static_cast<uint32_t>(sc.pl.packed ? 0 : l_.dil_w) << 16);
    if (pair_) {  // a paired producer: its output only into the A bank (run_pair)
      keep_ = keep_only_ = true;
    }
  }

  // A band as begin_band set it up: input rows [y0, y1) for output rows
  // [oy, oy + nr) (skip: each output row's k_h rows, y0 the band coordinate
  // of oy's first); a_next: the next band of the image streams as raw rows
  // [ny0, ny1) in the background.
  struct Band {
    int y0, y1, nr, ny0, ny1;
    bool a_next;
  };
  // Sends the band of output rows from oy of image n (the rest of it when
  // it was prefetched into *bga) and its GEOM. Once per band, in the hot
  // section beside the loops that call it (a layer of many small bands,
  // MobileNetV2's, calls it nearly as often as a tile: in the per-layer
  // section it shared I$ sets with run_bands).
  SASIM_HOT void begin_band(const Schedule& sc, int go, int n, int oy, Segments* bga, Band* bd) {
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
  // run_pair's consumer: its band rows [y0, y1) from the producer, which
  // runs them after this layer's last tile is read (its STARTs take both C
  // banks and swap A); then this layer's registers go back.
  SASIM_RARE void feed(const Schedule& sc, int y0, int y1) {
    finish_pending();
    const int rc = feed_->produce_rows(y0, y1);
    if (rc != kOk) status_ = rc;
    set_output();
    Schedule again = sc;
    configure_im2col(&again);
  }
  // Whether the band of output rows [oy, oy + nr) of image n prefetches the
  // next band of the image (its rows stream as raw words in the background,
  // run_bands), and that band's input rows [*ny0, *ny1) (not skip).
  bool prefetches_next(const Schedule& sc, int n, int oy, int nr, int* ny0, int* ny1) const {
    int nnr = 0;
    return !sc.split && sc.seq && hw_.a_double && oy + nr < l_.out_h && row_hi_ == 0 && !feed_ &&
           (sc.skip || (band_of(sc.plb, oy + nr, ny0, ny1, &nnr), raw_band(n, *ny0, *ny1 - *ny0)));
  }

  // The band, group and tile loops of an im2col layer.
  SASIM_HOT int run_bands(const Schedule& sc) {
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
    for (int go = 0; go < (split ? (groups + split_lines - 1) / split_lines : 1); ++go)
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
        for (int gi = split ? go * split_lines : 0; gi < (split ? min_i(groups, (go + 1) * split_lines) : groups);
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
                           ((dw ? group_passes : group_passes * nt) * line_bytes + 7) / 8 * 2);
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
            bgb_left = ((dw ? group_passes : group_passes * next_nt) * line_bytes + 7) / 8 * 2;
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
              const int j0 = !dw ? 0 : split ? gi - go * split_lines : gi;
              const int kt = dw ? nt : pl.packed ? min_i(pl.G, l_.k_w) * l_.in_c : min_i(R, l_.in_c);
              const bool hold = sc.all ? b_loaded : !first_of_group;
              const uint32_t flags = kFlagClear | (bank_ ? kFlagCBank : 0) | (keep_a ? kFlagKeepA : 0) | kFlagIm2col |
                                     kFlagBCols | (hold ? kFlagHoldB : 0) | kFlagSeq;
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
            if (!run_passes(sc, pt)) return kErrCfuRejected;
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
  struct PassTile {
    int y0, oyt, oxt, mt, nt, oc0, gi;
    bool keep_a, first_of_group;
  };
  SASIM_RARE bool run_passes(const Schedule& sc, const PassTile& t) {
    const Plan& pl = sc.pl;
    const int R = hw_.rows, y0 = t.y0, oyt = t.oyt, oxt = t.oxt, mt = t.mt, nt = t.nt, oc0 = t.oc0, gi = t.gi;
    const int lines = pl.lines, group_passes = pl.passes;
    const bool dw = l_.kind == kDepthwiseConv2d, split = sc.split, resident = sc.resident;
    bool keep_a = t.keep_a, first_of_group = t.first_of_group;
    // A prepared streamed tile: its offset in the blob (streamed_pass_bytes,
    // from the schedule's group size) and its words.
    const bool by_rows = !resident && !dw && l_.packed_weights && streamed_by_rows();
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
        const int j_lo = !dw ? 0 : split ? gi % sc.split_lines : gi, j_hi = dw ? j_lo + 1 : lines;
        for (int j = j_lo; j < j_hi; ++j, ++pass) {
          const int kt = dw ? nt : pl.packed ? min_i(pl.G, l_.k_w - j * pl.G) * l_.in_c : min_i(R, l_.in_c - j * R);
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
  bool raw_rows(int k_rows) const {
    const int R = hw_.rows, C = l_.in_c;
    return line_pitch(R) == R && C % R == 0 && (k_rows * l_.in_w * C) % 8 == 0 &&
           (reinterpret_cast<uintptr_t>(l_.input) & 3) == 0;
  }
  // The rows a skip band of output rows [oy, oy + nr) of image n reads.
  SASIM_RARE Segments skip_segments(int n, int oy, int nr) const {
    const int row_words = l_.in_w * l_.in_c / 4;
    const int seg = l_.k_h * row_words;
    const Segments s = {static_cast<const uint32_t*>(__builtin_assume_aligned(
                            l_.input + (n * l_.in_h + oy * l_.stride_h) * l_.in_w * l_.in_c, 4)),
                        seg, seg, l_.stride_h * row_words - seg, nr * seg};
    return s;
  }
  // Up to k (even) more words of s to WRITE_A.
  SASIM_HOT static void put_segments_a(Segments* s, int k) {
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
  SASIM_HOT void band_of(const Plan& pl, int oy, int* y0p, int* y1p, int* nrp) const {
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
  // The input rows [y0, y1) under output rows [oy, oy + nr) (clipped to the
  // image, at least one).
  void rows_under(int oy, int nr, int* y0p, int* y1p) const {
    const int keff = (l_.k_h - 1) * l_.dil_h + 1;
    const int y0 = min_i(l_.in_h - 1, max_i(0, oy * l_.stride_h - l_.pad_top));
    *y0p = y0;
    *y1p = max_i(y0 + 1, min_i(l_.in_h, (oy + nr - 1) * l_.stride_h - l_.pad_top + keff));
  }
  // A paired layer's band from oy (begin_band): the producer's output rows
  // [oy, row_hi_), or a reversed consumer's rev_nr_ rows. Out of line.
  SASIM_RARE void pair_band(int oy, int* y0, int* y1, int* nr) const {
    *nr = reverse_ ? rev_nr_ : row_hi_ - oy;
    rows_under(oy, *nr, y0, y1);
  }
  // band_of from the other end: the output rows of the band that ends at
  // row oy_end (exclusive), as many as fit an A bank (at least one).
  // A reversed consumer's next band (run_bands): the one ending at
  // *oy_end; its first row (also the next band's end) and rev_nr_ rows.
  SASIM_RARE int next_reverse_band(const Schedule& sc, int* oy_end) {
    rev_nr_ = band_ending(sc.plb, *oy_end);
    *oy_end -= rev_nr_;
    return *oy_end;
  }
  // Out of line: only a paired consumer's calls it.
  SASIM_RARE int band_ending(const Plan& pl, int oy_end) const {
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

  // Output rows per band at most, so that the board's L2 (LiteX's: 8 KiB,
  // 16-byte lines, write-allocate, write-back; docs/memory-model.md) still
  // holds a pixel's output line when the next group writes its part of it:
  // the groups write a band's pixels one group after the other, and each
  // group touches about one L2 line per pixel (its `cols` bytes), so a band
  // of at most kBandPixels pixels keeps that traffic within half the L2.
  // Otherwise a line is written back dirty after one group and fetched
  // again for the next (ResNet-8's first conv: its whole 32 x 32 x 16
  // output was one band, 1,560 dirty misses for 1,024 lines). A layer of one
  // group, or a band split by group (dw_split), writes each line once
  // anyway. Only where every group's weights stay in B for the whole layer
  // (Schedule::all): otherwise each band sends them again, which costs more
  // than the misses it saves (ResNet-8's 16 x 16 x 32 convs: +27 k cycles).
  static const int kBandPixels = 256;
  int band_rows_cap(const Plan& pl) const {
    const int gsize = group_size(), groups = (l_.out_c + gsize - 1) / gsize;
    if (groups <= 1 || l_.kind == kDepthwiseConv2d) return 1 << 30;
    const bool uniform_kt = pl.packed || pl.lines == 1 || l_.in_c % hw_.rows == 0;
    if (!resident(pl.passes) || !uniform_kt || groups * pl.passes > 256 ||
        groups * group_b_lines(pl.passes, gsize) > hw_.b_lines || pl.passes * line_pitch(hw_.cols) % 8 != 0)
      return 1 << 30;
    return max_i(1, kBandPixels / l_.out_w);
  }

  // send_band() streams these rows as raw words.
  bool raw_band(int n, int y0, int h) const {
    const int R = hw_.rows, C = l_.in_c;
    const int8_t* src = l_.input + (n * l_.in_h + y0) * l_.in_w * C;
    return line_pitch(R) == R && C % R == 0 && (h * l_.in_w * C) % 8 == 0 &&
           (reinterpret_cast<uintptr_t>(src) & 3) == 0;
  }

  // Packed band (Plan::packed): input rows [y0, y0 + h) of image n, band
  // column x holding, in line j, taps j*G .. j*G + G - 1 of input columns
  // x * stride_w - pad_left + j*G + g (the zero point outside the image), C channels
  // each; unused lanes 0.
  SASIM_NOINLINE void send_band_packed(const Plan& pl, int n, int y0, int h) {
    send_band_lines(n, y0, h, pl.band_w, l_.stride_w, l_.pad_left, l_.k_w, pl.G, pl.lines);
  }

  // Band rows [y0, y0 + h) of image n as `lines` lines per band column x:
  // line j holds taps j*G .. j*G + G - 1 (< kw) of input columns
  // x * sx - pad_left + j*G + g, C channels each, the zero point outside the
  // image, zeros in the unused lanes. (kw = G = lines = 1, pad_left = 0: a
  // pixel's C < rows channels as one line.)
  SASIM_NOINLINE void send_band_lines(int n, int y0, int h, int band_w, int sx, int pad_left, int kw, int G,
                                      int lines) {
    struct Plan pl;
    pl.band_w = band_w;
    pl.G = G;
    pl.lines = lines;
    const int C = l_.in_c, W = l_.in_w, pitch = line_pitch(hw_.rows);
    const int8_t zp = static_cast<int8_t>(l_.input_zp);
    // Each row once into a buffer with its padding columns, so that line j
    // of band column x is the kt(j) bytes at (x * sx + j*G) * C.
    const int span = (pl.band_w - 1) * sx + kw;  // padded columns a row's lines read
    uint32_t prow[kMaxPackedRow / 4 + 4];
    WriterA w;
    // The word form takes lines of 8, 16 or 32 bytes (up to 32 rows); the
    // shifts read up to a line's pitch and a word past its offset.
    if ((pitch != 8 && pitch != 16 && pitch != 32) || span * C + pitch + 12 > kMaxPackedRow ||
        pl.lines > 8) {  // the general, slower form
      for (int y = y0; y < y0 + h; ++y) {
        const int8_t* row = l_.input + (n * l_.in_h + y) * W * C;
        for (int x = 0; x < pl.band_w; ++x)
          for (int j = 0; j < pl.lines; ++j) {
            int lane = 0;
            for (int g = 0; g < pl.G && j * pl.G + g < kw; ++g) {
              const int ix = x * sx - pad_left + j * pl.G + g;
              const bool inside = static_cast<unsigned>(ix) < static_cast<unsigned>(W);
              for (int c = 0; c < C; ++c, ++lane) w.put(inside ? row[ix * C + c] : zp);
            }
            for (; lane < pitch; ++lane) w.put(0);
          }
      }
      w.flush();
      return;
    }
    if (pitch == 8 && pl.lines == 1 && kw * C <= 4 && span * C <= 64) {
      // A kernel row in at most 4 bytes (one channel, as audio input): each
      // padded row into a byte buffer, each line four byte loads from it.
      uint8_t pr[64 + 4];
      const uint32_t mask = kw * C >= 4 ? 0xffffffffu : (1u << (8 * kw * C)) - 1u;
      const int step = sx * C;
      // Byte ranges of a padded row: [0, lo) and [hi, end) the zero point,
      // [lo, hi) the image row's first hi - lo bytes (lo = pad_left * C
      // whenever hi > lo).
      const int end = span * C, lo = min_i(pad_left, span) * C, hi = max_i(lo, min_i(span, pad_left + W) * C);
      for (int i = 0; i < lo; ++i) pr[i] = static_cast<uint8_t>(zp);
      for (int i = hi; i < end; ++i) pr[i] = static_cast<uint8_t>(zp);
      for (int y = y0; y < y0 + h; ++y) {
        const uint8_t* row = reinterpret_cast<const uint8_t*>(l_.input + (n * l_.in_h + y) * W * C);
        // (The empty asm keeps GCC from making this a memcpy call: picolibc's
        // copies byte by byte with a call's overhead on top.)
        for (int k = 0; k < hi - lo; ++k) {
          pr[lo + k] = row[k];
          __asm__ volatile("" : : "r"(k));
        }
        const uint8_t* q = pr;
        for (int x = 0; x < pl.band_w; ++x, q += step) {
          const uint32_t v = static_cast<uint32_t>(q[0]) | static_cast<uint32_t>(q[1]) << 8 |
                             static_cast<uint32_t>(q[2]) << 16 | static_cast<uint32_t>(q[3]) << 24;
          sasim_cfu_op(kWriteA, 0, v & mask, 0);
        }
      }
      return;
    }
    // Line j of column x is the kt(j) bytes at offset (x * sx + j*G) * C of
    // the padded row: two words from three aligned ones by funnel shifts,
    // then masked to kt(j) bytes.
    uint32_t mask0[8], mask1[8];
    int off_j[8];
    for (int j = 0; j < pl.lines; ++j) {
      const int kt = min_i(pl.G, kw - j * pl.G) * C;
      mask0[j] = kt >= 4 ? 0xffffffffu : (1u << (8 * kt)) - 1u;
      mask1[j] = kt >= 8 ? 0xffffffffu : kt <= 4 ? 0u : (1u << (8 * (kt - 4))) - 1u;
      off_j[j] = j * pl.G * C;
    }
    const uint32_t zp4 = (static_cast<uint32_t>(l_.input_zp) & 0xff) * 0x01010101u;
    const int lo = pad_left < span ? pad_left : span;              // padding columns on the left
    const int body = min_i(W, span - lo);                                 // image columns in the span
    // The row body starts at a word boundary (when the row does), so that
    // the copy is by words; the lines' offsets shift by `base`.
    const int body_at = (lo * C + 3) & ~3, base = body_at - lo * C;
    for (int y = y0; y < y0 + h; ++y) {
      const int8_t* row = l_.input + (n * l_.in_h + y) * W * C;
      uint32_t* pw = prow;
      for (int i = 0; i < (base + span * C + pitch + 3) / 4; ++i) pw[i] = zp4;  // padding (and the tail the shifts read)
      if ((reinterpret_cast<uintptr_t>(row) & 3) == 0) {  // by words (the last one may carry the next
        const uint32_t* src = static_cast<const uint32_t*>(__builtin_assume_aligned(row, 4));  // row's bytes:
        uint32_t* dst = prow + body_at / 4;                                                    // fixed below)
        // (The empty asm keeps GCC from turning the loop into a memcpy call,
        // which picolibc's rv32 memcpy does byte by byte at this alignment.)
        for (int i = 0; i < (body * C + 3) / 4; ++i) {
          dst[i] = src[i];
          __asm__ volatile("" : : "r"(i));
        }
        uint8_t* tail = reinterpret_cast<uint8_t*>(prow) + body_at + body * C;
        for (int i = 0; i < 3; ++i) tail[i] = static_cast<uint8_t>(l_.input_zp);
      } else {
        __builtin_memcpy(reinterpret_cast<uint8_t*>(prow) + body_at, row, static_cast<size_t>(body * C));
      }
      if (pitch == 8) {
        for (int x = 0; x < pl.band_w; ++x)
          for (int j = 0; j < pl.lines; ++j) {
            uint32_t w0, w1;
            bytes8_at(prow, base + x * sx * C + off_j[j], &w0, &w1);
            w.put8(w0 & mask0[j], w1 & mask1[j]);
          }
      } else {
        send_wide_lines(&w, prow, base, sx * C, pitch, pl.band_w, pl.lines, off_j, kw, pl.G, C);
      }
    }
  }
  // The eight bytes at byte offset `off` of the padded row words `prow`, as
  // two words (three aligned loads and funnel shifts when off is not
  // word-aligned; the row has a word of slack past its end).
  static inline __attribute__((always_inline)) void bytes8_at(const uint32_t* prow, int off, uint32_t* w0p,
                                                              uint32_t* w1p) {
    const uint32_t* q = prow + (off >> 2);
    const int r = (off & 3) * 8;
    uint32_t w0 = q[0], w1 = q[1];
    if (r) {
      w0 = (w0 >> r) | (w1 << (32 - r));
      w1 = (w1 >> r) | (q[2] << (32 - r));
    }
    *w0p = w0;
    *w1p = w1;
  }
  // A band row's lines of 16 or 32 bytes (send_band_lines' word form past 8
  // rows): line j of column x is the kt(j) bytes at offset base + x * step +
  // off_j[j] of the padded row, then zeros to the pitch; each 8-byte piece
  // of it two words by funnel shifts, masked to the bytes of kt(j) it holds
  // (a piece past them is zeros, no load). Before this, every byte of such a
  // line went through Writer::put: ResNet-8 on 32 x 32, 3.0 M cycles.
  static inline __attribute__((always_inline)) void send_wide_lines(WriterA* w, const uint32_t* prow, int base,
                                                                    int step, int pitch, int band_w, int lines,
                                                                    const int* off_j, int kw, int G, int C) {
    uint32_t m0[8][4], m1[8][4];
    const int pieces = pitch / 8;
    for (int j = 0; j < lines; ++j) {
      const int kt = min_i(G, kw - j * G) * C;
      for (int c = 0; c < pieces; ++c) {
        const int rem = kt - 8 * c;
        m0[j][c] = rem >= 4 ? 0xffffffffu : rem <= 0 ? 0u : (1u << (8 * rem)) - 1u;
        m1[j][c] = rem >= 8 ? 0xffffffffu : rem <= 4 ? 0u : (1u << (8 * (rem - 4))) - 1u;
      }
    }
    for (int x = 0; x < band_w; ++x)
      for (int j = 0; j < lines; ++j)
        for (int c = 0; c < pieces; ++c) {
          if (m0[j][c] == 0) {
            w->put8(0, 0);
            continue;
          }
          uint32_t w0, w1;
          bytes8_at(prow, base + x * step + off_j[j] + 8 * c, &w0, &w1);
          w->put8(w0 & m0[j][c], w1 & m1[j][c]);
        }
  }

  // One pass's B tile by columns (B stride 1): line n = column oc0 + n;
  // depthwise: the pass's one diagonal line (B stride 0).
  template <class W>
  void send_b_pass(W* w, const Plan& pl, int tap, int j, int oc0, int nt, bool dw) {
    const int pitch = line_pitch(hw_.cols);
    if (dw) {  // one line: lane n is column n's weight (the diagonal)
      const int8_t* f = l_.filter + tap * l_.out_c + oc0;
      for (int lane = 0; lane < pitch; ++lane) w->put(lane < nt ? f[lane] : int8_t{0});
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
  // Depthwise (dw_line >= 0: the group's line of channels): line t (tap t)
  // holds channel n's weight in lane n (B stride 0: the CFU's diagonal). With `sums`, sums[n] = the sum of column n's weights
  // (conv); returns whether it filled them.
  SASIM_RARE bool send_group_b(const Plan& pl, int oc0, int nt, int dw_line, int32_t* sums) {
    WriterB w;
    return write_group_b(&w, pl, oc0, nt, dw_line, sums);
  }
  template <class W>
  bool write_group_b(W* wp, const Plan& pl, int oc0, int nt, int dw_line, int32_t* sums) {
    W& w = *wp;
    const int R = hw_.rows, C = l_.in_c, pitch = line_pitch(hw_.cols), taps = l_.k_h * l_.k_w;
    const int K = taps * C;
    bool summed = false;
    if (dw_line >= 0) {
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
  SASIM_RARE static void wide_group_b(W* w, const uint32_t* p, int words, int pitch, int32_t* sums, int per_column) {
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

  // dw_split: input rows [y0, y0 + h) of image n, of each pixel only the
  // `lines` lines of `rows` channels from channel c0 (the rest zero); was:
  // `rows` channels from c0 (one line; two word loads when aligned).
  SASIM_RARE void send_group_band(int n, int y0, int h, int c0, int lines) {
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

  // Input rows [y0, y0 + h) of image n into the A shadow bank, `lines` lines
  // of `rows` channels per pixel (the rest of a line zero). Raw NHWC bytes
  // are already that layout when a line is exactly `rows` channels wide and
  // C is a multiple of it: then they stream as aligned words.
  // `npx` pixels of C <= 4 channels from `src` (4-byte aligned) as one
  // 8-byte line each: the C bytes in lanes 0 .. C-1, zeros above. Four
  // pixels (C words) per iteration, by word loads and shifts (the layers on
  // camera or audio input: C = 1, 3).
  SASIM_NOINLINE void send_pixels_small_c(const int8_t* src, int npx, int C) {
    const uint32_t* p = static_cast<const uint32_t*>(__builtin_assume_aligned(src, 4));
    int i = 0;
    if (C == 3) {
      for (; i + 4 <= npx; i += 4) {
        uint32_t a, b, c;
        SASIM_LOAD_WORDS_3(p, a, b, c);
        sasim_cfu_op(kWriteA, 0, a & 0xffffffu, 0);
        sasim_cfu_op(kWriteA, 0, ((a >> 24) | (b << 8)) & 0xffffffu, 0);
        sasim_cfu_op(kWriteA, 0, ((b >> 16) | (c << 16)) & 0xffffffu, 0);
        sasim_cfu_op(kWriteA, 0, c >> 8, 0);
        SASIM_LOAD_STEP(p, 3);
      }
    } else if (C == 1) {
      for (; i + 4 <= npx; i += 4) {
        uint32_t a;
        SASIM_LOAD_WORDS_1(p, a);
        sasim_cfu_op(kWriteA, 0, a & 0xffu, 0);
        sasim_cfu_op(kWriteA, 0, (a >> 8) & 0xffu, 0);
        sasim_cfu_op(kWriteA, 0, (a >> 16) & 0xffu, 0);
        sasim_cfu_op(kWriteA, 0, a >> 24, 0);
        SASIM_LOAD_STEP(p, 1);
      }
    } else if (C == 2) {
      for (; i + 4 <= npx; i += 4) {
        uint32_t a, b;
        SASIM_LOAD_WORDS_2(p, a, b);
        sasim_cfu_op(kWriteA, 0, a & 0xffffu, 0);
        sasim_cfu_op(kWriteA, 0, a >> 16, 0);
        sasim_cfu_op(kWriteA, 0, b & 0xffffu, 0);
        sasim_cfu_op(kWriteA, 0, b >> 16, 0);
        SASIM_LOAD_STEP(p, 2);
      }
    } else {
      for (; i < npx; ++i) sasim_cfu_op(kWriteA, 0, p[i], 0);
    }
    for (; i < npx; ++i) {  // the last (up to 3) pixels
      uint32_t v = 0;
      for (int c = 0; c < C; ++c) v |= static_cast<uint32_t>(static_cast<uint8_t>(src[i * C + c])) << (8 * c);
      sasim_cfu_op(kWriteA, 0, v, 0);
    }
  }

  SASIM_NOINLINE void send_band(int n, int y0, int h, int lines) {
    const int R = hw_.rows, C = l_.in_c, pitch = line_pitch(R);
    const int8_t* src = l_.input + (n * l_.in_h + y0) * l_.in_w * C;
    const int bytes = h * l_.in_w * C;
    WriterA w;
    if (pitch == R && C % R == 0 && bytes % 8 == 0 && (reinterpret_cast<uintptr_t>(src) & 3) == 0) {
      const uint32_t* p = static_cast<const uint32_t*>(__builtin_assume_aligned(src, 4));
      w.put_words(p, bytes / 4);
    } else if (C < R && lines == 1) {  // a pixel's channels padded to a line
      if (pitch == 8 && C <= 4 && (reinterpret_cast<uintptr_t>(src) & 3) == 0)
        send_pixels_small_c(src, h * l_.in_w, C);
      else
        send_band_lines(n, y0, h, l_.in_w, 1, 0, 1, 1, 1);
      return;
    } else {
      for (int px = 0; px < h * l_.in_w; ++px)
        for (int j = 0; j < lines; ++j)
          for (int lane = 0; lane < pitch; ++lane) {
            const int c = j * R + lane;
            w.put(lane < R && c < C ? src[px * C + c] : int8_t{0});
          }
    }
    w.flush();
  }

  SASIM_HOT void write_params(const Gemm& g, int n0, int nt, const int32_t* sums = 0) {
    if (!sums && l_.folded_bias) {
      // Prepared biases: straight from the arrays (a group's channels are
      // consecutive). Columns j < nt <= cols are never rejected, so the
      // responses are not examined and the commands go back to back.
      const int oc0 = g.out_channel(n0);
      const int32_t* fb = l_.folded_bias + oc0;
      if (l_.per_tensor) {
        sasim_cfu_op(kParam, 3, static_cast<uint32_t>(l_.multiplier[0]), (static_cast<uint32_t>(l_.shift[0]) & 0xff) << 8);
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
  SASIM_RARE void write_params_folding(const Gemm& g, int n0, int nt, const int32_t* sums) {
    for (int j = 0; j < nt; ++j) {
      const int oc = g.out_channel(n0 + j);
      const int32_t fb = sums ? g.fold(n0 + j, sums[j]) : g.folded_bias(n0 + j);
      checked(kParam, 0, static_cast<uint32_t>(j), static_cast<uint32_t>(fb));
      checked(kParam, 1, static_cast<uint32_t>(mult(oc)),
                   static_cast<uint32_t>(j) | (static_cast<uint32_t>(shift(oc)) & 0xff) << 8);
    }
  }

  // A tile in buffer order: WS lines are rows m (lanes k), OS lines are taps k
  // (lanes m). Lanes beyond the tile are zero.
  SASIM_NOINLINE void send_a(const Gemm& g, int m0, int mt, int k0, int kt) {
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
  void send_conv_a(const Gemm& g, WriterA* w, int m0, int mt, int k0, int kt, int pitch) {
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
  void stream_tap_words(WriterA* w, int m0, int mt, int dy, int dx, int c0) {
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
  void first_pixels(PixelCursor* px, int first, int n) const {
    if (n <= 0) return;
    px[0] = PixelCursor(l_, first);
    for (int i = 1; i < n; ++i) {
      px[i] = px[i - 1];
      px[i].next(l_);
    }
  }

  // The kernel window of pixel p lies inside the image (no padding).
  bool interior(const PixelCursor& p) const {
    return p.iy0 >= 0 && p.ix0 >= 0 && p.iy0 + (l_.k_h - 1) * l_.dil_h < l_.in_h &&
           p.ix0 + (l_.k_w - 1) * l_.dil_w < l_.in_w;
  }

  // One buffer line: `lanes` bytes, zeros up to the line pitch.
  static void put_line(WriterA* w, const uint8_t* b, int lanes, int pitch) {
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

  SASIM_NOINLINE void send_b(const Gemm& g, int k0, int kt, int n0, int nt) {
    WriterB w;
    const int pitch = line_pitch(hw_.cols);
    for (int k = 0; k < kt; ++k)
      for (int lane = 0; lane < pitch; ++lane) w.put(lane < nt ? g.b(k0 + k, n0 + lane) : int8_t{0});
    w.flush();
  }

  // A tile whose passes are all started: pending (read while the next one
  // computes, from the other C bank), or read now when C is single-buffered.
  void close_tile(const Gemm& g, int m0, int mt, int n0, int nt) {
    Tile tile = {true, bank_, m0, mt, n0, nt};
    if (hw_.c_double) {
      set_pending(g, tile);
      bank_ ^= 1;
    } else {
      readback(g, tile);
    }
  }

  // The tile whose C bank is read back next, and its next line.
  // Its SEEK goes out at once: the prefetching post-processor (docs/
  // command-set.md) then computes the tile's first words as soon as its
  // passes end, while the driver starts the next tile, instead of after the
  // first READ NEXT asks. (Nothing that flushes the prefetch comes between:
  // a parameter write for another group comes after the tile is read.)
  void set_pending(const Gemm& g, const Tile& t) {
    pending_ = t;
    pending_gemm_ = &g;
    pend_next_ = 0;
    sasim_cfu_fence();  // the stores above must not hold execute at the SEEK (facts.md F19)
    checked(kRead, 1, static_cast<uint32_t>(t.bank), 0);
    if (keep_) keep_tile(g, t);
  }
  // `words` READ NEXTs whose answers go nowhere (LayerDesc::keep_out 2: the
  // output only into the A bank). Four a step on the board, no loads or
  // stores in the loop.
  SASIM_FUSED static void read_discard(int words) {
#if defined(__riscv)
    for (; words >= 4; words -= 4)
      __asm__ volatile(
          ".insn r 0x0B, 5, 0, zero, zero, zero\n\t"  // READ NEXT (cfu_isa.h kRead, f7 0)
          ".insn r 0x0B, 5, 0, zero, zero, zero\n\t"
          ".insn r 0x0B, 5, 0, zero, zero, zero\n\t"
          ".insn r 0x0B, 5, 0, zero, zero, zero\n\t" ::: "memory");
#endif
    for (; words > 0; --words) sasim_cfu_op(kRead, 0, 0, 0);
  }
  // KEEP: the tile's lines go where their outputs lie in the output tensor
  // (read_lines' offsets), now in the shadow A bank.
  SASIM_FUSED void keep_tile(const Gemm& g, const Tile& t) {
    const int stride = g.depthwise() ? l_.out_c : g.N;
    const int col0 = g.depthwise() ? g.out_channel(0) + t.n0 : t.n0;
    checked(kRead, kReadKeep, static_cast<uint32_t>((t.m0 - row_lo_ * l_.out_w) * stride + col0),
            static_cast<uint32_t>(stride));
  }
  // Reads up to `n` more lines of the pending tile (its SEEK went out with set_pending).
  SASIM_HOT void read_pending(int n) {
    if (!pending_.valid || n <= 0) return;
    const int end = min_i(pending_.mt, pend_next_ + n);
    read_lines(*pending_gemm_, pending_, pend_next_, end);
    pend_next_ = end;
    if (pend_next_ == pending_.mt) pending_.valid = false;
  }
  void finish_pending() { read_pending(pending_.mt); }

  SASIM_NOINLINE void readback(const Gemm& g, const Tile& t) {
    checked(kRead, 1, static_cast<uint32_t>(t.bank), 0);
    if (keep_) keep_tile(g, t);
    read_lines(g, t, 0, t.mt);
  }

  // Lines [m_lo, m_hi) of tile t at the read pointer, READ NEXT by READ NEXT.
  // Ends with the fence: its stores must not stall a following CFU
  // instruction (facts.md F19).
  SASIM_HOT void read_lines(const Gemm& g, const Tile& t, int m_lo, int m_hi) {
    const int stride = g.depthwise() ? l_.out_c : g.N;
    const int col0 = g.depthwise() ? g.out_channel(0) + t.n0 : t.n0;
    if (l_.fused) {
      read_fused(t, stride, col0, m_lo, m_hi);
      sasim_cfu_fence();
      return;
    }
    if (keep_only_) {  // the words only into the A bank (KEEP): no store
      read_discard((m_hi - m_lo) * ((t.nt + 3) / 4));
      return;
    }
    if (hw_.store_cycles > 0 && hw_.store_cycles <= 3 && m_hi > m_lo && t.nt % 4 == 0 && stride % 4 == 0 &&
        col0 % 4 == 0 && (reinterpret_cast<uintptr_t>(l_.output) & 3) == 0)
      read_words_pipelined(reinterpret_cast<uint32_t*>(l_.output + (t.m0 + m_lo) * stride + col0), stride / 4, t.nt / 4,
                           m_hi - m_lo);
    else
      read_lines_unfenced(g, t, m_lo, m_hi);
    sasim_cfu_fence();
  }
  // The fused elementwise readback (LayerDesc::fused, READ_EW): lines
  // [m_lo, m_hi) of tile t, each word READ_EW with the operand's word at the
  // same offset; the answer is the result of the word kEwLag commands
  // earlier, stored at that word's place (a cursor kEwLag words behind).
  // The tile's first kEwLag answers are the unit's previous contents
  // (dropped); after its last line kEwLag EW_OPs drain the rest, so no
  // result crosses into the next tile. fused_eltwise_supported guarantees
  // whole aligned words (anything else sets kErrNotFusable).
  SASIM_FUSED void read_fused(const Tile& t, int stride, int col0, int m_lo, int m_hi) {
    if (t.nt % 4 != 0 || stride % 4 != 0 || col0 % 4 != 0) {
      status_ = kErrNotFusable;
      return;
    }
    const int w = t.nt / 4, step = stride / 4;
    const int off = (t.m0 * stride + col0) / 4;
    const uint32_t* res = static_cast<const uint32_t*>(__builtin_assume_aligned(l_.fused->b, 4)) + off;
    if (m_lo == 0) {
      fz_.k = 0;
      fz_.j = 0;
      fz_.p = reinterpret_cast<uint32_t*>(__builtin_assume_aligned(l_.output, 4)) + off;
      fz_.w = w;
      fz_.step = step;
    }
    int m = m_lo;
#if defined(__riscv)
    // Two words per line (the default array width) once the lag is steady:
    // line m's READ_EWs answer for words (m - 6, 1) and (m - 5, 0), so each
    // line is two loads, two READ_EWs, two stores at two trailing pointers.
    // Each READ_EW right behind the load it takes its operand from: the
    // 2021 core sends a CFU instruction that depends on a missing load once
    // (facts.md F20).
    if (w == 2) {
      for (; m < m_hi && m < 6; ++m) fused_line(res + m * step, 2);
      if (m < m_hi) {
        const int bytes = 4 * step;
        const uint32_t* rp = res + m * step;
        const uint32_t* const end = res + m_hi * step;
        uint32_t* p6 = fz_.p;  // line m - 6 (its word 1 next)
        uint32_t* p5 = fz_.p + step;
        uint32_t v0, v1;
        __asm__ volatile(
            "1:\n\t"
            "lw %0, 0(%2)\n\t"
            ".insn r 0x0B, 5, 3, %0, %0, zero\n\t"  // READ_EW (cfu_isa.h kRead, kReadEw)
            "lw %1, 4(%2)\n\t"
            ".insn r 0x0B, 5, 3, %1, %1, zero\n\t"
            "sw %0, 4(%3)\n\t"
            "sw %1, 0(%4)\n\t"
            "add %2, %2, %5\n\t"
            "add %3, %3, %5\n\t"
            "add %4, %4, %5\n\t"
            "bne %2, %6, 1b\n\t"
            : "=&r"(v0), "=&r"(v1), "+r"(rp), "+r"(p6), "+r"(p5)
            : "r"(bytes), "r"(end)
            : "memory");
        fz_.p = p6;
        fz_.k += 2 * (m_hi - m);
        m = m_hi;
      }
    }
#endif
    for (; m < m_hi; ++m) fused_line(res + m * step, w);
    if (m_hi == t.mt) {  // drain: the last min(k, kEwLag) results
      const int first = kEwLag - min_i(fz_.k, kEwLag);
      for (int i = 0; i < kEwLag; ++i) {
        sasim_cfu_fence();  // behind the previous result's store (F19 on the 2021 core)
        const uint32_t r = sasim_cfu_op(kCfg, kCfgEwOp, 0, 0);
        if (i >= first) fz_.put(r);
      }
    }
  }
  // One line of the fused readback, word by word.
  SASIM_FUSED void fused_line(const uint32_t* x, int w) {
    for (int j = 0; j < w; ++j) {
      const uint32_t xj = x[j];
      sasim_cfu_fence();  // behind the previous word's store (F19 on the 2021 core)
      const uint32_t r = sasim_cfu_op(kRead, kReadEw, xj, 0);
      if (fz_.k++ >= kEwLag) fz_.put(r);
    }
  }
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

  SASIM_RARE void read_lines_unfenced(const Gemm& g, const Tile& t, int m_lo, int m_hi) {
    // Four int8 per READ go to memory as one word when they are four
    // consecutive, aligned output bytes.
    const int stride = g.depthwise() ? l_.out_c : g.N;
    const int col0 = g.depthwise() ? g.out_channel(0) + t.n0 : t.n0;
    if (t.nt % 4 == 0 && stride % 4 == 0 && col0 % 4 == 0 && (reinterpret_cast<uintptr_t>(l_.output) & 3) == 0) {
      uint32_t* dst = reinterpret_cast<uint32_t*>(l_.output + (t.m0 + m_lo) * stride + col0);
      const int step = stride / 4;  // words from one line's first output to the next's
      if (t.nt == 8) {  // the default array width: two READs per line, no inner loop
        for (int m = m_lo; m < m_hi; ++m, dst += step) {
          const uint32_t a = sasim_cfu_op(kRead, 0, 0, 0);
          const uint32_t b = sasim_cfu_op(kRead, 0, 0, 0);
          dst[0] = a;
          dst[1] = b;
        }
        return;
      }
      for (int m = m_lo; m < m_hi; ++m, dst += step)
        for (int j = 0; j < t.nt / 4; ++j) dst[j] = sasim_cfu_op(kRead, 0, 0, 0);
      return;
    }
    // Fewer than four lanes a line, or unaligned: from a pointer stepped a
    // line at a time, two lanes as one halfword (a 2-row array's depthwise
    // group: DS-CNN's depthwise layers on 2 x 8 took 72 instructions a READ
    // through Gemm::store, 0.43 M cycles each).
    int8_t* out = l_.output + (t.m0 + m_lo) * stride + col0;
    if (t.nt == 2 && ((reinterpret_cast<uintptr_t>(out) | static_cast<uintptr_t>(stride)) & 1) == 0) {
      uint16_t* d = reinterpret_cast<uint16_t*>(out);
      const int step = stride / 2;
      for (int m = m_lo; m < m_hi; ++m, d += step) *d = static_cast<uint16_t>(sasim_cfu_op(kRead, 0, 0, 0));
      return;
    }
    for (int m = m_lo; m < m_hi; ++m, out += stride)
      for (int j = 0; j < t.nt; j += 4) {
        const uint32_t v = sasim_cfu_op(kRead, 0, 0, 0);
        for (int i = 0; i < 4 && j + i < t.nt; ++i) out[j + i] = static_cast<int8_t>((v >> (8 * i)) & 0xff);
      }
  }

  // `lines` lines of `w` words each (line i's at dst + i * step), READ NEXT
  // by READ NEXT, two READs and then their two stores. Why this order: on
  // CFU Playground's 2022 cores (perf+cfu, full+cfu) a CFU instruction leaves
  // execute only when memory and writeback hold no load, store, branch or
  // CSR, so a READ right behind a store waits 2 cycles (docs/cpu-model.md);
  // two READs back to back cost what one costs (the second waits for the
  // first's response anyway, facts.md F16), and two stores fit the core's
  // 2-entry store buffer when a write takes at most 3 cycles
  // (HwDesc::store_cycles), so a READ pair, a store pair and two more
  // instructions take 7 cycles for two words. On the 2021 core the same
  // order keeps every READ off a stalled store (no fork, F19). On the board
  // the pairs are one asm block each, so that no compiler can move a store
  // between the READs; the host build (the same arithmetic, no timing) takes
  // the plain loop.
#if defined(__riscv)
  static inline __attribute__((always_inline)) void read_pair(uint32_t* p0, uint32_t* p1) {
    uint32_t a, b;
    __asm__ volatile(
        ".insn r 0x0B, 5, 0, %0, zero, zero\n\t"  // READ NEXT (cfu_isa.h kRead, f7 0)
        ".insn r 0x0B, 5, 0, %1, zero, zero\n\t"
        "sw %0, 0(%2)\n\t"
        "sw %1, 0(%3)\n\t"
        : "=&r"(a), "=&r"(b)
        : "r"(p0), "r"(p1)
        : "memory");
  }
  static inline __attribute__((always_inline)) void read_one(uint32_t* p0) {
    uint32_t a;
    __asm__ volatile(
        ".insn r 0x0B, 5, 0, %0, zero, zero\n\t"
        "sw %0, 0(%1)\n\t"
        : "=&r"(a)
        : "r"(p0)
        : "memory");
  }
#else
  static inline void read_pair(uint32_t* p0, uint32_t* p1) {
    const uint32_t a = sasim_cfu_op(kRead, 0, 0, 0);
    const uint32_t b = sasim_cfu_op(kRead, 0, 0, 0);
    *p0 = a;
    *p1 = b;
  }
  static inline void read_one(uint32_t* p0) { *p0 = sasim_cfu_op(kRead, 0, 0, 0); }
#endif
  SASIM_HOT static void read_words_pipelined(uint32_t* dst, int step, int w, int lines) {
    if (w == 2) {  // the default array width: one pair per line
#if defined(__riscv)
      // Eight lines per iteration, one pointer: per line READ, the pointer
      // step, READ, two stores, and the next READ 2 cycles after the
      // stores; the loop's branch (itself waited for) costs one cycle more
      // per iteration. A count that is not a multiple of eight enters the
      // block part-way (each line is five instructions, 20 bytes), so that
      // the few lines read between two streaming steps (read_pending) run
      // unrolled too.
      if (lines <= 0) return;
      const int bytes = 4 * step;
      uint32_t* q = dst - step;
      uint32_t* const end = q + lines * step;
      const int skip = ((8 - (lines & 7)) & 7) * 20;
      uint32_t a, b, t;
      __asm__ volatile(
          "auipc %2, 0\n\t"
          "add %2, %2, %5\n\t"
          "jalr zero, 12(%2)\n\t"
          "1:\n\t"
          ".rept 8\n\t"
          ".insn r 0x0B, 5, 0, %0, zero, zero\n\t"
          "add %3, %3, %4\n\t"
          ".insn r 0x0B, 5, 0, %1, zero, zero\n\t"
          "sw %0, 0(%3)\n\t"
          "sw %1, 4(%3)\n\t"
          ".endr\n\t"
          "bne %3, %6, 1b\n\t"
          : "=&r"(a), "=&r"(b), "=&r"(t), "+r"(q)
          : "r"(bytes), "r"(skip), "r"(end)
          : "memory");
#else
      for (uint32_t* const end = dst + lines * step; dst != end; dst += step) read_pair(dst, dst + 1);
#endif
      return;
    }
    // Any width: the word stream in pairs (a pair may span two lines).
    const int jump = step - w + 1;  // from a line's last word to the next line's first
    int j = 1, left = lines * w;
    uint32_t* p = dst;
    auto advance = [&](uint32_t* q) {
      if (j == w) {
        j = 1;
        return q + jump;
      }
      ++j;
      return q + 1;
    };
    for (; left >= 2; left -= 2) {
      uint32_t* const q = advance(p);
      read_pair(p, q);
      p = advance(q);
    }
    if (left) read_one(p);
  }

  // A command other than a READ answers 0, or the error response when the
  // CFU rejects it; a rejection makes run_layer() return kErrCfuRejected.
  void checked(int f3, int f7, uint32_t a, uint32_t b) {
    if (sasim_cfu_op(f3, f7, a, b) == kErrorResponse) status_ = kErrCfuRejected;
  }

  int32_t mult(int oc) const { return l_.multiplier[l_.per_tensor ? 0 : oc]; }
  int32_t shift(int oc) const { return l_.shift[l_.per_tensor ? 0 : oc]; }

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
  int row_lo_ = 0, row_hi_ = 0;
  // The consumer's bands from the last up (pair_order 2), and the current
  // one's output rows.
  bool reverse_ = false;
  int rev_nr_ = 0;
  // The consumer's input rows per band at most (its producer's limit,
  // pair_producer_rows; 0: the bank's).
  // (mutable: schedule() decides the blob's layout without it)
  mutable int in_rows_cap_ = 0;
};

}  // namespace

SASIM_WARM int run_layer(const HwDesc& hw, const LayerDesc& l) {
  Runner r(hw, l);
  return r.run();
}

SASIM_WARM int run_layer_in_place(const HwDesc& hw, const LayerDesc& l) {
  Runner r(hw, l);
  r.set_in_place_checked();
  return r.run();
}

bool in_place_supported(const HwDesc& hw, const LayerDesc& l) {
  Runner r(hw, l);
  return r.in_place_supported();
}

#if !defined(__riscv)
const char* layer_mapping(const HwDesc& hw, const LayerDesc& l, const char** why) {
  Runner r(hw, l);
  return r.mapping(why);
}
#endif

SASIM_RARE bool keep_out_supported(const HwDesc& hw, const LayerDesc& l) {
  Runner r(hw, l);
  return r.keep_out_supported();
}

SASIM_RARE bool kept_in_supported(const HwDesc& hw, const LayerDesc& l) {
  Runner r(hw, l);
  return r.kept_in_supported();
}

SASIM_RARE bool pair_supported(const HwDesc& hw, const LayerDesc& p, const LayerDesc& q) {
  if (!hw.keep || !hw.a_double || !hw.im2col || hw.dataflow != kDataflowWs) return false;
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

bool layer_on_cfu(const HwDesc& hw, const LayerDesc& l) {
  if (l.kind != kFullyConnected || l.fused) return true;  // a fused operator needs the readback
  const int64_t macs = static_cast<int64_t>(l.batches) * l.in_c * l.out_c;
  const int64_t passes = static_cast<int64_t>((l.in_c + hw.rows - 1) / hw.rows) * ((l.out_c + hw.cols - 1) / hw.cols);
  return kFcCfuFixed + kFcCfuPerPass * passes < kFcCpuPerMac * macs;
}

bool fused_eltwise_supported(const HwDesc& hw, const LayerDesc& l) {
  if (!l.fused || !hw.ew_read) return false;
  EltwiseDesc e = *l.fused;
  for (int k = 0; k < 5; ++k) e.dims[k] = e.stride_a[k] = e.stride_b[k] = 1;
  if (!eltwise_supported(hw, e)) return false;
  // Every tile's columns are whole words: groups of `cols` channels (the
  // GEMM loop; depthwise off the im2col path), of min(cols, B lines) (conv
  // and fully connected on the im2col path), of `rows` (depthwise on it),
  // the last one out_c's remainder.
  if (l.out_c % 4 != 0 || hw.cols % 4 != 0 || (hw.b_lines < hw.cols && hw.b_lines % 4 != 0) ||
      (l.kind == kDepthwiseConv2d && hw.rows % 4 != 0))
    return false;
  return (reinterpret_cast<uintptr_t>(l.output) & 3) == 0 && (reinterpret_cast<uintptr_t>(e.b) & 3) == 0;
}

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
