// sasim export-cfu: a CFU Playground project for one configuration
// (src/export/cfu_project.h, docs/export-cfu.md).
//
// The project is written into a fresh sibling folder and renamed into place
// only when complete, so a failure leaves nothing half-written; an existing
// folder is replaced only when it is an earlier export (it holds the marker
// file) and --force is given.
#include <fmt/format.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <tuple>

#include "commands.h"
#include "export/cfu_project.h"
#include "model/core_params.h"
#include "model/host.h"
#include "board/mailbox.h"
#include "sasim/case_io.h"
#include "tflite/board_ops.h"
#include "tflite/graph.h"
#include "tflite/import.h"
#include "tflite/reader.h"
#include "sasim/engine.h"
#include "sasim/resources.h"

namespace sasim {

namespace {

// A path as a POSIX shell reads it back: as it is when it holds only safe
// characters, else in single quotes (a quote inside as '\'').
std::string shell_quote(const std::string& s) {
  bool safe = !s.empty();
  for (char c : s)
    safe = safe && (std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '.' || c == '_' || c == '-' ||
                    c == '+' || c == ':' || c == ',' || c == '@' || c == '%' || c == '=');
  if (safe) return s;
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

}  // namespace

namespace {

const char* kMarker = ".sasim-export";

bool exists(const std::string& p) {
  std::error_code ec;
  return std::filesystem::exists(p, ec);
}

bool empty_dir(const std::string& p) {
  std::error_code ec;
  return std::filesystem::is_directory(p, ec) && std::filesystem::is_empty(p, ec);
}

// Removes a folder tree this command wrote (a previous export, or its own
// unfinished temporary folder).
void remove_tree(const std::string& p) {
  std::error_code ec;
  std::filesystem::remove_all(p, ec);
}

std::string strip_slashes(std::string s) {
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

}  // namespace

int cmd_export_cfu(const CommonOptions& common, const ExportOptions& o) {
  const HwConfig hw = load_hw_config(common.hw_path, common.overrides);
  const std::string out = strip_slashes(o.out_dir);
  std::string name = o.name;
  if (name.empty()) name = out.substr(out.find_last_of('/') == std::string::npos ? 0 : out.find_last_of('/') + 1);
  if (name.empty() || name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") !=
                          std::string::npos)
    throw ConfigError({{"--name", 0, 0, "",
                        fmt::format("'{}' is not a project name CFU Playground can build (letters, digits, _ and -)",
                                    name)}});
  const bool replace = exists(out) && !empty_dir(out);
  if (replace && !exists(out + "/" + kMarker))
    throw ConfigError({{out, 0, 0, "--out", "exists and is not a sasim export: nothing was written; choose a new folder"}});
  if (replace && !o.force)
    throw ConfigError({{out, 0, 0, "--out", "holds an earlier export: give --force to replace it"}});
  if (const std::string w = fit_warning(hw); !w.empty()) fmt::print(stderr, "warning: {}\n", w);

  ProjectInputs in;
  in.hw = hw;
  in.name = name;
  in.version = sasim_version();
  in.selftest = selftest_cases();
  for (const std::string& dir : o.selftest_cases) in.selftest.push_back(selftest_case_from(load_case(dir)));
  // One engine (a process has one SystemC elaboration): the model's whole
  // inference first, as `sasim run` starts it, then the self-test.
  EngineOptions eo;
  eo.cpu = "vexriscv";
  const auto carry = std::make_shared<InferenceCarry>();
  eo.inference = carry;
  std::unique_ptr<Engine> engine = make_engine("systemc", hw, eo);
  // --model: the layers whose next operator `sasim run` fuses into their
  // readback, for the bridge to fuse the same (src/sasim_fuse.h).
  if (!o.model_path.empty()) {
    const tflite::Model m = tflite::load_tflite(o.model_path);
    const tflite::Imported im = tflite::import_model(m);
    const sasim_drv::HwDesc hd = hw_desc_from(core_params_from(hw));
    std::tie(in.prepared_bytes, in.prepared_layers) = prepared_store(hd, im);
    in.fuse_model = o.model_path.substr(o.model_path.find_last_of('/') == std::string::npos
                                            ? 0
                                            : o.model_path.find_last_of('/') + 1);
    for (size_t pos = 0; pos < m.operators.size(); ++pos)
      for (const tflite::ImportedLayer& l : im.layers) {
        LayerSpec spec;
        int x = -1;
        if (l.op_index != m.operators[pos].index || !fusion_after(hd, m, pos, l, &spec, &x)) continue;
        FuseEntry e;
        e.filter_hash = fnv1a(l.filter.data(), l.filter.size());
        e.filter_bytes = static_cast<uint32_t>(l.filter.size());
        e.out_c = spec.out_c();
        e.op_index = l.op_index;
        const tflite::Operator& next = m.operators[pos + 1];
        e.fused = fmt::format("{} {}", next.index, tflite::op_name(next.code));
        in.fuse.push_back(e);
      }
    // The output-keep chains, as `sasim run` decides them (keep_chain_after).
    std::map<int, std::pair<const tflite::ImportedLayer*, int>> keep;  // operator index -> (layer, bits)
    for (size_t pos = 0; pos + 1 < m.operators.size(); ++pos) {
      const tflite::ImportedLayer *a = nullptr, *b = nullptr;
      for (const tflite::ImportedLayer& l : im.layers) {
        if (l.op_index == m.operators[pos].index) a = &l;
        if (l.op_index == m.operators[pos + 1].index) b = &l;
      }
      const int mode = a ? keep_chain_after(hd, m, pos, *a, b) : 0;
      if (!mode) continue;
      keep[a->op_index] = {a, keep[a->op_index].second | (mode == 2 ? 1 | 4 : 1)};
      keep[b->op_index] = {b, keep[b->op_index].second | 2};
    }
    // Paired layers, as `sasim run` decides them (paired_layers): the
    // producer bit 3, its reader bit 4 (the bridge checks the store and the
    // arena's addresses itself, sasim_drv::pair_supported).
    const std::vector<bool> pairs = paired_layers(hd, m, im);
    for (size_t pos = 0; pos + 1 < m.operators.size(); ++pos) {
      if (!pairs[pos]) continue;
      for (const tflite::ImportedLayer& l : im.layers) {
        if (l.op_index == m.operators[pos].index) keep[l.op_index] = {&l, keep[l.op_index].second | 8};
        if (l.op_index == m.operators[pos + 1].index) keep[l.op_index] = {&l, keep[l.op_index].second | 16};
      }
    }
    for (const auto& [index, lb] : keep) {
      const tflite::ImportedLayer& l = *lb.first;
      KeepEntry e;
      e.filter_hash = fnv1a(l.filter.data(), l.filter.size());
      e.filter_bytes = static_cast<uint32_t>(l.filter.size());
      e.out_c = l.spec.out_c();
      e.keep = lb.second;
      e.op_index = index;
      in.keep.push_back(e);
    }
    // The elementwise chains, as `sasim run` decides them (chain_supported:
    // no two heads alike, the bridge knowing a head by its key alone).
    for (size_t pos = 0; pos + 1 < m.operators.size(); ++pos) {
      if (!chain_supported(hd, m, pos)) continue;
      const tflite::Operator& head = m.operators[pos];
      const tflite::Operator& tail = m.operators[pos + 1];
      sasim_board::Mailbox mb{};
      tflite::chain_head_request(m, head, &mb);
      ChainEntry e;
      e.op = mb.chain_op;
      e.elements = static_cast<int32_t>(m.tensors[static_cast<size_t>(head.outputs[0])].elements());
      e.c = mb.chain_c;
      e.output_offset = mb.chain_out_zp;
      e.output_multiplier = mb.chain_q[6];
      e.output_shift = mb.chain_q[7];
      e.op_index = head.index;
      e.tail = fmt::format("{} {}", tail.index, tflite::op_name(tail.code));
      in.chain.push_back(e);
    }
    // The README's expected cycles and ticks per operator: the whole
    // inference as `sasim run` times it on this configuration (its files go
    // to a temporary folder, removed after).
    RunOptions ro;
    ro.model_path = o.model_path;
    ro.quiet = true;
    ro.per_operator = &in.model_ops;
    ro.engine = engine.get();
    ro.out_dir = strip_slashes(o.out_dir) + ".sasim-run-" + std::to_string(getpid());
    remove_tree(ro.out_dir);
    int rc;
    try {
      rc = run_network(hw, ro, m, im);
    } catch (...) {
      remove_tree(ro.out_dir);
      throw;
    }
    remove_tree(ro.out_dir);
    if (rc != kExitOk)
      throw std::runtime_error(fmt::format("{}: `sasim run` of the model did not finish bit-exact (exit {}); nothing "
                                           "was written",
                                           o.model_path, rc));
    in.model_name = in.fuse_model;
  }
  // sasim's board estimate of each self-test layer as the self-test measures
  // it: the second of two calls within one program (warm caches), on a board
  // of its own.
  *carry = InferenceCarry();
  for (SelftestCase& c : in.selftest) {
    engine->run(c.spec, c.data);
    const EngineResult r = engine->run(c.spec, c.data);
    if (r.output != c.expected)
      throw std::runtime_error(fmt::format("self-test layer {} is not bit-exact on this configuration", c.name));
    c.sasim_cycles = r.stats.cycles;
  }
  engine->finish();
  const std::vector<ProjectFile> files = cfu_project(in);

  // Written next to the destination, then renamed into place.
  const size_t slash = out.find_last_of('/');
  const std::string parent = slash == std::string::npos ? "." : out.substr(0, slash == 0 ? 1 : slash);
  make_dirs(parent);
  const std::string tmp = out + ".sasim-tmp-" + std::to_string(getpid());
  remove_tree(tmp);
  try {
    for (const ProjectFile& f : files) {
      const std::string path = tmp + "/" + f.path;
      make_dirs(path.substr(0, path.find_last_of('/')));
      std::ofstream os(path, std::ios::binary);
      os << f.text;
      if (!os.flush())
        throw ConfigError({{path, 0, 0, "", fmt::format("cannot write: {}", std::strerror(errno))}});
    }
    {
      std::ofstream os(tmp + "/" + kMarker);
      os << "sasim " << in.version << " export-cfu\n";
    }
    if (exists(out)) remove_tree(out);  // an earlier export (--force), or an empty folder
    if (std::rename(tmp.c_str(), out.c_str()) != 0)
      throw ConfigError({{out, 0, 0, "--out", fmt::format("cannot create: {}", std::strerror(errno))}});
  } catch (...) {
    remove_tree(tmp);
    throw;
  }
  fmt::print("wrote {} ({} files): CFU Playground project '{}' for {}x{} {}\n", out, files.size() + 1, name, hw.rows,
             hw.cols, dataflow_name(hw.dataflow));
  for (const SelftestCase& c : in.selftest)
    fmt::print("  self-test {}: {} cycles on the board estimate\n", c.name, c.sasim_cycles);
  if (!o.model_path.empty()) {
    int64_t total = 0;
    for (const OperatorCycles& op : in.model_ops) total += op.cycles > 0 ? op.cycles : 0;
    fmt::print("  {}: {} cycles ({} ticks) per inference by sasim run, per operator in README.md\n", in.fuse_model,
               total, (total + 512) / 1024);
  }
  if (!o.model_path.empty())
    fmt::print("  {}: {} operator(s) fused into the layer before them (src/sasim_fuse.h)\n", in.fuse_model,
               in.fuse.size());
  fmt::print("build on the board: cd {} && make prog TARGET=digilent_nexys4ddr USE_VIVADO=1 "
             "EXTRA_LITEX_ARGS=\"--cpu-variant=perf+cfu\" && make load TARGET=digilent_nexys4ddr\n",
             shell_quote(out));
  return kExitOk;
}

}  // namespace sasim
