#include "cosim/rtl_build.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <sstream>
#include <stdexcept>

#include "export/embedded.h"
#include "sasim/config.h"

extern char** environ;

namespace sasim {

namespace {

// The RTL files of a Cfu (rtl/), as compiled into sasim.
const char* const kRtlFiles[] = {"rtl/cfu.v",          "rtl/sasim_ram_sdp.v",  "rtl/sasim_opbuf.v",
                                 "rtl/sasim_cbuf.v",     "rtl/sasim_pe_ws.v",    "rtl/sasim_pe_os.v",
                                 "rtl/sasim_array_ws.v", "rtl/sasim_array_os.v", "rtl/sasim_requant.v",
                                 "rtl/sasim_postproc.v", "rtl/sasim_eltwise.v", "rtl/sasim_frontend.v", "rtl/sasim_ctrl.v",
                                 "rtl/lint_waivers.vlt"};

std::string embedded(const char* path) {
  const char* t = embedded_file(path);
  if (!t) throw std::logic_error(fmt::format("sasim was built without {} (cmake/embed_files.cmake)", path));
  return t;
}

uint64_t fnv1a(uint64_t h, const std::string& s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h ^ 0xff;  // separates consecutive strings
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream os(path, std::ios::binary);
  os << text;
  if (!os.flush()) throw std::runtime_error(fmt::format("{}: cannot write: {}", path, std::strerror(errno)));
}

std::string read_text(const std::string& path) {
  std::ifstream is(path, std::ios::binary);
  std::stringstream ss;
  ss << is.rdbuf();
  return ss.str();
}

void mkdirs(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw std::runtime_error(fmt::format("cannot create {}: {}", dir, ec.message()));
}

void remove_tree(const std::string& p) {
  std::error_code ec;
  std::filesystem::remove_all(p, ec);
}

// Runs argv with stdout and stderr appended to `log`; returns the exit status
// (-1: could not start).
int run(const std::vector<std::string>& argv, const std::string& log) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return -1;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

// The first line a command prints (tool versions for the cache key).
std::string first_line(const std::vector<std::string>& argv, const std::string& scratch) {
  std::remove(scratch.c_str());
  if (run(argv, scratch) != 0) return "";
  std::string s = read_text(scratch);
  std::remove(scratch.c_str());
  return s.substr(0, s.find('\n'));
}

std::string cache_root() {
  std::string root;
  if (const char* d = std::getenv("SASIM_CACHE_DIR"); d && *d) root = d;
  else if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) root = std::string(x) + "/sasim";
  else if (const char* h = std::getenv("HOME"); h && *h) root = std::string(h) + "/.cache/sasim";
  else throw std::runtime_error("no cache folder for on-demand RTL: set SASIM_CACHE_DIR");
  return root + "/rtl";
}

std::string describe(const CoreParams& p) {
  return fmt::format("{}x{} {}{}{}, A/B/C {}/{}/{} lines per bank{}{}{}{}{}", p.rows, p.cols, dataflow_name(p.dataflow),
                     p.im2col ? " im2col" : "", p.eltwise ? " eltwise" : "", p.a_lines, p.b_lines, p.c_lines, p.a_double ? "" : ", A single",
                     p.b_double ? "" : ", B single", p.c_double ? "" : ", C single",
                     p.w_lines > 0 ? fmt::format(", weight store {} lines", p.w_lines) : std::string(),
                     p.prefetch ? "" : ", reference post-processor");
}

std::vector<std::string> parameters(const CoreParams& p) {
  return {fmt::format("-GRows={}", p.rows),
          fmt::format("-GCols={}", p.cols),
          fmt::format("-GDataflow={}", p.dataflow == Dataflow::kWeightStationary ? 0 : 1),
          fmt::format("-GALines={}", p.a_lines),
          fmt::format("-GBLines={}", p.b_lines),
          fmt::format("-GCLines={}", p.c_lines),
          fmt::format("-GADouble={}", p.a_double ? 1 : 0),
          fmt::format("-GBDouble={}", p.b_double ? 1 : 0),
          fmt::format("-GCDouble={}", p.c_double ? 1 : 0),
          fmt::format("-GIm2col={}", p.im2col ? 1 : 0),
          fmt::format("-GWLines={}", p.w_lines),
          fmt::format("-GPrefetch={}", p.prefetch ? 1 : 0),
          fmt::format("-GEltwise={}", p.eltwise ? 1 : 0)};
}

// The loaded library's C interface (rtl/dynamic_cfu.cc).
struct Api {
  void* (*make)();
  void (*destroy)(void*);
  void (*outputs)(void*, int*, int*, unsigned*);
  void (*step)(void*, int, unsigned, unsigned, unsigned, int);
  void (*reset)(void*);
};

class DynamicRtl : public RtlModel {
 public:
  explicit DynamicRtl(const Api& api) : api_(api), h_(api.make()) {}
  ~DynamicRtl() override { api_.destroy(h_); }
  BusOut outputs() override {
    int ready = 0, valid = 0;
    unsigned payload = 0;
    api_.outputs(h_, &ready, &valid, &payload);
    BusOut o;
    o.cmd_ready = ready != 0;
    o.rsp_valid = valid != 0;
    o.rsp_payload = payload;
    return o;
  }
  void step(const BusIn& in) override {
    api_.step(h_, in.cmd_valid ? 1 : 0, in.function_id, in.inputs_0, in.inputs_1, in.rsp_ready ? 1 : 0);
  }
  void reset() override { api_.reset(h_); }

 private:
  Api api_;
  void* h_;
};

Api load(const std::string& so) {
  void* lib = dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!lib) throw std::runtime_error(fmt::format("cannot load {}: {}", so, dlerror()));
  auto sym = [&](const char* name) {
    void* s = dlsym(lib, name);
    if (!s) throw std::runtime_error(fmt::format("{} has no {}: delete it to rebuild", so, name));
    return s;
  };
  auto abi = reinterpret_cast<int (*)()>(sym("sasim_rtl_abi"));
  if (abi() != 1) throw std::runtime_error(fmt::format("{} has interface {} (want 1): delete it to rebuild", so, abi()));
  Api a;
  a.make = reinterpret_cast<void* (*)()>(sym("sasim_rtl_new"));
  a.destroy = reinterpret_cast<void (*)(void*)>(sym("sasim_rtl_delete"));
  a.outputs = reinterpret_cast<void (*)(void*, int*, int*, unsigned*)>(sym("sasim_rtl_outputs"));
  a.step = reinterpret_cast<void (*)(void*, int, unsigned, unsigned, unsigned, int)>(sym("sasim_rtl_step"));
  a.reset = reinterpret_cast<void (*)(void*)>(sym("sasim_rtl_reset"));
  return a;  // the library stays loaded for the process's lifetime
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

#ifdef SASIM_VERILATOR_BIN
// The tools and their versions (for the cache keys).
struct Tools {
  std::string root, scratch, verilator, cxx, vversion, cversion;
};
Tools probe_tools() {
  Tools t;
  t.root = cache_root();
  mkdirs(t.root);
  t.scratch = fmt::format("{}/.probe.{}", t.root, getpid());
  t.verilator = SASIM_VERILATOR_BIN;
  t.cxx = SASIM_CXX_COMPILER;
  t.vversion = first_line({t.verilator, "--version"}, t.scratch);
  if (t.vversion.empty()) throw std::runtime_error(fmt::format("cannot run {}: is Verilator installed?", t.verilator));
  t.cversion = first_line({t.cxx, "--version"}, t.scratch);
  return t;
}

// Verilates a Cfu (`sources`: verilator's arguments after the common ones,
// with the top file last) into `out`/cfu.so with rtl/dynamic_cfu.cc's C
// interface, through a temporary folder renamed into place (atomically:
// another process that finished first wins); `stage` puts the sources into
// the temporary folder first. Progress on stderr; on failure the log is kept
// beside `out` and its first errors are in the message (`what` names the
// design).
std::string verilate_library(const Tools& t, const std::string& out, const std::string& what,
                             const std::function<std::vector<std::string>(const std::string& tmp)>& stage) {
  const std::string so = out + "/cfu.so";
  const auto t0 = std::chrono::steady_clock::now();
  const std::string tmp = fmt::format("{}.tmp.{}", out, getpid());
  remove_tree(tmp);
  mkdirs(tmp);
  write_text(tmp + "/dynamic_cfu.cc", embedded("rtl/dynamic_cfu.cc"));
  const std::vector<std::string> sources = stage(tmp);
  const std::string log = tmp + "/build.log";
  auto fail = [&](const std::string& step) {
    const std::string kept = out + ".failed.log";
    std::rename(log.c_str(), kept.c_str());
    remove_tree(tmp);
    // The first errors, so that a user sees what is wrong with the Verilog.
    std::string first;
    std::istringstream is(read_text(kept));
    std::string line;
    int n = 0;
    while (std::getline(is, line) && n < 8)
      if (line.find("%Error") != std::string::npos || line.find("error:") != std::string::npos) {
        first += "\n  " + line;
        ++n;
      }
    if (first.find("has no member named") != std::string::npos)
      first += "\n  (the top module must be `Cfu` with CFU Playground's ports: cmd_valid, cmd_ready, "
               "cmd_payload_function_id, cmd_payload_inputs_0/1, rsp_valid, rsp_ready, rsp_payload_outputs_0, reset, clk)";
    return std::runtime_error(fmt::format("{} failed for {} (log: {}){}", step, what, kept, first));
  };
  const long jobs = std::max(1L, sysconf(_SC_NPROCESSORS_ONLN));
  std::vector<std::string> vargs = {t.verilator, "--cc", "--build", "-j", std::to_string(jobs), "--prefix", "Vcfu_dyn",
                                    "--top-module", "Cfu", "-Wno-fatal", "-CFLAGS", "-fPIC", "--Mdir", tmp + "/obj"};
  vargs.insert(vargs.end(), sources.begin(), sources.end());
  fmt::print(stderr, "  [1/2] verilator --cc --build ({} jobs) ...\n", jobs);
  if (run(vargs, log) != 0) throw fail("verilator");
  fmt::print(stderr, "  [2/2] linking the shared library ({:.0f} s so far) ...\n", seconds_since(t0));
  const std::string vroot = first_line({t.verilator, "--getenv", "VERILATOR_ROOT"}, t.scratch);
  const std::vector<std::string> cargs = {t.cxx, "-std=c++17", "-O2", "-fPIC", "-shared", "-Wl,-Bsymbolic",
                                          "-I" + tmp + "/obj", "-I" + vroot + "/include",
                                          "-I" + vroot + "/include/vltstd", tmp + "/dynamic_cfu.cc",
                                          vroot + "/include/verilated.cpp", vroot + "/include/verilated_threads.cpp",
                                          tmp + "/obj/Vcfu_dyn__ALL.a", "-pthread", "-o", tmp + "/cfu.so"};
  if (run(cargs, log) != 0) throw fail("compiling the Verilated model");
  if (std::rename(tmp.c_str(), out.c_str()) != 0) remove_tree(tmp);  // another process finished first: use theirs
  fmt::print(stderr, "  done in {:.0f} s; later runs load it from the cache\n", seconds_since(t0));
  return so;
}
#endif

// Builds the library for p into the cache (atomically) unless it is there.
std::string build(const CoreParams& p) {
#ifndef SASIM_VERILATOR_BIN
  (void)p;
  throw std::runtime_error("this sasim was built without Verilator: no RTL can be built on demand");
#else
  const Tools t = probe_tools();
  const std::vector<std::string> params = parameters(p);
  uint64_t h = 1469598103934665603ULL;
  for (const char* f : kRtlFiles) h = fnv1a(fnv1a(h, f), embedded(f));
  h = fnv1a(h, embedded("rtl/dynamic_cfu.cc"));
  for (const std::string& s : params) h = fnv1a(h, s);
  h = fnv1a(fnv1a(h, t.vversion), t.cversion);
  const std::string dir = fmt::format("{}/{}x{}_{}_{:016x}", t.root, p.rows, p.cols, dataflow_name(p.dataflow), h);
  struct stat st;
  if (stat((dir + "/cfu.so").c_str(), &st) == 0) return dir + "/cfu.so";
  fmt::print(stderr, "sasim: no prebuilt RTL for {}: Verilating it once into {}\n", describe(p), dir);
  return verilate_library(t, dir, describe(p), [&](const std::string& tmp) {
    mkdirs(tmp + "/rtl");
    for (const char* f : kRtlFiles) write_text(tmp + "/" + f, embedded(f));
    std::vector<std::string> a = {"-I" + tmp + "/rtl"};
    a.insert(a.end(), params.begin(), params.end());
    a.push_back(tmp + "/rtl/cfu.v");
    return a;
  });
#endif
}

// The user's Cfu (CFU Playground's ports) at cfu_path, with the Verilog files
// beside it (`include`d ones), into the cache.
std::string build_user(const std::string& cfu_path) {
#ifndef SASIM_VERILATOR_BIN
  (void)cfu_path;
  throw std::runtime_error("this sasim was built without Verilator: no user CFU can be Verilated");
#else
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path top = fs::absolute(cfu_path, ec);
  if (ec || !fs::is_regular_file(top)) throw std::runtime_error(fmt::format("{}: no such file (the project's cfu.v)", cfu_path));
  const fs::path dir = top.parent_path();
  const Tools t = probe_tools();
  // Every Verilog file of the project folder (cfu.v `include`s them).
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string ext = e.path().extension().string();
    if (e.is_regular_file() && (ext == ".v" || ext == ".sv" || ext == ".vh" || ext == ".svh")) files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  uint64_t h = fnv1a(1469598103934665603ULL, top.filename().string());
  for (const std::string& f : files) h = fnv1a(fnv1a(h, fs::path(f).filename().string()), read_text(f));
  h = fnv1a(h, embedded("rtl/dynamic_cfu.cc"));
  h = fnv1a(fnv1a(h, t.vversion), t.cversion);
  const std::string out = fmt::format("{}/user_{}_{:016x}", t.root, dir.filename().string(), h);
  struct stat st;
  if (stat((out + "/cfu.so").c_str(), &st) == 0) return out + "/cfu.so";
  fmt::print(stderr, "sasim: Verilating {} once into {}\n", top.string(), out);
  return verilate_library(t, out, top.string(), [&](const std::string&) {
    return std::vector<std::string>{"-Wno-lint", "-Wno-style", "-I" + dir.string(), top.string()};
  });
#endif
}

}  // namespace

std::unique_ptr<RtlModel> user_rtl(const std::string& cfu_path) {
  const Api api = load(build_user(cfu_path));
  return std::unique_ptr<RtlModel>(new DynamicRtl(api));
}

const RtlConfig* rtl_config_for(const CoreParams& p) {
  if (const RtlConfig* c = find_rtl_config(p, nullptr)) return c;
  static std::mutex mu;
  static std::deque<RtlConfig> built;  // stable addresses
  std::lock_guard<std::mutex> lock(mu);
  for (const RtlConfig& c : built) {
    const CoreParams& q = c.params;
    if (q.rows == p.rows && q.cols == p.cols && q.dataflow == p.dataflow && q.a_lines == p.a_lines &&
        q.b_lines == p.b_lines && q.c_lines == p.c_lines && q.a_double == p.a_double && q.b_double == p.b_double &&
        q.c_double == p.c_double && q.im2col == p.im2col && q.prefetch == p.prefetch && q.eltwise == p.eltwise &&
        q.w_lines == p.w_lines)
      return &c;
  }
  const Api api = load(build(p));
  built.push_back(RtlConfig{fmt::format("{}x{}_{} (on demand)", p.rows, p.cols, dataflow_name(p.dataflow)), p,
                            [api] { return std::unique_ptr<RtlModel>(new DynamicRtl(api)); }});
  return &built.back();
}

}  // namespace sasim
