#include "model/host.h"

#include <fmt/format.h>

#include <algorithm>

#include "driver/cfu_seam.h"

namespace {
sasim::CfuTarget* g_target = nullptr;
}

// The seam the driver calls (driver/cfu_seam.h).
uint32_t sasim_cfu_op(int funct3, int funct7, uint32_t a, uint32_t b) {
  return g_target->cfu_op(funct3, funct7, a, b);
}

namespace sasim {

void set_cfu_target(CfuTarget* t) { g_target = t; }

sasim_drv::HwDesc hw_desc_from(const CoreParams& p) {
  sasim_drv::HwDesc h;
  h.rows = p.rows;
  h.cols = p.cols;
  h.dataflow = p.dataflow == Dataflow::kWeightStationary ? sasim_isa::kDataflowWs : sasim_isa::kDataflowOs;
  h.a_lines = p.a_lines;
  h.b_lines = p.b_lines;
  h.c_lines = p.c_lines;
  h.a_double = p.a_double;
  h.b_double = p.b_double;
  h.c_double = p.c_double;
  h.im2col = p.im2col;
  h.store_cycles = 0;  // the host seam: no CPU stores in front of the CFU
  h.eltwise = p.eltwise;
  h.ew_read = p.eltwise && p.prefetch;
  h.w_lines = p.w_lines;
  h.keep = has_keep(p);
  return h;
}

int StoreAllocator::place(const LayerSpec& s, const LayerData& d, const std::string& name) {
  const sasim_drv::LayerDesc l = layer_desc_from(s, d, nullptr);
  // The bridge's preparation at the layer's first call (prepare()): a table
  // entry and the folded biases, or nothing; then the blob, or none.
  auto take = [&](unsigned bytes) {
    const unsigned words = (bytes + 15) / 16 * 4;
    if (words > cap_bytes_ / 4 - arena_words_) return false;
    arena_words_ += words;
    return true;
  };
  last_prepared_ = 0;
  last_unprepared_ = false;
  const int bytes = sasim_drv::packed_weights_bytes(hw_, l);
  blob_bytes_ += static_cast<uint64_t>(bytes);
  auto unprepared = [&] {
    if (bytes > 0) {
      last_unprepared_ = true;
      unprepared_.push_back(name);
    }
    return 0;
  };
  if (prepared_ == cap_layers_ || !take(static_cast<unsigned>(l.out_c) * 4)) return unprepared();
  ++prepared_;
  last_prepared_ = 1;
  if (bytes == 0) last_prepared_ = 2;  // nothing to pack: the driver asks for no weights
  if (bytes == 0) return 0;
  if (!take(static_cast<unsigned>(bytes))) return unprepared();
  last_prepared_ = 2;
  if (hw_.w_lines == 0) return 0;
  const int lines = sasim_drv::store_lines(hw_, l);
  if (lines == 0 || !(s.has_fused || sasim_drv::layer_on_cfu(hw_, l))) return 0;
  if (lines > hw_.w_lines - next_) {
    full_.push_back(name);
    return 0;
  }
  stored_.push_back(name);
  next_ += lines;
  return next_ - lines + 1;
}

std::string StoreAllocator::summary() const {
  if (hw_.w_lines == 0) return "";
  auto list = [](const std::vector<std::string>& v) {
    std::string s;
    for (const std::string& n : v) s += (s.empty() ? "" : ", ") + n;
    return s;
  };
  std::string s = fmt::format("weight store: {} of {} lines hold the weights of {} layer{}{}", next_, hw_.w_lines,
                              stored_.size(), stored_.size() == 1 ? "" : "s",
                              stored_.empty() ? "" : " (" + list(stored_) + ")");
  if (!stored_.empty()) s += ", which send none after the first inference (docs/command-set.md)";
  if (!full_.empty()) s += fmt::format("; full for {} more ({}), which stream theirs", full_.size(), list(full_));
  return wrap_columns(s, 120, "  ");  // the run's tables' width
}

uint64_t StoreAllocator::prepared_bytes(const sasim_drv::HwDesc& hw, const sasim_drv::LayerDesc& l) {
  const uint64_t blob = static_cast<uint64_t>(sasim_drv::packed_weights_bytes(hw, l));
  return (static_cast<uint64_t>(l.out_c) * 4 + 15) / 16 * 16 + (blob + 15) / 16 * 16;
}

unsigned StoreAllocator::store_bytes_for(uint64_t bytes) {
  if (bytes <= kPreparedBytes) return kPreparedBytes;
  const uint64_t r = (bytes + 16383) / 16384 * 16384;
  return r > kMaxPreparedBytes ? kMaxPreparedBytes : static_cast<unsigned>(r);
}

std::string StoreAllocator::size_note() const {
  if (cap_bytes_ <= kPreparedBytes && cap_layers_ <= kPreparedLayers) return "";
  return wrap_columns(fmt::format("prepared weights: the bridge's preparation store sized for this network, {} KiB "
                                  "and {} layers (the export's defaults: 256 KiB, 64; export-cfu --model writes "
                                  "SASIM_PREPARED_BYTES={} and SASIM_PREPARED_LAYERS={} into the project's Makefile)",
                                  cap_bytes_ / 1024, cap_layers_, cap_bytes_, cap_layers_),
                      120, "  ");
}

std::string StoreAllocator::unprepared_warning() const {
  if (unprepared_.empty()) return "";
  std::string names;
  for (const std::string& n : unprepared_) names += (names.empty() ? "" : ", ") + n;
  return wrap_columns(
      fmt::format("warning: the exported bridge's preparation store (SASIM_PREPARED_LAYERS {} layers, "
                  "SASIM_PREPARED_BYTES {} KiB) is full: {} layer{} ({}) run without "
                  "prepared weights, the driver building every B line from the raw filter on every call (one to two "
                  "orders of magnitude slower); the model's prepared weights take {} KiB on this array",
                  cap_layers_, cap_bytes_ / 1024, unprepared_.size(), unprepared_.size() == 1 ? "" : "s", names,
                  (blob_bytes_ + 1023) / 1024),
      120, "  ");
}

std::string wrap_columns(const std::string& text, size_t width, const std::string& indent) {
  std::string out, line;
  size_t i = 0;
  while (i < text.size()) {
    size_t j = text.find(' ', i);
    if (j == std::string::npos) j = text.size();
    const std::string word = text.substr(i, j - i);
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      out += line + "\n";
      line = indent;
    }
    line += (line.empty() || line == indent ? "" : " ") + word;
    i = j + 1;
  }
  return out + line;
}

std::pair<std::string, std::string> driver_mapping(const sasim_drv::HwDesc& hw, const sasim_drv::LayerDesc& l) {
  const char* why = nullptr;
  const std::string m = sasim_drv::layer_mapping(hw, l, &why);
  return {m, why ? why : ""};
}

sasim_drv::EltwiseDesc fused_desc_from(const LayerSpec& s, const int8_t* b) {
  sasim_drv::EltwiseDesc e{};
  const LayerSpec::Fused& f = s.fused;
  e.op = f.op;
  e.a_zp = f.a_zp;
  e.b_zp = f.b_zp;
  e.out_zp = f.out_zp;
  e.act_min = f.act_min;
  e.act_max = f.act_max;
  e.m_a = f.m_a;
  e.s_a = f.s_a;
  e.m_b = f.m_b;
  e.s_b = f.s_b;
  e.m_out = f.m_out;
  e.s_out = f.s_out;
  for (int k = 0; k < 5; ++k) e.dims[k] = e.stride_a[k] = e.stride_b[k] = 1;
  e.b = b;
  return e;
}

TensorPlacement in_place_layout(const LayerSpec& s) {
  TensorPlacement p;
  p.input = s.in_place_offset < 0 ? -s.in_place_offset : 0;
  p.output = p.input + s.in_place_offset;
  p.planned_bytes = std::max(p.input + s.input_elems(), p.output + s.output_elems());
  return p;
}

sasim_drv::LayerDesc layer_tensors(const LayerSpec& s, const LayerData& d, std::vector<int32_t>* buf,
                                   sasim_drv::EltwiseDesc* fused) {
  const int64_t in_bytes = static_cast<int64_t>(d.input.size()), out_bytes = s.output_elems();
  // In place: in_place_layout's one area; otherwise the output after the
  // input's copy, apart.
  const TensorPlacement ip = s.in_place ? in_place_layout(s) : TensorPlacement();
  const int64_t in_off = s.in_place ? ip.input : 0;
  const int64_t out_off = s.in_place ? ip.output : (in_bytes + 15) / 16 * 16;
  const int64_t end = s.in_place ? ip.planned_bytes : out_off + out_bytes;
  buf->assign(static_cast<size_t>((end + 3) / 4), 0);
  int8_t* base = reinterpret_cast<int8_t*>(buf->data());
  std::copy(d.input.begin(), d.input.end(), base + in_off);
  sasim_drv::LayerDesc l = layer_desc_from(s, d, base + out_off, fused);
  l.input = base + in_off;
  return l;
}

sasim_drv::LayerDesc layer_desc_from(const LayerSpec& s, const LayerData& d, int8_t* out,
                                     sasim_drv::EltwiseDesc* fused) {
  sasim_drv::LayerDesc l{};
  switch (s.op) {
    case OpKind::kConv2d: l.kind = sasim_drv::kConv2d; break;
    case OpKind::kDepthwiseConv2d: l.kind = sasim_drv::kDepthwiseConv2d; break;
    case OpKind::kFullyConnected: l.kind = sasim_drv::kFullyConnected; break;
  }
  l.batches = s.batches();
  l.in_h = s.in_h();
  l.in_w = s.in_w();
  l.in_c = s.in_c();
  l.out_h = s.out_h();
  l.out_w = s.out_w();
  l.out_c = s.out_c();
  l.k_h = s.kernel_h();
  l.k_w = s.kernel_w();
  l.stride_h = s.stride_h;
  l.stride_w = s.stride_w;
  l.dil_h = s.dilation_h;
  l.dil_w = s.dilation_w;
  l.pad_top = s.pad_top;
  l.pad_left = s.pad_left;
  l.depth_multiplier = s.depth_multiplier;
  l.input_zp = s.input_zero_point;
  l.output_zp = s.output_zero_point;
  l.act_min = s.act_min;
  l.act_max = s.act_max;
  l.input = d.input.data();
  l.filter = d.filter.data();
  l.bias = s.has_bias ? d.bias.data() : nullptr;
  l.multiplier = s.output_multiplier.data();
  l.shift = s.output_shift.data();
  l.per_tensor = s.output_multiplier.size() == 1 ? 1 : 0;
  l.output = out;
  l.folded_bias = nullptr;  // computed by the driver (BoardHost prepares them)
  l.packed_weights = nullptr;
  l.fused = nullptr;
  if (s.has_fused && fused) {
    *fused = fused_desc_from(s, d.residual.data());
    l.fused = fused;
  }
  return l;
}

void PlainHost::idle_cycles(int n) {
  BusIn idle;
  for (int i = 0; i < n; ++i) core_->step(idle);
}

uint32_t PlainHost::cfu_op(int funct3, int funct7, uint32_t a, uint32_t b) {
  idle_cycles(timing_.gap(funct3, funct7));
  BusIn in;
  in.cmd_valid = true;
  in.function_id = static_cast<uint32_t>(funct3 & 7) | static_cast<uint32_t>(funct7 & 0x7f) << 3;
  in.inputs_0 = a;
  in.inputs_1 = b;
  while (true) {  // present until accepted
    const bool accepted = core_->outputs().cmd_ready;
    core_->step(in);
    if (accepted) break;
  }
  ++instructions_;
  BusIn idle;
  while (true) {  // wait for the response; it is taken in the cycle it is valid
    const BusOut out = core_->outputs();
    core_->step(idle);
    if (out.rsp_valid) return out.rsp_payload;
  }
}

}  // namespace sasim
