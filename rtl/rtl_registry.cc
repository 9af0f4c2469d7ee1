// The registry of Verilated RTL configurations (src/cosim/lockstep.h,
// rtl_configs()): the ones rtl/CMakeLists.txt builds with the default buffer
// sizes, which `sasim cosim`, the `rtl` engine and tests/test_rtl.cc use.
// (rtl/CMakeLists.txt also builds stress-only configurations with other
// buffer sizes; tests/test_rtl.cc wraps those itself.)
#include "Vcfu_2x3_ws.h"
#include "Vcfu_3x2_os.h"
#include "Vcfu_4x4_os.h"
#include "Vcfu_4x4_ws.h"
#include "Vcfu_8x8_os.h"
#include "Vcfu_8x8_ws.h"
#include "model/core_params.h"
#include "verilated_cfu.h"

namespace sasim {

namespace {

// The default buffers (A 32768, B 8192, C 16384 bytes per bank, all
// double-buffered; the weight store 98304 bytes on ws), with the lines
// core_params_from() derives; the same numbers rtl/CMakeLists.txt passes to
// Verilator.
CoreParams default_buffers(int rows, int cols, Dataflow df) {
  CoreParams p;
  p.rows = rows;
  p.cols = cols;
  p.dataflow = df;
  p.a_lines = 32768 / sasim_isa::line_pitch(rows);
  p.b_lines = 8192 / sasim_isa::line_pitch(cols);
  p.c_lines = 16384 / (4 * cols);
  p.a_double = p.b_double = p.c_double = true;
  p.im2col = true;  // Cfu's Im2col = 1: the extension on every build (os: its tile form)
  p.w_lines = p.im2col ? 98304 / sasim_isa::line_pitch(cols) : 0;
  return p;
}

template <class V>
RtlConfig config(const char* name, int rows, int cols, Dataflow df) {
  return RtlConfig{name, default_buffers(rows, cols, df), [] { return std::unique_ptr<RtlModel>(new VerilatedCfu<V>); }};
}

}  // namespace

const std::vector<RtlConfig>& rtl_configs() {
  static const std::vector<RtlConfig> configs = {
      config<Vcfu_4x4_ws>("4x4_ws", 4, 4, Dataflow::kWeightStationary),
      config<Vcfu_4x4_os>("4x4_os", 4, 4, Dataflow::kOutputStationary),
      config<Vcfu_8x8_ws>("8x8_ws", 8, 8, Dataflow::kWeightStationary),
      config<Vcfu_8x8_os>("8x8_os", 8, 8, Dataflow::kOutputStationary),
      config<Vcfu_2x3_ws>("2x3_ws", 2, 3, Dataflow::kWeightStationary),
      config<Vcfu_3x2_os>("3x2_os", 3, 2, Dataflow::kOutputStationary),
  };
  return configs;
}

}  // namespace sasim
