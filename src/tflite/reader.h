// Reading TensorFlow Lite models (.tflite): the flatbuffer is checked with
// the flatbuffers Verifier before anything in it is touched, then the first
// subgraph is read into plain structs (tensors with their quantization and
// constant data, operators with their options).
//
// Contract: load_tflite() returns a model whose every index (tensor, buffer,
// operator code) is in range and whose every constant tensor holds exactly
// the bytes its shape and type need, or throws ConfigError naming the file
// and what is wrong (exit 2). Nothing else in sasim sees the flatbuffer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sasim::tflite {

// TFLite BuiltinOperator codes of the operators sasim knows.
enum OpCode : int32_t {
  kAdd = 0, kAveragePool2d = 1, kConcatenation = 2, kConv2d = 3, kDepthwiseConv2d = 4, kDequantize = 6,
  kFullyConnected = 9, kLogistic = 14, kMaxPool2d = 17, kMul = 18, kReshape = 22, kSoftmax = 25, kPad = 34,
  kMean = 40, kSub = 41, kPadV2 = 60, kLeakyRelu = 98, kQuantize = 114,
};
// "CONV_2D", ..., or "BUILTIN_<n>" for a code sasim does not name.
std::string op_name(int32_t code);

// TFLite TensorType values sasim reads.
enum TensorType : int8_t { kFloat32 = 0, kInt32 = 2, kUInt8 = 3, kInt64 = 4, kInt16 = 7, kInt8 = 9 };
const char* type_name(int8_t type);

struct Quantization {
  std::vector<float> scale;
  std::vector<int64_t> zero_point;
  int quantized_dimension = 0;
  bool present() const { return !scale.empty(); }
};

struct Tensor {
  int index = 0;
  std::string name;
  std::vector<int> shape;
  int8_t type = 0;
  Quantization quant;
  std::vector<uint8_t> data;  // constant tensors (weights, bias, shapes); empty for activations
  bool constant() const { return !data.empty(); }
  int64_t elements() const;
};

enum class Padding { kSame, kValid };
enum class Activation { kNone, kRelu, kReluN1To1, kRelu6, kTanh, kSignBit };
const char* activation_name(Activation a);

// The options of an operator (only the fields of its options table are set).
struct Options {
  Padding padding = Padding::kSame;
  int stride_w = 1, stride_h = 1, dilation_w = 1, dilation_h = 1;
  int depth_multiplier = 1;
  int filter_w = 1, filter_h = 1;
  Activation activation = Activation::kNone;
  float beta = 1.0f;   // softmax
  float alpha = 0.0f;  // leaky relu
  int axis = 0;        // concatenation
  bool keep_dims = false, keep_num_dims = false;
  int weights_format = 0;  // fully connected: 0 = default
  std::vector<int> new_shape;
};

struct Operator {
  int index = 0;
  int32_t code = 0;  // effective: max(builtin_code, deprecated_builtin_code)
  std::vector<int> inputs, outputs;  // tensor indices; -1 = optional input absent
  Options options;
};

struct Model {
  std::string path;
  std::string description;
  std::vector<Tensor> tensors;
  std::vector<Operator> operators;
  std::vector<int> inputs, outputs;
};

// True when `bytes` carry the TFLite file identifier ("TFL3" at offset 4).
// Bytes per element of a tensor type (0: a type sasim does not read).
int element_bytes(int8_t type);

bool looks_like_tflite(const std::string& bytes);

Model load_tflite(const std::string& path);
// The same from bytes already in memory (`path` names them in messages).
Model parse_tflite(const std::string& bytes, const std::string& path);

}  // namespace sasim::tflite
