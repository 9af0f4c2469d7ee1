#include "sasim_selftest.h"

#include <stdio.h>

#include "perf.h"
#include "sasim_selftest_data.h"
#include "sasim_tflm.h"
#include "tensorflow/lite/kernels/internal/reference/integer_ops/conv.h"
#include "tensorflow/lite/kernels/internal/reference/integer_ops/depthwise_conv.h"
#include "tensorflow/lite/kernels/internal/reference/integer_ops/fully_connected.h"

namespace {

int8_t g_output[SASIM_SELFTEST_MAX_OUTPUT];
unsigned g_cfu_cycles[SASIM_SELFTEST_CASES];
unsigned g_reference_cycles[SASIM_SELFTEST_CASES];

// The fields conv and depthwise parameters share.
template <class Params>
void set_spatial(const SasimSelftestCase& c, Params* p) {
  p->padding_values.height = static_cast<int16_t>(c.pad_top);
  p->padding_values.width = static_cast<int16_t>(c.pad_left);
  p->stride_height = static_cast<int16_t>(c.stride_h);
  p->stride_width = static_cast<int16_t>(c.stride_w);
  p->dilation_height_factor = static_cast<int16_t>(c.dil_h);
  p->dilation_width_factor = static_cast<int16_t>(c.dil_w);
  p->input_offset = c.input_offset;
  p->output_offset = c.output_offset;
  p->quantized_activation_min = c.act_min;
  p->quantized_activation_max = c.act_max;
}

// One call of the case's TFLite Micro entry point into g_output.
void run_case(const SasimSelftestCase& c) {
  const tflite::RuntimeShape in(c.dims_count, c.input_dims);
  const tflite::RuntimeShape filter(c.dims_count, c.filter_dims);
  const tflite::RuntimeShape out(c.dims_count, c.output_dims);
  const int32_t out_c = c.output_dims[c.dims_count - 1];
  const tflite::RuntimeShape bias(1, &out_c);
  if (c.kind == 2) {
    tflite::FullyConnectedParams p = tflite::FullyConnectedParams();
    p.input_offset = c.input_offset;
    p.weights_offset = 0;
    p.output_offset = c.output_offset;
    p.output_multiplier = c.multiplier[0];
    p.output_shift = c.shift[0];
    p.quantized_activation_min = c.act_min;
    p.quantized_activation_max = c.act_max;
    tflite::reference_integer_ops::FullyConnected(p, in, c.input, filter, c.filter, bias, c.bias, out, g_output);
  } else if (c.kind == 1) {
    tflite::DepthwiseParams p = tflite::DepthwiseParams();
    set_spatial(c, &p);
    p.depth_multiplier = static_cast<int16_t>(c.depth_multiplier);
    tflite::reference_integer_ops::DepthwiseConvPerChannel(p, c.multiplier, c.shift, in, c.input, filter, c.filter,
                                                           bias, c.bias, out, g_output);
  } else {
    tflite::ConvParams p = tflite::ConvParams();
    set_spatial(c, &p);
    tflite::reference_integer_ops::ConvPerChannel(p, c.multiplier, c.shift, in, c.input, filter, c.filter, bias,
                                                  c.bias, out, g_output);
  }
}

int output_bytes(const SasimSelftestCase& c) {
  int n = 1;
  for (int i = 0; i < c.dims_count; ++i) n *= c.output_dims[i];
  return n;
}

// Elements that differ from the expected output (poisoning the buffer first
// so that an element never written is caught).
int run_and_compare(const SasimSelftestCase& c, unsigned* cycles) {
  const int n = output_bytes(c);
  for (int i = 0; i < n; ++i) g_output[i] = static_cast<int8_t>(c.expected[i] ^ 0x5a);
  const unsigned t0 = perf_get_mcycle();
  run_case(c);
  const unsigned t1 = perf_get_mcycle();
  if (cycles) *cycles = t1 - t0;
  int bad = 0;
  for (int i = 0; i < n; ++i) bad += g_output[i] != c.expected[i];
  return bad;
}

}  // namespace

int sasim_selftest_cases() { return SASIM_SELFTEST_CASES; }
unsigned sasim_selftest_cfu_cycles(int i) { return g_cfu_cycles[i]; }
unsigned sasim_selftest_reference_cycles(int i) { return g_reference_cycles[i]; }

int sasim_selftest_run() {
  int failures = 0;
  const bool was_enabled = sasim_tflm::Enabled();
  for (int i = 0; i < SASIM_SELFTEST_CASES; ++i) {
    const SasimSelftestCase& c = sasim_selftest_cases_data[i];
    sasim_tflm::SetEnabled(true);
    const unsigned before = sasim_tflm::GetCounters().accelerated;
    int bad = run_and_compare(c, 0);                  // the first call prepares the layer
    bad += run_and_compare(c, &g_cfu_cycles[i]);      // steady state, as every later inference
    const bool on_cfu = sasim_tflm::GetCounters().accelerated == before + 2;
    sasim_tflm::SetEnabled(false);
    const int bad_ref = run_and_compare(c, &g_reference_cycles[i]);
    const bool pass = bad == 0 && on_cfu && bad_ref == 0;
    failures += pass ? 0 : 1;
    printf("sasim self-test %s: CFU %s%s, %u cycles (sasim: %u); reference %s, %u cycles\r\n", c.name,
           bad == 0 ? "PASS" : "FAIL", on_cfu ? "" : " (fell back to the reference code)", g_cfu_cycles[i],
           c.sasim_cycles, bad_ref == 0 ? "PASS" : "FAIL", g_reference_cycles[i]);
  }
  sasim_tflm::SetEnabled(was_enabled);
  printf("sasim self-test: %s\r\n", failures == 0 ? "PASS" : "FAIL");
  return failures;
}
