// The driver's entry points (driver.h) and the choice of a mapping: run()
// tries the views (fully_connected.cc, depthwise.cc), then the im2col path
// (im2col.cc), then the legacy tile loop (legacy.cc); layer_mapping names
// the choice and why, without a command.
#include "driver/runner.h"

namespace sasim_drv {
SASIM_DRIVER_DETAIL_BEGIN

// The layer, start to end: refusals before any command, SET_OUTPUT, then the
// first mapping that takes it: a view (a fully connected or depthwise layer
// as a conv on the im2col path), the im2col path, or the legacy tile loop.
int Runner::run() {
  if (l_.fused && !fused_eltwise_supported(hw_, l_)) return kErrNotFusable;  // before any command
  if (!set_limits()) return kErrTileTooLarge;
  // An output over the layer's own input (in place, docs/
  // microarchitecture.md "In place"): only on a schedule that reads no
  // input byte after a store overwrote it; otherwise refused before any
  // command.
  in_place_ = output_overlaps_input();
  // (Fed by a paired producer, the input is never read from memory.)
  if (in_place_ && !in_place_checked_ && !feed_ && !in_place_safe()) return kErrInPlace;
  if (!dry_) set_output();
  // A fused elementwise operator: its parameters once (they empty the
  // unit). After SET_OUTPUT: a load of l_.fused placed right before that
  // command would let the 2021 core send it twice (F20).
  if (l_.fused && !dry_ && eltwise_configure(*l_.fused) != kOk) return kErrCfuRejected;
  pending_.valid = false;
  bank_ = 0;
  last_a_m0_ = last_a_k0_ = last_b_k0_ = last_b_n0_ = -1;
  last_ch_ = -1;
  if (hw_.im2col && (l_.kind == kFullyConnected || l_.kind == kDepthwiseConv2d)) {
    int rc;
    if (run_view(&rc)) return rc;
  }
  if (im2col_applies()) {
    const int rc = run_im2col();
    if (dry_) return rc;
    if (keep_) checked(kRead, kReadKeep, 0, 0);  // off: later READs write no A
    return keep_ && rc == kOk ? status_ : rc;
  }
  if (dry_) return kOk;  // (the legacy loop keeps no schedule)
  // The legacy loop's tiles: OS, one row of PEs per output pixel.
  if (!ws_) mc_ = min_i(min_i(hw_.rows, hw_.c_lines), 0xffff);
  // Depthwise: groups of one array width of output channels.
  const int groups = l_.kind == kDepthwiseConv2d ? (l_.out_c + nc_ - 1) / nc_ : 1;
  for (int gi = 0; gi < groups; ++gi) {
    Gemm g(l_, gi, nc_);
    const int rc = run_gemm(g, gi);
    if (rc != kOk) return rc;
  }
  return status_;  // run_gemm reads its last tile back before returning
}

// Tile limits: lines per bank and array dimensions; false when a bank
// holds no tile. No CFU command.
SASIM_ONE_TU_INLINE bool Runner::set_limits() {
  if (ws_) {
    kc_ = min_i(hw_.rows, hw_.b_lines);
    mc_ = min_i(hw_.a_lines, hw_.c_lines);
  } else {
    // OS: the legacy loop's tile is a row of PEs per pixel (run() sets it
    // so before that loop); an IM2COL tile is up to a C bank's lines.
    mc_ = hw_.im2col ? hw_.c_lines : min_i(hw_.rows, hw_.c_lines);
    kc_ = min_i(hw_.a_lines, hw_.b_lines);
  }
  nc_ = hw_.cols;
  // START carries Mt and Kt in 16 bits.
  mc_ = min_i(mc_, 0xffff);
  kc_ = min_i(kc_, 0xffff);
  return kc_ >= 1 && mc_ >= 1;
}

// SET_OUTPUT: the output's zero point and range.
SASIM_ONE_TU_INLINE void Runner::set_output() {
  const uint32_t out_cfg = (static_cast<uint32_t>(l_.output_zp) & 0xff) |
                           (static_cast<uint32_t>(l_.act_min) & 0xff) << 8 |
                           (static_cast<uint32_t>(l_.act_max) & 0xff) << 16;
  sasim_cfu_fence();  // the caller's stores (this object's set-up) must not hold execute here (F19)
  checked(kCfg, 0, out_cfg, 0);
}

SASIM_ONE_TU_INLINE bool Runner::output_overlaps_input() const {
  const uintptr_t in = reinterpret_cast<uintptr_t>(l_.input), out = reinterpret_cast<uintptr_t>(l_.output);
  const uintptr_t in_bytes = static_cast<uintptr_t>(l_.batches) * l_.in_h * l_.in_w * l_.in_c;
  const uintptr_t out_bytes = static_cast<uintptr_t>(l_.batches) * l_.out_h * l_.out_w * l_.out_c;
  return out < in + in_bytes && in < out + out_bytes;
}

// Layers the im2col path takes through a view of them (docs/
// microarchitecture.md, section 7: fully_connected.cc, depthwise.cc); false
// when none applies. Out of line: most layers never run it.
bool Runner::run_view(int* rc) { return run_fc_view(rc) || run_dw_view(rc); }

#if !defined(__riscv)
// Host only (the board's image is built without it): the mapping run()
// takes, by run()'s own tests and without a command (layer_mapping).
SASIM_ONE_TU_INLINE const char* Runner::mapping(const char** why) {
  *why = 0;
  if (!set_limits()) {
    *why = "no tile fits the buffers";
    return "none";
  }
  if (hw_.im2col && (l_.kind == kFullyConnected || l_.kind == kDepthwiseConv2d) && view_applies())
    return "view";
  if (im2col_applies()) return "im2col";
  *why = im2col_refusal();
  return "legacy";
}

// run_view's cases, tested as run_view tests them.
SASIM_ONE_TU_INLINE bool Runner::view_applies() const {
  if (l_.kind == kFullyConnected && (l_.in_c + hw_.rows - 1) / hw_.rows > 255 && l_.in_c % hw_.rows == 0 &&
      applies_as(fc_depth_view(l_, hw_.rows)))
    return true;
  if (l_.kind == kFullyConnected && l_.batches > 1 && applies_as(fc_batch_view(l_))) return true;
  return l_.kind == kDepthwiseConv2d && l_.depth_multiplier > 1 && l_.packed_weights && l_.folded_bias &&
         applies_as(conv_view(l_));
}

SASIM_ONE_TU_INLINE bool Runner::applies_as(const LayerDesc& v) const {
  Runner r(hw_, v);
  r.mc_ = mc_;
  return r.im2col_applies();
}

// Why im2col_applies() is false: its first failing test, in its order.
SASIM_ONE_TU_INLINE const char* Runner::im2col_refusal() const {
  if (!hw_.im2col) return "the im2col extension is off (array.im2col: false)";
  if (ws_ && !b_cols_ok() && !streamed_by_rows())
    return "an array taller than wide whose B bank holds fewer lines than it has rows";
  if (l_.kind == kDepthwiseConv2d && l_.depth_multiplier != 1)
    return "a depthwise layer with a depth multiplier and no prepared weights";
  if (l_.kind == kDepthwiseConv2d && ws_ && hw_.b_lines < hw_.rows)
    return "buffer B holds fewer lines than the array has rows";
  const Plan p = plan_layout();
  if (p.lines > 255 || p.band_w > 32767 || l_.in_h > 32767 || l_.out_w > 65535 || l_.stride_w > 255 ||
      l_.stride_h > 255)
    return "the layer's dimensions exceed the im2col commands' fields";
  if (!ws_ && hw_.b_lines < hw_.rows)
    return "output-stationary: buffer B holds fewer lines than the array has rows (one reduction chunk)";
  if (!ws_) return "output-stationary: a tile's reduction exceeds START's 65535 steps";
  if (mc_ < 1) return "no tile fits the buffers";
  return "one output row's input window does not fit an A bank";
}
#endif

SASIM_DRIVER_DETAIL_END

using namespace detail;  // Runner, the streams, sasim_isa

SASIM_WARM int run_layer(const HwDesc& hw, const LayerDesc& l) {
  Runner r(hw, l);
  return r.run();
}

const void* prepare_layer(const HwDesc& hw, const LayerDesc& l, int* bytes) {
  Runner r(hw, l);
  r.set_dry();
  r.run();
  *bytes = r.memo_kept() ? Runner::memo_entry_bytes() : 0;
  return r.memo_kept();
}

SASIM_WARM int run_layer_in_place(const HwDesc& hw, const LayerDesc& l) {
  Runner r(hw, l);
  r.set_in_place_checked();
  return r.run();
}

#if !defined(__riscv)
const char* layer_mapping(const HwDesc& hw, const LayerDesc& l, const char** why) {
  Runner r(hw, l);
  return r.mapping(why);
}
#endif

bool fused_eltwise_supported(const HwDesc& hw, const LayerDesc& l) {
  if (!l.fused || !hw.ew_read) return false;
  EltwiseDesc e = *l.fused;
  for (int k = 0; k < 5; ++k) e.dims[k] = e.stride_a[k] = e.stride_b[k] = 1;
  if (!eltwise_supported(hw, e)) return false;
  // Every tile's columns are whole words: groups of `cols` channels (the
  // GEMM loop; depthwise off the im2col path), of min(cols, B lines) (conv
  // and fully connected on the im2col path), of `rows` (depthwise on it;
  // taller than wide: the largest divisor of `rows` up to `cols`), the last
  // one out_c's remainder.
  if (l.out_c % 4 != 0 || hw.cols % 4 != 0 || (hw.b_lines < hw.cols && hw.b_lines % 4 != 0) ||
      (l.kind == kDepthwiseConv2d && hw.rows % 4 != 0) ||
      (l.kind == kDepthwiseConv2d && hw.rows > hw.cols && hw.rows % hw.cols != 0))  // (groups: group_size)
    return false;
  return (reinterpret_cast<uintptr_t>(l.output) & 3) == 0 && (reinterpret_cast<uintptr_t>(e.b) & 3) == 0;
}

}  // namespace sasim_drv
