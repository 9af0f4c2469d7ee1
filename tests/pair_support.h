// Helpers for the paired-layer tests (driver.h run_pair): a pair's layers
// prepared as the exported bridge prepares them and placed in the CFU's
// weight store.
#pragma once

#include <cstdint>
#include <vector>

#include "driver/cfu_isa.h"
#include "driver/driver.h"

namespace sasim_test {

// The folded biases and packed weights of l0 and l1 (kept alive here), and
// their weight-store lines: l0 from line 0, l1 from the first line after it
// that a W_SEEK takes. w_store is set where a blob takes store lines;
// fits: both take some and the store holds the two.
struct StoredPair {
  std::vector<int32_t> f0, f1, b0, b1;
  int line1 = 0;
  bool fits = false;
};
inline void prepare_stored_pair(const sasim_drv::HwDesc& hd, sasim_drv::LayerDesc* l0, sasim_drv::LayerDesc* l1,
                                StoredPair* s) {
  s->f0.resize(static_cast<size_t>(l0->out_c));
  s->f1.resize(static_cast<size_t>(l1->out_c));
  sasim_drv::fold_biases(*l0, s->f0.data());
  sasim_drv::fold_biases(*l1, s->f1.data());
  l0->folded_bias = s->f0.data();
  l1->folded_bias = s->f1.data();
  s->b0.resize(static_cast<size_t>(sasim_drv::packed_weights_bytes(hd, *l0) + 3) / 4);
  s->b1.resize(static_cast<size_t>(sasim_drv::packed_weights_bytes(hd, *l1) + 3) / 4);
  sasim_drv::pack_weights(hd, *l0, reinterpret_cast<int8_t*>(s->b0.data()));
  sasim_drv::pack_weights(hd, *l1, reinterpret_cast<int8_t*>(s->b1.data()));
  l0->packed_weights = reinterpret_cast<const int8_t*>(s->b0.data());
  l1->packed_weights = reinterpret_cast<const int8_t*>(s->b1.data());
  const int lines0 = sasim_drv::store_lines(hd, *l0), lines1 = sasim_drv::store_lines(hd, *l1);
  const int pitch = sasim_isa::line_pitch(hd.cols), step = pitch < 8 ? 8 / pitch : 1;
  s->line1 = (lines0 + step - 1) / step * step;
  l0->w_store = lines0 > 0 ? 1 : 0;
  l1->w_store = lines1 > 0 ? s->line1 + 1 : 0;
  s->fits = lines0 > 0 && lines1 > 0 && s->line1 + lines1 <= hd.w_lines;
}

}  // namespace sasim_test
