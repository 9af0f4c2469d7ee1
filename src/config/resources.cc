#include "sasim/resources.h"

#include <fmt/format.h>

#include <algorithm>

#include "driver/cfu_isa.h"

namespace sasim {

namespace {

// The cheapest block-RAM cover of a w-bit x d-line memory, in BRAM36: the
// simple-dual-port shapes of RAMB36E1 (cost 1) and RAMB18E1 (cost 1/2).
double bram_cover(long w, long d) {
  struct Shape {
    long w, d;
    double cost;
  };
  static const Shape shapes[] = {{72, 512, 1},  {36, 1024, 1},  {18, 2048, 1}, {9, 4096, 1},  {4, 8192, 1},
                                 {2, 16384, 1}, {1, 32768, 1},  {36, 512, .5}, {18, 1024, .5}, {9, 2048, .5},
                                 {4, 4096, .5}, {2, 8192, .5}, {1, 16384, .5}};
  double best = 1e18;
  for (const Shape& s : shapes)
    best = std::min(best, static_cast<double>((w + s.w - 1) / s.w) * static_cast<double>((d + s.d - 1) / s.d) * s.cost);
  return best;
}

}  // namespace

std::string ResourceEstimate::over() const {
  std::string s;
  auto add = [&](const std::string& t) { s += (s.empty() ? "" : ", ") + t; };
  if (lut > kLut) add(fmt::format("LUT {} > {}", lut, kLut));
  if (ff > kFf) add(fmt::format("FF {} > {}", ff, kFf));
  if (dsp > kDsp) add(fmt::format("DSP48E1 {} > {}", dsp, kDsp));
  if (bram36 > kBram36) add(fmt::format("BRAM36 {} > {}", bram36, kBram36));
  return s;
}

std::string fit_warning(const HwConfig& hw) {
  const ResourceEstimate e = estimate_resources(hw);
  if (e.fits()) return "";
  return fmt::format("{}x{} {}: the CFU does not fit the XC7A100T next to the SoC ({}; resource model of "
                     "scripts/synth, docs/microarchitecture.md section 11; configuration from {})",
                     hw.rows, hw.cols, hw.dataflow == Dataflow::kWeightStationary ? "ws" : "os", e.over(),
                     hw.origin_of_section({"array", "buffers"}));
}

ResourceEstimate estimate_resources(const HwConfig& hw) {
  ResourceEstimate r;
  const double R = hw.rows, C = hw.cols, e = hw.im2col ? 1 : 0;
  const double o = hw.dataflow == Dataflow::kOutputStationary ? 1 : 0;
  // One DSP48E1 per PE; 16 for the pipelined requantizer (four lanes of two
  // 16 x 32 partial products) and the controller's products; 13 more for the
  // extension's walker and sequencer (14 on os: its chunk walker's offsets).
  // Exact on all 15 grid configurations.
  r.dsp = hw.rows * hw.cols + 16 + (hw.im2col ? (o > 0 ? 14 : 13) : 0);
  // Least squares over the 13 configurations of scripts/resources_fit.csv;
  // features chosen by the error on configurations left out of the fit.
  r.lut = static_cast<int>(3759.17 + 73.17 * R * C + 20.17 * C * C + 425.96 * e * C - 24.90 * o * R * C -
                           21.84 * e * R * C + 0.5);
  r.ff = static_cast<int>(1007.57 + 22.64 * C * C + 92.57 * R + 791.70 * e + 91.81 * e * C + 0.5);
  // The os tile form's own logic over the ws extension's terms (the chunk
  // walker, a rows - 1 byte register per PE row): os x ext x (1, C, R x C),
  // least squares over the grid's four such rows (4x4, 8x8, 8x4, 4x8 os):
  // within 0.8 % (LUT) and 0.9 % (FF) of them, 2.8 % and 3.6 % at worst
  // with each left out of the fit in turn. Beyond 8 x 8 an extrapolation.
  r.lut += static_cast<int>(o * e * (1636.9 - 233.75 * C + 50.55 * R * C) + 0.5);
  r.ff += static_cast<int>(o * e * (1006.45 - 211.28 * C + 21.88 * R * C) + 0.5);
  // The reference post-processor (array.read_prefetch: false): its 64-bit
  // multiplies instead of the pipeline (scripts/synth on 8x8 ws and os,
  // without the elementwise unit: DSP +24 both, FF -868 both, LUT +978 and
  // +472; the model takes their mean).
  if (!hw.read_prefetch) {
    r.dsp += 24;
    r.ff -= 868;
    r.lut += 725;
  }
  // The elementwise unit (array.eltwise; the grid is synthesized without
  // it): what scripts/synth measured on the 8x8 ws default with and without
  // it, independent of the array's shape (four lanes, 11 stages).
  if (hw.eltwise) {
    r.dsp += 36;
    r.ff += 1555;
    r.lut += 4254;
  }
  const long pa = sasim_isa::line_pitch(hw.rows), pb = sasim_isa::line_pitch(hw.cols);
  const double a = bram_cover(8 * pa, hw.buf_a.size_bytes / pa), b = bram_cover(8 * pb, hw.buf_b.size_bytes / pb),
               c = bram_cover(32L * hw.cols, hw.buf_c.size_bytes / (4L * hw.cols));
  // The weight store: one more B-shaped RAM (the im2col extension's).
  const double w = hw.im2col && hw.buf_w.size_bytes > 0
                       ? bram_cover(8 * pb, hw.buf_w.size_bytes / pb)
                       : 0;
  r.bram36 = (hw.buf_a.double_buffered ? 2 : 1) * a + (hw.buf_b.double_buffered ? 2 : 1) * b +
             (hw.buf_c.double_buffered ? 2 : 1) * c + w;
  return r;
}

}  // namespace sasim
