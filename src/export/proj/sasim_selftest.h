// The export's self-test: built-in layer cases (sasim_selftest_data.h, made
// by `sasim export-cfu` with sasim's golden model) run through TFLite Micro's
// kernel entry points, on the accelerator and on the reference code.
#ifndef SASIM_SELFTEST_H_
#define SASIM_SELFTEST_H_

#include <stdint.h>

struct SasimSelftestCase {
  const char* name;
  int kind;        // 0 conv (ConvPerChannel), 1 depthwise (DepthwiseConvPerChannel), 2 FullyConnected
  int dims_count;  // 4, or 2 for fully connected ([batches, depth], [units, depth], [batches, units])
  int32_t input_dims[4], filter_dims[4], output_dims[4];
  int stride_h, stride_w, pad_top, pad_left, dil_h, dil_w, depth_multiplier;
  int32_t input_offset, output_offset, act_min, act_max;
  const int8_t* input;
  const int8_t* filter;
  const int32_t* bias;
  const int32_t* multiplier;  // per channel; fully connected: one
  const int32_t* shift;
  const int8_t* expected;     // sasim's golden model (TFLite Micro's reference arithmetic)
  unsigned sasim_cycles;      // sasim's board estimate of the layer (weights prepared)
};

// Runs every case: once to prepare, then timed on the CFU, then timed on the
// reference code. Prints one line per case and a last line "sasim
// self-test: PASS" or "... FAIL"; returns the number of failed checks.
int sasim_selftest_run();

// After sasim_selftest_run(): the cases, and the cycles (perf_get_mcycle)
// case i took on the CFU and on the reference code.
int sasim_selftest_cases();
unsigned sasim_selftest_cfu_cycles(int i);
unsigned sasim_selftest_reference_cycles(int i);

#endif  // SASIM_SELFTEST_H_
