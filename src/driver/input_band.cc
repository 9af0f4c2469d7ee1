// The im2col path's input bands (im2col.cc): input rows into the A bank,
// as raw NHWC rows (words), packed kernel rows with their padding (built by
// the CPU, Plan::packed), or pixels of fewer channels than a line.
#include "driver/runner.h"

namespace sasim_drv {
SASIM_DRIVER_DETAIL_BEGIN

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
// Words to WRITE_A one a line (the word, then zeros: 8-byte lines), or two
// a WRITE (`paired`: 4-byte lines, or a column's two 2-byte ones); finish()
// sends a last lone word with zeros.
class WordWriter {
 public:
  explicit WordWriter(bool paired) : paired_(paired), holding_(false), held_(0) {}
  void put(uint32_t v) {
    if (!paired_) {
      sasim_cfu_op(kWriteA, 0, v, 0);
    } else if (holding_) {
      sasim_cfu_op(kWriteA, 0, held_, v);
      holding_ = false;
    } else {
      held_ = v;
      holding_ = true;
    }
  }
  void finish() {
    if (holding_) sasim_cfu_op(kWriteA, 0, held_, 0);
    holding_ = false;
  }

 private:
  bool paired_, holding_;
  uint32_t held_;
};

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

// Packed band (Plan::packed): input rows [y0, y0 + h) of image n, band
// column x holding, in line j, taps j*G .. j*G + G - 1 of input columns
// x * stride_w - pad_left + j*G + g (the zero point outside the image), C channels
// each; unused lanes 0.
void Runner::send_band_packed(const Plan& pl, int n, int y0, int h) {
  send_band_lines(n, y0, h, pl.band_w, l_.stride_w, l_.pad_left, l_.k_w, pl.G, pl.lines);
}

// Band rows [y0, y0 + h) of image n as `lines` lines per band column x:
// line j holds taps j*G .. j*G + G - 1 (< kw) of input columns
// x * sx - pad_left + j*G + g, C channels each, the zero point outside the
// image, zeros in the unused lanes. (kw = G = lines = 1, pad_left = 0: a
// pixel's C < rows channels as one line.)
void Runner::send_band_lines(int n, int y0, int h, int band_w, int sx, int pad_left, int kw, int G, int lines) {
  struct Plan pl;
  pl.band_w = band_w;
  pl.G = G;
  pl.lines = lines;
  // (A_FILL: the CFU moves to the next line after 8 x fill_ bytes.)
  const int C = l_.in_c, W = l_.in_w, pitch = fill_ ? 8 * fill_ : line_pitch(hw_.rows);
  const int8_t zp = static_cast<int8_t>(l_.input_zp);
  // Each row once into a buffer with its padding columns, so that line j
  // of band column x is the kt(j) bytes at (x * sx + j*G) * C.
  const int span = (pl.band_w - 1) * sx + kw;  // padded columns a row's lines read
  uint32_t prow[kMaxPackedRow / 4 + 4];
  WriterA w;
  // A kernel row in at most 4 bytes (one channel, as audio input), each
  // band column's lines one word: a line of 8 bytes (one WRITE each), or
  // of 4 (two band columns a WRITE) or 2 bytes (two lines of G = 2 taps).
  const bool col_word = pitch * pl.lines == 4 && pl.G * C == pitch;
  if (kw * C <= 4 && span * C <= 64 && ((pitch == 8 && pl.lines == 1) || col_word)) {
    // Each padded row into a byte buffer, each band column four byte loads
    // from it.
    uint8_t pr[64 + 4];
    const uint32_t mask = kw * C >= 4 ? 0xffffffffu : (1u << (8 * kw * C)) - 1u;
    const int step = sx * C;
    // Byte ranges of a padded row: [0, lo) and [hi, end) the zero point,
    // [lo, hi) the image row's first hi - lo bytes (lo = pad_left * C
    // whenever hi > lo).
    const int end = span * C, lo = min_i(pad_left, span) * C, hi = max_i(lo, min_i(span, pad_left + W) * C);
    for (int i = 0; i < lo; ++i) pr[i] = static_cast<uint8_t>(zp);
    for (int i = hi; i < end; ++i) pr[i] = static_cast<uint8_t>(zp);
    WordWriter ww(col_word);
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
        const uint32_t v = (static_cast<uint32_t>(q[0]) | static_cast<uint32_t>(q[1]) << 8 |
                            static_cast<uint32_t>(q[2]) << 16 | static_cast<uint32_t>(q[3]) << 24) &
                           mask;
        ww.put(v);
      }
    }
    ww.finish();
    return;
  }
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

// Input rows [y0, y0 + h) of image n into the A shadow bank, `lines` lines
// of `rows` channels per pixel (the rest of a line zero). Raw NHWC bytes
// are already that layout when a line is exactly `rows` channels wide and
// C is a multiple of it: then they stream as aligned words.
// `npx` pixels of C <= 4 channels from `src` (4-byte aligned), each a
// word: the C bytes in lanes 0 .. C-1, zeros above; one 8-byte line each
// (the word, then zeros), or with `paired` two pixels a WRITE (a pixel's
// lines are 4 bytes in all). Four pixels (C words) per iteration, by word
// loads and shifts (the layers on camera or audio input: C = 1, 3).
void Runner::send_pixels_small_c(const int8_t* src, int npx, int C, bool paired) {
  const uint32_t* p = static_cast<const uint32_t*>(__builtin_assume_aligned(src, 4));
  int i = 0;
  if (C < 4) {
    for (; i + 4 <= npx; i += 4) {
      uint32_t v0, v1, v2, v3;
      if (C == 3) {
        uint32_t a, b, c;
        SASIM_LOAD_WORDS_3(p, a, b, c);
        v0 = a & 0xffffffu;
        v1 = ((a >> 24) | (b << 8)) & 0xffffffu;
        v2 = ((b >> 16) | (c << 16)) & 0xffffffu;
        v3 = c >> 8;
      } else if (C == 1) {
        uint32_t a;
        SASIM_LOAD_WORDS_1(p, a);
        v0 = a & 0xffu;
        v1 = (a >> 8) & 0xffu;
        v2 = (a >> 16) & 0xffu;
        v3 = a >> 24;
      } else {
        uint32_t a, b;
        SASIM_LOAD_WORDS_2(p, a, b);
        v0 = a & 0xffffu;
        v1 = a >> 16;
        v2 = b & 0xffffu;
        v3 = b >> 16;
      }
      if (paired) {
        sasim_cfu_op(kWriteA, 0, v0, v1);
        sasim_cfu_op(kWriteA, 0, v2, v3);
      } else {
        sasim_cfu_op(kWriteA, 0, v0, 0);
        sasim_cfu_op(kWriteA, 0, v1, 0);
        sasim_cfu_op(kWriteA, 0, v2, 0);
        sasim_cfu_op(kWriteA, 0, v3, 0);
      }
      SASIM_LOAD_STEP(p, C);
    }
  }
  // The rest (C = 4: every pixel; else up to 3), pairs as above.
  WordWriter ww(paired);
  for (; i < npx; ++i) {
    uint32_t v = 0;
    for (int c = 0; c < C; ++c) v |= static_cast<uint32_t>(static_cast<uint8_t>(src[i * C + c])) << (8 * c);
    ww.put(v);
  }
  ww.finish();
}

void Runner::send_band(int n, int y0, int h, int lines) {
  const int R = hw_.rows, C = l_.in_c, pitch = line_pitch(R);
  const int8_t* src = l_.input + (n * l_.in_h + y0) * l_.in_w * C;
  const int bytes = h * l_.in_w * C;
  WriterA w;
  if ((fill_ || (pitch == R && C % R == 0)) && bytes % 8 == 0 && (reinterpret_cast<uintptr_t>(src) & 3) == 0) {
    // (A_FILL: a pixel a line, the CFU skipping the rest of it)
    const uint32_t* p = static_cast<const uint32_t*>(__builtin_assume_aligned(src, 4));
    w.put_words(p, bytes / 4);
  } else if (C <= 4 && pitch * lines == 4 && (lines == 1 || pitch == R) &&
             (reinterpret_cast<uintptr_t>(src) & 3) == 0) {
    // A pixel's lines are one word, its C channels then zeros (2- and
    // 4-row arrays: camera input on 2 rows, two 2-byte lines), two pixels
    // a WRITE.
    send_pixels_small_c(src, h * l_.in_w, C, true);
    return;
  } else if (C < R && lines == 1) {  // a pixel's channels padded to a line
    if (pitch == 8 && C <= 4 && (reinterpret_cast<uintptr_t>(src) & 3) == 0)
      send_pixels_small_c(src, h * l_.in_w, C, false);
    else
      send_band_lines(n, y0, h, l_.in_w, 1, 0, 1, 1, 1);
    return;
  } else if (pitch == R && R % 8 == 0 && C % 8 == 0 && (reinterpret_cast<uintptr_t>(src) & 3) == 0) {
    // C channels a pixel, more than a line and not a multiple of it (48 on
    // 32 rows: MobileNetV2's expanded layers): each 8-byte part of a line
    // lies within the pixel's channels (two words of them) or past them
    // (zeros). Byte by byte, MobileNetV2's 40 x 40 x 48 depthwise layer on
    // 32 x 32 took 12.7 M cycles.
    const uint32_t* p = static_cast<const uint32_t*>(__builtin_assume_aligned(src, 4));
    for (int px = 0; px < h * l_.in_w; ++px, p += C / 4)
      for (int c = 0; c < lines * R; c += 8) {
        if (c < C)
          w.put8_guarded(p[c / 4], p[c / 4 + 1]);
        else
          w.put8_guarded(0, 0);
      }
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

SASIM_DRIVER_DETAIL_END

// PUBLIC

}  // namespace sasim_drv
