#include "model/core_params.h"

#include <fmt/format.h>

#include <vector>

namespace sasim {

using sasim_isa::line_pitch;

CoreParams core_params_from(const HwConfig& hw) {
  CoreParams p;
  p.rows = hw.rows;
  p.cols = hw.cols;
  p.dataflow = hw.dataflow;
  p.im2col = hw.im2col;
  p.prefetch = hw.read_prefetch;
  p.eltwise = hw.eltwise;
  p.a_double = hw.buf_a.double_buffered;
  p.b_double = hw.buf_b.double_buffered;
  p.c_double = hw.buf_c.double_buffered;
  const int a_pitch = line_pitch(hw.rows), b_pitch = line_pitch(hw.cols), c_pitch = 4 * hw.cols;
  p.a_lines = static_cast<int>(hw.buf_a.size_bytes / a_pitch);
  p.b_lines = static_cast<int>(hw.buf_b.size_bytes / b_pitch);
  p.c_lines = static_cast<int>(hw.buf_c.size_bytes / c_pitch);
  // The weight store serves B_COLS passes (ws) and IM2COL tiles (os): the
  // im2col extension's.
  p.w_lines = p.im2col ? static_cast<int>(hw.buf_w.size_bytes / b_pitch) : 0;
  std::vector<Diagnostic> d;
  auto need = [&](const char* key, int64_t have, int pitch, const char* what) {
    if (have < pitch)
      d.push_back({hw.origin_of(key), 0, 0, key,
                   fmt::format("{} bytes cannot hold one tile line: a line of {} needs {} bytes", have, what, pitch)});
  };
  need("buffers.a.size_bytes", hw.buf_a.size_bytes, a_pitch, fmt::format("{} int8 lanes (rows)", hw.rows).c_str());
  need("buffers.b.size_bytes", hw.buf_b.size_bytes, b_pitch, fmt::format("{} int8 lanes (cols)", hw.cols).c_str());
  need("buffers.c.size_bytes", hw.buf_c.size_bytes, c_pitch, fmt::format("{} int32 lanes (cols)", hw.cols).c_str());
  if (!d.empty()) throw ConfigError(d);
  return p;
}

}  // namespace sasim
