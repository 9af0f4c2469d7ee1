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
// line_pitch(cols) bytes, the passes in run order (kernel row, column, line;
// packed: kernel row, line). Conv (a depthwise view as a conv: virt_weight):
// lane n of line q x rows + i = column oc0 + n's weight for the chunk's
// lane i. Depthwise (one line of channels, the group's nt at lane offset
// oc0 % rows): only lane i = offset + n holds a weight, column n's at the
// chunk's tap: a diagonal in the data, since OS has no diagonal load. With
// `sums` (conv), sums[n] = the sum of column n's weights; returns whether
// it filled them. Byte by byte: the blob is prepared once, and only a layer
// without one (the raw-tensor path) sends it per group and band.
template <class W>
bool Runner::write_group_b_os(W* wp, const Plan& pl, int oc0, int nt, int32_t* sums) {
  W& w = *wp;
  const int R = hw_.rows, C = l_.in_c, pitch = line_pitch(hw_.cols);
  const bool dw = l_.kind == kDepthwiseConv2d;
  const int lines = dw ? 1 : pl.lines, off = oc0 % R;
  int32_t total[kMaxLanes];
  for (int n = 0; n < nt; ++n) total[n] = 0;
  for (int ky = 0; ky < l_.k_h; ++ky)
    for (int kx = 0; kx < pl.xtaps; ++kx)
      for (int j = 0; j < lines; ++j)
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
              if (i == off + n) v = l_.filter[(ky * l_.k_w + kx) * l_.out_c + oc0 + n];
            } else if (virt_) {
              v = virt_weight(oc0 + n, ky, tx, c);
            } else {
              v = l_.filter[((static_cast<size_t>(oc0 + n) * l_.k_h + ky) * l_.k_w + tx) * C + c];
            }
            if (n < nt) total[n] += v;
            w.put(v);
          }
        }
  w.flush();
  if (!sums || dw) return false;
  for (int n = 0; n < nt; ++n) sums[n] = total[n];
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

template bool Runner::write_group_b_os<WriterB>(WriterB* wp, const Plan& pl, int oc0, int nt, int32_t* sums);
template bool Runner::write_group_b_os<MemWriter>(MemWriter* wp, const Plan& pl, int oc0, int nt, int32_t* sums);

SASIM_DRIVER_DETAIL_END
}  // namespace sasim_drv
