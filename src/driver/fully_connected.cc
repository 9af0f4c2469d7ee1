// Fully connected layers: as a 1 x 1 conv on the im2col path (im2col.cc),
// through views when batches or depth need them, and the cost model that
// leaves small ones on the CPU (layer_on_cfu, driver.h).
#include "driver/runner.h"

namespace sasim_drv {
SASIM_DRIVER_DETAIL_BEGIN

// Fully connected with batches as the pixels of one image row.
// A depth beyond 255 lines of `rows` channels: the same bytes as a 1 x
// (depth / rows) image of `rows` channels under a 1 x (depth / rows)
// kernel (input NHWC, filter OHWI, output NHWC all unchanged).
SASIM_ONE_TU_INLINE LayerDesc Runner::fc_depth_view(const LayerDesc& l, int rows) {
  LayerDesc v = l;
  v.kind = kConv2d;
  v.in_h = v.out_h = v.out_w = v.k_h = 1;
  v.in_w = v.k_w = l.in_c / rows;
  v.in_c = rows;
  v.stride_h = v.stride_w = v.dil_h = v.dil_w = 1;
  v.pad_top = v.pad_left = 0;
  return v;
}

SASIM_ONE_TU_INLINE LayerDesc Runner::fc_batch_view(const LayerDesc& l) {
  LayerDesc v = l;
  v.in_w = v.out_w = l.batches;
  v.batches = 1;
  return v;
}

// The views of a fully connected layer on the im2col path: a depth beyond
// 255 lines as a 1-row image (fc_depth_view), batches as the pixels of one
// image row (fc_batch_view); false when neither applies.
SASIM_ONE_TU_INLINE bool Runner::run_fc_view(int* rc) {
  if (l_.kind == kFullyConnected && hw_.im2col && (l_.in_c + hw_.rows - 1) / hw_.rows > 255 &&
      l_.in_c % hw_.rows == 0) {
    const LayerDesc v = fc_depth_view(l_, hw_.rows);
    Runner r(hw_, v);
    r.mc_ = mc_;
    r.dry_ = dry_;
    if (r.im2col_applies()) {
      *rc = r.run_im2col_layer();
      memo_kept_ = r.memo_kept_;
      return true;
    }
  }
  if (l_.kind == kFullyConnected && l_.batches > 1 && hw_.im2col) {
    // Batches as the pixels of one 1-row image: one band, tiles of many rows.
    const LayerDesc v = fc_batch_view(l_);
    Runner r(hw_, v);
    r.mc_ = mc_;
    r.dry_ = dry_;
    if (r.im2col_applies()) {
      *rc = r.run_im2col_layer();
      memo_kept_ = r.memo_kept_;
      return true;
    }
  }
  return false;
}

SASIM_DRIVER_DETAIL_END

using namespace detail;  // Runner, the streams, sasim_isa

bool layer_on_cfu(const HwDesc& hw, const LayerDesc& l) {
  if (l.kind != kFullyConnected || l.fused) return true;  // a fused operator needs the readback
  const int64_t macs = static_cast<int64_t>(l.batches) * l.in_c * l.out_c;
  const int64_t passes = static_cast<int64_t>((l.in_c + hw.rows - 1) / hw.rows) * ((l.out_c + hw.cols - 1) / hw.cols);
  return kFcCfuFixed + kFcCfuPerPass * passes < kFcCpuPerMac * macs;
}

}  // namespace sasim_drv
