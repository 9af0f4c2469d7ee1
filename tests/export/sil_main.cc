// Software in the loop for an exported CFU Playground project: every layer
// case of ../shared/vectors through TFLite Micro's kernel entry points of the
// export (src/tensorflow/.../integer_ops/*.h), compiled for the host with
// CFU_SOFTWARE_DEFINED, so that each cfu_op() reaches the project's
// software_cfu(), i.e. sasim's cycle model of the exported configuration.
// Each case must be bit-exact on the CFU (and must have run there), and again
// with the bridge off (the override's reference arithmetic).
//
//   test_export_sil_<config> VECTORS_DIR
// Exit 0 when every case passes, 1 otherwise, 2 when no case was found.
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "sasim/case_io.h"
#include "sasim_tflm.h"
#include "tensorflow/lite/kernels/internal/reference/integer_ops/conv.h"
#include "tensorflow/lite/kernels/internal/reference/integer_ops/depthwise_conv.h"
#include "tensorflow/lite/kernels/internal/reference/integer_ops/fully_connected.h"

namespace {

tflite::RuntimeShape shape(const std::vector<int>& d) {
  std::vector<int32_t> v(d.begin(), d.end());
  return tflite::RuntimeShape(static_cast<int>(v.size()), v.data());
}

// The case through the TFLite Micro entry point the interpreter would call.
std::vector<int8_t> run(const sasim::LayerCase& c) {
  const sasim::LayerSpec& s = c.spec;
  std::vector<int8_t> out(static_cast<size_t>(s.output_elems()), 0);
  const int32_t* bias = c.data.bias.empty() ? nullptr : c.data.bias.data();
  const int32_t out_c = s.out_c();
  const tflite::RuntimeShape bias_shape(1, &out_c);
  if (s.op == sasim::OpKind::kFullyConnected) {
    tflite::FullyConnectedParams p = tflite::FullyConnectedParams();
    p.input_offset = -s.input_zero_point;
    p.weights_offset = 0;
    p.output_offset = s.output_zero_point;
    p.quantized_activation_min = s.act_min;
    p.quantized_activation_max = s.act_max;
    const tflite::RuntimeShape in = shape({s.batches(), s.in_c()});
    if (s.output_multiplier.size() == 1) {
      p.output_multiplier = s.output_multiplier[0];
      p.output_shift = s.output_shift[0];
      tflite::reference_integer_ops::FullyConnected(p, in, c.data.input.data(), shape(s.filter_shape),
                                                    c.data.filter.data(), bias_shape, bias, shape(s.output_shape),
                                                    out.data());
    } else {
      const std::vector<int> shifts(s.output_shift.begin(), s.output_shift.end());
      tflite::reference_integer_ops::FullyConnectedPerChannel(
          p, s.output_multiplier.data(), shifts.data(), in, c.data.input.data(), shape(s.filter_shape),
          c.data.filter.data(), bias_shape, bias, shape(s.output_shape), out.data());
    }
    return out;
  }
  auto spatial = [&](auto* p) {
    p->padding_values.height = static_cast<int16_t>(s.pad_top);
    p->padding_values.width = static_cast<int16_t>(s.pad_left);
    p->stride_height = static_cast<int16_t>(s.stride_h);
    p->stride_width = static_cast<int16_t>(s.stride_w);
    p->dilation_height_factor = static_cast<int16_t>(s.dilation_h);
    p->dilation_width_factor = static_cast<int16_t>(s.dilation_w);
    p->input_offset = -s.input_zero_point;
    p->output_offset = s.output_zero_point;
    p->quantized_activation_min = s.act_min;
    p->quantized_activation_max = s.act_max;
  };
  if (s.op == sasim::OpKind::kDepthwiseConv2d) {
    tflite::DepthwiseParams p = tflite::DepthwiseParams();
    spatial(&p);
    p.depth_multiplier = static_cast<int16_t>(s.depth_multiplier);
    tflite::reference_integer_ops::DepthwiseConvPerChannel(
        p, s.output_multiplier.data(), s.output_shift.data(), shape(s.input_shape), c.data.input.data(),
        shape(s.filter_shape), c.data.filter.data(), bias_shape, bias, shape(s.output_shape), out.data());
  } else {
    tflite::ConvParams p = tflite::ConvParams();
    spatial(&p);
    tflite::reference_integer_ops::ConvPerChannel(p, s.output_multiplier.data(), s.output_shift.data(),
                                                  shape(s.input_shape), c.data.input.data(), shape(s.filter_shape),
                                                  c.data.filter.data(), bias_shape, bias, shape(s.output_shape),
                                                  out.data());
  }
  return out;
}

std::string first_diff(const std::vector<int8_t>& got, const std::vector<int8_t>& want) {
  size_t n = 0, first = 0;
  for (size_t i = 0; i < want.size(); ++i)
    if (got[i] != want[i] && n++ == 0) first = i;
  if (n == 0) return "";
  return std::to_string(n) + "/" + std::to_string(want.size()) + " differ, first at " + std::to_string(first) +
         ": got " + std::to_string(got[first]) + " want " + std::to_string(want[first]);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s VECTORS_DIR\n", argv[0]);
    return 2;
  }
  std::vector<std::string> dirs;
  if (DIR* d = opendir(argv[1])) {
    while (dirent* e = readdir(d)) {
      const std::string dir = std::string(argv[1]) + "/" + e->d_name;
      struct stat st;
      if (e->d_name[0] != '.' && stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) dirs.push_back(dir);
    }
    closedir(d);
  }
  std::sort(dirs.begin(), dirs.end());
  int passed = 0, failed = 0;
  for (const std::string& dir : dirs) {
    const sasim::LayerCase c = sasim::load_case(dir);
    // Each case's tensors are fresh buffers: forget what earlier cases prepared.
    sasim_tflm::ResetPrepared();
    sasim_tflm::SetEnabled(true);
    const unsigned before = sasim_tflm::GetCounters().accelerated;
    const std::string cfu = first_diff(run(c), c.data.output);
    const bool on_cfu = sasim_tflm::GetCounters().accelerated == before + 1;
    // A second call reuses the prepared weights.
    const std::string again = first_diff(run(c), c.data.output);
    sasim_tflm::SetEnabled(false);
    const std::string ref = first_diff(run(c), c.data.output);
    if (cfu.empty() && on_cfu && again.empty() && ref.empty()) {
      std::printf("PASS %s\n", c.name.c_str());
      ++passed;
    } else {
      std::printf("FAIL %s:%s%s%s%s\n", c.name.c_str(), on_cfu ? "" : " fell back to the reference code;",
                  cfu.empty() ? "" : (" CFU " + cfu + ";").c_str(),
                  again.empty() ? "" : (" CFU, prepared " + again + ";").c_str(),
                  ref.empty() ? "" : (" reference " + ref).c_str());
      ++failed;
    }
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  if (passed + failed == 0) return 2;
  return failed ? 1 : 0;
}
