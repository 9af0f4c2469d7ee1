// sasim run --model FILE.tflite: a whole network, in the model's operator
// order. The accelerator's layers run on the engine (timed, on the board
// estimate or the fixed-gap host); the CPU operators run on the golden CPU
// operators and are reported as not timed (their board code does not exist
// yet). The output is checked against the golden network.
#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "commands.h"
#include "sasim/cpu_ops.h"
#include "board/mailbox.h"
#include "board/cpu_ops.h"
#include "cpu/board.h"
#include "cpu/board_host.h"
#include "cpu/params.h"
#include "model/core.h"
#include "sasim/engine.h"
#include "tflite/graph.h"
#include "tflite/import.h"
#include "tflite/reader.h"

namespace sasim {

namespace {

std::string read_all(const std::string& path, uint64_t max_bytes, const char* what) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0)
    throw ConfigError({{path, 0, 0, "", fmt::format("cannot open {}: {}", what, std::strerror(errno))}});
  if (!S_ISREG(st.st_mode)) throw ConfigError({{path, 0, 0, "", fmt::format("is not a file ({} expected)", what)}});
  if (static_cast<uint64_t>(st.st_size) > max_bytes)
    throw ConfigError({{path, 0, 0, "", fmt::format("holds {} bytes; the input tensor needs {}", st.st_size, max_bytes)}});
  std::ifstream f(path, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The model input: raw int8 bytes (.bin), an int8 .npy array, or seeded.
std::vector<int8_t> model_input(const std::string& path, int64_t seed, const tflite::Tensor& t) {
  const size_t n = static_cast<size_t>(t.elements());
  if (path.empty()) {
    std::mt19937 rng(static_cast<uint32_t>(seed));
    std::uniform_int_distribution<int> d(-128, 127);
    std::vector<int8_t> v(n);
    for (auto& x : v) x = static_cast<int8_t>(d(rng));
    return v;
  }
  std::string bytes = read_all(path, n + 4096, "input tensor");
  if (bytes.size() >= 6 && bytes.compare(0, 6, "\x93NUMPY") == 0) {
    // .npy v1/v2: magic, version, header length, a Python dict header.
    const bool v1 = bytes.size() >= 10 && bytes[6] == 1;
    const size_t hl = v1 ? (static_cast<uint8_t>(bytes[8]) | static_cast<uint8_t>(bytes[9]) << 8) : 0;
    const size_t off = v1 && 10 + hl <= bytes.size() ? 10 + hl : 0;
    const std::string header = off ? bytes.substr(10, hl) : std::string();
    if (off == 0 || header.find("'descr': '|i1'") == std::string::npos || header.find("'fortran_order': False") == std::string::npos)
      throw ConfigError({{path, 0, 0, "", "a .npy input must be a version-1 int8 (|i1) C-order array"}});
    bytes = bytes.substr(off);
  }
  if (bytes.size() != n)
    throw ConfigError({{path, 0, 0, "", fmt::format("holds {} bytes; the input tensor {} needs {} int8 values",
                                                     bytes.size(), t.name, n)}});
  return std::vector<int8_t>(bytes.begin(), bytes.end());
}

std::vector<int8_t> constant_int8(const tflite::Tensor& t) {
  return std::vector<int8_t>(reinterpret_cast<const int8_t*>(t.data.data()),
                             reinterpret_cast<const int8_t*>(t.data.data()) + t.data.size());
}

QuantParam quant_of(const tflite::Tensor& t) {
  QuantParam q;
  if (!t.quant.scale.empty()) q.scale = t.quant.scale[0];
  if (!t.quant.zero_point.empty()) q.zero_point = static_cast<int32_t>(t.quant.zero_point[0]);
  return q;
}

std::string npy_int8(const std::vector<int8_t>& v, const std::vector<int>& shape) {
  std::string dims;
  for (size_t i = 0; i < shape.size(); ++i) dims += fmt::format("{}{}", shape[i], shape.size() == 1 ? "," : (i + 1 < shape.size() ? ", " : ""));
  std::string header = fmt::format("{{'descr': '|i1', 'fortran_order': False, 'shape': ({}), }}", dims);
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

int cmd_run_tflite(const CommonOptions& common, const RunOptions& opt) {
  const HwConfig hw = load_hw_config(common.hw_path, common.overrides);
  const tflite::Model m = tflite::load_tflite(opt.model_path);
  const tflite::Imported im = tflite::import_model(m);  // every operator checked before anything runs
  const tflite::Tensor& in_t = m.tensors[static_cast<size_t>(m.inputs[0])];
  const tflite::Tensor& out_t = m.tensors[static_cast<size_t>(m.outputs[0])];
  const std::vector<int8_t> input = model_input(opt.input_path, opt.input_seed, in_t);
  const std::string out_dir = opt.out_dir.empty() ? "out/" + im.name : opt.out_dir;
  make_dirs(out_dir);

  // The reference: the whole network on the golden library.
  std::map<int, std::vector<int8_t>> want;
  tflite::run_golden(m, im, input, &want);

  std::map<int, std::vector<int8_t>> t;
  t[m.inputs[0]] = input;
  // The board for the CPU operators sasim times (board/cpu_ops.h): with the
  // CPU model only; the fixed-gap host has no CPU to time them on.
  std::unique_ptr<CfuCore> op_core;
  std::unique_ptr<cpu::CoreCfuPort> op_port;
  std::unique_ptr<cpu::BoardHost> op_board;
  if (opt.cpu == "vexriscv") {
    op_core = std::make_unique<CfuCore>(core_params_from(hw));
    op_port = std::make_unique<cpu::CoreCfuPort>(op_core.get());
    op_board = std::make_unique<cpu::BoardHost>(cpu::cpu_params_from(hw), op_port.get());
  }
  // Runs op on the board when sasim has a board kernel for it; returns false
  // (not timed) otherwise.
  auto time_on_board = [&](const tflite::Operator& op, std::vector<int8_t>* result, uint64_t* cycles) {
    if (!op_board) return false;
    const tflite::Tensor& o = m.tensors[static_cast<size_t>(op.outputs[0])];
    sasim_board::Mailbox mb{};
    std::vector<int8_t> a = t.count(op.inputs[0]) ? t.at(op.inputs[0]) : std::vector<int8_t>(), b;
    const QuantParam qo = quant_of(o);
    int32_t lo = -128, hi = 127;
    int8_activation_range(static_cast<int>(op.options.activation), qo, &lo, &hi);
    mb.output_zp = qo.zero_point;
    mb.act_min = lo;
    mb.act_max = hi;
    switch (op.code) {
      case tflite::kAdd:
      case tflite::kSub:
      case tflite::kMul: {
        const tflite::Tensor& ta = m.tensors[static_cast<size_t>(op.inputs[0])];
        const tflite::Tensor& tb = m.tensors[static_cast<size_t>(op.inputs[1])];
        b = t.count(op.inputs[1]) ? t.at(op.inputs[1]) : constant_int8(tb);
        if (!t.count(op.inputs[0])) a = constant_int8(ta);
        int32_t mm[3] = {0, 0, 0};
        int ss[3] = {0, 0, 0};
        if (op.code == tflite::kAdd) add_multipliers(quant_of(ta), quant_of(tb), qo, mm, ss);
        else if (op.code == tflite::kSub) sub_multipliers(quant_of(ta), quant_of(tb), qo, mm, ss);
        else mul_multiplier(quant_of(ta), quant_of(tb), qo, &mm[2], &ss[2]);
        mb.kind = sasim_board::kCpuBinary;
        mb.binary_op = op.code == tflite::kAdd ? 0 : op.code == tflite::kSub ? 1 : 2;
        const int32_t q[8] = {quant_of(ta).zero_point, quant_of(tb).zero_point, mm[0], ss[0], mm[1], ss[1], mm[2], ss[2]};
        std::copy(q, q + 8, mb.q);
        if (ta.shape == tb.shape) {  // one flat loop, as TFLite Micro's elementwise path
          for (int k = 0; k < 4; ++k) mb.dims[k] = 1;
          mb.dims[4] = static_cast<int32_t>(a.size());
          mb.stride_a[4] = mb.stride_b[4] = 1;
        } else {
          // Shapes right-aligned into 5 dimensions; stride 0 where an operand broadcasts.
          auto pad5 = [](const std::vector<int>& sh) {
            std::vector<int> r(5, 1);
            for (size_t k = 0; k < sh.size() && k < 5; ++k) r[5 - sh.size() + k] = sh[k];
            return r;
          };
          const std::vector<int> da = pad5(ta.shape), db = pad5(tb.shape), dout = pad5(o.shape);
          int32_t sa = 1, sb = 1;
          for (int k = 4; k >= 0; --k) {
            mb.dims[k] = dout[static_cast<size_t>(k)];
            mb.stride_a[k] = da[static_cast<size_t>(k)] == 1 ? 0 : sa;
            mb.stride_b[k] = db[static_cast<size_t>(k)] == 1 ? 0 : sb;
            sa *= da[static_cast<size_t>(k)];
            sb *= db[static_cast<size_t>(k)];
          }
        }
        break;
      }
      case tflite::kAveragePool2d:
      case tflite::kMaxPool2d: {
        const PoolParams p = tflite::pool_params_of(m, op);
        mb.kind = op.code == tflite::kMaxPool2d ? sasim_board::kCpuMaxPool : sasim_board::kCpuAveragePool;
        mb.batches = p.batches;
        mb.in_h = p.in_h;
        mb.in_w = p.in_w;
        mb.in_c = p.channels;
        mb.out_h = p.out_h;
        mb.out_w = p.out_w;
        mb.k_h = p.filter_h;
        mb.k_w = p.filter_w;
        mb.stride_h = p.stride_h;
        mb.stride_w = p.stride_w;
        mb.pad_top = p.pad_top;
        mb.pad_left = p.pad_left;
        mb.act_min = p.act_min;
        mb.act_max = p.act_max;
        break;
      }
      case tflite::kSoftmax: {
        const tflite::Tensor& ti = m.tensors[static_cast<size_t>(op.inputs[0])];
        int32_t mult, diff_min;
        int shift;
        softmax_params(quant_of(ti).scale, op.options.beta, &mult, &shift, &diff_min);
        mb.kind = sasim_board::kCpuSoftmax;
        mb.count = static_cast<int32_t>(a.size());
        mb.in_c = ti.shape.back();  // the row length
        mb.q[0] = mult;             // q[0..2]: input multiplier, left shift, diff_min
        mb.q[1] = shift;
        mb.q[2] = diff_min;
        break;
      }
      case tflite::kPad:
      case tflite::kPadV2: {
        const tflite::Tensor& ti = m.tensors[static_cast<size_t>(op.inputs[0])];
        const size_t r = ti.shape.size();
        if (r > 5 || o.shape.size() != r) return false;
        // The paddings before each dimension: where the input's first element lands.
        int32_t before[5] = {0, 0, 0, 0, 0}, in_dims[5] = {1, 1, 1, 1, 1}, out_dims[5] = {1, 1, 1, 1, 1};
        const tflite::Tensor& tp = m.tensors[static_cast<size_t>(op.inputs[1])];
        for (size_t k = 0; k < r; ++k) {
          int64_t b0 = 0;
          if (tp.type == tflite::kInt32) {
            int32_t v;
            std::memcpy(&v, &tp.data[8 * k], 4);
            b0 = v;
          } else {
            std::memcpy(&b0, &tp.data[16 * k], 8);
          }
          before[5 - r + k] = static_cast<int32_t>(b0);
          in_dims[5 - r + k] = ti.shape[k];
          out_dims[5 - r + k] = o.shape[k];
        }
        mb.kind = sasim_board::kCpuPad;
        std::copy(out_dims, out_dims + 5, mb.dims);
        std::copy(in_dims, in_dims + 5, mb.stride_a);
        std::copy(before, before + 5, mb.stride_b);
        mb.q[0] = op.code == tflite::kPadV2 && op.inputs.size() > 2 && op.inputs[2] >= 0
                      ? static_cast<int8_t>(m.tensors[static_cast<size_t>(op.inputs[2])].data.at(0))
                      : qo.zero_point;
        break;
      }
      case tflite::kMean: {
        const tflite::Tensor& ti = m.tensors[static_cast<size_t>(op.inputs[0])];
        const tflite::Tensor& ta = m.tensors[static_cast<size_t>(op.inputs[1])];
        const int r = static_cast<int>(ti.shape.size());
        if (r > 5) return false;
        int32_t dims[5] = {1, 1, 1, 1, 1};
        uint32_t reduced = 0;
        for (int k = 0; k < r; ++k) dims[5 - r + k] = ti.shape[static_cast<size_t>(k)];
        for (size_t i = 0; i + 4 <= ta.data.size(); i += 4) {
          int32_t v;
          std::memcpy(&v, &ta.data[i], 4);
          reduced |= 1u << (5 - r + (v < 0 ? v + r : v));
        }
        int64_t n = 1;
        for (int k = 0; k < 5; ++k)
          if ((reduced >> k) & 1u) n *= dims[k];
        if (n <= 0 || o.elements() <= 0) return false;
        int32_t mm;
        int ss;
        mean_params(quant_of(ti), qo, n, &mm, &ss);
        mb.kind = sasim_board::kCpuMean;
        std::copy(dims, dims + 5, mb.dims);
        const int32_t q[8] = {static_cast<int32_t>(reduced), quant_of(ti).zero_point, 0, mm, ss,
                              static_cast<int32_t>(n), 0, 0};
        std::copy(q, q + 8, mb.q);
        b.assign(static_cast<size_t>(o.elements()) * 4, 0);  // the int32 sums
        break;
      }
      case tflite::kQuantize:
      case tflite::kLeakyRelu:
      case tflite::kLogistic: {
        const tflite::Tensor& ti = m.tensors[static_cast<size_t>(op.inputs[0])];
        if (ti.type != tflite::kInt8) return false;  // float input: not timed
        const kern::UnaryParams u = op.code == tflite::kQuantize  ? requantize_params(quant_of(ti), qo)
                                    : op.code == tflite::kLogistic ? logistic_params(quant_of(ti))
                                                                   : leaky_relu_params(quant_of(ti), qo, op.options.alpha);
        mb.kind = sasim_board::kCpuUnary;
        mb.count = static_cast<int32_t>(a.size());
        const int32_t q[8] = {u.op | u.negate << 8, u.in_zp, u.out_zp, u.m1, u.s1, u.m2, u.s2, u.radius};
        std::copy(q, q + 8, mb.q);
        break;
      }
      case tflite::kConcatenation: {
        if (op.inputs.size() > 7) return false;  // the mailbox holds 7 slice sizes
        const int rank = static_cast<int>(o.shape.size());
        const int axis = op.options.axis < 0 ? op.options.axis + rank : op.options.axis;
        int64_t outer = 1;
        for (int k = 0; k < axis; ++k) outer *= o.shape[static_cast<size_t>(k)];
        if (outer <= 0) return false;
        a.clear();
        mb.q[0] = static_cast<int32_t>(op.inputs.size());
        for (size_t j = 0; j < op.inputs.size(); ++j) {
          const std::vector<int8_t> v = t.count(op.inputs[j]) ? t.at(op.inputs[j])
                                                               : constant_int8(m.tensors[static_cast<size_t>(op.inputs[j])]);
          a.insert(a.end(), v.begin(), v.end());
          mb.q[1 + j] = static_cast<int32_t>(static_cast<int64_t>(v.size()) / outer);
        }
        mb.kind = sasim_board::kCpuConcat;
        mb.count = static_cast<int32_t>(outer);
        break;
      }
      case tflite::kReshape:
        mb.kind = sasim_board::kCpuCopy;
        mb.count = static_cast<int32_t>(a.size());
        break;
      default:
        return false;
    }
    result->assign(static_cast<size_t>(o.elements()), 0);
    cpu::CpuLayerProfile prof;
    const std::string name = fmt::format("operator {} ({})", op.index, tflite::op_name(op.code));
    if (op_board->run_cpu_op(mb, name, a, b, result->data(), result->size(), &prof) != 0)
      throw std::runtime_error(name + ": the board kernel failed");
    *cycles = prof.cycles;
    return true;
  };

  EngineOptions eo;
  eo.cpu = opt.cpu;
  std::unique_ptr<Engine> engine = make_engine("systemc", hw, eo);
  fmt::print("sasim run: {} ({} operators) on {}x{} {}, {} MHz; {}\n", opt.model_path, m.operators.size(), hw.rows,
             hw.cols, dataflow_name(hw.dataflow), hw.clock_mhz,
             opt.cpu == "vexriscv" ? "CFU layers: board estimate (CPU model)" : "CFU layers: fixed-gap estimate");
  fmt::print("{:>3} {:<18} {:<16} {:<5} {:>11} {:>11} {:>6} {:>5}\n", "#", "op", "output", "where", "cycles", "MACs",
             "util%", "exact");
  nlohmann::json ops = nlohmann::json::array();
  std::string csv = "index,op,output_shape,where,cycles,macs,bit_exact\n";
  // TFLite Micro's MicroProfiler::LogCsv as CFU Playground prints it: ticks
  // of 1024 cycles; an operator sasim does not time has an empty Ticks field.
  std::string profile = "\"Event\",\"Tag\",\"Ticks\"\n";
  uint64_t cfu_cycles = 0, cpu_cycles = 0, cpu_ops_untimed = 0, cpu_ops_timed = 0;
  bool all_exact = true;
  for (const tflite::Operator& op : m.operators) {
    const int oi = op.outputs[0];
    const tflite::Tensor& o = m.tensors[static_cast<size_t>(oi)];
    const tflite::ImportedLayer* layer = nullptr;
    for (const auto& l : im.layers)
      if (l.op_index == op.index) layer = &l;
    std::string where = "cpu", cycles = "not timed";
    uint64_t macs = 0;
    double util = 0;
    if (layer) {
      LayerData d;
      d.input = t.at(op.inputs[0]);
      d.filter = layer->filter;
      d.bias = layer->bias;
      EngineResult r = engine->run(layer->spec, d);
      t[oi] = std::move(r.output);
      where = "cfu";
      cycles = std::to_string(r.stats.cycles);
      cfu_cycles += r.stats.cycles;
      macs = r.stats.macs;
      util = 100.0 * r.stats.utilisation(hw.rows, hw.cols);
    } else {
      // The CPU operators on their golden implementation, fed by the
      // engine's tensors (not the golden network's).
      std::vector<int8_t> result;
      uint64_t c = 0;
      if (time_on_board(op, &result, &c)) {
        cycles = std::to_string(c);
        cpu_cycles += c;
        ++cpu_ops_timed;
      } else {
        result = tflite::run_golden_op(m, im, op, t);
        ++cpu_ops_untimed;
      }
      t[oi] = std::move(result);
    }
    const bool exact = t[oi] == want[oi];
    all_exact = all_exact && exact;
    const std::string shape = fmt::format("{}", fmt::join(o.shape, "x"));
    fmt::print("{:>3} {:<18} {:<16} {:<5} {:>11} {:>11} {:>6} {:>5}\n", op.index, tflite::op_name(op.code), shape,
               where, cycles, layer ? std::to_string(macs) : "", layer ? fmt::format("{:.2f}", util) : "",
               exact ? "yes" : "NO");
    std::fflush(stdout);
    const bool timed = cycles != "not timed";
    profile += fmt::format("{},{},{}\n", op.index, tflite::op_name(op.code),
                           timed ? std::to_string(std::stoull(cycles) / 1024) : "");
    csv += fmt::format("{},{},{},{},{},{},{}\n", op.index, tflite::op_name(op.code), shape, where,
                       timed ? cycles : "", macs, exact ? 1 : 0);
    ops.push_back({{"index", op.index}, {"op", tflite::op_name(op.code)}, {"output_shape", o.shape}, {"where", where},
                   {"implementation", layer ? "sasim driver on the CFU" : timed ? "sasim board kernel (src/board/cpu_ops.h)"
                                                                                : "golden (not timed)"},
                   {"cycles", timed ? nlohmann::json(std::stoull(cycles)) : nlohmann::json(nullptr)},
                   {"timed", timed}, {"macs", macs}, {"bit_exact", exact}});
  }
  const std::vector<int8_t>& out = t.at(m.outputs[0]);
  const uint64_t total = cfu_cycles + cpu_cycles;
  fmt::print("total: {} cycles ({:.1f} us at {} MHz): {} in the CFU layers, {} in {} CPU operators (sasim's board "
             "kernels; TFLite Micro's may differ); {} CPU operators not timed\n",
             total, static_cast<double>(total) / hw.clock_mhz, hw.clock_mhz, cfu_cycles, cpu_cycles, cpu_ops_timed,
             cpu_ops_untimed);
  // Top-5 classes with dequantized scores.
  std::vector<int> order(out.size());
  for (size_t i = 0; i < out.size(); ++i) order[i] = static_cast<int>(i);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return out[static_cast<size_t>(a)] > out[static_cast<size_t>(b)]; });
  const float scale = out_t.quant.scale.empty() ? 1.0f : out_t.quant.scale[0];
  const int64_t zp = out_t.quant.zero_point.empty() ? 0 : out_t.quant.zero_point[0];
  fmt::print("top-5:");
  nlohmann::json top = nlohmann::json::array();
  for (size_t k = 0; k < order.size() && k < 5; ++k) {
    const int c = order[k];
    const double score = scale * (static_cast<double>(out[static_cast<size_t>(c)]) - static_cast<double>(zp));
    fmt::print(" class {} ({:.4f})", c, score);
    top.push_back({{"class", c}, {"score", score}, {"int8", out[static_cast<size_t>(c)]}});
  }
  fmt::print("\n");
  write_or_throw(out_dir + "/output.bin", std::string(out.begin(), out.end()));
  write_or_throw(out_dir + "/output.npy", npy_int8(out, out_t.shape));
  write_or_throw(out_dir + "/layers.csv", csv);
  write_or_throw(out_dir + "/profile.csv", profile);
  nlohmann::json report = {{"model_file", opt.model_path},
                           {"cpu_model", opt.cpu},
                           {"sasim_version", sasim_version()},
                           {"operators", ops},
                           {"total", {{"cycles", total}, {"cfu_cycles", cfu_cycles}, {"cpu_cycles", cpu_cycles},
                                     {"cpu_operators_timed", cpu_ops_timed}, {"cpu_operators_not_timed", cpu_ops_untimed}}},
                           {"top5", top},
                           {"bit_exact", all_exact}};
  write_or_throw(out_dir + "/report.json", report.dump(2) + "\n");
  engine->finish();
  fmt::print("wrote {0}/output.bin, {0}/output.npy, {0}/layers.csv, {0}/profile.csv, {0}/report.json\n", out_dir);
  if (!all_exact) {
    fmt::print(stderr, "error: an operator's output differs from the golden network\n");
    return kExitMismatch;
  }
  return kExitOk;
}

}  // namespace sasim
