#include "tflite/board_ops.h"

#include <algorithm>
#include <cstring>

#include "board/cpu_ops.h"
#include "sasim/cpu_ops.h"
#include "tflite/graph.h"

namespace sasim::tflite {

namespace {

// A shape right-aligned into 5 dimensions (leading 1s), as the kernels take it.
std::vector<int32_t> dims5(const std::vector<int>& shape) {
  std::vector<int32_t> r(5, 1);
  for (size_t k = 0; k < shape.size() && k < 5; ++k) r[5 - shape.size() + k] = shape[k];
  return r;
}

void set_q(sasim_board::Mailbox* mb, const std::vector<int32_t>& q) { std::copy(q.begin(), q.end(), mb->q); }

}  // namespace

bool board_op_request(const Model& m, const Operator& op, const std::map<int, std::vector<int8_t>>& t,
                      sasim_board::Mailbox* mb, std::vector<int8_t>* a, std::vector<int8_t>* b) {
  const Tensor& o = m.tensors[static_cast<size_t>(op.outputs[0])];
  const Tensor& ti = m.tensors[static_cast<size_t>(op.inputs[0])];
  const QuantParam qi = quant_of(ti), qo = quant_of(o);
  std::vector<int8_t> scratch;
  if (op.code != kConcatenation) *a = tensor_value(m, t, op.inputs[0], &scratch);
  int32_t lo = -128, hi = 127;
  int8_activation_range(static_cast<int>(op.options.activation), qo, &lo, &hi);
  mb->output_zp = qo.zero_point;
  mb->act_min = lo;
  mb->act_max = hi;
  mb->count = static_cast<int32_t>(a->size());
  switch (op.code) {
    case kAdd:
    case kSub:
    case kMul: {
      const Tensor& tb = m.tensors[static_cast<size_t>(op.inputs[1])];
      const QuantParam qb = quant_of(tb);
      *b = tensor_value(m, t, op.inputs[1], &scratch);
      int32_t mm[3] = {0, 0, 0};
      int ss[3] = {0, 0, 0};
      if (op.code == kAdd) add_multipliers(qi, qb, qo, mm, ss);
      else if (op.code == kSub) sub_multipliers(qi, qb, qo, mm, ss);
      else mul_multiplier(qi, qb, qo, &mm[2], &ss[2]);
      mb->kind = sasim_board::kCpuBinary;
      mb->binary_op = op.code == kAdd ? 0 : op.code == kSub ? 1 : 2;
      set_q(mb, {qi.zero_point, qb.zero_point, mm[0], ss[0], mm[1], ss[1], mm[2], ss[2]});
      if (ti.shape == tb.shape) {  // one flat loop, as TFLite Micro's elementwise path
        for (int k = 0; k < 4; ++k) mb->dims[k] = 1;
        mb->dims[4] = static_cast<int32_t>(a->size());
        mb->stride_a[4] = mb->stride_b[4] = 1;
      } else {  // stride 0 where an operand broadcasts
        const std::vector<int32_t> da = dims5(ti.shape), db = dims5(tb.shape), dout = dims5(o.shape);
        int32_t sa = 1, sb = 1;
        for (int k = 4; k >= 0; --k) {
          mb->dims[k] = dout[static_cast<size_t>(k)];
          mb->stride_a[k] = da[static_cast<size_t>(k)] == 1 ? 0 : sa;
          mb->stride_b[k] = db[static_cast<size_t>(k)] == 1 ? 0 : sb;
          sa *= da[static_cast<size_t>(k)];
          sb *= db[static_cast<size_t>(k)];
        }
      }
      return true;
    }
    case kAveragePool2d:
    case kMaxPool2d: {
      const PoolParams p = pool_params_of(m, op);
      mb->kind = op.code == kMaxPool2d ? sasim_board::kCpuMaxPool : sasim_board::kCpuAveragePool;
      mb->batches = p.batches;
      mb->in_h = p.in_h;
      mb->in_w = p.in_w;
      mb->in_c = p.channels;
      mb->out_h = p.out_h;
      mb->out_w = p.out_w;
      mb->k_h = p.filter_h;
      mb->k_w = p.filter_w;
      mb->stride_h = p.stride_h;
      mb->stride_w = p.stride_w;
      mb->pad_top = p.pad_top;
      mb->pad_left = p.pad_left;
      mb->act_min = p.act_min;
      mb->act_max = p.act_max;
      return true;
    }
    case kSoftmax: {
      int32_t mult, diff_min;
      int shift;
      softmax_params(qi.scale, op.options.beta, &mult, &shift, &diff_min);
      mb->kind = sasim_board::kCpuSoftmax;
      mb->in_c = ti.shape.back();  // the row length
      set_q(mb, {mult, shift, diff_min});
      return true;
    }
    case kPad:
    case kPadV2: {
      if (ti.shape.size() > 5) return false;
      const std::vector<int64_t> pads = int_constant(m.tensors[static_cast<size_t>(op.inputs[1])], "paddings");
      std::vector<int32_t> before(5, 0);
      for (size_t k = 0; k < ti.shape.size(); ++k) before[5 - ti.shape.size() + k] = static_cast<int32_t>(pads[2 * k]);
      const std::vector<int32_t> in_dims = dims5(ti.shape), out_dims = dims5(o.shape);
      mb->kind = sasim_board::kCpuPad;
      std::copy(out_dims.begin(), out_dims.end(), mb->dims);
      std::copy(in_dims.begin(), in_dims.end(), mb->stride_a);
      std::copy(before.begin(), before.end(), mb->stride_b);
      const bool has_value = op.code == kPadV2 && op.inputs.size() > 2 && op.inputs[2] >= 0;
      set_q(mb, {has_value ? tensor_value(m, t, op.inputs[2], &scratch).at(0) : qo.zero_point});
      return true;
    }
    case kMean: {
      const int r = static_cast<int>(ti.shape.size());
      if (r > 5) return false;
      const std::vector<int32_t> dims = dims5(ti.shape);
      uint32_t reduced = 0;
      for (int64_t v : int_constant(m.tensors[static_cast<size_t>(op.inputs[1])], "axis"))
        reduced |= 1u << (5 - r + static_cast<int>(v < 0 ? v + r : v));
      int64_t n = 1;
      for (int k = 0; k < 5; ++k)
        if ((reduced >> k) & 1u) n *= dims[static_cast<size_t>(k)];
      if (n <= 0 || o.elements() <= 0) return false;
      int32_t mm;
      int ss;
      mean_params(qi, qo, n, &mm, &ss);
      mb->kind = sasim_board::kCpuMean;
      std::copy(dims.begin(), dims.end(), mb->dims);
      set_q(mb, {static_cast<int32_t>(reduced), qi.zero_point, 0, mm, ss, static_cast<int32_t>(n)});
      b->assign(static_cast<size_t>(o.elements()) * 4, 0);  // the int32 sums
      return true;
    }
    case kQuantize:
    case kLeakyRelu:
    case kLogistic: {
      if (ti.type != kInt8) return false;  // float input: not timed
      const kern::UnaryParams u = op.code == kQuantize   ? requantize_params(qi, qo)
                                  : op.code == kLogistic ? logistic_params(qi)
                                                         : leaky_relu_params(qi, qo, op.options.alpha);
      mb->kind = sasim_board::kCpuUnary;
      set_q(mb, {u.op | u.negate << 8, u.in_zp, u.out_zp, u.m1, u.s1, u.m2, u.s2, u.radius});
      return true;
    }
    case kDequantize: {
      // int8 in, float32 out (4 bytes per element).
      if (ti.type != kInt8 || o.type != kFloat32) return false;
      int32_t bits;
      std::memcpy(&bits, &qi.scale, 4);
      mb->kind = sasim_board::kCpuDequantize;
      set_q(mb, {bits, qi.zero_point});
      return true;
    }
    case kConcatenation: {
      if (op.inputs.size() > 7) return false;  // the mailbox holds 7 slice sizes
      const int rank = static_cast<int>(o.shape.size());
      const int axis = op.options.axis < 0 ? op.options.axis + rank : op.options.axis;
      int64_t outer = 1;
      for (int k = 0; k < axis; ++k) outer *= o.shape[static_cast<size_t>(k)];
      if (outer <= 0) return false;
      a->clear();
      mb->q[0] = static_cast<int32_t>(op.inputs.size());
      for (size_t j = 0; j < op.inputs.size(); ++j) {
        const std::vector<int8_t>& v = tensor_value(m, t, op.inputs[j], &scratch);
        a->insert(a->end(), v.begin(), v.end());
        mb->q[1 + j] = static_cast<int32_t>(static_cast<int64_t>(v.size()) / outer);
      }
      mb->kind = sasim_board::kCpuConcat;
      mb->count = static_cast<int32_t>(outer);
      return true;
    }
    case kReshape:
      mb->kind = sasim_board::kCpuCopy;
      return true;
    default:
      return false;
  }
}

bool only_reader(const Model& m, int y, const Operator& reader) {
  for (int o : m.outputs)
    if (o == y) return false;
  for (const Operator& op : m.operators) {
    if (op.index == reader.index) continue;
    for (int i : op.inputs)
      if (i == y) return false;
  }
  return true;
}

bool elementwise_chain(const Model& m, size_t pos) {
  if (pos + 1 >= m.operators.size()) return false;
  const Operator& a = m.operators[pos];
  const Operator& b = m.operators[pos + 1];
  auto unary = [&](const Operator& op) {
    if (op.code != kAdd && op.code != kSub && op.code != kMul) return false;
    if (op.inputs.size() != 2 || op.outputs.size() != 1) return false;
    const Tensor& x = m.tensors[static_cast<size_t>(op.inputs[0])];
    const Tensor& c = m.tensors[static_cast<size_t>(op.inputs[1])];
    const Tensor& o = m.tensors[static_cast<size_t>(op.outputs[0])];
    return x.type == kInt8 && c.type == kInt8 && o.type == kInt8 && !x.constant() && c.constant() &&
           c.elements() == 1 && x.shape == o.shape;
  };
  return unary(a) && unary(b) && b.inputs[0] == a.outputs[0] && only_reader(m, a.outputs[0], b);
}

void chain_head_request(const Model& m, const Operator& head, sasim_board::Mailbox* mb) {
  // The head's own request, on a stand-in of its input (only its size
  // matters): its parameters move to the chain fields.
  const Tensor& x = m.tensors[static_cast<size_t>(head.inputs[0])];
  std::map<int, std::vector<int8_t>> t;
  t[head.inputs[0]] = std::vector<int8_t>(static_cast<size_t>(x.elements()), 0);
  sasim_board::Mailbox h{};
  std::vector<int8_t> a, b;
  board_op_request(m, head, t, &h, &a, &b);
  mb->chain = 1;
  mb->chain_op = h.binary_op;
  mb->chain_c = b.empty() ? 0 : b[0];
  for (int k = 0; k < 8; ++k) mb->chain_q[k] = h.q[k];
  mb->chain_out_zp = h.output_zp;
  mb->chain_act_min = h.act_min;
  mb->chain_act_max = h.act_max;
}

bool fusable_eltwise(const Model& m, const Operator& next, int y, LayerSpec::Fused* f, int* x_index) {
  // ADD and MUL: the ones the export's bridge takes (its SUB runs TFLite
  // Micro's reference code), so that sasim times the firmware it ships.
  if (next.code != kAdd && next.code != kMul) return false;
  if (next.inputs.size() != 2 || next.outputs.size() != 1) return false;
  const int side = next.inputs[0] == y ? 0 : next.inputs[1] == y ? 1 : -1;
  if (side < 0 || next.inputs[0] == next.inputs[1]) return false;
  const int x = next.inputs[static_cast<size_t>(1 - side)];
  const Tensor& ty = m.tensors[static_cast<size_t>(y)];
  const Tensor& tx = m.tensors[static_cast<size_t>(x)];
  const Tensor& to = m.tensors[static_cast<size_t>(next.outputs[0])];
  if (ty.type != kInt8 || tx.type != kInt8 || to.type != kInt8) return false;
  if (ty.shape != to.shape || tx.shape != to.shape || !only_reader(m, y, next)) return false;
  // The operator's own parameters (board_op_request's), inputs in its order.
  const Tensor& t0 = m.tensors[static_cast<size_t>(next.inputs[0])];
  const Tensor& t1 = m.tensors[static_cast<size_t>(next.inputs[1])];
  const QuantParam q0 = quant_of(t0), q1 = quant_of(t1), qo = quant_of(to);
  int32_t mm[3] = {0, 0, 0};
  int ss[3] = {0, 0, 0};
  if (next.code == kAdd) add_multipliers(q0, q1, qo, mm, ss);
  else mul_multiplier(q0, q1, qo, &mm[2], &ss[2]);
  int32_t lo = -128, hi = 127;
  int8_activation_range(static_cast<int>(next.options.activation), qo, &lo, &hi);
  // a is y: the inputs' parameters swap when y is the second input.
  const int a = side, b = 1 - side;
  const QuantParam qs[2] = {q0, q1};
  f->op = next.code == kAdd ? 0 : 2;  // sasim_isa::kEwAdd, kEwMul
  f->a_zp = qs[a].zero_point;
  f->b_zp = qs[b].zero_point;
  f->out_zp = qo.zero_point;
  f->act_min = lo;
  f->act_max = hi;
  f->m_a = mm[a];
  f->s_a = ss[a];
  f->m_b = mm[b];
  f->s_b = ss[b];
  f->m_out = mm[2];
  f->s_out = ss[2];
  *x_index = x;
  return true;
}

}  // namespace sasim::tflite
