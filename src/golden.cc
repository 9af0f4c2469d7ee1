#include "sasim/golden.h"

#include "sasim/quant.h"

namespace sasim {

namespace {
// The accumulator wraps in int32 (defined behaviour; TFLM's int32 adds and
// the hardware's adders do the same for any layer that does not overflow).
inline void add(int32_t* acc, int32_t v) {
  *acc = static_cast<int32_t>(static_cast<uint32_t>(*acc) + static_cast<uint32_t>(v));
}
}  // namespace

int32_t golden_accumulator(const LayerSpec& s, const LayerData& d, int n, int y, int x, int oc) {
  int32_t acc = s.has_bias ? d.bias[oc] : 0;
  const int32_t zp = s.input_zero_point;
  switch (s.op) {
    case OpKind::kFullyConnected: {
      const int depth = s.filter_shape[1];
      const int8_t* in = &d.input[static_cast<size_t>(n) * depth];
      const int8_t* w = &d.filter[static_cast<size_t>(oc) * depth];
      for (int k = 0; k < depth; ++k) add(&acc, static_cast<int32_t>(w[k]) * (static_cast<int32_t>(in[k]) - zp));
      return acc;
    }
    case OpKind::kConv2d:
    case OpKind::kDepthwiseConv2d: {
      const bool dw = s.op == OpKind::kDepthwiseConv2d;
      const int ih = s.in_h(), iw = s.in_w(), ic_n = s.in_c();
      const int kh = s.kernel_h(), kw = s.kernel_w();
      const int oc_n = s.out_c();
      for (int ky = 0; ky < kh; ++ky) {
        const int iy = y * s.stride_h - s.pad_top + ky * s.dilation_h;
        if (iy < 0 || iy >= ih) continue;  // outside taps are skipped (== zero-point padding)
        for (int kx = 0; kx < kw; ++kx) {
          const int ix = x * s.stride_w - s.pad_left + kx * s.dilation_w;
          if (ix < 0 || ix >= iw) continue;
          const size_t in_base = ((static_cast<size_t>(n) * ih + iy) * iw + ix) * ic_n;
          if (dw) {
            const int ic = oc / s.depth_multiplier;
            const int32_t w = d.filter[(static_cast<size_t>(ky) * kw + kx) * oc_n + oc];
            add(&acc, w * (static_cast<int32_t>(d.input[in_base + ic]) - zp));
          } else {
            const size_t f_base = ((static_cast<size_t>(oc) * kh + ky) * kw + kx) * ic_n;
            for (int ic = 0; ic < ic_n; ++ic)
              add(&acc, static_cast<int32_t>(d.filter[f_base + ic]) * (static_cast<int32_t>(d.input[in_base + ic]) - zp));
          }
        }
      }
      return acc;
    }
  }
  return acc;
}

void golden_layer(const LayerSpec& s, const LayerData& d, std::vector<int8_t>* out) {
  out->assign(static_cast<size_t>(s.output_elems()), 0);
  const int nb = s.batches(), oh = s.out_h(), ow = s.out_w(), oc_n = s.out_c();
  size_t i = 0;
  for (int n = 0; n < nb; ++n)
    for (int y = 0; y < oh; ++y)
      for (int x = 0; x < ow; ++x)
        for (int oc = 0; oc < oc_n; ++oc, ++i) {
          const int32_t acc = golden_accumulator(s, d, n, y, x, oc);
          (*out)[i] = requantize(acc, s.multiplier_for(oc), s.shift_for(oc), s.output_zero_point, s.act_min, s.act_max);
        }
}

}  // namespace sasim
