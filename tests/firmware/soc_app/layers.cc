// The layer runner's layers inside the SoC test firmware (menu key `l`):
// the cases `sasim export-cfu --selftest-case` wrote into the build's
// sasim_selftest_data.h (its three layers and real ones from
// ../shared/vectors, each with the expected output: sasim's golden model, or
// the case's own from TFLite Micro's reference kernels) and the accelerator
// its sasim_hw.h describes, run through sasim's driver as the layer runner
// runs them (src/board/runner.cc: the same driver objects, weights prepared
// before the timed call, the second of two calls timed with mcycle). Each
// layer prints its cycles beside sasim's board estimate of the same call
// (the export's, SasimSelftestCase::sasim_cycles) and whether its output is
// bit-exact.
//
// sasim's estimate of the second call starts with the I$ (and the L2 and
// DRAM rows) as the first call left them but with a cold D$: the runner
// boots each call on a fresh board (src/cpu/board_host.cc, InferenceCarry).
// So the D$ is emptied here before the timed call, by reading a buffer
// twice the largest D$ (8 KiB, direct mapped); left warm, a layer whose
// data fit the D$ takes up to a third fewer cycles than the estimate
// (docs/board.md, "The runner's layers in a firmware").
#include <stdint.h>

#include "driver/driver.h"
#include "sasim_hw.h"
#include "sasim_selftest_data.h"

extern "C" {
#include "soc.h"
void run_layers(void);
}

namespace {

const sasim_drv::HwDesc kHw = {
    SASIM_HW_ROWS,          SASIM_HW_COLS,          SASIM_HW_DATAFLOW,
    SASIM_HW_A_LINES,       SASIM_HW_B_LINES,       SASIM_HW_C_LINES,
    SASIM_HW_A_DOUBLE != 0, SASIM_HW_B_DOUBLE != 0, SASIM_HW_C_DOUBLE != 0,
    SASIM_HW_IM2COL != 0,   SASIM_HW_STORE_CYCLES,  SASIM_HW_ELTWISE != 0,
    SASIM_HW_ELTWISE != 0 && SASIM_HW_READ_PREFETCH != 0,
    SASIM_HW_W_LINES,       SASIM_HW_KEEP != 0,
};

// The prepared operands (fold_biases, pack_weights) and the output.
const int kMaxChannels = 1024;
const int kMaxPacked = 64 * 1024;
int32_t g_folded[kMaxChannels];
int8_t g_packed[kMaxPacked] __attribute__((aligned(16)));
int8_t g_output[SASIM_SELFTEST_MAX_OUTPUT] __attribute__((aligned(16)));
// Read one word per 32-byte line (the D$'s line): 16 KiB.
volatile uint32_t g_evict[4096];
void evict_dcache() {
  for (int k = 0; k < 4096; k += 8) (void)g_evict[k];
}

// The driver's view of a case, as the runner's host builds it from a layer
// (src/model/host.cc, layer_desc_from).
sasim_drv::LayerDesc layer_of(const SasimSelftestCase& c) {
  sasim_drv::LayerDesc l = sasim_drv::LayerDesc();
  const bool fc = c.kind == 2;
  l.kind = fc ? sasim_drv::kFullyConnected : c.kind == 1 ? sasim_drv::kDepthwiseConv2d : sasim_drv::kConv2d;
  l.batches = c.input_dims[0];
  l.in_h = fc ? 1 : c.input_dims[1];
  l.in_w = fc ? 1 : c.input_dims[2];
  l.in_c = fc ? c.input_dims[1] : c.input_dims[3];
  l.out_h = fc ? 1 : c.output_dims[1];
  l.out_w = fc ? 1 : c.output_dims[2];
  l.out_c = fc ? c.output_dims[1] : c.output_dims[3];
  l.k_h = fc ? 1 : c.filter_dims[1];
  l.k_w = fc ? 1 : c.filter_dims[2];
  l.stride_h = c.stride_h;
  l.stride_w = c.stride_w;
  l.dil_h = c.dil_h;
  l.dil_w = c.dil_w;
  l.pad_top = c.pad_top;
  l.pad_left = c.pad_left;
  l.depth_multiplier = c.depth_multiplier;
  l.input_zp = -c.input_offset;
  l.output_zp = c.output_offset;
  l.act_min = c.act_min;
  l.act_max = c.act_max;
  l.input = c.input;
  l.filter = c.filter;
  l.bias = c.bias;
  l.multiplier = c.multiplier;
  l.shift = c.shift;
  l.per_tensor = fc ? 1 : 0;
  l.output = g_output;
  return l;
}

}  // namespace

void run_layers(void) {
  uint64_t total = 0;
  int exact = 0, failed = 0;
  for (int i = 0; i < SASIM_SELFTEST_CASES; ++i) {
    const SasimSelftestCase& c = sasim_selftest_cases_data[i];
    sasim_drv::LayerDesc l = layer_of(c);
    put_str(c.name);
    const int packed = sasim_drv::packed_weights_bytes(kHw, l);
    if (l.out_c > kMaxChannels || packed > kMaxPacked) {
      put_str(": too large for this firmware's buffers\n");
      ++failed;
      continue;
    }
    sasim_drv::fold_biases(l, g_folded);
    l.folded_bias = g_folded;
    if (packed > 0) {
      sasim_drv::pack_weights(kHw, l, g_packed);
      l.packed_weights = g_packed;
    }
    int rc = sasim_drv::run_layer(kHw, l);
    for (int k = 0; k < SASIM_SELFTEST_MAX_OUTPUT; ++k) g_output[k] = 0;
    evict_dcache();
    const uint64_t t0 = mcycle64();
    if (rc == sasim_drv::kOk) rc = sasim_drv::run_layer(kHw, l);
    const uint64_t t1 = mcycle64();
    if (rc != sasim_drv::kOk) {
      put_str(": the driver refused it\n");
      ++failed;
      continue;
    }
    const int n = l.batches * l.out_h * l.out_w * l.out_c;
    int differ = 0;
    for (int k = 0; k < n; ++k) differ += g_output[k] != c.expected[k];
    total += t1 - t0;
    put_str(": ");
    put_dec(t1 - t0);
    put_str(" cycles (sasim ");
    put_dec(c.sasim_cycles);
    put_str("), ");
    if (differ == 0) {
      put_str("bit-exact\n");
      ++exact;
    } else {
      put_dec((uint64_t)differ);
      put_str(" of ");
      put_dec((uint64_t)n);
      put_str(" bytes differ\n");
      ++failed;
    }
  }
  put_str("layers: ");
  put_dec((uint64_t)exact);
  put_str(" bit-exact, ");
  put_dec((uint64_t)failed);
  put_str(" failed\n");
  put_dec(total);
  put_str(" cycles total\n");
}
