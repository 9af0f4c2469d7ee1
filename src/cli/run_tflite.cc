// sasim run --model FILE.tflite (or a whole-network model config): a whole
// network, in the model's operator order. The accelerator's layers run on the engine (timed, on the board
// estimate or the fixed-gap host); with the CPU model the CPU operators run
// as sasim's board kernels (tflite/board_ops.h), timed; otherwise on the
// golden operators, reported as not timed. Every operator's output is
// checked against the golden network.
#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <cstdio>
#include <fstream>
#include <memory>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <sstream>

#include "commands.h"
#include "cpu/feed_bench.h"
#include "cpu/engine_board.h"
#include "layer_report.h"
#include "tflite/model_input.h"
#include "sasim/cpu_ops.h"
#include "board/mailbox.h"
#include "cpu/board.h"
#include "cpu/board_host.h"
#include "cpu/params.h"
#include "model/core.h"
#include "model/core_params.h"
#include "model/host.h"
#include "sasim/engine.h"
#include "sasim/resources.h"
#include "tflite/arena_plan.h"
#include "tflite/board_ops.h"
#include "tflite/graph.h"
#include "tflite/import.h"
#include "tflite/reader.h"

namespace sasim {

namespace {

// A .npy (version 1) of the output tensor's bytes: int8, or float32 ('<f4').
std::string npy_of(const std::vector<int8_t>& v, const std::vector<int>& shape, bool is_float) {
  std::string dims;
  for (size_t i = 0; i < shape.size(); ++i) dims += fmt::format("{}{}", shape[i], shape.size() == 1 ? "," : (i + 1 < shape.size() ? ", " : ""));
  std::string header = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': ({}), }}",
                                   is_float ? "<f4" : "|i1", dims);
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  out += header;
  out.append(reinterpret_cast<const char*>(v.data()), v.size());
  return out;
}

void write_or_throw(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary);
  if (!f || !f.write(bytes.data(), static_cast<std::streamsize>(bytes.size())))
    throw ConfigError({{path, 0, 0, "", "cannot write"}});
}

}  // namespace

bool fusion_after(const sasim_drv::HwDesc& hw, const tflite::Model& m, size_t pos, const tflite::ImportedLayer& layer,
                  LayerSpec* spec, int* x_index, const tflite::ArenaPlan* plan, bool* prevented) {
  if (prevented) *prevented = false;
  if (pos + 1 >= m.operators.size()) return false;
  LayerSpec s = layer.spec;
  s.shipped = spec->shipped;  // the caller's choice of path stays
  if (!tflite::fusable_eltwise(m, m.operators[pos + 1], m.operators[pos].outputs[0], &s.fused, x_index)) return false;
  const int z = m.operators[pos + 1].outputs[0], in = m.operators[pos].inputs[0];
  if (plan && plan->overlap(z, *x_index)) {
    if (prevented) *prevented = true;
    return false;
  }
  s.has_fused = true;
  // TFLite Micro's plan may put the operator's output over the layer's input
  // (ResNet-8's residual ADDs): the layer then runs in place, as the
  // exported bridge runs it, where the driver can.
  if (plan && plan->overlap(z, in)) {
    s.in_place = true;
    s.in_place_offset = plan->offset[static_cast<size_t>(z)] - plan->offset[static_cast<size_t>(in)];
  }
  // The driver's own rules, on a view of the layer with buffers of its sizes
  // (in place: laid out as the plan lays them out).
  LayerData d;
  d.filter = layer.filter;
  d.bias = layer.bias;
  d.input.resize(static_cast<size_t>(s.input_elems()));
  d.residual.resize(static_cast<size_t>(s.output_elems()));
  std::vector<int32_t> tensors;
  sasim_drv::EltwiseDesc e;
  const sasim_drv::LayerDesc l = layer_tensors(s, d, &tensors, &e);
  if (!sasim_drv::fused_eltwise_supported(hw, l)) return false;
  if (!sasim_drv::in_place_supported(hw, l)) {
    if (prevented) *prevented = true;
    return false;
  }
  *spec = s;
  return true;
}

bool chain_supported(const sasim_drv::HwDesc& hw, const tflite::Model& m, size_t pos) {
  if (!hw.eltwise || !tflite::elementwise_chain(m, pos)) return false;
  // The bridge knows a head by its operation, size, constant and output
  // parameters alone (the export's chain table): a model with two heads
  // alike runs neither as a chain.
  auto key = [&](size_t k) {
    sasim_board::Mailbox mb{};
    tflite::chain_head_request(m, m.operators[k], &mb);
    return std::vector<int64_t>{mb.chain_op, m.tensors[static_cast<size_t>(m.operators[k].outputs[0])].elements(),
                                mb.chain_c, mb.chain_out_zp, mb.chain_q[6], mb.chain_q[7]};
  };
  const std::vector<int64_t> mine = key(pos);
  for (size_t k = 0; k + 1 < m.operators.size(); ++k)
    if (k != pos && tflite::elementwise_chain(m, k) && key(k) == mine) return false;
  // Each operator's table as the bridge builds it (sasim_tflm.cc,
  // unary_table): its request's parameters on 256 bytes and its constant.
  for (size_t k = pos; k <= pos + 1; ++k) {
    const tflite::Operator& op = m.operators[k];
    const tflite::Tensor& x = m.tensors[static_cast<size_t>(op.inputs[0])];
    std::map<int, std::vector<int8_t>> t;
    t[op.inputs[0]] = std::vector<int8_t>(static_cast<size_t>(x.elements()), 0);
    sasim_board::Mailbox mb{};
    std::vector<int8_t> a, b;
    if (!tflite::board_op_request(m, op, t, &mb, &a, &b) || b.size() != 1) return false;
    if (mb.binary_op != sasim_isa::kEwMul && mb.q[7] > 0) return false;  // ADD/SUB: a right shift only
    static const int8_t bytes[256] = {};
    int8_t out[256];
    sasim_drv::EltwiseDesc e;
    sasim_drv::eltwise_params(&e, mb.binary_op, mb.q, mb.output_zp, mb.act_min, mb.act_max);
    sasim_drv::eltwise_table(&e, bytes, b.data(), out);
    if (!sasim_drv::eltwise_supported(hw, e)) return false;
  }
  return true;
}

int keep_chain_after(const sasim_drv::HwDesc& hw, const tflite::Model& m, size_t pos,
                     const tflite::ImportedLayer& layer, const tflite::ImportedLayer* next) {
  if (!hw.keep || !next || pos + 1 >= m.operators.size()) return 0;
  const tflite::Operator& a = m.operators[pos];
  const tflite::Operator& b = m.operators[pos + 1];
  if (next->op_index != b.index || b.inputs.empty() || b.inputs[0] != a.outputs[0]) return 0;
  LayerSpec s;
  int x = -1;
  if (fusion_after(hw, m, pos, layer, &s, &x)) return 0;  // its readback is the operator's
  // The driver's rules, on views of the two layers with buffers of their sizes.
  auto desc = [](const tflite::ImportedLayer& il, LayerData* d, std::vector<int8_t>* out) {
    d->filter = il.filter;
    d->bias = il.bias;
    d->input.resize(static_cast<size_t>(il.spec.input_elems()));
    out->resize(static_cast<size_t>(il.spec.output_elems()));
    return layer_desc_from(il.spec, *d, out->data(), nullptr);
  };
  LayerData da, db;
  std::vector<int8_t> oa, ob;
  const sasim_drv::LayerDesc la = desc(layer, &da, &oa), lb = desc(*next, &db, &ob);
  if (!(sasim_drv::layer_on_cfu(hw, la) && sasim_drv::layer_on_cfu(hw, lb) && sasim_drv::keep_out_supported(hw, la) &&
        sasim_drv::kept_in_supported(hw, lb)))
    return 0;
  // Kept only when nothing else reads the output.
  return tflite::only_reader(m, a.outputs[0], b) ? 2 : 1;
}

namespace {

// Whether the layer at pos can run paired with the next operator (the rule
// of paired_layers, one pair alone): the graph's, and the driver's on the
// two at the arena plan's addresses (pair_supported; addresses only,
// nothing is read), prepared and in the store.
bool pair_possible(const sasim_drv::HwDesc& hw, const tflite::Model& m, const tflite::Imported& im,
                   const tflite::ArenaPlan& plan, size_t pos) {
  if (!hw.keep || pos + 1 >= m.operators.size()) return false;
  auto layer_at = [&](size_t k) -> const tflite::ImportedLayer* {
    if (k >= m.operators.size()) return nullptr;
    for (const tflite::ImportedLayer& l : im.layers)
      if (l.op_index == m.operators[k].index) return &l;
    return nullptr;
  };
  const tflite::ImportedLayer* const lp = layer_at(pos);
  const tflite::ImportedLayer* const next = layer_at(pos + 1);
  if (!lp || !next) return false;
  const tflite::ImportedLayer& layer = *lp;
  const tflite::Operator& a = m.operators[pos];
  const tflite::Operator& b = m.operators[pos + 1];
  if (b.inputs.empty() || b.inputs[0] != a.outputs[0]) return false;
  LayerSpec s;
  int x = -1;
  if (fusion_after(hw, m, pos, layer, &s, &x) || fusion_after(hw, m, pos + 1, *next, &s, &x)) return false;
  // Neither in an output-keep chain: the producer reads its input from
  // memory band by band, the consumer's output goes to memory.
  if (keep_chain_after(hw, m, pos, layer, next) || keep_chain_after(hw, m, pos + 1, *next, layer_at(pos + 2)))
    return false;
  if (const tflite::ImportedLayer* before = pos > 0 ? layer_at(pos - 1) : nullptr)
    if (keep_chain_after(hw, m, pos - 1, *before, lp)) return false;
  if (!tflite::only_reader(m, a.outputs[0], b)) return false;  // its output's only reader, no model output
  const auto offset = [&](int tensor) { return tensor >= 0 ? plan.offset[static_cast<size_t>(tensor)] : int64_t{-1}; };
  if (offset(a.inputs[0]) < 0 || offset(a.outputs[0]) < 0 || offset(b.outputs[0]) < 0) return false;
  auto at = [&](int tensor) { return reinterpret_cast<int8_t*>(static_cast<uintptr_t>(0x40000000u + offset(tensor))); };
  auto desc = [&](const tflite::ImportedLayer& il, LayerData* d, std::vector<int8_t>* blob, int in, int out) {
    d->filter = il.filter;
    d->bias = il.bias;
    sasim_drv::LayerDesc l = layer_desc_from(il.spec, *d, at(out), nullptr);
    l.input = at(in);
    blob->resize(static_cast<size_t>(std::max(sasim_drv::packed_weights_bytes(hw, l), 1)));
    l.packed_weights = blob->data();
    l.w_store = 1;
    return l;
  };
  LayerData da, db;
  std::vector<int8_t> ba, bb;
  const sasim_drv::LayerDesc la = desc(layer, &da, &ba, a.inputs[0], a.outputs[0]);
  const sasim_drv::LayerDesc lb = desc(*next, &db, &bb, b.inputs[0], b.outputs[0]);
  return sasim_drv::layer_on_cfu(hw, la) && sasim_drv::layer_on_cfu(hw, lb) &&
         sasim_drv::packed_weights_bytes(hw, la) > 0 && sasim_drv::packed_weights_bytes(hw, lb) > 0 &&
         sasim_drv::store_lines(hw, la) > 0 && sasim_drv::store_lines(hw, lb) > 0 &&
         sasim_drv::pair_supported(hw, la, lb);
}

}  // namespace

std::vector<bool> paired_layers(const sasim_drv::HwDesc& hw, const tflite::Model& m, const tflite::Imported& im) {
  const size_t n = m.operators.size();
  std::vector<bool> chosen(n, false);
  if (!hw.keep) return chosen;
  const tflite::ArenaPlan plan = tflite::plan_arena(m);
  std::vector<bool> can(n, false);
  for (size_t pos = 0; pos + 1 < n; ++pos) can[pos] = pair_possible(hw, m, im, plan, pos);
  // A layer is in one pair at most. A pair saves writing and reading its
  // intermediate tensor: where the next layer could pair with the one after
  // it over a larger tensor (MobileNetV2's 1 x 1 projection, then the next
  // block's expansion: 51 KB, then 307 KB), that pair goes first.
  auto bytes = [&](size_t pos) { return m.tensors[static_cast<size_t>(m.operators[pos].outputs[0])].elements(); };
  for (size_t pos = 0; pos + 1 < n; ++pos) {
    if (!can[pos]) continue;
    if (pos + 2 < n && can[pos + 1] && bytes(pos + 1) > bytes(pos)) continue;
    chosen[pos] = true;
    ++pos;  // the reader
  }
  return chosen;
}

int cmd_run_tflite(const CommonOptions& common, const RunOptions& opt) {
  if (!opt.model_overrides.empty())
    throw ConfigError({{"--set " + opt.model_overrides[0].text, 0, 0, "",
                        "model.* overrides apply to model configs; import the .tflite first (sasim import) to edit it"}});
  const HwConfig hw = load_hw_config(common.hw_path, common.overrides);
  if (const std::string w = fit_warning(hw); !w.empty()) fmt::print(stderr, "warning: {}\n", w);
  const tflite::Model m = tflite::load_tflite(opt.model_path);
  const tflite::Imported im = tflite::import_model(m);  // every operator checked before anything runs
  return run_network(hw, opt, m, im);
}

std::pair<unsigned, int> prepared_store(const sasim_drv::HwDesc& hw, const tflite::Imported& im) {
  uint64_t bytes = 0;
  for (const tflite::ImportedLayer& l : im.layers) {
    LayerData d;
    d.filter = l.filter;
    d.bias = l.bias;
    bytes += StoreAllocator::prepared_bytes(hw, layer_desc_from(l.spec, d, nullptr));
  }
  return {StoreAllocator::store_bytes_for(bytes), StoreAllocator::store_layers_for(static_cast<int>(im.layers.size()))};
}

int run_network(const HwConfig& hw, const RunOptions& opt, const tflite::Model& m, const tflite::Imported& im) {
  // Quiet (RunOptions::quiet): the printout goes nowhere, the files are written.
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> devnull(opt.quiet ? std::fopen("/dev/null", "w") : nullptr, std::fclose);
  if (opt.quiet && !devnull) throw std::runtime_error("cannot open /dev/null");
  std::FILE* const so = opt.quiet ? devnull.get() : stdout;
  const tflite::Tensor& in_t = m.tensors[static_cast<size_t>(m.inputs[0])];
  const tflite::Tensor& out_t = m.tensors[static_cast<size_t>(m.outputs[0])];
  const std::vector<int8_t> input = tflite::model_input(opt.input_path, opt.input_seed, in_t);
  // The default folder: out/NAME for a model config, out/NAME-tflite for the
  // .tflite file itself (so that a file and the config imported from it do
  // not overwrite each other's results).
  const bool from_file = opt.model_path.size() > 7 && opt.model_path.compare(opt.model_path.size() - 7, 7, ".tflite") == 0;
  const std::string out_dir = !opt.out_dir.empty() ? opt.out_dir : "out/" + im.name + (from_file ? "-tflite" : "");
  make_dirs(out_dir);
  check_writable_dir(out_dir);  // before simulating, not after

  // The reference: the whole network on the golden library.
  std::map<int, std::vector<int8_t>> want;
  tflite::run_golden(m, im, input, &want);

  std::map<int, std::vector<int8_t>> t;
  t[m.inputs[0]] = input;
  // One inference: the caches' state carries over between its operators.
  const auto carry = std::make_shared<InferenceCarry>();
  EngineOptions eo;
  eo.cpu = opt.cpu;
  if (!opt.cold_layers) eo.inference = carry;
  // --trace: the whole inference (the layers and, on the CPU model, the CPU
  // operators on the same board); --trace-layer takes a CFU layer's name or
  // a CPU operator's "INDEX OP".
  {
    std::vector<std::string> names;
    for (const tflite::Operator& op : m.operators) {
      std::string n = fmt::format("{} {}", op.index, tflite::op_name(op.code));
      for (const auto& l : im.layers)
        if (l.op_index == op.index) n = l.spec.name;
      names.push_back(n);
    }
    set_trace_options(opt, names, opt.model_path, out_dir, &eo);
  }
  std::unique_ptr<Engine> own_engine = opt.engine ? nullptr : make_engine("systemc", hw, eo);
  Engine* const engine = opt.engine ? opt.engine : own_engine.get();
  // Runs op on the engine's board (the SystemC engine with the CPU model:
  // the layers' board, CFU and traces) when sasim has a board kernel for it;
  // returns false (not timed) otherwise, and always with the fixed-gap host,
  // which has no CPU to time it on.
  // Where TFLite Micro's arena plan puts the tensors, as the firmware has
  // them (tflite/arena_plan.h): the board's runner lays every operator's
  // planned tensors out at the plan's offsets (TensorPlacement).
  const tflite::ArenaPlan plan = tflite::plan_arena(m);
  auto planned = [&](int tensor) { return tensor >= 0 ? plan.offset[static_cast<size_t>(tensor)] : int64_t{-1}; };
  // head: op is an elementwise chain's tail, run with its head (a the
  // head's input, the head's output unwritten; tflite::elementwise_chain).
  auto time_on_board = [&](const tflite::Operator& op, std::vector<int8_t>* result, CpuOpResult* res,
                           const tflite::Operator* head = nullptr) {
    const tflite::Tensor& o = m.tensors[static_cast<size_t>(op.outputs[0])];
    sasim_board::Mailbox mb{};
    std::vector<int8_t> a, b;
    if (head) {
      // The tail's request on a stand-in of the head's output (its size
      // only), then the head's input as a.
      std::map<int, std::vector<int8_t>> tt;
      tt[op.inputs[0]] = std::vector<int8_t>(static_cast<size_t>(o.elements()), 0);
      if (!tflite::board_op_request(m, op, tt, &mb, &a, &b)) return false;
      tflite::chain_head_request(m, *head, &mb);
      a = t.at(head->inputs[0]);
    } else if (!tflite::board_op_request(m, op, t, &mb, &a, &b)) {
      return false;
    }
    const size_t out_bytes = static_cast<size_t>(o.elements()) * (o.type == tflite::kFloat32 ? 4 : 1);
    CpuOpRequest req{&mb, fmt::format("{} {}", op.index, tflite::op_name(op.code)), &a, &b, out_bytes};
    // a is the first input (a concatenation's are gathered: not placed), b
    // a binary operator's second (other operators' b is their own scratch).
    req.placement.planned_bytes = plan.total;
    if (op.code != tflite::kConcatenation) req.placement.input = planned(head ? head->inputs[0] : op.inputs[0]);
    if (head) req.placement.own_output = planned(head->outputs[0]);
    const bool binary = op.code == tflite::kAdd || op.code == tflite::kSub || op.code == tflite::kMul;
    if (binary && !b.empty() && op.inputs.size() > 1) req.placement.input2 = planned(op.inputs[1]);
    req.placement.output = planned(op.outputs[0]);
    if (!engine->run_cpu_op(req, res)) return false;
    *result = std::move(res->output);
    return true;
  };
  fmt::print(so, "sasim run: {} ({} operators) on {}x{} {}, {} MHz; {}\n", opt.model_path, m.operators.size(), hw.rows,
             hw.cols, dataflow_name(hw.dataflow), hw.clock_mhz,
             opt.cpu == "vexriscv" ? fmt::format("CFU layers: board estimate (CPU model, VexRiscv {})",
                                                  cpu_variant_name(hw.cpu.variant))
                                   : std::string("CFU layers: fixed-gap estimate"));
  fmt::print(so, "{:>3} {:<18} {:<16} {:<5} {:>11} {:>11} {:>6} {:>5} {}\n", "#", "op", "output", "where", "cycles",
             "MACs", "util%", "exact", "mapping");
  nlohmann::json ops = nlohmann::json::array();
  std::string csv = "index,output_shape,where," + report::layers_csv_header() + "\n";
  std::vector<report::Row> rows;
  LayerStats report_total;
  // The CPU's fastest feed rates (the bounds), measured once on the CPU model.
  const cpu::FeedRates feed = cpu::measure_feed_rates(cpu::cpu_params_from(hw), core_params_from(hw));
  // TFLite Micro's MicroProfiler::LogCsv as CFU Playground prints it: ticks
  // of 1024 cycles; an operator sasim does not time has an empty Ticks field.
  std::string profile = "\"Event\",\"Tag\",\"Ticks\"\n";
  uint64_t cfu_cycles = 0, cpu_cycles = 0, cpu_ops_untimed = 0, cpu_ops_timed = 0;
  uint64_t ew_cycles = 0, ew_ops = 0;  // elementwise operators the runner gave to the CFU
  uint64_t layers_on_cpu = 0;  // layers the driver's cost model ran on the CPU (small FC)
  bool all_exact = true;
  // Elementwise operators fused into the previous layer's readback: the
  // operator's index -> the layer's.
  std::map<int, int> fused_into;
  uint64_t fused_ops = 0;
  // Fusions by the plan: in place where it puts the operator's output over
  // the layer's input and the driver can; prevented where it cannot (the
  // exported bridge then refuses it too).
  std::vector<std::pair<int, int>> prevented;  // (layer, operator) the plan keeps apart
  std::vector<std::pair<int, int>> in_place;   // (layer, operator) fused with the output over the layer's input
  const sasim_drv::HwDesc hw_desc = hw_desc_from(core_params_from(hw));
  // The CFU's weight store as the exported bridge fills it (board estimate),
  // its preparation store sized as export-cfu --model sizes it for m.
  const std::pair<unsigned, int> prep = prepared_store(hw_desc, im);
  StoreAllocator store(hw_desc, prep.first, prep.second);
  const bool board = opt.cpu == "vexriscv";
  // Ctrl-C: finish the operator in flight, then write the rows of the
  // operators done (no output tensor: the inference is not complete).
  SigintScope sigint;
  size_t ops_done = 0;
  // Elementwise chains (tflite::elementwise_chain): run at the head, which
  // computes nothing (its row: "in" the tail); the tail's row reports the
  // pair's cycles (both calls, as the firmware's two operators take them).
  std::map<int, int> chained_into;  // head operator -> tail operator
  std::map<int, std::pair<std::vector<int8_t>, CpuOpResult>> chain_runs;  // tail operator -> its run
  // The output keep: the previous layer left this operator's input in the
  // CFU's A bank (keep_chain_after); the layers that kept or took one.
  bool input_kept = false;
  std::vector<int> kept_by;
  // Paired layers (pair_after): run at the producer's turn, which computes
  // nothing of its own (its row: "in" the consumer); the consumer's row
  // reports the pair's cycles (both calls, as the firmware's two take them).
  std::map<int, int> paired_into;              // producer operator -> consumer operator
  std::map<int, EngineResult> pair_runs;      // consumer operator -> the pair's run
  const std::vector<bool> pair_here = paired_layers(hw_desc, m, im);
  // Runs the pair at pos when the store holds both layers' weights where
  // the bridge would put them (a copy of the allocator tries first); false
  // (nothing run, nothing placed) otherwise.
  auto pair_layers = [&](size_t pos, const tflite::ImportedLayer& pl, const tflite::ImportedLayer& ql) {
    const tflite::Operator& op = m.operators[pos];
    const tflite::Operator& nx = m.operators[pos + 1];
    LayerSpec ps = pl.spec, qs = ql.spec;
    ps.shipped = qs.shipped = true;
    LayerData pd, qd;
    pd.input = t.at(op.inputs[0]);
    pd.filter = pl.filter;
    pd.bias = pl.bias;
    qd.input.assign(static_cast<size_t>(qs.input_elems()), 0);  // the producer's output: never written
    qd.filter = ql.filter;
    qd.bias = ql.bias;
    StoreAllocator probe = store;
    const int pw = probe.place(ps, pd, "p");
    const int pprep = probe.last_prepared();
    const int qw = probe.place(qs, qd, "q");
    if (pw <= 0 || qw <= 0 || pprep != 2 || probe.last_prepared() != 2) return false;
    ps.w_store = store.place(ps, pd, std::to_string(op.index));
    ps.prepared = store.last_prepared();
    qs.w_store = store.place(qs, qd, std::to_string(nx.index));
    qs.prepared = store.last_prepared();
    qs.placement.planned_bytes = plan.total;
    qs.placement.input = planned(nx.inputs[0]);
    qs.placement.output = planned(nx.outputs[0]);
    auto pp = std::make_shared<PairedProducer>();
    pp->spec = ps;
    pp->w_store = ps.w_store;
    pp->input_offset = planned(op.inputs[0]);
    pp->data = std::move(pd);
    qs.pair = pp;
    pair_runs[nx.index] = engine->run(qs, qd);
    paired_into[op.index] = nx.index;
    return true;
  };
  for (size_t pos = 0; pos < m.operators.size(); ++pos) {
    const tflite::Operator& op = m.operators[pos];
    SigintScope::test_hook(ops_done);
    if (SigintScope::interrupted()) break;
    ++ops_done;
    const int oi = op.outputs[0];
    const tflite::Tensor& o = m.tensors[static_cast<size_t>(oi)];
    const tflite::ImportedLayer* layer = nullptr;
    const tflite::ImportedLayer* next_layer = nullptr;
    for (const auto& l : im.layers) {
      if (l.op_index == op.index) layer = &l;
      if (pos + 1 < m.operators.size() && l.op_index == m.operators[pos + 1].index) next_layer = &l;
    }
    const bool a_kept = input_kept;
    input_kept = false;
    std::string where = "cpu";
    std::optional<uint64_t> cycles;  // empty: not timed
    uint64_t macs = 0;
    double util = 0;
    // The operator's row of the report tables, layers.csv and report.json.
    report::Row row{fmt::format("{} {}", op.index, tflite::op_name(op.code)), tflite::op_name(op.code), LayerStats(),
                    false};
    row.bounded = false;
    const auto fused_it = fused_into.find(op.index);
    const auto chain_it = chained_into.find(op.index);
    const auto chain_run = chain_runs.find(op.index);
    const auto pair_run = pair_runs.find(op.index);
    // A CFU layer's run into the row and the totals.
    auto account = [&](const tflite::ImportedLayer& L, const EngineResult& r, size_t bias_count) {
      cycles = r.stats.cycles;
      if (r.stats.on_cpu) {  // the driver's cost model: the CPU is faster
        cpu_cycles += r.stats.cycles;
        ++cpu_ops_timed;
        ++layers_on_cpu;
      } else {
        cfu_cycles += r.stats.cycles;
      }
      macs = r.stats.macs;
      util = 100.0 * r.stats.utilisation(hw.rows, hw.cols);
      row.s = r.stats;
      row.bounded = true;
      // The array's MAC bound and the feed bound (docs/bounds.md), as a
      // layer-list run computes them.
      const LayerSpec& sp = L.spec;
      row.mac_bound = static_cast<double>(sp.macs()) / (hw.rows * hw.cols);
      const double in_bytes = static_cast<double>(sp.input_elems() + sp.filter_elems() + 4 * bias_count);
      row.feed_bound = std::ceil(in_bytes / 8) * feed.write_cycles_per_8_bytes +
                       std::ceil(static_cast<double>(sp.output_elems()) / 4) * feed.read_cycles_per_4_bytes;
    };
    if (layer && pair_run != pair_runs.end()) {
      // A paired layer's consumer: run with its producer, in the producer's turn.
      t[oi] = std::move(pair_run->second.output);
      account(*layer, pair_run->second, layer->bias.size());
      where = "cfu";
    } else if (layer && board && !opt.no_fuse && pair_here[pos] && pair_layers(pos, *layer, *next_layer)) {
      where = "pair";
    } else if (fused_it != fused_into.end()) {
      // Computed by the layer it is fused into: no cycles of its own.
      where = "fused";
    } else if (chain_it != chained_into.end() || chain_run != chain_runs.end()) {
      // An elementwise chain: computed with the tail, in the head's turn.
      where = "chain";
      if (chain_run != chain_runs.end()) {
        const CpuOpResult& res = chain_run->second.second;
        cycles = res.cycles;
        row.s.timed = true;
        row.s.cycles = res.cycles;
        row.s.cpu = res.cpu;
        ew_cycles += res.cycles;
        ++ew_ops;
        t[oi] = std::move(chain_run->second.first);
      }
    } else if (board && !opt.no_fuse && !layer && chain_supported(hw_desc, m, pos)) {
      std::vector<int8_t> result;
      CpuOpResult res;
      const tflite::Operator& tail = m.operators[pos + 1];
      if (time_on_board(tail, &result, &res, &op)) {
        where = "chain";
        chained_into[op.index] = tail.index;
        chain_runs[tail.index] = {std::move(result), res};
      } else {
        result = tflite::run_golden_op(m, im, op, t);  // (no board kernel: not timed, as any operator)
        t[oi] = std::move(result);
        ++cpu_ops_untimed;
      }
    } else if (layer) {
      LayerData d;
      d.input = t.at(op.inputs[0]);
      d.filter = layer->filter;
      d.bias = layer->bias;
      // The next operator fused into this layer's readback (READ_EW), when
      // the graph, the parameters and the CFU allow it: the layer then
      // outputs that operator's result.
      LayerSpec spec = layer->spec;
      spec.shipped = true;  // through the exported kernel and bridge: the driver's cost model decides
      int fused_out = -1, x = -1;
      bool kept_apart = false;
      if (!opt.no_fuse && fusion_after(hw_desc, m, pos, *layer, &spec, &x, &plan, &kept_apart)) {
        std::vector<int8_t> scratch;
        d.residual = tflite::tensor_value(m, t, x, &scratch);
        fused_out = m.operators[pos + 1].outputs[0];
        fused_into[m.operators[pos + 1].index] = op.index;
      }
      if (kept_apart) prevented.emplace_back(op.index, m.operators[pos + 1].index);
      spec.placement.planned_bytes = plan.total;
      spec.placement.input = planned(op.inputs[0]);
      spec.placement.output = planned(fused_out >= 0 ? fused_out : oi);
      if (fused_out >= 0) {
        spec.placement.residual = planned(x);
        spec.placement.own_output = planned(oi);
      }
      if (fused_out >= 0 && spec.in_place) in_place.emplace_back(op.index, m.operators[pos + 1].index);
      if (board) {
        spec.w_store = store.place(spec, d, std::to_string(op.index));
        spec.prepared = store.last_prepared();
        spec.a_kept = a_kept ? 1 : 0;
        spec.keep_out = fused_out < 0 ? keep_chain_after(hw_desc, m, pos, *layer, next_layer) : 0;
      }
      EngineResult r = engine->run(spec, d);
      r.stats.raw_weights = board && store.last_unprepared();
      input_kept = spec.keep_out && !r.stats.on_cpu;
      if (spec.keep_out) kept_by.push_back(op.index);
      t[fused_out >= 0 ? fused_out : oi] = std::move(r.output);
      where = fused_out >= 0 ? "cfu+" : r.stats.on_cpu ? "cpu" : "cfu";
      account(*layer, r, d.bias.size());
    } else {
      // The CPU operators on their golden implementation, fed by the
      // engine's tensors (not the golden network's).
      std::vector<int8_t> result;
      CpuOpResult res;
      if (time_on_board(op, &result, &res)) {
        const uint64_t c = res.cycles;
        cycles = c;
        row.s.timed = true;
        row.s.cycles = c;
        row.s.cpu = res.cpu;
        if (res.on_cfu) {  // elementwise, given to the CFU by the runner
          where = "cfu";
          ew_cycles += c;
          ++ew_ops;
        } else {
          cpu_cycles += c;
          ++cpu_ops_timed;
        }
      } else {
        result = tflite::run_golden_op(m, im, op, t);
        ++cpu_ops_untimed;
      }
      t[oi] = std::move(result);
    }
    // A layer with a fused operator has no output of its own: the fused
    // operator's output is checked, on both rows.
    int checked_t = oi;
    if (where == "cfu+") checked_t = m.operators[pos + 1].outputs[0];
    const auto head_it = chained_into.find(op.index);
    if (head_it != chained_into.end()) checked_t = m.operators[pos + 1].outputs[0];  // the chain's output
    if (head_it != chained_into.end() && chain_runs.count(head_it->second))
      t[checked_t] = chain_runs.at(head_it->second).first;
    const auto pair_it = paired_into.find(op.index);
    if (pair_it != paired_into.end()) {  // the pair's output (the producer's own is never written)
      checked_t = m.operators[pos + 1].outputs[0];
      t[checked_t] = pair_runs.at(pair_it->second).output;
    }
    if (fused_it != fused_into.end()) ++fused_ops;
    const bool exact = t.count(checked_t) && t[checked_t] == want[checked_t];
    all_exact = all_exact && exact;
    row.exact = exact;
    if (!row.s.timed) row.s.cpu.modelled = false;
    // A paired producer runs in its reader's bands (run_pair: the im2col path).
    if (where == "pair") row.s.mapping = "im2col";
    report::accumulate(&report_total, row.s);
    rows.push_back(row);
    if (opt.per_operator)
      opt.per_operator->push_back(
          {op.index, tflite::op_name(op.code), where, cycles ? static_cast<int64_t>(*cycles) : int64_t{-1}});
    const std::string shape = fmt::format("{}", fmt::join(o.shape, "x"));
    std::string text = fmt::format("{:>3} {:<18} {:<16} {:<5} {:>11} {:>11} {:>6} {:>5} {}", op.index,
                                   tflite::op_name(op.code), shape,
               where,
               cycles                         ? std::to_string(*cycles)
               : fused_it != fused_into.end() ? fmt::format("in {}", fused_it->second)
               : head_it != chained_into.end() ? fmt::format("in {}", head_it->second)
               : pair_it != paired_into.end()  ? fmt::format("in {}", pair_it->second)
                                              : std::string("not timed"),
               layer && where != "fused" ? std::to_string(macs) : "",
               layer ? fmt::format("{:.2f}", util) : "",
               exact ? "yes" : "NO", row.s.raw_weights ? row.s.mapping + " (raw weights)" : row.s.mapping);
    while (!text.empty() && text.back() == ' ') text.pop_back();
    fmt::print(so, "{}\n", text);
    std::fflush(so);
    profile += fmt::format("{},{},{}\n", op.index, tflite::op_name(op.code),
                           cycles ? std::to_string(*cycles / 1024) : "");
    {
      // The layer-list run's columns after the operator's index, output
      // shape and where it ran; an operator not timed has empty cycles.
      std::string line = report::layers_csv_row(hw, row);
      if (!cycles) {
        const size_t a = line.find(',', line.find(',') + 1);  // the cycles field follows layer and op
        const size_t b = line.find(',', a + 1);
        line = line.substr(0, a + 1) + line.substr(b);
      }
      csv += fmt::format("{},{},{},{}\n", op.index, shape, where, line);
    }
    ops.push_back({{"index", op.index}, {"op", tflite::op_name(op.code)}, {"output_shape", o.shape}, {"where", where},
                   {"mapping", row.s.mapping}, {"mapping_why", row.s.mapping_why}, {"raw_weights", row.s.raw_weights},
                   {"implementation", where == "fused"  ? fmt::format("fused into operator {}'s readback (READ_EW)",
                                                                         fused_it->second)
                                      : where == "pair"
                                          ? fmt::format("paired with operator {}: run band by band with it, its rows "
                                                        "kept in the CFU's A bank and never stored (run_pair)",
                                                        pair_it->second)
                                      : head_it != chained_into.end()
                                          ? fmt::format("elementwise chain with operator {}: one 256-entry table "
                                                        "(built on the CFU's elementwise unit) applied in its call",
                                                        head_it->second)
                                      : where == "chain"
                                          ? std::string("elementwise chain's tail: the chain's table, built on the "
                                                        "CFU's elementwise unit, applied by the CPU in one pass")
                                      : where == "cfu+" ? fmt::format("sasim driver on the CFU, operator {} fused into "
                                                                      "its readback (READ_EW)",
                                                                      m.operators[pos + 1].index)
                                      : layer && where == "cpu"
                                          ? std::string("sasim board kernel (src/board/cpu_ops.h): the driver's cost "
                                                        "model prefers the CPU (sasim_drv::layer_on_cfu)")
                                      : layer && pair_run != pair_runs.end()
                                          ? fmt::format("sasim driver on the CFU, paired with operator {}: its input "
                                                        "from the CFU's A bank band by band (run_pair; the "
                                                        "cycles are both operators')",
                                                        m.operators[pos - 1].index)
                                      : layer           ? std::string("sasim driver on the CFU")
                                      : where == "cfu"  ? std::string("sasim driver on the CFU's elementwise unit (src/driver/eltwise.cc)")
                                      : cycles          ? std::string("sasim board kernel (src/board/cpu_ops.h)")
                                                        : std::string("golden (not timed)")},
                   {"cycles", cycles ? nlohmann::json(*cycles) : nlohmann::json(nullptr)},
                   {"timed", cycles.has_value()}, {"macs", macs}, {"bit_exact", exact}});
    if (fused_it != fused_into.end()) ops.back()["fused_into"] = fused_it->second;
    if (head_it != chained_into.end()) ops.back()["chained_into"] = head_it->second;
    if (pair_it != paired_into.end()) ops.back()["paired_into"] = pair_it->second;
    if (layer && pair_run != pair_runs.end()) ops.back()["paired_with"] = m.operators[pos - 1].index;
    // Everything a layer-list run reports per layer (the CPU's classes and
    // memory causes with the CPU model; the array's and the bounds for the
    // operators on the array).
    if (cycles) ops.back()["stats"] = report::row_json(hw, row);
  }
  const uint64_t total = cfu_cycles + ew_cycles + cpu_cycles;
  if (ops_done < m.operators.size()) {
    write_or_throw(out_dir + "/layers.csv", csv);
    write_or_throw(out_dir + "/profile.csv", profile);
    const nlohmann::json report = {{"model_file", opt.model_path},
                                   {"cpu_model", opt.cpu},
                                   {"cpu_variant", cpu_variant_name(hw.cpu.variant)},
                                   {"memory", memory_description(hw.cpu)},
                                   {"sasim_version", sasim_version()},
                                   {"operators", ops},
                                   {"interrupted_after_operator", ops_done},
                                   {"total", {{"cycles", total}, {"cfu_cycles", cfu_cycles}, {"eltwise_cfu_cycles", ew_cycles},
                                               {"cpu_cycles", cpu_cycles}}}};
    write_or_throw(out_dir + "/report.json", report.dump(2) + "\n");
    if (own_engine) engine->finish();
    for (const char* f : {"output.bin", "output.npy"}) std::remove((out_dir + "/" + f).c_str());
    fmt::print(stderr,
               "interrupted after operator {} of {}: wrote {}/layers.csv, profile.csv and report.json with the "
               "operators done (no output tensor)\n",
               ops_done, m.operators.size(), out_dir);
    return kExitInterrupted;
  }
  const std::vector<int8_t>& out = t.at(m.outputs[0]);
  fmt::print(so, "total: {} cycles ({:.1f} us at {} MHz): {} in the CFU layers{}, {} in {} elementwise operators on the "
             "CFU, {} in {} CPU operators{} (the export's kernels for FC, pooling, ADD/SUB/MUL; sasim's board kernels for the rest, TFLite Micro's may differ); {} CPU operators not "
             "timed\n",
             total, static_cast<double>(total) / hw.clock_mhz, hw.clock_mhz, cfu_cycles,
             fused_ops ? fmt::format(" ({} elementwise operators fused into a layer's readback: cfu+)", fused_ops)
                       : std::string(),
             ew_cycles, ew_ops, cpu_cycles, cpu_ops_timed,
             layers_on_cpu ? fmt::format(" ({} of them layers the driver's cost model left on the CPU)", layers_on_cpu)
                           : std::string(),
             cpu_ops_untimed);
  auto pairs = [&](const std::vector<std::pair<int, int>>& v) {
    std::string list;
    for (const auto& [l, o] : v)
      list += fmt::format("{}{} {} into {}", list.empty() ? "" : ", ", o,
                          tflite::op_name(m.operators[static_cast<size_t>(o)].code), l);
    return list;
  };
  if (!in_place.empty())
    fmt::print(so, "in place: {} (TFLite Micro's arena plan puts the operator's output over the layer's input; the "
               "driver reads each input row before a store overwrites it, as the exported bridge runs it; "
               "docs/export-cfu.md)\n",
               pairs(in_place));
  if (board && hw_desc.w_lines > 0) fmt::print(so, "{}\n", store.summary());
  if (board && !store.size_note().empty()) fmt::print(so, "{}\n", store.size_note());
  if (!kept_by.empty()) {
    std::string list;
    for (int i : kept_by) list += fmt::format("{}{}", list.empty() ? "" : ", ", i);
    // At most 120 columns a line, as the other lines of the summary.
    fmt::print(so, "{}\n",
               wrap_columns(fmt::format("output kept in A: layers {} leave their output in the CFU for the layer "
                                        "after them, which sends no input (docs/microarchitecture.md)", list),
                            120, " "));
  }
  if (!chained_into.empty()) {
    std::string list;
    for (const auto& [head, tail] : chained_into)
      list += fmt::format("{}{} {} and {} {}", list.empty() ? "" : "; ", head,
                          tflite::op_name(m.operators[static_cast<size_t>(head)].code), tail,
                          tflite::op_name(m.operators[static_cast<size_t>(tail)].code));
    fmt::print(so, "{}\n",
               wrap_columns(fmt::format("elementwise chains: {} run as one 256-entry table each, built on the CFU's "
                                        "elementwise unit and applied by the CPU in one pass (docs/export-cfu.md)",
                                        list),
                            120, " "));
  }
  if (!paired_into.empty()) {
    std::string list;
    for (const auto& [p, q] : paired_into) list += fmt::format("{}{} and {}", list.empty() ? "" : ", ", p, q);
    fmt::print(so, "{}\n",
               wrap_columns(fmt::format("paired layers: {} run band by band, each expansion's rows kept in the CFU's "
                                        "A bank for the layer reading them and never stored (docs/microarchitecture.md)",
                                        list),
                            120, " "));
  }
  if (!prevented.empty())
    fmt::print(so, "not fused: {} (TFLite Micro's arena plan puts the operator's output over its other input, or over "
               "the layer's input where the driver cannot run the layer in place, so the exported bridge runs both "
               "plainly; docs/export-cfu.md)\n",
               pairs(prevented));
  // A silent slow path is a driver problem reported as a design property:
  // every layer the driver runs on its legacy tile loop is named.
  const std::vector<std::pair<std::string, std::string>> legacy = report::legacy_layers(rows);
  report::warn_legacy(legacy);
  if (board && !store.unprepared_warning().empty()) fmt::print(stderr, "{}\n", store.unprepared_warning());
  // What the total leaves out, said rather than hidden: the board's
  // firmware runs the operators through TFLite Micro's interpreter, whose
  // own code around each operator's kernel entry (the interpreter's loop,
  // the kernel's Eval, the profiler) sasim does not have; its code and data
  // also evict some of the entry's lines from the I$ and the L2. The
  // exported firmware (CFU Playground's TFLite Micro 8746ec9 on the board
  // model, scripts/tflm_check) took 7-11 k cycles per operator more than
  // this total (docs/export-cfu.md, "Measured").
  if (opt.cpu == "vexriscv")
    fmt::print(so, "not included: TFLite Micro's own code around the {} operators' kernel entries timed here (its "
               "interpreter, each kernel's Eval, the profiler, and the I$ and L2 lines they evict): the exported "
               "firmware measured about 7-11 k cycles per operator more, {}-{} k in all\n",
               m.operators.size(), 7 * m.operators.size(), 11 * m.operators.size());
  // The layer-list run's tables, every operator a row (CPU operators with
  // their CPU classes and top functions; the array's causes and the bounds
  // for the array's layers).
  fmt::print(so, "\n");
  if (!opt.quiet) {
    report::print_array_table(hw, rows, opt.wide);
    if (opt.cpu == "vexriscv") report::print_cpu_tables(hw, rows, report_total, opt.wide);
    report::print_bounds(rows, feed);
  }
  fmt::print(so, "\n");
  // Top-5 classes with their scores: dequantized int8, or the float32 output.
  const bool out_float = out_t.type == tflite::kFloat32;
  const size_t classes = out_float ? out.size() / 4 : out.size();
  std::vector<double> score(classes);
  const float scale = out_t.quant.scale.empty() ? 1.0f : out_t.quant.scale[0];
  const int64_t zp = out_t.quant.zero_point.empty() ? 0 : out_t.quant.zero_point[0];
  for (size_t i = 0; i < classes; ++i) {
    if (out_float) {
      float f;
      std::memcpy(&f, &out[4 * i], 4);
      score[i] = f;
    } else {
      score[i] = scale * (static_cast<double>(out[i]) - static_cast<double>(zp));
    }
  }
  std::vector<int> order(classes);
  for (size_t i = 0; i < classes; ++i) order[i] = static_cast<int>(i);
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return score[static_cast<size_t>(a)] > score[static_cast<size_t>(b)]; });
  // A classifier ends with SOFTMAX: its output is class scores. Anything
  // else (an autoencoder's reconstruction, a detector's boxes) is not
  // ranked.
  const bool classifier = !m.operators.empty() && m.operators.back().code == tflite::kSoftmax;
  nlohmann::json top = nlohmann::json::array();
  if (classifier) {
    fmt::print(so, "top-5:");
    for (size_t k = 0; k < order.size() && k < 5; ++k) {
      const size_t c = static_cast<size_t>(order[k]);
      fmt::print(so, " class {} ({:.4f})", c, score[c]);
      nlohmann::json entry = {{"class", c}, {"score", score[c]}};
      if (!out_float) entry["int8"] = out[c];
      top.push_back(entry);
    }
    fmt::print(so, "\n");
  } else {
    fmt::print(so, "output: {} values of {} (the model does not end with SOFTMAX: no classes to rank)\n", classes,
               out_t.name);
  }
  write_or_throw(out_dir + "/output.bin", std::string(out.begin(), out.end()));
  write_or_throw(out_dir + "/output.npy", npy_of(out, out_t.shape, out_float));
  write_or_throw(out_dir + "/layers.csv", csv);
  write_or_throw(out_dir + "/profile.csv", profile);
  nlohmann::json report = {{"model_file", opt.model_path},
                           {"cpu_model", opt.cpu},
                           {"cpu_variant", cpu_variant_name(hw.cpu.variant)},
                           {"memory", memory_description(hw.cpu)},
                           {"sasim_version", sasim_version()},
                           {"operators", ops},
                           {"total", {{"cycles", total}, {"cfu_cycles", cfu_cycles}, {"eltwise_cfu_cycles", ew_cycles},
                                      {"eltwise_cfu_operators", ew_ops}, {"fused_operators", fused_ops},
                                      {"fusions_prevented_by_arena_plan", prevented.size()},
                                      {"fusions_in_place", in_place.size()},
                                      {"elementwise_chains", chained_into.size()},
                                      {"paired_layers", paired_into.size()},
                                      {"legacy_layers", legacy.size()},
                                      {"weight_store", {{"lines", hw_desc.w_lines}, {"lines_used", store.lines_used()},
                                                        {"layers", store.layers()}, {"layers_not_fitting", store.layers_not_fitting()}}},
                                      {"layers_on_cpu", layers_on_cpu},
                                      {"cpu_cycles", cpu_cycles},
                                     {"cpu_operators_timed", cpu_ops_timed}, {"cpu_operators_not_timed", cpu_ops_untimed}}},
                           // Not in the total: TFLite Micro's own code around the entries (the
                           // exported firmware on the board model, docs/export-cfu.md).
                           {"not_included", {{"interpreter_cycles_per_operator", {7000, 11000}},
                                             {"operators", m.operators.size()}}},
                           {"top5", classifier ? top : nlohmann::json(nullptr)},
                           {"bit_exact", all_exact}};
  if (!board) report["total"].erase("weight_store");  // modelled on the board estimate only
  write_or_throw(out_dir + "/report.json", report.dump(2) + "\n");
  if (own_engine) engine->finish();  // traces last: a failure there loses none of the results above
  // Trace files of an earlier run that this one did not write are stale.
  for (const char* f : {"trace.vcd", "timeline.json"})
    if (opt.trace.empty() || (opt.trace == "vcd") != (std::string(f) == "trace.vcd"))
      std::remove((out_dir + "/" + f).c_str());
  fmt::print(so, "wrote {0}/output.bin, {0}/output.npy, {0}/layers.csv, {0}/profile.csv, {0}/report.json{1}\n", out_dir,
             opt.trace.empty() ? "" : fmt::format(", {}/{}", out_dir, opt.trace == "vcd" ? "trace.vcd" : "timeline.json"));
  if (!all_exact) {
    fmt::print(stderr, "error: an operator's output differs from the golden network\n");
    return kExitMismatch;
  }
  return kExitOk;
}

}  // namespace sasim
