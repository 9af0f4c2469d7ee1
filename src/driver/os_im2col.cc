// ---- The im2col extension on the output-stationary array ----------------
//
// (docs/microarchitecture.md, "The OS tile form"; docs/command-set.md.) An
// OS layer takes the im2col path as WS does: the same plan, bands, walker
// registers and band / group / tile loops (im2col.cc, run_bands). What the
// array does with them differs: an OS tile of up to a C bank's lines of
// output pixels is one START (IM2COL, no B_COLS or SEQ), which the CFU runs
// in sub-passes of `rows` pixels, each the layer's whole reduction: the
// IM2COL_SEQ chunks (kernel row, kernel column, line), each `rows` steps,
// step i of a chunk being lane i of the pixel's line (a channel, or with
// packed taps a tap's channel). So a group's B holds one line per step:
// line q x rows + i, lane n = column n's weight for chunk q's lane i, zero
// where the lane holds no channel (A's zeros, the pad value at the border,
// meet zero weights). A group's P x rows lines stay in B for all its tiles
// (KEEP_B), or every group's for the layer (slot g x P), or in the weight
// store (W_BASE), exactly where WS keeps its blocks. This file writes those
// blocks; the rest is shared.
#include "driver/runner.h"

namespace sasim_drv {
SASIM_DRIVER_DETAIL_BEGIN

// One group's block, OS layout, to *wp (B, or the blob): P x rows lines of
// line_pitch(cols) bytes, the passes (chunks) in run order (kernel row,
// column, line; packed: kernel row, line); only chunks [q0, q1) (a part,
// run_os_parts). Conv (a depthwise view as a conv: virt_weight): lane n of
// line q x rows + i = column oc0 + n's weight for chunk q's lane i.
// Depthwise (one line of channels, the group's nt at lane offset oc0 %
// rows): only lane i = offset + n holds a weight, column n's at the chunk's
// tap: a diagonal in the data, since OS has no diagonal load. With `sums`
// (conv, all chunks), sums[n] = the sum of column n's weights; returns
// whether it filled them. Byte by byte: the blob is prepared once, and only
// a layer without one (the raw-tensor path) sends it per group and band.
template <class W>
bool Runner::write_group_b_os(W* wp, const Plan& pl, int oc0, int nt, int32_t* sums, int q0, int q1) {
  W& w = *wp;
  const int R = hw_.rows, C = l_.in_c, pitch = line_pitch(hw_.cols);
  const bool dw = l_.kind == kDepthwiseConv2d;
  const int lines = dw ? dw_lines_ : pl.lines, off = oc0 % R;
  int32_t total[kMaxLanes];
  for (int n = 0; n < nt; ++n) total[n] = 0;
  int q = 0;
  for (int ky = 0; ky < l_.k_h; ++ky)
    for (int kx = 0; kx < pl.xtaps; ++kx)
      for (int j = 0; j < lines; ++j, ++q) {
        if (q < q0 || q >= q1) continue;
        for (int i = 0; i < R; ++i) {
          // The chunk's lane i: kernel column tx, channel c (none: -1).
          int tx = kx, c = j * R + i;
          if (pl.packed) {
            tx = j * pl.G + i / C;
            c = i < pl.G * C && tx < l_.k_w ? i % C : -1;
          } else if (c >= C) {
            c = -1;
          }
          for (int n = 0; n < pitch; ++n) {
            int8_t v = 0;
            if (n >= nt || c < 0) {
              // no column, or no channel in this lane
            } else if (dw) {
              // (lane i of the group's line j: channel j x rows + i of a
              // line's, on the diagonal of the columns from its offset)
              if (j * R + i == off + n) v = l_.filter[(ky * l_.k_w + kx) * l_.out_c + oc0 + n];
            } else if (virt_) {
              v = virt_weight(oc0 + n, ky, tx, c);
            } else {
              v = l_.filter[((static_cast<size_t>(oc0 + n) * l_.k_h + ky) * l_.k_w + tx) * C + c];
            }
            if (n < nt) total[n] += v;
            w.put(v);
          }
        }
      }
  w.flush();
  if (!sums || dw || q0 > 0 || q1 < q) return false;
  for (int n = 0; n < nt; ++n) sums[n] = total[n];
  return true;
}

// The parts of a tile whose group's weights do not fit a B bank (OS, not
// resident): as many kernel rows a part as a bank holds, or, where one
// kernel row is more, as many lines of one tap (at least one chunk: a
// bank holds `rows` lines, im2col_applies). Each part's weights are a slice
// of the group's block (its chunks are consecutive in run order).
void Runner::os_parts(const Plan& pl, Schedule* sc) const {
  sc->part_rows = sc->part_lines = 0;
  if (ws_ || sc->resident) return;
  const int lines = l_.kind == kDepthwiseConv2d ? 1 : pl.lines;
  const int row_lines = pl.xtaps * lines * hw_.rows;
  if (row_lines <= hw_.b_lines) sc->part_rows = hw_.b_lines / row_lines;
  else sc->part_lines = hw_.b_lines / hw_.rows;
}

// A tile in parts (Schedule::part_rows / part_lines): per part an ORIGIN at
// its first tap, its slice of the group's weights into the shadow B bank
// (from the blob as words where a chunk is whole WRITEs, else built from
// the filter), and a START over its chunks (j: its first line), CLEAR on
// the first; the previous tile read back in slices between them. The B
// bank swaps at every START, so the next part's slice goes in while this
// one runs. False when the CFU rejects a START.
bool Runner::run_os_parts(const Schedule& sc, const PassTile& t) {
  const Plan& pl = sc.pl;
  const int R = hw_.rows, pitch = line_pitch(hw_.cols);
  const bool dw = l_.kind == kDepthwiseConv2d;
  const int lines = dw ? 1 : pl.lines, rows = sc.part_rows, per = rows > 0 ? 1 : sc.part_lines;
  // (depthwise: the group's line of channels in the band, as run_passes)
  const int jd = !dw ? 0 : sc.split ? dw_line(t.gi, sc.gsize) % sc.split_lines : dw_line(t.gi, sc.gsize);
  const int chunk_bytes = R * pitch;
  const int8_t* blk = l_.packed_weights && chunk_bytes % 8 == 0
                          ? l_.packed_weights + t.gi * blob_group_bytes(pl.passes, sc.gsize)
                          : 0;
  const int parts = rows > 0 ? (l_.k_h + rows - 1) / rows : l_.k_h * pl.xtaps * ((lines + per - 1) / per);
  const int slice = pending_.valid ? (pending_.mt - pend_next_ + parts - 1) / parts : 0;
  bool keep_a = t.keep_a, first = true;
  int q = 0;  // the part's first chunk, in run order
  for (int ky = 0; ky < l_.k_h; ky += rows > 0 ? rows : 1)
    for (int kx = 0; kx < (rows > 0 ? 1 : pl.xtaps); ++kx)
      for (int j0 = 0; j0 < (rows > 0 ? 1 : lines); j0 += per) {
        const int chunks = rows > 0 ? min_i(rows, l_.k_h - ky) * pl.xtaps * lines : min_i(per, lines - j0);
        const int ix_row = pl.packed ? 0 : -l_.pad_left + kx * l_.dil_w;
        const int iy = t.oyt * sc.sh_b - l_.pad_top + ky * l_.dil_h - t.y0, ix = t.oxt * pl.sw_b + ix_row;
        checked(kCfg, kCfgIm2colOrigin, (static_cast<uint32_t>(iy) & 0xffff) | static_cast<uint32_t>(ix) << 16,
                (static_cast<uint32_t>(ix_row) & 0xffff) | static_cast<uint32_t>(t.oxt) << 16);
        if (blk) {
          put_words_b(static_cast<const uint32_t*>(__builtin_assume_aligned(blk + q * chunk_bytes, 4)),
                      chunks * chunk_bytes / 4);
        } else {
          WriterB bw;
          write_group_b_os(&bw, pl, t.oc0, t.nt, 0, q, q + chunks);
        }
        const uint32_t flags = (first ? kFlagClear : 0) | (bank_ ? kFlagCBank : 0) | (keep_a ? kFlagKeepA : 0) |
                               kFlagIm2col;
        const uint32_t rsp =
            sasim_cfu_op(kStart, 0, static_cast<uint32_t>(t.mt) | static_cast<uint32_t>(chunks * R) << 16,
                         static_cast<uint32_t>(t.nt) | flags << 8 |
                             static_cast<uint32_t>(dw ? jd : j0) << kStartJShift);
        if (rsp == kErrorResponse) return false;
        keep_a = true;
        first = false;
        q += chunks;
        if (pending_.valid) read_pending(slice);  // while this part computes
      }
  return true;
}

// The prepared blob on OS: each group's block (group_bytes, whole 8-byte
// WRITEs) one after the other, as run_bands sends them (or Schedule::all
// holds them all: group g's at slot g x P) and the store keeps them.
void Runner::pack_weights_os(int8_t* out, const Plan& pl, int group_bytes) {
  const int gsize = group_size();
  for (int gi = 0, oc0 = 0; oc0 < l_.out_c; ++gi, oc0 += gsize) {
    MemWriter w(out + gi * group_bytes);
    write_group_b_os(&w, pl, oc0, min_i(gsize, l_.out_c - oc0), 0);
    while (w.bytes() < group_bytes) w.put(0);
  }
}

template bool Runner::write_group_b_os<WriterB>(WriterB* wp, const Plan& pl, int oc0, int nt, int32_t* sums, int q0,
                                                int q1);
template bool Runner::write_group_b_os<MemWriter>(MemWriter* wp, const Plan& pl, int oc0, int nt, int32_t* sums,
                                                  int q0, int q1);

SASIM_DRIVER_DETAIL_END
}  // namespace sasim_drv
