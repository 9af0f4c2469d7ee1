// Compiles every function of an export's seven kernel headers, templates
// instantiated as TFLite Micro's kernels instantiate them (conv: int32 and
// int64 accumulators; fully connected: int64), so that the board build of the
// tests checks all of them, not only what the self-test calls. Never run.
#include "tensorflow/lite/kernels/internal/reference/integer_ops/conv.h"
#include "tensorflow/lite/kernels/internal/reference/integer_ops/depthwise_conv.h"
#include "tensorflow/lite/kernels/internal/reference/integer_ops/fully_connected.h"
#include "tensorflow/lite/kernels/internal/reference/integer_ops/add.h"
#include "tensorflow/lite/kernels/internal/reference/integer_ops/mul.h"
#include "tensorflow/lite/kernels/internal/reference/integer_ops/pooling.h"
#include "tensorflow/lite/kernels/internal/reference/sub.h"

namespace ops = tflite::reference_integer_ops;

// `go` is unknown to the compiler, so every call below is compiled.
void sasim_test_all_kernels(volatile int go) {
  if (!go) return;
  const tflite::RuntimeShape s;
  const tflite::ConvParams cp = tflite::ConvParams();
  const tflite::DepthwiseParams dp = tflite::DepthwiseParams();
  const tflite::FullyConnectedParams fp = tflite::FullyConnectedParams();
  int8_t* i8 = 0;
  int16_t* i16 = 0;
  const int32_t* i32 = 0;
  const int64_t* i64 = 0;
  const int* shifts = 0;
  float* f = 0;
  int32_t* offsets = 0;
  ops::ConvPerChannel(cp, i32, i32, s, i8, s, i8, s, i32, s, i8);
  ops::ConvPerChannelWithPackedInt4Weights(cp, i32, i32, s, i8, s, i8, i8, s, i32, s, i8);
  ops::ConvPerChannel<int32_t>(cp, i32, i32, s, i16, s, i8, s, i32, s, i16);
  ops::ConvPerChannel<int64_t>(cp, i32, i32, s, i16, s, i8, s, i64, s, i16);
  ops::DepthwiseConvPerChannel(dp, i32, i32, s, i8, s, i8, s, i32, s, i8);
  ops::DepthwiseConvPerChannelWithPackedInt4Weights(dp, i32, i32, s, i8, s, i8, i8, s, i32, s, i8);
  ops::DepthwiseConvPerChannel(dp, i32, i32, s, i16, s, i8, s, i64, s, i16);
  ops::DepthwiseConvHybridPerChannel(dp, f, s, i8, s, i8, s, f, s, f, f, offsets);
  ops::FullyConnectedPerChannel(fp, i32, shifts, s, i8, s, i8, s, i32, s, i8);
  ops::FullyConnectedPerChannel<int32_t>(fp, i32, shifts, s, i16, s, i8, s, i32, s, i16);
  ops::FullyConnectedPerChannel<int64_t>(fp, i32, shifts, s, i16, s, i8, s, i64, s, i16);
  ops::FullyConnected(fp, s, i8, s, i8, s, i32, s, i8);
  ops::FullyConnectedWithPackedInt4Weights(fp, s, i8, s, i8, i8, s, i32, s, i8);
  ops::FullyConnected<int64_t>(fp, s, i16, s, i8, s, i64, s, i16);
  const tflite::ArithmeticParams ap = tflite::ArithmeticParams();
  ops::CheckArithmeticParams(ap);
  ops::ElementWise(0, ap, i8, i8, i8, ops::CheckArithmeticParams, ops::AddFunc);
  ops::BroadcastBinaryFunction4DSlow(ap, s, i8, s, i8, s, i8, ops::CheckArithmeticParams, ops::AddFunc);
  ops::AddElementwise(0, ap, i8, i8, i8);
  ops::Add(ap, s, i8, s, i8, s, i8);
  ops::BroadcastAdd4DSlow(ap, s, i8, s, i8, s, i8);
  ops::MulElementwise(0, ap, i8, i8, i8);
  ops::MulElementwise(0, ap, i16, i16, i16);
  ops::Mul(ap, s, i8, s, i8, s, i8);
  ops::Mul(ap, s, i16, s, i16, s, i16);
  ops::Mul(ap, s, i16, s, i16, s, i8);
  ops::BroadcastMul4DSlow(ap, s, i8, s, i8, s, i8);
  ops::BroadcastMul4DSlow(ap, s, i16, s, i16, s, i16);
  const tflite::PoolParams pp = tflite::PoolParams();
  ops::AveragePool(pp, s, i8, s, i8);
  ops::MaxPool(pp, s, i8, s, i8);
  ops::AveragePool(pp, s, i16, s, i16);
  ops::MaxPool(pp, s, i16, s, i16);
  // SUB (reference/sub.h), as TFLite Micro's sub.cc and reference_ops use it.
  namespace rops = tflite::reference_ops;
  float* ff = 0;
  int32_t* i32w = 0;
  int64_t* i64w = 0;
  uint8_t* u8 = 0;
  rops::SubNonBroadcast(ap, s, ff, s, ff, s, ff);
  rops::SubNonBroadcast(ap, s, i32w, s, i32w, s, i32w);
  rops::BroadcastSubSlow(ap, s, ff, s, ff, s, ff);
  rops::BroadcastSubSlow(ap, s, i32w, s, i32w, s, i32w);
  rops::BroadcastSubSlow(ap, s, i64w, s, i64w, s, i64w);
  rops::BroadcastSubSlow<int8_t, 5>(ap, s, i8, s, i8, s, i8);
  rops::BroadcastSub16POTSlow(ap, s, i16, s, i16, s, i16);
  rops::BroadcastQuantSubSlow(ap, s, i8, s, i8, s, i8);
  rops::BroadcastQuantSubSlow(ap, s, i16, s, i16, s, i16);
  rops::BroadcastQuantSubSlow(ap, s, u8, s, u8, s, u8);
  rops::SubElementwise(0, ap, i8, i8, i8);
  rops::Sub(ap, s, u8, s, u8, s, u8);
  rops::Sub(ap, s, i8, s, i8, s, i8);
  rops::Sub(ap, s, i16, s, i16, s, i16);
  rops::Sub<int32_t>(ap, s, i32w, s, i32w, s, i32w);
  rops::SubWithActivation(ap, s, i32w, s, i32w, s, i32w);
  rops::SubWithActivation(ap, s, ff, s, ff, s, ff);
  rops::SubWithActivation(ap, s, i64w, s, i64w, s, i64w);
}
