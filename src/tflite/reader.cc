#include "tflite/reader.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "sasim/config.h"
#include "tflite_subset_generated.h"

namespace sasim::tflite {

namespace fb = sasim_tflite;

std::string op_name(int32_t code) {
  switch (code) {
    case kAdd: return "ADD";
    case kAveragePool2d: return "AVERAGE_POOL_2D";
    case kConcatenation: return "CONCATENATION";
    case kConv2d: return "CONV_2D";
    case kDepthwiseConv2d: return "DEPTHWISE_CONV_2D";
    case kDequantize: return "DEQUANTIZE";
    case kFullyConnected: return "FULLY_CONNECTED";
    case kLogistic: return "LOGISTIC";
    case kMaxPool2d: return "MAX_POOL_2D";
    case kMul: return "MUL";
    case kReshape: return "RESHAPE";
    case kSoftmax: return "SOFTMAX";
    case kPad: return "PAD";
    case kMean: return "MEAN";
    case kSub: return "SUB";
    case kPadV2: return "PADV2";
    case kLeakyRelu: return "LEAKY_RELU";
    case kQuantize: return "QUANTIZE";
    default: return fmt::format("BUILTIN_{}", code);
  }
}

const char* type_name(int8_t t) {
  switch (t) {
    case kFloat32: return "float32";
    case kInt32: return "int32";
    case kUInt8: return "uint8";
    case kInt64: return "int64";
    case kInt16: return "int16";
    case kInt8: return "int8";
    default: return "unsupported type";
  }
}

const char* activation_name(Activation a) {
  switch (a) {
    case Activation::kNone: return "none";
    case Activation::kRelu: return "relu";
    case Activation::kReluN1To1: return "relu_n1_to_1";
    case Activation::kRelu6: return "relu6";
    case Activation::kTanh: return "tanh";
    case Activation::kSignBit: return "sign_bit";
  }
  return "?";
}

int64_t Tensor::elements() const {
  int64_t n = 1;
  for (int d : shape) n *= d;
  return n;
}

bool looks_like_tflite(const std::string& bytes) { return bytes.size() >= 8 && bytes.compare(4, 4, "TFL3") == 0; }

int element_bytes(int8_t type) {
  switch (type) {
    case kFloat32: case kInt32: return 4;
    case kInt64: return 8;
    case kInt16: return 2;
    case kUInt8: case kInt8: return 1;
    default: return 0;
  }
}

namespace {

constexpr uint64_t kMaxModelBytes = 256u << 20;

Activation activation_of(fb::ActivationFunctionType a) { return static_cast<Activation>(static_cast<int>(a)); }

}  // namespace

Model parse_tflite(const std::string& bytes, const std::string& path) {
  auto fail = [&](const std::string& what) { return ConfigError({{path, 0, 0, "", what}}); };
  if (!looks_like_tflite(bytes)) throw fail("not a TFLite model (no \"TFL3\" file identifier)");
  // Every offset, vector and string is bounds-checked before it is read.
  flatbuffers::Verifier::Options vopts;
  vopts.max_depth = 64;
  vopts.max_tables = 10'000'000;
  flatbuffers::Verifier verifier(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), vopts);
  if (!fb::VerifyModelBuffer(verifier))
    throw fail("corrupt or truncated TFLite model (the flatbuffer does not verify)");
  const fb::Model* m = fb::GetModel(bytes.data());

  Model out;
  out.path = path;
  if (m->description()) out.description = m->description()->str();
  const auto* subgraphs = m->subgraphs();
  if (!subgraphs || subgraphs->size() == 0) throw fail("no subgraph");
  if (subgraphs->size() > 1)
    throw fail(fmt::format("{} subgraphs: models with control flow are not supported (one subgraph)", subgraphs->size()));
  const fb::SubGraph* g = subgraphs->Get(0);
  const auto* buffers = m->buffers();
  const auto* codes = m->operator_codes();
  const auto* tensors = g->tensors();
  const auto* ops = g->operators();
  if (!tensors || tensors->size() == 0) throw fail("the subgraph has no tensors");
  if (!ops || ops->size() == 0) throw fail("the subgraph has no operators");
  const int nt = static_cast<int>(tensors->size());

  for (int i = 0; i < nt; ++i) {
    const fb::Tensor* t = tensors->Get(static_cast<flatbuffers::uoffset_t>(i));
    Tensor x;
    x.index = i;
    if (t->name()) x.name = t->name()->str();
    if (t->shape())
      for (int32_t d : *t->shape()) {
        if (d < 0 || d > (1 << 24)) throw fail(fmt::format("tensor {} ('{}'): dimension {} out of range", i, x.name, d));
        x.shape.push_back(d);
      }
    x.type = static_cast<int8_t>(t->type());
    if (const fb::QuantizationParameters* q = t->quantization()) {
      if (q->scale()) x.quant.scale.assign(q->scale()->begin(), q->scale()->end());
      if (q->zero_point()) x.quant.zero_point.assign(q->zero_point()->begin(), q->zero_point()->end());
      x.quant.quantized_dimension = q->quantized_dimension();
    }
    const uint32_t b = t->buffer();
    if (!buffers || b >= buffers->size())
      throw fail(fmt::format("tensor {} ('{}'): buffer {} does not exist", i, x.name, b));
    const fb::Buffer* buf = buffers->Get(b);
    if (buf->offset() > 1 || buf->size() > 0)
      throw fail(fmt::format("tensor {} ('{}'): data outside the flatbuffer (models over 2 GB) is not supported", i,
                             x.name));
    if (buf->data() && buf->data()->size() > 0) {
      const int eb = element_bytes(x.type);
      if (eb == 0)
        throw fail(fmt::format("tensor {} ('{}'): constant data of type {} is not supported", i, x.name,
                               static_cast<int>(x.type)));
      const uint64_t want = static_cast<uint64_t>(x.elements()) * static_cast<uint64_t>(eb);
      if (buf->data()->size() != want)
        throw fail(fmt::format("tensor {} ('{}'): buffer {} holds {} bytes, its shape and type need {}", i, x.name, b,
                               buf->data()->size(), want));
      x.data.assign(buf->data()->begin(), buf->data()->end());
    }
    out.tensors.push_back(std::move(x));
  }

  auto check_tensor_list = [&](const flatbuffers::Vector<int32_t>* v, const std::string& what, bool optional,
                               std::vector<int>* dst) {
    if (!v) return;
    for (int32_t idx : *v) {
      if (idx == -1 && optional) {
        dst->push_back(-1);
        continue;
      }
      if (idx < 0 || idx >= nt) throw fail(fmt::format("{}: tensor index {} out of range (0..{})", what, idx, nt - 1));
      dst->push_back(idx);
    }
  };
  check_tensor_list(g->inputs(), "subgraph inputs", false, &out.inputs);
  check_tensor_list(g->outputs(), "subgraph outputs", false, &out.outputs);
  if (out.inputs.empty() || out.outputs.empty()) throw fail("the subgraph declares no inputs or no outputs");

  for (flatbuffers::uoffset_t i = 0; i < ops->size(); ++i) {
    const fb::Operator* o = ops->Get(i);
    Operator op;
    op.index = static_cast<int>(i);
    const uint32_t ci = o->opcode_index();
    if (!codes || ci >= codes->size())
      throw fail(fmt::format("operator {}: operator code {} does not exist", i, ci));
    const fb::OperatorCode* c = codes->Get(ci);
    op.code = std::max<int32_t>(c->builtin_code(), static_cast<int32_t>(c->deprecated_builtin_code()));
    if (c->custom_code() && op.code == 32 /* CUSTOM */)
      throw fail(fmt::format("operator {}: custom operator '{}' is not supported", i, c->custom_code()->str()));
    check_tensor_list(o->inputs(), fmt::format("operator {} ({}) inputs", i, op_name(op.code)), true, &op.inputs);
    check_tensor_list(o->outputs(), fmt::format("operator {} ({}) outputs", i, op_name(op.code)), false, &op.outputs);
    Options& x = op.options;
    switch (o->builtin_options_type()) {
      case fb::BuiltinOptions_Conv2DOptions: {
        const auto* p = o->builtin_options_as_Conv2DOptions();
        x.padding = p->padding() == fb::Padding_SAME ? Padding::kSame : Padding::kValid;
        x.stride_w = p->stride_w();
        x.stride_h = p->stride_h();
        x.dilation_w = p->dilation_w_factor();
        x.dilation_h = p->dilation_h_factor();
        x.activation = activation_of(p->fused_activation_function());
        break;
      }
      case fb::BuiltinOptions_DepthwiseConv2DOptions: {
        const auto* p = o->builtin_options_as_DepthwiseConv2DOptions();
        x.padding = p->padding() == fb::Padding_SAME ? Padding::kSame : Padding::kValid;
        x.stride_w = p->stride_w();
        x.stride_h = p->stride_h();
        x.depth_multiplier = p->depth_multiplier();
        x.dilation_w = p->dilation_w_factor();
        x.dilation_h = p->dilation_h_factor();
        x.activation = activation_of(p->fused_activation_function());
        break;
      }
      case fb::BuiltinOptions_Pool2DOptions: {
        const auto* p = o->builtin_options_as_Pool2DOptions();
        x.padding = p->padding() == fb::Padding_SAME ? Padding::kSame : Padding::kValid;
        x.stride_w = p->stride_w();
        x.stride_h = p->stride_h();
        x.filter_w = p->filter_width();
        x.filter_h = p->filter_height();
        x.activation = activation_of(p->fused_activation_function());
        break;
      }
      case fb::BuiltinOptions_FullyConnectedOptions: {
        const auto* p = o->builtin_options_as_FullyConnectedOptions();
        x.activation = activation_of(p->fused_activation_function());
        x.weights_format = p->weights_format();
        x.keep_num_dims = p->keep_num_dims();
        break;
      }
      case fb::BuiltinOptions_SoftmaxOptions: x.beta = o->builtin_options_as_SoftmaxOptions()->beta(); break;
      case fb::BuiltinOptions_ConcatenationOptions: {
        const auto* p = o->builtin_options_as_ConcatenationOptions();
        x.axis = p->axis();
        x.activation = activation_of(p->fused_activation_function());
        break;
      }
      case fb::BuiltinOptions_AddOptions:
        x.activation = activation_of(o->builtin_options_as_AddOptions()->fused_activation_function());
        break;
      case fb::BuiltinOptions_SubOptions:
        x.activation = activation_of(o->builtin_options_as_SubOptions()->fused_activation_function());
        break;
      case fb::BuiltinOptions_MulOptions:
        x.activation = activation_of(o->builtin_options_as_MulOptions()->fused_activation_function());
        break;
      case fb::BuiltinOptions_ReshapeOptions: {
        const auto* p = o->builtin_options_as_ReshapeOptions();
        if (p->new_shape()) x.new_shape.assign(p->new_shape()->begin(), p->new_shape()->end());
        break;
      }
      case fb::BuiltinOptions_ReducerOptions: x.keep_dims = o->builtin_options_as_ReducerOptions()->keep_dims(); break;
      case fb::BuiltinOptions_LeakyReluOptions: x.alpha = o->builtin_options_as_LeakyReluOptions()->alpha(); break;
      default: break;  // no options, or options of an operator sasim rejects later by its code
    }
    if (x.activation > Activation::kRelu6)
      throw fail(fmt::format("operator {} ({}): fused activation {} is not supported", i, op_name(op.code),
                             activation_name(x.activation)));
    out.operators.push_back(std::move(op));
  }
  return out;
}

Model load_tflite(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0)
    throw ConfigError({{path, 0, 0, "", fmt::format("cannot open TFLite model: {}", std::strerror(errno))}});
  if (S_ISDIR(st.st_mode)) throw ConfigError({{path, 0, 0, "", "is a directory, not a TFLite model"}});
  if (static_cast<uint64_t>(st.st_size) > kMaxModelBytes)
    throw ConfigError({{path, 0, 0, "", "larger than 256 MiB: not supported"}});
  std::ifstream f(path, std::ios::binary);
  if (!f) throw ConfigError({{path, 0, 0, "", fmt::format("cannot open TFLite model: {}", std::strerror(errno))}});
  std::ostringstream ss;
  ss << f.rdbuf();
  return parse_tflite(ss.str(), path);
}

}  // namespace sasim::tflite
