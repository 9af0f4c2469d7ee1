// The layer runner: the board program sasim runs on the CPU model. It runs
// the layer described in the mailbox (mailbox.h) through the driver, timing
// run_layer with mcycle as a board program would.
#include <stdint.h>

#include "board/cpu_ops.h"
#include "board/mailbox.h"
#include "driver/cfu_isa.h"
#include "driver/driver.h"
// The exported project's kernel entries and bridge (src/export/proj, built
// against board/tflm_min; board/bridge/README.md).
#include "sasim_tflm.h"
#include "tensorflow/lite/kernels/internal/reference/integer_ops/conv.h"
#include "tensorflow/lite/kernels/internal/reference/integer_ops/depthwise_conv.h"
#include "tensorflow/lite/kernels/internal/reference/integer_ops/fully_connected.h"
#include "tensorflow/lite/kernels/internal/reference/integer_ops/pooling.h"
#include "tensorflow/lite/kernels/internal/reference/integer_ops/add.h"
#include "tensorflow/lite/kernels/internal/reference/integer_ops/mul.h"
#include "tensorflow/lite/kernels/internal/reference/sub.h"

sasim_board::Mailbox sasim_mailbox __attribute__((section(".noinit"), used));

namespace {

inline uint32_t read_mcycle() {
  uint32_t v;
  __asm__ volatile("csrr %0, mcycle" : "=r"(v));
  return v;
}
inline uint32_t read_minstret() {
  uint32_t v;
  __asm__ volatile("csrr %0, minstret" : "=r"(v));
  return v;
}

// The layer's schedule in the driver's memo, as the first inference left
// it (sasim_drv::prepare_layer), and no trace of deciding it in the I$
// (fence.i empties it; the runner's untimed set-up after this, the weight
// store and the kept input, warms it as it did before the memo). First
// thing, then.
inline __attribute__((always_inline)) void prepare_schedule(const sasim_drv::HwDesc& hw,
                                                            const sasim_drv::LayerDesc& l) {
  int bytes = 0;
  sasim_drv::prepare_layer(hw, l, &bytes);
  __asm__ volatile(".insn i 0x0F, 1, x0, x0, 0" : : : "memory");  // fence.i
}

// A cold D$ at a layer's timed span, as a board booted for the call has
// (src/cpu/board_host.cc, InferenceCarry: the I$ and the L2 are the
// previous operator's): the untimed set-up's loads (the mailbox, the
// layer's description, the memo entry prepare_schedule read) evicted by
// reading 8 KiB, a word per 32-byte line (the direct-mapped 8 KiB and
// 4 KiB D$ alike).
uint32_t g_cold_dcache[2048];
inline __attribute__((always_inline)) void cold_dcache() {
  uint32_t sink = 0;
  for (int k = 0; k < 2048; k += 8) sink += *static_cast<volatile uint32_t*>(&g_cold_dcache[k]);
  __asm__ volatile("" : : "r"(sink) : "memory");
}

// Unpacks the mailbox's hardware and layer description.
inline __attribute__((always_inline)) void unpack(volatile sasim_board::Mailbox& m, sasim_drv::HwDesc& hw,
                                                  sasim_drv::LayerDesc& l) {
  hw.rows = m.rows;
  hw.cols = m.cols;
  hw.dataflow = m.dataflow;
  hw.a_lines = m.a_lines;
  hw.b_lines = m.b_lines;
  hw.c_lines = m.c_lines;
  hw.a_double = m.a_double != 0;
  hw.b_double = m.b_double != 0;
  hw.c_double = m.c_double != 0;
  hw.im2col = m.im2col != 0;
  hw.store_cycles = m.store_cycles;
  hw.eltwise = m.eltwise != 0;
  hw.ew_read = m.ew_read != 0;
  hw.w_lines = m.w_lines;
  hw.keep = m.keep != 0;
  l.keep_out = l.a_kept = 0;  // set by the caller (the runner, or the bridge when shipped)
  l.w_store = 0;  // the shipped bridge stores the weights (sasim_tflm.cc)
  l.kind = m.kind;
  l.batches = m.batches;
  l.in_h = m.in_h;
  l.in_w = m.in_w;
  l.in_c = m.in_c;
  l.out_h = m.out_h;
  l.out_w = m.out_w;
  l.out_c = m.out_c;
  l.k_h = m.k_h;
  l.k_w = m.k_w;
  l.stride_h = m.stride_h;
  l.stride_w = m.stride_w;
  l.dil_h = m.dil_h;
  l.dil_w = m.dil_w;
  l.pad_top = m.pad_top;
  l.pad_left = m.pad_left;
  l.depth_multiplier = m.depth_multiplier;
  l.input_zp = m.input_zp;
  l.output_zp = m.output_zp;
  l.act_min = m.act_min;
  l.act_max = m.act_max;
  l.per_tensor = m.per_tensor;
  l.input = reinterpret_cast<const int8_t*>(m.input);
  l.filter = reinterpret_cast<const int8_t*>(m.filter);
  l.bias = reinterpret_cast<const int32_t*>(m.bias);
  l.multiplier = reinterpret_cast<const int32_t*>(m.multiplier);
  l.shift = reinterpret_cast<const int32_t*>(m.shift);
  l.output = reinterpret_cast<int8_t*>(m.output);
  l.folded_bias = reinterpret_cast<const int32_t*>(m.folded_bias);
  l.packed_weights = reinterpret_cast<const int8_t*>(m.packed_weights);
  l.fused = 0;
}

// The fused elementwise operator's description, from the mailbox.
inline __attribute__((always_inline)) void unpack_fused(volatile sasim_board::Mailbox& m, sasim_drv::EltwiseDesc& e) {
  e.op = m.fused_op;
  e.a_zp = m.fused_q[0];
  e.b_zp = m.fused_q[1];
  e.out_zp = m.fused_q[2];
  e.act_min = m.fused_q[3];
  e.act_max = m.fused_q[4];
  e.m_a = m.fused_q[5];
  e.s_a = m.fused_q[6];
  e.m_b = m.fused_q[7];
  e.s_b = m.fused_q[8];
  e.m_out = m.fused_q[9];
  e.s_out = m.fused_q[10];
  for (int k = 0; k < 5; ++k) e.dims[k] = e.stride_a[k] = e.stride_b[k] = 1;
  e.a = 0;
  e.b = reinterpret_cast<const int8_t*>(m.fused_b);
  e.output = 0;
}

// Writes the span's results to the mailbox.
inline __attribute__((always_inline)) int finish(volatile sasim_board::Mailbox& m, int rc, uint32_t t0, uint32_t t1,
                                                 uint32_t i0, uint32_t i1) {
  m.status = rc;
  m.cycles = t1 - t0;
  m.instret = i1 - i0;
  m.done = 1;
  return rc == sasim_drv::kOk ? 0 : 1;
}

// A chained layer's input into the CFU's shadow A bank, where its producer
// left it (sasim_drv::put_kept_input), and l's keep fields from the mailbox.
// Cold: only chained layers run it.
__attribute__((noinline, cold)) bool put_kept(volatile sasim_board::Mailbox& m, const sasim_drv::HwDesc& hw,
                                              sasim_drv::LayerDesc& l) {
  l.a_kept = m.a_kept;
  l.keep_out = m.keep_out;
  return !m.a_kept || sasim_drv::put_kept_input(hw, l) == sasim_drv::kOk;
}

// An accelerator layer: every layer of a model runs this, so it is in the
// runner's once-per-layer section (.text.sasim_warm), together with the
// shipped layers' path (src/board/link.ld keeps each object's order).
__attribute__((section(".text.sasim_warm"), noinline)) int run_accelerator_layer(volatile sasim_board::Mailbox& m) {
  sasim_drv::HwDesc hw;
  sasim_drv::LayerDesc l;
  unpack(m, hw, l);
  sasim_drv::EltwiseDesc fused;
  if (m.fused) {
    unpack_fused(m, fused);
    l.fused = &fused;
  }
  m.on_cfu = 1;
  // (The schedule as the timed call will decide it: with its weights in
  // the store, written below.)
  const bool stored = m.w_store > 0 && l.packed_weights;
  if (stored) l.w_store = m.w_store;
  prepare_schedule(hw, l);
  // The input in the CFU's shadow A bank, where the layer before left it
  // (KEEP; not timed).
  if ((m.a_kept || m.keep_out) && !put_kept(m, hw, l)) return finish(m, sasim_drv::kErrCfuRejected, 0, 0, 0, 0);
  // The weights in the CFU's store, where a deployed network's first
  // inference put them (not timed: the layer's steady state is).
  if (stored && sasim_drv::store_weights(hw, l, m.w_store - 1) != sasim_drv::kOk)
    return finish(m, sasim_drv::kErrCfuRejected, 0, 0, 0, 0);
  uint32_t i0, t0, t1, i1;
  int rc = sasim_drv::kOk;
  cold_dcache();
  *reinterpret_cast<volatile uint32_t*>(0xF0000008u) = 1;  // marker: the layer starts
  i0 = read_minstret();
  t0 = read_mcycle();
  rc = sasim_drv::run_layer(hw, l);
  t1 = read_mcycle();
  i1 = read_minstret();
  *reinterpret_cast<volatile uint32_t*>(0xF0000008u) = 2;  // marker: run_layer returned
  return finish(m, rc, t0, t1, i0, i1);
}

// A paired layer's producer (Mailbox::pair), a conv or depthwise layer:
// its description and the bridge's state after the first inference
// (prepared, in the store, the pair seen: keep bit 5). Cold: only pairs.
__attribute__((noinline, cold)) bool adopt_producer(volatile sasim_board::Mailbox& m, const sasim_drv::LayerDesc& l,
                                                    sasim_drv::LayerDesc* lp) {
  sasim_drv::LayerDesc& p = *lp;
  p = l;
  p.kind = m.pair_kind;
  p.in_h = m.pair_in_h;
  p.in_w = m.pair_in_w;
  p.in_c = m.pair_in_c;
  p.out_h = l.in_h;
  p.out_w = l.in_w;
  p.out_c = l.in_c;
  p.k_h = m.pair_k_h;
  p.k_w = m.pair_k_w;
  p.stride_h = m.pair_stride_h;
  p.stride_w = m.pair_stride_w;
  p.dil_h = m.pair_dil_h;
  p.dil_w = m.pair_dil_w;
  p.depth_multiplier = 1;
  p.pad_top = m.pair_pad_top;
  p.pad_left = m.pair_pad_left;
  p.input_zp = m.pair_input_zp;
  p.output_zp = m.pair_output_zp;
  p.act_min = m.pair_act_min;
  p.act_max = m.pair_act_max;
  p.per_tensor = 0;
  p.input = reinterpret_cast<const int8_t*>(m.pair_input);
  p.filter = reinterpret_cast<const int8_t*>(m.pair_filter);
  p.bias = reinterpret_cast<const int32_t*>(m.pair_bias);
  p.multiplier = reinterpret_cast<const int32_t*>(m.pair_multiplier);
  p.shift = reinterpret_cast<const int32_t*>(m.pair_shift);
  p.output = const_cast<int8_t*>(l.input);
  p.folded_bias = reinterpret_cast<const int32_t*>(m.pair_folded_bias);
  p.packed_weights = reinterpret_cast<const int8_t*>(m.pair_packed_weights);
  p.fused = 0;
  p.w_store = 0;
  p.keep_out = p.a_kept = 0;
  return sasim_tflm::Adopt(p, p.folded_bias, p.packed_weights, 0, 0, p.packed_weights ? m.pair_w_store : 0,
                           8 | 32);
}

// The paired producer's kernel call, its arguments as TFLite Micro's Eval
// builds them.
__attribute__((noinline, cold)) void call_producer(const sasim_drv::LayerDesc& p) {
  const int32_t in_dims[4] = {1, p.in_h, p.in_w, p.in_c}, out_dims[4] = {1, p.out_h, p.out_w, p.out_c};
  const int32_t bias_dims[1] = {p.out_c};
  const tflite::RuntimeShape in(4, in_dims), out(4, out_dims), bias(1, bias_dims);
  if (p.kind == sasim_drv::kDepthwiseConv2d) {
    tflite::DepthwiseParams c;
    __builtin_memset(&c, 0, sizeof c);
    c.padding_values.height = static_cast<int16_t>(p.pad_top);
    c.padding_values.width = static_cast<int16_t>(p.pad_left);
    c.stride_height = static_cast<int16_t>(p.stride_h);
    c.stride_width = static_cast<int16_t>(p.stride_w);
    c.dilation_height_factor = static_cast<int16_t>(p.dil_h);
    c.dilation_width_factor = static_cast<int16_t>(p.dil_w);
    c.depth_multiplier = 1;
    c.input_offset = -p.input_zp;
    c.output_offset = p.output_zp;
    c.quantized_activation_min = p.act_min;
    c.quantized_activation_max = p.act_max;
    const int32_t f_dims[4] = {1, p.k_h, p.k_w, p.out_c};
    const tflite::RuntimeShape f(4, f_dims);
    tflite::reference_integer_ops::DepthwiseConvPerChannel(c, p.multiplier, p.shift, in, p.input, f, p.filter, bias,
                                                           p.bias, out, p.output);
    return;
  }
  tflite::ConvParams c;
  __builtin_memset(&c, 0, sizeof c);
  c.padding_values.height = static_cast<int16_t>(p.pad_top);
  c.padding_values.width = static_cast<int16_t>(p.pad_left);
  c.stride_height = static_cast<int16_t>(p.stride_h);
  c.stride_width = static_cast<int16_t>(p.stride_w);
  c.dilation_height_factor = static_cast<int16_t>(p.dil_h);
  c.dilation_width_factor = static_cast<int16_t>(p.dil_w);
  c.input_offset = -p.input_zp;
  c.output_offset = p.output_zp;
  c.quantized_activation_min = p.act_min;
  c.quantized_activation_max = p.act_max;
  const int32_t f_dims[4] = {p.out_c, p.k_h, p.k_w, p.in_c};
  const tflite::RuntimeShape f(4, f_dims);
  tflite::reference_integer_ops::ConvPerChannel(c, p.multiplier, p.shift, in, p.input, f, p.filter, bias, p.bias, out,
                                                p.output);
}

// A layer as the exported firmware runs it (Mailbox::shipped): TFLite
// Micro's arguments, as its kernels' Eval builds them, given to the export's
// kernel entry, which calls the bridge, which calls the driver (or, where the
// bridge's cost model says so, runs the kernel's reference code). The timed
// span is the entry's call: what the firmware's profiler measures for the
// operator, less TFLite Micro's Eval around it.
__attribute__((section(".text.sasim_warm"), noinline)) int run_shipped_layer(volatile sasim_board::Mailbox& m) {
  sasim_drv::HwDesc hw;
  sasim_drv::LayerDesc l;
  unpack(m, hw, l);
  sasim_tflm::SetRuntimeHardware(hw);
  // The call names the layer's own output; run fused, the bridge writes the
  // operator's (the mailbox's output) instead.
  int8_t* const y = m.fused ? reinterpret_cast<int8_t*>(m.fused_y) : l.output;
  sasim_drv::EltwiseDesc fused;
  if (m.fused) unpack_fused(m, fused);
  sasim_drv::LayerDesc key = l;
  key.output = y;
  {  // (what the bridge's first call of the layer left in the driver: its call names the store)
    sasim_drv::LayerDesc lw = l;
    if (l.packed_weights && m.w_store > 0) lw.w_store = m.w_store;
    prepare_schedule(hw, lw);
  }
  // The input in the CFU's shadow A bank, where its producer left it (KEEP;
  // not timed), before the bridge's store writes.
  if (m.a_kept && !put_kept(m, hw, l)) return finish(m, sasim_drv::kErrCfuRejected, 0, 0, 0, 0);
  if (!sasim_tflm::Adopt(key, l.folded_bias, l.packed_weights, m.fused ? &fused : 0, l.output,
                         l.packed_weights ? m.w_store : 0,
                         (m.keep_out ? 1 : 0) | (m.a_kept ? 2 : 0) | (m.keep_out == 2 ? 4 : 0) | (m.pair ? 16 : 0)))
    return finish(m, sasim_board::kShippedNoAdopt, 0, 0, 0, 0);
  const int32_t kind = m.kind;
  const int32_t in_dims[4] = {l.batches, l.in_h, l.in_w, l.in_c};
  const int32_t out_dims[4] = {l.batches, l.out_h, l.out_w, l.out_c};
  const int32_t bias_dims[1] = {l.out_c};
  const tflite::RuntimeShape in_shape(4, in_dims), out_shape(4, out_dims), bias_shape(1, bias_dims);
  tflite::ConvParams conv;
  tflite::DepthwiseParams dw;
  tflite::FullyConnectedParams fc;
  __builtin_memset(&conv, 0, sizeof conv);
  __builtin_memset(&dw, 0, sizeof dw);
  __builtin_memset(&fc, 0, sizeof fc);
  conv.padding_values.height = dw.padding_values.height = static_cast<int16_t>(l.pad_top);
  conv.padding_values.width = dw.padding_values.width = static_cast<int16_t>(l.pad_left);
  conv.stride_height = dw.stride_height = static_cast<int16_t>(l.stride_h);
  conv.stride_width = dw.stride_width = static_cast<int16_t>(l.stride_w);
  conv.dilation_height_factor = dw.dilation_height_factor = static_cast<int16_t>(l.dil_h);
  conv.dilation_width_factor = dw.dilation_width_factor = static_cast<int16_t>(l.dil_w);
  dw.depth_multiplier = static_cast<int16_t>(l.depth_multiplier);
  conv.input_offset = dw.input_offset = fc.input_offset = -l.input_zp;
  conv.output_offset = dw.output_offset = fc.output_offset = l.output_zp;
  conv.quantized_activation_min = dw.quantized_activation_min = fc.quantized_activation_min = l.act_min;
  conv.quantized_activation_max = dw.quantized_activation_max = fc.quantized_activation_max = l.act_max;
  fc.output_multiplier = l.multiplier[0];
  fc.output_shift = l.shift[0];
  // A paired producer (Mailbox::pair): its call first, in the span.
  sasim_drv::LayerDesc lp;
  const bool pair = m.pair != 0;
  if (pair && !adopt_producer(m, l, &lp)) return finish(m, sasim_board::kShippedNoAdopt, 0, 0, 0, 0);
  const sasim_tflm::Counters c0 = sasim_tflm::GetCounters();
  uint32_t i0, t0, t1, i1;
  cold_dcache();
  *reinterpret_cast<volatile uint32_t*>(0xF0000008u) = 1;  // marker: the layer starts
  if (pair) {
    i0 = read_minstret();
    t0 = read_mcycle();
    call_producer(lp);
  }
  if (kind == sasim_drv::kConv2d) {
    const int32_t f_dims[4] = {l.out_c, l.k_h, l.k_w, l.in_c};
    const tflite::RuntimeShape f_shape(4, f_dims);
    if (!pair) {
      i0 = read_minstret();
      t0 = read_mcycle();
    }
    tflite::reference_integer_ops::ConvPerChannel(conv, l.multiplier, l.shift, in_shape, l.input, f_shape, l.filter,
                                                  bias_shape, l.bias, out_shape, y);
    t1 = read_mcycle();
    i1 = read_minstret();
  } else if (kind == sasim_drv::kDepthwiseConv2d) {
    const int32_t f_dims[4] = {1, l.k_h, l.k_w, l.out_c};
    const tflite::RuntimeShape f_shape(4, f_dims);
    if (!pair) {
      i0 = read_minstret();
      t0 = read_mcycle();
    }
    tflite::reference_integer_ops::DepthwiseConvPerChannel(dw, l.multiplier, l.shift, in_shape, l.input, f_shape,
                                                           l.filter, bias_shape, l.bias, out_shape, y);
    t1 = read_mcycle();
    i1 = read_minstret();
  } else {  // fully connected: [batches, depth] x [units, depth]
    const int32_t x_dims[2] = {l.batches, l.in_c};
    const int32_t f_dims[2] = {l.out_c, l.in_c};
    const int32_t o_dims[2] = {l.batches, l.out_c};
    const tflite::RuntimeShape x_shape(2, x_dims), f_shape(2, f_dims), o_shape(2, o_dims);
    i0 = read_minstret();
    t0 = read_mcycle();
    if (l.per_tensor)
      tflite::reference_integer_ops::FullyConnected(fc, x_shape, l.input, f_shape, l.filter, bias_shape, l.bias,
                                                    o_shape, y);
    else
      tflite::reference_integer_ops::FullyConnectedPerChannel(fc, l.multiplier, reinterpret_cast<const int*>(l.shift),
                                                              x_shape, l.input, f_shape,
                                                              l.filter, bias_shape, l.bias, o_shape, y);
    t1 = read_mcycle();
    i1 = read_minstret();
  }
  *reinterpret_cast<volatile uint32_t*>(0xF0000008u) = 2;  // marker: the call returned
  // What the bridge did, from its counters: the CFU, the CPU by its cost
  // model, or a refusal (a silent slow path on the board: an error here).
  const sasim_tflm::Counters& c1 = sasim_tflm::GetCounters();
  int rc = sasim_drv::kOk;
  if (c1.fallbacks != c0.fallbacks) rc = c1.last_status != sasim_drv::kOk ? c1.last_status : sasim_board::kShippedFellBack;
  else if (m.fused && c1.fused == c0.fused) rc = sasim_board::kShippedNotFused;
  else if (pair && c1.paired == c0.paired) rc = sasim_board::kShippedNotPaired;
  m.on_cfu = c1.accelerated != c0.accelerated ? 1 : 0;
  return finish(m, rc, t0, t1, i0, i1);
}

// ADD, SUB and MUL as the exported firmware runs them: TFLite Micro's
// arguments given to the export's kernel entry (add.h, mul.h, sub.h: the
// elementwise call when both inputs have the output's shape, the broadcast
// one otherwise, as TFLite Micro's kernels choose), which gives the CFU's
// elementwise unit the operator where the bridge's cost model prefers it and
// runs its reference loop otherwise. on_cfu: the bridge's counters say which.
// TFLite Micro's int8 ADD (0), SUB (1) or MUL (2) kernel, the flat one when
// neither operand broadcasts, as its Eval picks it.
inline __attribute__((always_inline)) void binary_kernel(int32_t op, bool flat, const tflite::ArithmeticParams& p,
                                                         const tflite::RuntimeShape& sa, const int8_t* a,
                                                         const tflite::RuntimeShape& sb, const int8_t* b,
                                                         const tflite::RuntimeShape& so, int8_t* out) {
  namespace iops = tflite::reference_integer_ops;
  namespace rops = tflite::reference_ops;
  if (op == 0 && flat) iops::Add(p, sa, a, sb, b, so, out);
  else if (op == 0) iops::BroadcastAdd4DSlow(p, sa, a, sb, b, so, out);
  else if (op == 1 && flat) rops::Sub(p, sa, a, sb, b, so, out);
  else if (op == 1) rops::BroadcastQuantSubSlow(p, sa, a, sb, b, so, out);
  else if (flat) iops::Mul(p, sa, a, sb, b, so, out);
  else iops::BroadcastMul4DSlow(p, sa, a, sb, b, so, out);
}

// An operator's ArithmeticParams from its zero points (a, b, output), the
// eight q words (mailbox.h) and its activation range, as TFLite Micro's
// Prepare leaves them.
inline __attribute__((always_inline)) void binary_params(int32_t op, const volatile int32_t* q, int32_t out_zp,
                                                         int32_t act_min, int32_t act_max,
                                                         tflite::ArithmeticParams* p) {
  __builtin_memset(p, 0, sizeof *p);
  p->input1_offset = -q[0];
  p->input2_offset = -q[1];
  p->output_offset = out_zp;
  p->left_shift = op == 2 ? 0 : sasim_isa::kEwLeftShift;
  p->input1_multiplier = q[2];
  p->input1_shift = q[3];
  p->input2_multiplier = q[4];
  p->input2_shift = q[5];
  p->output_multiplier = q[6];
  p->output_shift = q[7];
  p->quantized_activation_min = act_min;
  p->quantized_activation_max = act_max;
}

__attribute__((noinline)) int run_shipped_binary(volatile sasim_board::Mailbox& m) {
  sasim_drv::HwDesc hw;
  sasim_drv::LayerDesc l;
  unpack(m, hw, l);
  sasim_tflm::SetRuntimeHardware(hw);
  // Four dimensions, as TFLite Micro's ADD and MUL take them (a fifth,
  // leading one of 1 dropped): anything else fails before running.
  if (m.dims[0] != 1) return finish(m, -1, 0, 0, 0, 0);
  const int32_t op = m.binary_op;
  tflite::ArithmeticParams p;
  binary_params(op, m.q, m.output_zp, m.act_min, m.act_max, &p);
  // The shapes (mailbox.h: five output dims, each operand's element
  // strides, 0 where it broadcasts).
  int32_t da[4], db[4], dout[4];
  bool flat = true;
  for (int k = 0; k < 4; ++k) {
    dout[k] = m.dims[k + 1];
    da[k] = m.stride_a[k + 1] == 0 ? 1 : m.dims[k + 1];
    db[k] = m.stride_b[k + 1] == 0 ? 1 : m.dims[k + 1];
    flat = flat && da[k] == dout[k] && db[k] == dout[k];
  }
  const tflite::RuntimeShape sa(4, da), sb(4, db), so(4, dout);
  const int8_t* a = l.input;
  const int8_t* b = reinterpret_cast<const int8_t*>(m.input2);
  int8_t* out = l.output;
  // A chain's tail (Mailbox::chain): its head first, on `input` into
  // chain_t0 with its one-element constant, then the tail on chain_t0, as
  // the firmware calls the two; the bridge knows the head by the export's
  // chain table, here by the runner's adoption of it.
  const bool chain = m.chain != 0;
  const int32_t head_op = m.chain_op;
  tflite::ArithmeticParams ph;
  const int8_t head_c = static_cast<int8_t>(m.chain_c);
  int8_t* const t0 = reinterpret_cast<int8_t*>(m.chain_t0);
  const int32_t one[4] = {1, 1, 1, 1};
  const tflite::RuntimeShape sc(4, one);
  if (chain) {
    binary_params(head_op, m.chain_q, m.chain_out_zp, m.chain_act_min, m.chain_act_max, &ph);
    int32_t n = 1;
    for (int k = 0; k < 4; ++k) n *= dout[k];
    sasim_tflm::AdoptChain(head_op, n, head_c, ph.output_offset, ph.output_multiplier, ph.output_shift);
  }
  const sasim_tflm::Counters c0 = sasim_tflm::GetCounters();
  uint32_t i0, t0c, t1c, i1;
  cold_dcache();
  *reinterpret_cast<volatile uint32_t*>(0xF0000008u) = 1;  // marker: the operator starts
  i0 = read_minstret();
  t0c = read_mcycle();
  if (chain) {
    binary_kernel(head_op, false, ph, so, a, sc, &head_c, so, t0);
    binary_kernel(op, flat, p, sa, t0, sb, b, so, out);
  } else {
    binary_kernel(op, flat, p, sa, a, sb, b, so, out);
  }
  t1c = read_mcycle();
  i1 = read_minstret();
  *reinterpret_cast<volatile uint32_t*>(0xF0000008u) = 2;
  const sasim_tflm::Counters& c1 = sasim_tflm::GetCounters();
  m.on_cfu = c1.accelerated != c0.accelerated || c1.chained != c0.chained ? 1 : 0;
  if (chain && c1.chained == c0.chained) return finish(m, sasim_board::kShippedNotChained, t0c, t1c, i0, i1);
  return finish(m, sasim_drv::kOk, t0c, t1c, i0, i1);
}

// A CPU operator (kind >= kFirstCpuOp).
__attribute__((noinline)) int run_cpu_operator(volatile sasim_board::Mailbox& m) {
  sasim_drv::HwDesc hw;
  sasim_drv::LayerDesc l;
  unpack(m, hw, l);
  // A CPU operator's arguments, read before the timed span as a kernel's
  // Prepare-time data would be.
  // PAD and MEAN: the mailbox's shape fields, read before the timed span.
  int32_t dims[5], stride_a[5], stride_b[5];
  for (int k = 0; k < 5; ++k) {
    dims[k] = m.dims[k];
    stride_a[k] = m.stride_a[k];
    stride_b[k] = m.stride_b[k];
  }
  const int32_t out_zp = m.output_zp;
  const int32_t count = m.count;
  // Pooling: the export's kernels (integer_ops/pooling.h), as the firmware
  // runs them, with TFLite Micro's arguments.
  const int32_t channels = m.in_c;
  tflite::PoolParams pool;
  __builtin_memset(&pool, 0, sizeof pool);
  pool.stride_height = m.stride_h;
  pool.stride_width = m.stride_w;
  pool.filter_height = m.k_h;
  pool.filter_width = m.k_w;
  pool.padding_values.height = static_cast<int16_t>(m.pad_top);
  pool.padding_values.width = static_cast<int16_t>(m.pad_left);
  pool.quantized_activation_min = m.act_min;
  pool.quantized_activation_max = m.act_max;
  const int32_t pool_in[4] = {m.batches, m.in_h, m.in_w, m.in_c}, pool_out[4] = {m.batches, m.out_h, m.out_w, m.in_c};
  const tflite::RuntimeShape pool_in_shape(4, pool_in), pool_out_shape(4, pool_out);
  // The operator's parameters (mailbox.h; SOFTMAX: input multiplier, left
  // shift, diff_min) and MEAN's scratch.
  int32_t q[8];
  for (int k = 0; k < 8; ++k) q[k] = m.q[k];
  int32_t* const scratch = reinterpret_cast<int32_t*>(m.input2);
  sasim::kern::UnaryParams unary;
  unary.op = q[0] & 0xff;
  unary.negate = q[0] >> 8;
  unary.in_zp = q[1];
  unary.out_zp = q[2];
  unary.m1 = q[3];
  unary.s1 = q[4];
  unary.m2 = q[5];
  unary.s2 = q[6];
  unary.radius = q[7];
  m.on_cfu = 0;
  const int32_t kind = m.kind;
  uint32_t i0, t0, t1, i1;
  int rc = sasim_drv::kOk;
  cold_dcache();
  *reinterpret_cast<volatile uint32_t*>(0xF0000008u) = 1;  // marker: the operator starts
  i0 = read_minstret();
  t0 = read_mcycle();
  switch (kind) {
    case sasim_board::kCpuAveragePool:
      if (!tflite::reference_integer_ops::AveragePool(pool, pool_in_shape, l.input, pool_out_shape, l.output)) rc = -1;
      break;
    case sasim_board::kCpuMaxPool:
      tflite::reference_integer_ops::MaxPool(pool, pool_in_shape, l.input, pool_out_shape, l.output);
      break;
    case sasim_board::kCpuCopy: sasim_board::cpu_copy(l.input, l.output, count); break;
    case sasim_board::kCpuPad:  // dims: output, stride_a: input dims, stride_b: padding before; q[0]: value
      sasim::kern::pad(l.input, stride_a, stride_b, dims, static_cast<int8_t>(q[0]), l.output);
      break;
    case sasim_board::kCpuMean:  // q: reduced-dimension mask, in_zp, -, m, s, n; input2: int32 scratch
      sasim::kern::mean(l.input, dims, static_cast<uint32_t>(q[0]), q[1], out_zp, q[3], q[4], q[5], scratch,
                        l.output);
      break;
    case sasim_board::kCpuUnary:  // QUANTIZE/LEAKY_RELU/LOGISTIC: kern::UnaryParams from q (mailbox.h)
      sasim::kern::unary(l.input, l.output, count, unary);
      break;
    case sasim_board::kCpuConcat:  // q[0]: inputs (at most 7), q[1..]: bytes per slice; count: slices
      sasim::kern::concat(l.input, &q[1], q[0], count, l.output);
      break;
    case sasim_board::kCpuDequantize: {  // q[0]: the scale's float bits, q[1]: zero point
      float scale;
      __builtin_memcpy(&scale, &q[0], 4);
      sasim::kern::dequantize(l.input, reinterpret_cast<float*>(l.output), count, scale, q[1]);
      break;
    }
    case sasim_board::kCpuSoftmax:
      sasim_board::cpu_softmax(l.input, l.output, count, channels, q[0], q[1], q[2]);
      break;
    default: rc = -1; break;
  }
  t1 = read_mcycle();
  i1 = read_minstret();
  *reinterpret_cast<volatile uint32_t*>(0xF0000008u) = 2;  // marker: the operator returned
  return finish(m, rc, t0, t1, i0, i1);
}

}  // namespace

// Each path has its own timed span, so that a layer's span holds nothing but
// the driver call (as in the reference layer programs).
int main() {
  volatile sasim_board::Mailbox& m = sasim_mailbox;
  if (m.magic != sasim_board::kMailboxMagic || m.version != sasim_board::kMailboxVersion) return 3;
  if (m.kind == sasim_board::kCpuBinary) return run_shipped_binary(m);
  if (m.kind >= sasim_board::kFirstCpuOp) return run_cpu_operator(m);
  return m.shipped ? run_shipped_layer(m) : run_accelerator_layer(m);
}
