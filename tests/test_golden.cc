// Golden numerics: bit-exact against every case in ../shared/vectors (outputs
// computed by TFLite Micro's reference kernels), plus small hand-computed
// layers that pin down padding, dilation, depth multiplier and batching.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "sasim/case_io.h"
#include "test_support.h"
#include "sasim/golden.h"

namespace {

using sasim_test::hw_of;
using sasim_test::vector_cases;

sasim::LayerSpec conv_spec(sasim::OpKind op, std::vector<int> in, std::vector<int> f, std::vector<int> out) {
  sasim::LayerSpec s;
  s.op = op;
  s.input_shape = std::move(in);
  s.filter_shape = std::move(f);
  s.output_shape = std::move(out);
  return s;
}

}  // namespace

TEST_CASE("golden is bit-exact on every shared vector case", "[golden]") {
  const auto cases = vector_cases();
  REQUIRE(cases.size() >= 24);
  for (const auto& dir : cases) {
    INFO("case " << dir);
    const sasim::LayerCase c = sasim::load_case(dir);
    std::vector<int8_t> got;
    sasim::golden_layer(c.spec, c.data, &got);
    REQUIRE(got.size() == c.data.output.size());
    size_t diff = 0;
    for (size_t i = 0; i < got.size(); ++i) diff += got[i] != c.data.output[i];
    CHECK(diff == 0);
  }
}

TEST_CASE("golden conv2d: same padding skips outside taps (== input zero point)", "[golden]") {
  // 1x3x3x1 input, 3x3 kernel of ones, same padding, stride 1: the corner
  // output sums only the 4 taps inside the input.
  auto s = conv_spec(sasim::OpKind::kConv2d, {1, 3, 3, 1}, {1, 3, 3, 1}, {1, 3, 3, 1});
  s.padding = sasim::Padding::kSame;
  s.input_zero_point = -1;
  s.output_multiplier = {1 << 30};  // 0.5
  s.output_shift = {1};             // x2: identity
  std::vector<sasim::FieldError> errs;
  REQUIRE(sasim::validate_layer(&s, &errs));
  CHECK(s.pad_top == 1);
  CHECK(s.pad_left == 1);
  sasim::LayerData d;
  d.input = {0, 1, 2, 3, 4, 5, 6, 7, 8};  // minus zp(-1): 1..9
  d.filter.assign(9, 1);
  CHECK(sasim::golden_accumulator(s, d, 0, 0, 0, 0) == 1 + 2 + 4 + 5);
  CHECK(sasim::golden_accumulator(s, d, 0, 1, 1, 0) == 45);
  CHECK(sasim::golden_accumulator(s, d, 0, 2, 2, 0) == 5 + 6 + 8 + 9);
  std::vector<int8_t> out;
  sasim::golden_layer(s, d, &out);
  CHECK(out[4] == 45);
}

TEST_CASE("golden depthwise: depth multiplier and dilation", "[golden]") {
  // 1x5x5x2 input, 3x3 kernel dilated by 2, dm 2 -> 4 output channels, valid.
  auto s = conv_spec(sasim::OpKind::kDepthwiseConv2d, {1, 5, 5, 2}, {1, 3, 3, 4}, {1, 1, 1, 4});
  s.dilation_h = s.dilation_w = 2;
  s.depth_multiplier = 2;
  s.has_bias = true;
  s.output_multiplier.assign(4, 1 << 30);
  s.output_shift.assign(4, 1);
  std::vector<sasim::FieldError> errs;
  REQUIRE(sasim::validate_layer(&s, &errs));
  sasim::LayerData d;
  d.input.resize(50);
  for (int i = 0; i < 50; ++i) d.input[i] = static_cast<int8_t>(i % 2 == 0 ? 1 : 2);  // ch0 = 1, ch1 = 2
  d.filter.resize(36);
  for (int t = 0; t < 9; ++t)
    for (int oc = 0; oc < 4; ++oc) d.filter[t * 4 + oc] = static_cast<int8_t>(oc + 1);
  d.bias = {100, 200, 300, 400};
  // oc 0,1 read input channel 0 (value 1); oc 2,3 read channel 1 (value 2).
  CHECK(sasim::golden_accumulator(s, d, 0, 0, 0, 0) == 100 + 9 * 1 * 1);
  CHECK(sasim::golden_accumulator(s, d, 0, 0, 0, 1) == 200 + 9 * 2 * 1);
  CHECK(sasim::golden_accumulator(s, d, 0, 0, 0, 2) == 300 + 9 * 3 * 2);
  CHECK(sasim::golden_accumulator(s, d, 0, 0, 0, 3) == 400 + 9 * 4 * 2);
}

TEST_CASE("golden fully_connected: batches and per-tensor multiplier", "[golden]") {
  sasim::LayerSpec s;
  s.op = sasim::OpKind::kFullyConnected;
  s.input_shape = {2, 3};
  s.filter_shape = {2, 3};
  s.output_shape = {2, 2};
  s.input_zero_point = 1;
  s.output_multiplier = {1 << 30};
  s.output_shift = {0};  // x0.5
  std::vector<sasim::FieldError> errs;
  REQUIRE(sasim::validate_layer(&s, &errs));
  sasim::LayerData d;
  d.input = {1, 2, 3, 4, 5, 6};   // minus zp: {0,1,2}, {3,4,5}
  d.filter = {1, 1, 1, 2, 0, -1};
  std::vector<int8_t> out;
  sasim::golden_layer(s, d, &out);
  // acc: b0: 3, -2 ; b1: 12, 1  -> x0.5 with srdhm ties up: 2, -1, 6, 1
  CHECK(out == std::vector<int8_t>{2, -1, 6, 1});
}
