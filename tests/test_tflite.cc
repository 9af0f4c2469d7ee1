// The TFLite reader and importer on the real models of ../shared/models (read
// in place), on corrupt and truncated files, and under seeded mutation.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>

#include "sasim/case_io.h"
#include "sasim/config.h"
#include "tflite/arena_plan.h"
#include "tflite/graph.h"
#include "tflite/import.h"
#include "tflite/reader.h"
#include "tflite_subset_generated.h"

namespace {

const std::string kModels = std::string(SASIM_SHARED_DIR) + "/models/";
const std::string kVectors = std::string(SASIM_SHARED_DIR) + "/vectors/";

std::string slurp(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::map<std::string, int> op_counts(const sasim::tflite::Model& m) {
  std::map<std::string, int> c;
  for (const auto& o : m.operators) c[sasim::tflite::op_name(o.code)]++;
  return c;
}

}  // namespace

TEST_CASE("every model of ../shared/models reads, with its operators", "[tflite]") {
  const auto r8 = sasim::tflite::load_tflite(kModels + "pretrainedResnet_quant.tflite");
  CHECK(op_counts(r8) == std::map<std::string, int>{{"ADD", 3}, {"AVERAGE_POOL_2D", 1}, {"CONV_2D", 9},
                                                    {"FULLY_CONNECTED", 1}, {"RESHAPE", 1}, {"SOFTMAX", 1}});
  CHECK(r8.tensors[static_cast<size_t>(r8.inputs[0])].shape == std::vector<int>{1, 32, 32, 3});
  const auto kws = sasim::tflite::load_tflite(kModels + "kws_ref_model.tflite");
  CHECK(op_counts(kws) == std::map<std::string, int>{{"AVERAGE_POOL_2D", 1}, {"CONV_2D", 5}, {"DEPTHWISE_CONV_2D", 4},
                                                     {"FULLY_CONNECTED", 1}, {"RESHAPE", 1}, {"SOFTMAX", 1}});
  for (const char* f : {"ad01_int8.tflite", "vww_96_int8.tflite", "model_pdti8.tflite", "model_micro_speech.tflite",
                        "model_mobilenetv2_160_035.tflite"}) {
    INFO(f);
    const auto m = sasim::tflite::load_tflite(kModels + f);
    CHECK(!m.operators.empty());
    CHECK(m.tensors[static_cast<size_t>(m.inputs[0])].type == sasim::tflite::kInt8);
    CHECK_NOTHROW(sasim::tflite::import_model(m));
  }
}

TEST_CASE("imported layers equal the vector cases cut from the same models", "[tflite]") {
  // Every case of ../shared/vectors that names a model operator: the importer
  // must give the same shapes, quantization (multipliers, shifts, clamps) and
  // weights as the case (which TFLite Micro's preparation produced).
  std::map<std::string, sasim::tflite::Imported> imported;
  int compared = 0;
  for (const char* name : {"resnet8__00_conv2d", "resnet8__01_conv2d", "resnet8__06_conv2d", "resnet8__14_fully_connected",
                           "dscnn_kws__00_conv2d", "dscnn_kws__01_depthwise_conv2d", "dscnn_kws__02_conv2d",
                           "dscnn_kws__11_fully_connected"}) {
    INFO(name);
    const std::string yaml = slurp(kVectors + name + "/case.yaml");
    const size_t at = yaml.find("source: ");
    REQUIRE(at != std::string::npos);
    std::istringstream src(yaml.substr(at + 8));
    std::string file, word;
    int op_index = -1;
    src >> file >> word >> op_index;
    REQUIRE(word == "operator");
    if (!imported.count(file))
      imported[file] = sasim::tflite::import_model(sasim::tflite::load_tflite(kModels + file));
    const sasim::tflite::ImportedLayer* layer = nullptr;
    for (const auto& l : imported[file].layers)
      if (l.op_index == op_index) layer = &l;
    REQUIRE(layer != nullptr);
    const sasim::LayerCase c = sasim::load_case(kVectors + name);
    const sasim::LayerSpec& a = layer->spec;
    const sasim::LayerSpec& b = c.spec;
    CHECK(a.op == b.op);
    CHECK(a.input_shape == b.input_shape);
    CHECK(a.filter_shape == b.filter_shape);
    CHECK(a.output_shape == b.output_shape);
    CHECK(a.stride_h == b.stride_h);
    CHECK(a.stride_w == b.stride_w);
    CHECK(a.pad_top == b.pad_top);
    CHECK(a.pad_left == b.pad_left);
    CHECK(a.depth_multiplier == b.depth_multiplier);
    CHECK(a.input_zero_point == b.input_zero_point);
    CHECK(a.output_zero_point == b.output_zero_point);
    CHECK(a.output_multiplier == b.output_multiplier);
    CHECK(a.output_shift == b.output_shift);
    CHECK(a.act_min == b.act_min);
    CHECK(a.act_max == b.act_max);
    CHECK(layer->filter == c.data.filter);
    CHECK(layer->bias == c.data.bias);
    ++compared;
  }
  CHECK(compared == 8);
}

TEST_CASE("corrupt and truncated models are rejected with the file named", "[tflite]") {
  const std::string good = slurp(kModels + "model_micro_speech.tflite");
  auto rejects = [&](const std::string& bytes, const std::string& why) {
    INFO(why);
    try {
      sasim::tflite::import_model(sasim::tflite::parse_tflite(bytes, "bad.tflite"));
      FAIL("accepted");
    } catch (const sasim::ConfigError& e) {
      CHECK(std::string(e.what()).rfind("bad.tflite: ", 0) == 0);
    }
  };
  rejects("", "empty");
  rejects(good.substr(0, 7), "shorter than the header");
  for (size_t cut : {size_t{64}, good.size() / 3, good.size() / 2, good.size() - 1})
    rejects(good.substr(0, cut), "truncated at " + std::to_string(cut));
  std::string wrong_id = good;
  wrong_id[4] = 'X';
  rejects(wrong_id, "wrong file identifier");
  std::string bad_root = good;
  bad_root[0] = '\xff';
  bad_root[1] = '\xff';
  rejects(bad_root, "root offset out of the file");
}

TEST_CASE("an unsupported operator or a float model is named, with its index", "[tflite]") {
  // A one-operator model built with the generated builder: TANH (code 28).
  auto build = [](int32_t code, sasim_tflite::TensorType type) {
    flatbuffers::FlatBufferBuilder fbb;
    std::vector<flatbuffers::Offset<sasim_tflite::Buffer>> buffers{sasim_tflite::CreateBuffer(fbb)};
    std::vector<int32_t> shape{1, 4};
    auto t0 = sasim_tflite::CreateTensor(fbb, fbb.CreateVector(shape), type, 0, fbb.CreateString("in"));
    auto t1 = sasim_tflite::CreateTensor(fbb, fbb.CreateVector(shape), type, 0, fbb.CreateString("out"));
    std::vector<int32_t> in{0}, out{1};
    auto op = sasim_tflite::CreateOperator(fbb, 0, fbb.CreateVector(in), fbb.CreateVector(out));
    std::vector<flatbuffers::Offset<sasim_tflite::Tensor>> tensors{t0, t1};
    std::vector<flatbuffers::Offset<sasim_tflite::Operator>> ops{op};
    auto sg = sasim_tflite::CreateSubGraph(fbb, fbb.CreateVector(tensors), fbb.CreateVector(in), fbb.CreateVector(out),
                                           fbb.CreateVector(ops));
    std::vector<flatbuffers::Offset<sasim_tflite::OperatorCode>> codes{
        sasim_tflite::CreateOperatorCode(fbb, static_cast<int8_t>(code < 127 ? code : 127), 0, 1, code)};
    std::vector<flatbuffers::Offset<sasim_tflite::SubGraph>> sgs{sg};
    auto model = sasim_tflite::CreateModel(fbb, 3, fbb.CreateVector(codes), fbb.CreateVector(sgs), 0,
                                           fbb.CreateVector(buffers));
    sasim_tflite::FinishModelBuffer(fbb, model);
    return std::string(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
  };
  try {
    sasim::tflite::import_model(sasim::tflite::parse_tflite(build(28, sasim_tflite::TensorType_INT8), "tanh.tflite"));
    FAIL("accepted");
  } catch (const sasim::ConfigError& e) {
    CHECK(std::string(e.what()).find("tanh.tflite: operator 0 (BUILTIN_28): is not supported") == 0);
  }
  try {
    sasim::tflite::import_model(sasim::tflite::parse_tflite(build(22, sasim_tflite::TensorType_FLOAT32), "f.tflite"));
    FAIL("accepted");
  } catch (const sasim::ConfigError& e) {
    CHECK(std::string(e.what()).find("f.tflite: a float model") == 0);
  }
}

TEST_CASE("seeded mutations of real models never crash the reader", "[tflite][fuzz]") {
  // Byte flips, truncations and splices: each either reads (then imports or
  // is rejected) or is rejected with a ConfigError; any other outcome (a
  // crash, another exception) fails the test.
  std::mt19937 rng(20261202);
  int rejected = 0, accepted = 0, ran = 0, refused = 0;
  for (const char* f : {"model_micro_speech.tflite", "pretrainedResnet_quant.tflite", "ad01_int8.tflite"}) {
    const std::string good = slurp(kModels + f);
    for (int i = 0; i < 700; ++i) {
      std::string b = good;
      const int kind = static_cast<int>(rng() % 3);
      if (kind == 0) {
        for (int k = 0; k < 1 + static_cast<int>(rng() % 8); ++k) b[rng() % b.size()] = static_cast<char>(rng());
      } else if (kind == 1) {
        b.resize(rng() % b.size());
      } else {
        const size_t at = rng() % b.size(), len = std::min<size_t>(64, b.size() - at);
        b.replace(at, len, good.substr(rng() % (good.size() - len), len));
      }
      try {
        const auto m = sasim::tflite::parse_tflite(b, "mutant.tflite");
        const auto im = sasim::tflite::import_model(m);
        ++accepted;
        // An imported mutant of a small model also runs on the golden
        // library: it completes or an operator refuses (std::runtime_error).
        if (std::string(f) != "pretrainedResnet_quant.tflite") {
          const auto& in = m.tensors[static_cast<size_t>(m.inputs[0])];
          if (in.elements() > 0 && in.elements() < (1 << 20)) {
            try {
              sasim::tflite::run_golden(m, im, std::vector<int8_t>(static_cast<size_t>(in.elements()), 0), nullptr);
              ++ran;
            } catch (const std::runtime_error&) {
              ++refused;
            }
          }
        }
      } catch (const sasim::ConfigError&) {
        ++rejected;
      }
    }
  }
  INFO(accepted << " accepted, " << rejected << " rejected; " << ran << " ran, " << refused << " refused to run");
  CHECK(rejected > 0);
  CHECK(ran > 0);
  CHECK(accepted + rejected == 2100);
}


TEST_CASE("whole networks on the golden library equal TFLite Micro's outputs", "[tflite][network]") {
  // ../shared/models/expected: five seeded inputs per model, the output of
  // the TFLite Micro interpreter, and for seed 1 every operator's output.
  for (const char* stem : {"pretrainedResnet_quant", "kws_ref_model"}) {
    const auto m = sasim::tflite::load_tflite(kModels + stem + ".tflite");
    const auto im = sasim::tflite::import_model(m);
    const std::string dir = kModels + "expected/" + stem + "/";
    for (int seed = 1; seed <= 5; ++seed) {
      INFO(stem << " seed " << seed);
      const std::string in = slurp(dir + "input_" + std::to_string(seed) + ".bin");
      const std::string want = slurp(dir + "output_" + std::to_string(seed) + ".bin");
      REQUIRE(!in.empty());
      std::map<int, std::vector<int8_t>> tensors;
      const std::vector<int8_t> got =
          sasim::tflite::run_golden(m, im, std::vector<int8_t>(in.begin(), in.end()), seed == 1 ? &tensors : nullptr);
      CHECK(std::string(got.begin(), got.end()) == want);
      if (seed != 1) continue;
      for (const auto& op : m.operators) {
        const int t = op.outputs[0];
        const std::string ref = slurp(dir + "intermediate_1/t" + std::to_string(t) + ".bin");
        if (ref.empty()) continue;
        INFO("operator " << op.index << " (" << sasim::tflite::op_name(op.code) << ") tensor " << t);
        CHECK(std::string(tensors[t].begin(), tensors[t].end()) == ref);
      }
    }
  }
}

#include "sasim/cpu_ops.h"

TEST_CASE("MUL and SUB: TFLite Micro's rounding, activation and broadcasting", "[tflite][cpu_ops]") {
  using sasim::QuantParam;
  std::vector<int8_t> out;
  // MUL, real multiplier 0.5 (a 2^30 multiplier): SaturatingRoundingDoubling-
  // HighMul rounds 7.5 up and -7.5 up to -7 (its nudge is 1 - 2^30 below 0).
  sasim::mul_int8({3, -3, 127, -128}, {4}, QuantParam{0.5f, 0}, {5, 5, 127, -128}, {4}, QuantParam{0.25f, 0},
                  QuantParam{0.25f, 0}, 0, {4}, &out);
  CHECK(out == std::vector<int8_t>({8, -7, 127, 127}));  // 127*127/2 and 128*128/2 saturate
  // Zero points, relu (clamped at the output zero point) and a scalar
  // broadcast over [1,2,2,1]: (a - 1) * (4 - 2) * (1*1/1) + 3.
  sasim::mul_int8({1, 2, -5, 0}, {1, 2, 2, 1}, QuantParam{1.0f, 1}, {4}, {}, QuantParam{1.0f, 2}, QuantParam{1.0f, 3},
                  1, {1, 2, 2, 1}, &out);
  CHECK(out == std::vector<int8_t>({3, 5, 3, 3}));  // relu: max(3, ...): -12+3 and -2+3 clamp to 3
  // Channel broadcast: [1,1,2,3] * [3].
  sasim::mul_int8({1, 2, 3, 4, 5, 6}, {1, 1, 2, 3}, QuantParam{1.0f, 0}, {1, 10, -1}, {3}, QuantParam{1.0f, 0},
                  QuantParam{1.0f, 0}, 0, {1, 1, 2, 3}, &out);
  CHECK(out == std::vector<int8_t>({1, 20, -3, 4, 50, -6}));
  // SUB with equal scales is exact; with an output scale of 2, halves round
  // away from zero (RoundingDivideByPOT).
  sasim::sub_int8({10, -7, 3, -3}, {4}, QuantParam{1.0f, 0}, {4, 5, 0, 0}, {4}, QuantParam{1.0f, 0},
                  QuantParam{1.0f, 0}, 0, {4}, &out);
  CHECK(out == std::vector<int8_t>({6, -12, 3, -3}));
  sasim::sub_int8({10, -7, 3, -3}, {4}, QuantParam{1.0f, 0}, {4, 5, 0, 0}, {4}, QuantParam{1.0f, 0},
                  QuantParam{2.0f, 0}, 0, {4}, &out);
  CHECK(out == std::vector<int8_t>({3, -6, 2, -2}));
  // Zero points and a [1] operand broadcast against [2,2]; relu6 with scale
  // 0.5 and zero point -10 clamps to [-10, 2].
  sasim::sub_int8({0, 20, -20, 127}, {2, 2}, QuantParam{0.5f, -10}, {-10}, {1}, QuantParam{0.5f, -10},
                  QuantParam{0.5f, -10}, 3, {2, 2}, &out);
  CHECK(out == std::vector<int8_t>({0, 2, -10, 2}));
  // Shapes that do not broadcast are refused.
  CHECK_THROWS(sasim::mul_int8({1, 2}, {2}, QuantParam{}, {1, 2, 3}, {3}, QuantParam{}, QuantParam{}, 0, {3}, &out));
}

TEST_CASE("all seven models run end to end on the golden library", "[tflite][network]") {
  // No TFLite Micro outputs for five of them: the run must complete and
  // produce an output of the output tensor's size.
  for (const char* stem : {"ad01_int8", "model_micro_speech", "model_pdti8", "vww_96_int8",
                           "model_mobilenetv2_160_035"}) {
    INFO(stem);
    const auto m = sasim::tflite::load_tflite(kModels + stem + ".tflite");
    const auto im = sasim::tflite::import_model(m);
    const auto& in_t = m.tensors[static_cast<size_t>(m.inputs[0])];
    const auto& out_t = m.tensors[static_cast<size_t>(m.outputs[0])];
    std::vector<int8_t> in(static_cast<size_t>(in_t.elements()));
    for (size_t i = 0; i < in.size(); ++i) in[i] = static_cast<int8_t>((i * 37) & 0xff);
    CHECK(sasim::tflite::run_golden(m, im, in, nullptr).size() == static_cast<size_t>(out_t.elements()));
  }
}

TEST_CASE("MAX_POOL_2D, PAD, QUANTIZE and DEQUANTIZE: hand-derived values", "[tflite][cpu_ops]") {
  using sasim::QuantParam;
  std::vector<int8_t> out;
  // 3x3 input, 2x2 window, stride 2, SAME: the windows at the edge are clipped.
  sasim::PoolParams p{1, 3, 3, 1, 2, 2, 2, 2, 2, 2, 0, 0};
  p.act_max = 8;  // an activation clamp
  sasim::max_pool_int8({1, -5, 3, 4, -128, 6, 7, 9, -2}, p, &out);
  CHECK(out == std::vector<int8_t>({4, 6, 8, -2}));
  // PAD: one row above, two columns right, value -3.
  sasim::pad_int8({1, 2, 3, 4}, {2, 2}, {{1, 0}, {0, 2}}, -3, &out);
  CHECK(out == std::vector<int8_t>({-3, -3, -3, -3, 1, 2, -3, -3, 3, 4, -3, -3}));
  // Requantize by 0.5 into zero point 1: 1.5 rounds to 2, -1.5 to -1
  // (SaturatingRoundingDoublingHighMul), then saturation.
  sasim::requantize_int8({3, -3, 127, -128}, QuantParam{1.0f, 0}, QuantParam{2.0f, 1}, &out);
  CHECK(out == std::vector<int8_t>({3, 0, 65, -63}));
  sasim::requantize_int8({100, -100}, QuantParam{1.0f, 0}, QuantParam{0.5f, 0}, &out);
  CHECK(out == std::vector<int8_t>({127, -128}));
  // Float to int8: halves away from zero, saturation, NaN to the zero point.
  sasim::quantize_float({0.25f, -0.25f, 1000.0f, -1e30f, std::nanf("")}, QuantParam{0.5f, 2}, &out);
  CHECK(out == std::vector<int8_t>({3, 1, 127, -128, 2}));
  std::vector<float> f;
  sasim::dequantize_int8({3, -128}, QuantParam{0.5f, 1}, &f);
  CHECK(f == std::vector<float>({1.0f, -64.5f}));
}

TEST_CASE("CONCATENATION copies its inputs along the axis", "[tflite][cpu_ops]") {
  sasim::tflite::Model m;
  m.path = "synthetic.tflite";
  auto tensor = [&](std::vector<int> shape) {
    sasim::tflite::Tensor t;
    t.index = static_cast<int>(m.tensors.size());
    t.shape = std::move(shape);
    t.type = sasim::tflite::kInt8;
    t.quant.scale = {0.5f};
    t.quant.zero_point = {0};
    m.tensors.push_back(t);
    return t.index;
  };
  const int a = tensor({1, 2, 1}), b = tensor({1, 2, 2}), o = tensor({1, 2, 3});
  sasim::tflite::Operator op;
  op.code = sasim::tflite::kConcatenation;
  op.inputs = {a, b};
  op.outputs = {o};
  op.options.axis = -1;
  m.operators.push_back(op);
  std::map<int, std::vector<int8_t>> t{{a, {1, 2}}, {b, {10, 11, 20, 21}}};
  const sasim::tflite::Imported im;
  CHECK(sasim::tflite::run_golden_op(m, im, op, t) == std::vector<int8_t>({1, 10, 11, 2, 20, 21}));
}

#include <cmath>

TEST_CASE("LOGISTIC, LEAKY_RELU and MEAN: TFLite Micro's fixed-point results", "[tflite][cpu_ops]") {
  using sasim::QuantParam;
  std::vector<int8_t> out;
  // LOGISTIC, input scale 0.1: the radius is 120 (inputs at or beyond it
  // saturate); 0 maps to 0.5 (int8 0); within 1 of the real sigmoid; odd
  // symmetry up to the rounding of the final shift.
  std::vector<int8_t> x;
  for (int v = -128; v <= 127; ++v) x.push_back(static_cast<int8_t>(v));
  sasim::logistic_int8(x, QuantParam{0.1f, 0}, &out);
  for (int v = -128; v <= 127; ++v) {
    INFO("x " << v);
    const int8_t o = out[static_cast<size_t>(v + 128)];
    const double want = 256.0 / (1.0 + std::exp(-0.1 * v)) - 128.0;
    CHECK(std::abs(o - want) <= 1.0);
    if (v <= -120) CHECK(o == -128);
    if (v >= 120) CHECK(o == 127);
  }
  CHECK(out[128] == 0);
  CHECK(out[128 + 10] == 59);   // sigmoid(1) * 256 - 128 = 59.15
  CHECK(out[128 - 10] == -59);  // sigmoid(-1) * 256 - 128 = -59.15
  // LEAKY_RELU, alpha 0.5: SaturatingRoundingDoublingHighMul rounds -1.5 to -1.
  sasim::leaky_relu_int8({4, -4, -3, 0}, QuantParam{1.0f, 0}, QuantParam{1.0f, 0}, 0.5f, &out);
  CHECK(out == std::vector<int8_t>({4, -2, -1, 0}));
  // Zero points on both sides and a rescale: (x - 2) * 2 / 1 + (-5), negative part * 0.25.
  sasim::leaky_relu_int8({10, -6, 127}, QuantParam{2.0f, 2}, QuantParam{1.0f, -5}, 0.25f, &out);
  CHECK(out == std::vector<int8_t>({11, -9, 127}));
  // MEAN over H and W of [1,2,2,2] with equal parameters: N = 4 is a power
  // of two and the fold gives double rounding: channel 0 sums 9 -> 2.25
  // rounds to 3 (the sum is halved with ties up, then halved again).
  sasim::mean_int8({1, 1, 2, 2, 3, 3, 3, 5}, {1, 2, 2, 2}, {1, 2}, QuantParam{0.5f, 0}, QuantParam{0.5f, 0}, &out);
  CHECK(out == std::vector<int8_t>({3, 3}));  // 9/4 -> 3 (TFLite Micro), 11/4 -> 3
  // A zero point and N = 3 with a negative axis.
  sasim::mean_int8({-10, -11, -13, 4, 5, 7}, {2, 3}, {-1}, QuantParam{1.0f, -10}, QuantParam{1.0f, -10}, &out);
  CHECK(out == std::vector<int8_t>({-11, 5}));  // -34/3 = -11.33, 16/3 = 5.33
}

#include <fmt/format.h>

#include "tflite/network_config.h"

namespace {
// A whole network of one 2x2 max pool (and its quantization), from YAML text.
std::string pool_net(double out_scale, int out_zp) {
  return "name: p\n"
         "input: {name: x, shape: [1, 4, 4, 2], scale: 0.5, zero_point: 3}\n"
         "layers:\n"
         "  - name: pooled\n"
         "    op: max_pool_2d\n"
         "    inputs: [x]\n"
         "    filter: [2, 2]\n"
         "    stride: [2, 2]\n"
         "    padding: valid\n"
         "    output_shape: [1, 2, 2, 2]\n" +
         fmt::format("    output_scale: {}\n    output_zero_point: {}\n", out_scale, out_zp) +
         "  - name: joined\n"
         "    op: concatenation\n"
         "    inputs: [pooled, x]\n"
         "    axis: 1\n"
         "    output_shape: [1, 6, 4, 2]\n" +
         fmt::format("    output_scale: {}\n    output_zero_point: {}\n", out_scale, out_zp);
}
}  // namespace

TEST_CASE("a whole-network config builds the model a .tflite file would, with Prepare's checks", "[tflite][config]") {
  // Shape mismatch in the concatenation is Prepare's business: [1,2,2,2] and
  // [1,4,4,2] along axis 1 do not fill [1,6,4,2].
  const sasim::ModelConfig bad_shapes = sasim::parse_model_config(pool_net(0.5, 3), "net.yaml", ".", {});
  try {
    sasim::tflite::network_from_config(bad_shapes);
    FAIL("a concatenation whose inputs differ off the axis was accepted");
  } catch (const sasim::ConfigError& e) {
    CHECK(std::string(e.what()) == "net.yaml:13:5: layers[1] (joined): inputs differ off the axis");
  }
  // TFLite Micro's int8 pooling does not rescale: other output quantization is refused.
  const sasim::ModelConfig rescaled = sasim::parse_model_config(pool_net(0.25, 3), "net.yaml", ".", {});
  try {
    sasim::tflite::network_from_config(rescaled);
    FAIL("a pooling that rescales was accepted");
  } catch (const sasim::ConfigError& e) {
    CHECK(std::string(e.what()) == "net.yaml:4:5: layers[0] (pooled): input and output quantization differ "
                                   "(TFLite Micro's int8 pooling requires them equal)");
  }
  // The accepted form: tensors, operators and options as in a .tflite file.
  std::string ok = pool_net(0.5, 3);
  ok.replace(ok.find("inputs: [pooled, x]"), 19, "inputs: [pooled, pooled]");
  ok.replace(ok.find("output_shape: [1, 6, 4, 2]"), 26, "output_shape: [1, 4, 2, 2]");
  const sasim::tflite::Network net =
      sasim::tflite::network_from_config(sasim::parse_model_config(ok, "net.yaml", ".", {}));
  REQUIRE(net.model.operators.size() == 2);
  CHECK(net.model.operators[0].code == sasim::tflite::kMaxPool2d);
  CHECK(net.model.operators[0].options.filter_h == 2);
  CHECK(net.model.operators[1].inputs == std::vector<int>{1, 1});
  CHECK(net.model.tensors[0].quant.scale[0] == 0.5f);
  CHECK(net.model.outputs == std::vector<int>{2});
  std::map<int, std::vector<int8_t>> t;
  std::vector<int8_t> in(32);
  for (size_t i = 0; i < in.size(); ++i) in[i] = static_cast<int8_t>(i * 7 % 50 - 20);
  const std::vector<int8_t> out = sasim::tflite::run_golden(net.model, net.imported, in);
  // Channel 0 of the top-left window: max of x[0,0..1,0..1,0] = in[0], in[2], in[8], in[10].
  CHECK(out[0] == std::max({in[0], in[2], in[8], in[10]}));
  CHECK(out.size() == 16);
  CHECK(std::vector<int8_t>(out.begin(), out.begin() + 8) == std::vector<int8_t>(out.begin() + 8, out.end()));
}

#include <cstdio>
#include <unistd.h>

#include "config/npy.h"
#include "tflite/model_input.h"

namespace {

// A version-1 .npy file: magic, version, length, the header padded to 64
// bytes as NumPy writes it, then the data.
std::string npy_bytes(const std::string& dict, const std::string& data) {
  std::string h = dict;
  while ((10 + h.size() + 1) % 64 != 0) h += ' ';
  h += '\n';
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(h.size() & 0xff);
  out += static_cast<char>(h.size() >> 8);
  return out + h + data;
}

std::string write_temp(const std::string& bytes) {
  char path[] = "/tmp/sasim_npy_XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  REQUIRE(write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
  close(fd);
  return path;
}

std::string input_error(const std::string& bytes, const sasim::tflite::Tensor& t) {
  const std::string path = write_temp(bytes);
  std::string what;
  try {
    sasim::tflite::model_input(path, 1, t);
  } catch (const sasim::ConfigError& e) {
    what = e.what();
  }
  std::remove(path.c_str());
  return what;
}

}  // namespace

TEST_CASE(".npy headers are parsed strictly", "[tflite][npy]") {
  const sasim::NpyHeader h =
      sasim::parse_npy_header(npy_bytes("{'descr': '|i1', 'fortran_order': False, 'shape': (1, 32, 32, 3), }", ""));
  CHECK(h.descr == "|i1");
  CHECK(!h.fortran_order);
  CHECK(h.shape == std::vector<int64_t>{1, 32, 32, 3});
  CHECK(h.elements() == 3072);
  CHECK(h.data_offset == 128);
  CHECK(sasim::parse_npy_header(npy_bytes("{'descr': '<f4', 'fortran_order': True, 'shape': (10,), }", "")).shape ==
        std::vector<int64_t>{10});
  CHECK(sasim::parse_npy_header(npy_bytes("{'shape': (), 'descr': '|i1', 'fortran_order': False}", "")).elements() == 1);
  auto error = [](const std::string& bytes) {
    try {
      sasim::parse_npy_header(bytes);
    } catch (const sasim::NpyError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  std::string cut = npy_bytes("{'descr': '|i1', 'fortran_order': False, 'shape': (1, 2", "");
  CHECK(error(cut.substr(0, 10 + 50)).find("ends inside the .npy header") != std::string::npos);
  std::string dict_cut = "\x93NUMPY";
  dict_cut += std::string("\x01\x00", 2);
  const std::string cut_dict = "{'descr': '|i1', 'fortran_order': False";
  dict_cut += static_cast<char>(cut_dict.size());
  dict_cut += '\0';
  dict_cut += cut_dict;
  CHECK(error(dict_cut).find("cut off") != std::string::npos);
  CHECK(error(npy_bytes("{'descr': '|i1', 'fortran_order': False, 'shape': (1, -2, 3), }", "")).find("negative") !=
        std::string::npos);
  CHECK(error(npy_bytes("{'descr': '|i1', 'fortran_order': False, 'shape': (1, 2147483648, 2147483648, 3), }", ""))
            .find("2^40") != std::string::npos);
  CHECK(error(npy_bytes("{'descr': '|i1', 'fortran_order': Maybe, 'shape': (1,), }", "")).find("fortran_order") !=
        std::string::npos);
  CHECK(error(npy_bytes("{'descr': '|i1', 'shape': (1,), }", "")).find("lacks") != std::string::npos);
  CHECK(error("\x93NUMPY\x07").find("preamble") != std::string::npos);
  CHECK(sasim::npy_shape_text({1, 3, 32, 32}) == "(1, 3, 32, 32)");
  CHECK(sasim::npy_shape_text({7}) == "(7,)");
}

TEST_CASE("a .npy input must be int8 and of the input tensor's shape", "[tflite][npy]") {
  sasim::tflite::Tensor t;
  t.name = "input";
  t.shape = {1, 32, 32, 3};
  t.type = sasim::tflite::kInt8;
  t.quant.scale = {0.5f};
  t.quant.zero_point = {-128};
  const std::string data(3072, '\x05');
  // The tensor's shape, or without its leading 1: read.
  for (const char* shape : {"(1, 32, 32, 3)", "(32, 32, 3)"}) {
    const std::string path =
        write_temp(npy_bytes(std::string("{'descr': '|i1', 'fortran_order': False, 'shape': ") + shape + ", }", data));
    const std::vector<int8_t> v = sasim::tflite::model_input(path, 1, t);
    std::remove(path.c_str());
    CHECK(v.size() == 3072);
    CHECK(v[100] == 5);
  }
  // PyTorch's NCHW layout: the right byte count, the wrong order.
  CHECK(input_error(npy_bytes("{'descr': '|i1', 'fortran_order': False, 'shape': (1, 3, 32, 32), }", data), t)
            .find("is a (1, 3, 32, 32) array; the input tensor input is 1x32x32x3") != std::string::npos);
  // float32: say it is int8 and how to quantize, not a wrong byte count.
  const std::string f4 =
      input_error(npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 32, 32, 3), }",
                            std::string(4 * 3072, '\0')),
                  t);
  CHECK(f4.find("'<f4'") != std::string::npos);
  CHECK(f4.find("q = round(x / 0.5) + -128") != std::string::npos);
  CHECK(input_error(npy_bytes("{'descr': '|i1', 'fortran_order': True, 'shape': (1, 32, 32, 3), }", data), t)
            .find("Fortran") != std::string::npos);
  CHECK(input_error(npy_bytes("{'descr': '|i1', 'fortran_order': False, 'shape': (1, 32, 32, 3), }", data + "x"), t)
            .find("3073 bytes of data") != std::string::npos);
  // A raw file of the wrong size names what the tensor needs.
  CHECK(input_error(std::string(3071, 'a'), t).find("holds 3071 bytes; the input tensor input (1x32x32x3, int8) needs 3072 bytes") !=
        std::string::npos);
  CHECK(input_error(std::string(3072 + 70000, 'a'), t).find("needs 3072 bytes") != std::string::npos);
}

TEST_CASE("seeded mutations of a .npy input never crash the reader", "[tflite][npy][fuzz]") {
  // Byte flips and random 32-bit words in the preamble and header, and
  // truncations: each is read (of the tensor's shape) or refused with a
  // ConfigError; anything else fails the test.
  sasim::tflite::Tensor t;
  t.name = "input";
  t.shape = {1, 8, 8, 3};
  t.type = sasim::tflite::kInt8;
  const std::string good =
      npy_bytes("{'descr': '|i1', 'fortran_order': False, 'shape': (1, 8, 8, 3), }", std::string(192, '\x07'));
  std::mt19937 rng(20261206);
  auto draw = [&](uint32_t n) { return static_cast<uint32_t>(rng() % n); };  // one draw per statement
  int read = 0, refused = 0;
  for (int i = 0; i < 1500; ++i) {
    std::string b = good;
    const int kind = static_cast<int>(draw(3));
    if (kind == 0) {
      const uint32_t flips = 1 + draw(4);
      for (uint32_t k = 0; k < flips; ++k) {
        const uint32_t at = draw(128);
        b[at] = static_cast<char>(draw(256));
      }
    } else if (kind == 1) {
      const uint32_t v = static_cast<uint32_t>(rng());
      std::memcpy(&b[draw(125)], &v, 4);
    } else {
      b.resize(draw(static_cast<uint32_t>(b.size())));
    }
    const std::string path = write_temp(b);
    try {
      const std::vector<int8_t> v = sasim::tflite::model_input(path, 1, t);
      CHECK(v.size() == 192);
      ++read;
    } catch (const sasim::ConfigError& e) {
      CHECK(std::string(e.what()).find(path) == 0);
      ++refused;
    }
    std::remove(path.c_str());
  }
  WARN(".npy mutants: " << read << " read, " << refused << " refused");
  CHECK(read + refused == 1500);
  CHECK(refused > 0);
}

// The arena plan (tflite/arena_plan.h) against TFLite Micro 8746ec9's own,
// as the exported bridge saw it on the board model (the tensors' addresses
// at every CONV_2D and ADD call of ResNet-8, relative to the first conv's
// input): each residual ADD's output takes its conv's input buffer.
TEST_CASE("the arena plan places ResNet-8's tensors as TFLite Micro does", "[tflite]") {
  using namespace sasim::tflite;
  const Model m = load_tflite(kModels + "pretrainedResnet_quant.tflite");
  const ArenaPlan plan = plan_arena(m);
  // operator index -> (first input, last input or -1, output) offsets measured
  struct Want {
    size_t op;
    int64_t in, in2, out;
  };
  const Want want[] = {
      {0, 0x0000, -1, 0x8000},     {1, 0x8000, -1, 0x0000},     {2, 0x0000, -1, 0x4000},
      {3, 0x8000, 0x4000, 0x0000}, {4, 0x0000, -1, 0x4000},     {5, 0x4000, -1, 0x6000},
      {6, 0x0000, -1, 0x4000},     {7, 0x4000, 0x6000, 0x0000}, {8, 0x0000, -1, 0x2000},
      {9, 0x2000, -1, 0x3000},     {10, 0x0000, -1, 0x2000},    {11, 0x2000, 0x3000, 0x0000},
  };
  const int64_t base = plan.offset[static_cast<size_t>(m.operators[0].inputs[0])];
  for (const Want& w : want) {
    const Operator& op = m.operators[w.op];
    INFO("operator " << w.op << " " << op_name(op.code));
    CHECK(plan.offset[static_cast<size_t>(op.inputs[0])] - base == w.in);
    if (w.in2 >= 0) CHECK(plan.offset[static_cast<size_t>(op.inputs[1])] - base == w.in2);
    CHECK(plan.offset[static_cast<size_t>(op.outputs[0])] - base == w.out);
  }
  CHECK(plan.overlap(m.operators[3].outputs[0], m.operators[2].inputs[0]));
  CHECK_FALSE(plan.overlap(m.operators[3].outputs[0], m.operators[3].inputs[1]));
}
