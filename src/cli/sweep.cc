// sasim sweep: runs design points as child processes (one SystemC elaboration
// each), appends one CSV row per point x model as it finishes, resumes,
// shards, merges, and plots with gnuplot.
#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <tuple>

#include "commands.h"
#include "sasim/resources.h"
#include "sasim/sweep.h"
#include "tflite/import.h"
#include "tflite/reader.h"

extern char** environ;

namespace sasim {

namespace {

const char* kMetricCols[] = {"status",      "cycles",           "latency_us",      "utilisation",
                             "compute_cycles", "stall_host",     "stall_fill_drain", "stall_bank_swap",
                             "stall_readback", "host_instructions", "sram_reads",   "sram_writes",
                             "passes",      "legacy_layers",    "raw_weight_layers", "mac_bound",   "feed_bound",
                             "bound",       "bound_ratio",      "est_dsp48",       "est_bram36",      "est_lut",
                             "fits",        "error"};

std::string csv_escape(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string o = "\"";
  for (char c : s) o += c == '"' ? std::string("\"\"") : (c == '\n' ? std::string(" ") : std::string(1, c));
  return o + "\"";
}

std::vector<std::string> csv_split(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  bool q = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (q) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') { cur += '"'; ++i; }
      else if (c == '"') q = false;
      else cur += c;
    } else if (c == '"') {
      q = true;
    } else if (c == ',') {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

struct Csv {
  std::string header;
  std::map<int, std::string> rows;  // job -> line (without newline)
  // Cell `name` of a row, by the header's column order ("" if absent).
  std::string cell(const std::string& line, const std::string& name) const {
    const auto h = csv_split(header);
    const auto c = csv_split(line);
    for (size_t i = 0; i < h.size() && i < c.size(); ++i)
      if (h[i] == name) return c[i];
    return "";
  }
  int failed_rows() const {
    int n = 0;
    for (const auto& kv : rows) n += cell(kv.second, "status") != "ok";
    return n;
  }
};

// Reads a sweep CSV, keeping only complete rows (a line cut by a kill has no
// newline and is dropped: that point simply runs again on --resume).
Csv read_csv(const std::string& path) {
  Csv c;
  std::ifstream f(path, std::ios::binary);
  if (!f) return c;
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  size_t pos = 0;
  bool first = true;
  while (pos < text.size()) {
    const size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) break;
    const std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (first) {
      c.header = line;
      first = false;
      continue;
    }
    const auto cells = csv_split(line);
    const size_t ncols = csv_split(c.header).size();
    int64_t job;
    if (cells.size() != ncols || !parse_int64(cells[0], &job) || job < 0) continue;
    c.rows[static_cast<int>(job)] = line;
  }
  return c;
}

void mkdirs(const std::string& dir) {
  std::string cur;
  for (size_t i = 0; i <= dir.size(); ++i) {
    if ((i == dir.size() || dir[i] == '/') && !cur.empty() && mkdir(cur.c_str(), 0777) != 0 && errno != EEXIST)
      throw ConfigError({{dir, 0, 0, "", fmt::format("cannot create directory: {}", std::strerror(errno))}});
    if (i < dir.size()) cur += dir[i];
  }
}

std::string self_exe() {
  char buf[4096];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return "sasim";
  buf[n] = 0;
  return buf;
}

std::string base_name(const std::string& p) {
  const size_t s = p.find_last_of('/');
  std::string b = s == std::string::npos ? p : p.substr(s + 1);
  if (b.size() > 5 && b.substr(b.size() - 5) == ".yaml") b.resize(b.size() - 5);
  return b;
}

std::string fmt_duration(double s) {
  const int t = static_cast<int>(s + 0.5);
  return fmt::format("{}:{:02}:{:02}", t / 3600, (t / 60) % 60, t % 60);
}

struct Job {
  int job;
  const SweepPoint* point;  // the point, alive while the job is (Launched below)
  int model;
  HwConfig hw;         // resolved, for columns and resource estimates
  std::string hw_error;
  std::string dir;
};

// The resource columns: sasim's model of scripts/synth (sasim/resources.h),
// and whether the configuration fits the XC7A100T next to the SoC.
std::string resource_cells(const HwConfig& hw) {
  const ResourceEstimate e = estimate_resources(hw);
  return fmt::format(",{},{:.1f},{},{}", e.dsp, e.bram36, e.lut, e.fits() ? "yes" : "no");
}

std::string header_for(const SweepSpec& spec) {
  std::string h = "job,point,model,rows,cols,dataflow,pes";
  for (const auto& k : spec.keys) h += "," + csv_escape(k);
  for (const char* c : kMetricCols) h += std::string(",") + c;
  return h;
}

// A whole network's report.json (run on a .tflite or a whole-network
// config: "operators", each CFU layer with its "stats") in a layer list's
// form: its CFU layers' stats as "layers", and a "total" whose cycles are
// the whole inference's (CPU operators included) and whose array counters
// add up the layers'.
nlohmann::json network_report_as_layers(const nlohmann::json& net, const HwConfig& hw) {
  nlohmann::json layers = nlohmann::json::array();
  uint64_t macs = 0, compute = 0, host = 0, fill = 0, swap = 0, readback = 0, instr = 0, rd = 0, wr = 0, passes = 0;
  for (const auto& op : net.value("operators", nlohmann::json::array())) {
    const auto st = op.find("stats");
    if (st == op.end() || !st->is_object() || !st->contains("stall_cycles")) continue;
    layers.push_back(*st);
    const auto& sc = (*st)["stall_cycles"];
    macs += st->value("macs", uint64_t{0});
    compute += st->value("compute_cycles", uint64_t{0});
    host += sc.value("host", uint64_t{0});
    fill += sc.value("fill_drain", uint64_t{0});
    swap += sc.value("bank_swap", uint64_t{0});
    readback += sc.value("readback", uint64_t{0});
    instr += st->value("host_instructions", uint64_t{0});
    rd += st->value("sram_reads", uint64_t{0});
    wr += st->value("sram_writes", uint64_t{0});
    passes += st->value("passes", uint64_t{0});
  }
  const uint64_t cycles = net["total"]["cycles"].get<uint64_t>();
  nlohmann::json total = {
      {"cycles", cycles},
      {"latency_us", static_cast<double>(cycles) / hw.clock_mhz},
      {"utilisation", cycles ? static_cast<double>(macs) / (static_cast<double>(cycles) * hw.rows * hw.cols) : 0.0},
      {"compute_cycles", compute},
      {"stall_cycles", {{"host", host}, {"fill_drain", fill}, {"bank_swap", swap}, {"readback", readback}}},
      {"host_instructions", instr},
      {"sram_reads", rd},
      {"sram_writes", wr},
      {"passes", passes}};
  return {{"total", total}, {"layers", layers}};
}

// `report`: the run's report.json (null: the job failed). legacy_layers
// counts the layers the driver ran on its legacy tile loop (run's warning),
// raw_weight_layers those that ran without prepared weights because the
// exported bridge's preparation store was full (run's warning);
// mac_bound and feed_bound add up the layers' bounds (docs/bounds.md), bound
// their per-layer maximum, and bound_ratio is cycles / bound: a point far
// above 1 is held back by its driver, not by its hardware. Throws
// nlohmann::json::exception on a report without the fields it reads.
std::string row_for(const SweepSpec& spec, const Job& j, const std::string& status, const nlohmann::json* report,
                    const std::string& error) {
  nlohmann::json as_layers;
  if (report && !report->contains("layers")) {
    as_layers = network_report_as_layers(*report, j.hw);
    report = &as_layers;
  }
  std::string r = fmt::format("{},{},{},", j.job, csv_escape(j.point->key), csv_escape(base_name(spec.models[j.model])));
  if (j.hw_error.empty())
    r += fmt::format("{},{},{},{}", j.hw.rows, j.hw.cols, dataflow_name(j.hw.dataflow), j.hw.rows * j.hw.cols);
  else
    r += ",,,";
  for (const auto& k : spec.keys) {
    std::string v;
    for (const auto& o : j.point->sets)
      if (o.key == k) v = o.value;
    r += "," + csv_escape(v);
  }
  r += "," + status;
  if (report) {
    const auto& t = (*report)["total"];
    const auto& st = t["stall_cycles"];
    r += fmt::format(",{},{:.3f},{:.6f},{},{},{},{},{},{},{},{},{}", t["cycles"].get<uint64_t>(),
                     t["latency_us"].get<double>(), t["utilisation"].get<double>(),
                     t["compute_cycles"].get<uint64_t>(), st["host"].get<uint64_t>(), st["fill_drain"].get<uint64_t>(),
                     st["bank_swap"].get<uint64_t>(), st["readback"].get<uint64_t>(),
                     t["host_instructions"].get<uint64_t>(), t["sram_reads"].get<uint64_t>(),
                     t["sram_writes"].get<uint64_t>(), t["passes"].get<uint64_t>());
    int legacy = 0, raw = 0;
    double mac = 0, feed = 0, bound = 0;
    for (const auto& l : report->value("layers", nlohmann::json::array())) {
      legacy += l.value("mapping", std::string()) == "legacy" ? 1 : 0;
      raw += l.value("raw_weights", false) ? 1 : 0;
      const double m = l.value("mac_bound", 0.0), f = l.value("feed_bound", 0.0);
      mac += m;
      feed += f;
      bound += std::max(m, f);
    }
    r += fmt::format(",{},{},{:.0f},{:.0f},{:.0f},{:.3f}", legacy, raw, mac, feed, bound,
                     bound > 0 ? static_cast<double>(t["cycles"].get<uint64_t>()) / bound : 0.0);
  } else {
    r += ",,,,,,,,,,,,,,,,,,";
  }
  if (j.hw_error.empty()) r += resource_cells(j.hw);
  else r += ",,,,";
  r += "," + csv_escape(error);
  return r;
}

std::string last_line_of(const std::string& path) {
  std::ifstream f(path);
  std::string line, last;
  while (std::getline(f, line))
    if (!line.empty()) last = line;
  return last;
}

std::string first_line(const std::string& s) {
  const size_t nl = s.find('\n');
  return nl == std::string::npos ? s : s.substr(0, nl) + " ...";
}

// An exclusive lock on DIR/.sweep.lock for the whole sweep (flock: released
// by the kernel when the process ends, even by kill -9). A second sweep on the
// same directory is refused (exit 2) naming the holder.
class SweepLock {
 public:
  explicit SweepLock(const std::string& dir) : path_(dir + "/.sweep.lock") {
    fd_ = open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw ConfigError({{path_, 0, 0, "", fmt::format("cannot create lock: {}", std::strerror(errno))}});
    if (flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      char buf[64] = {};
      const ssize_t n = pread(fd_, buf, sizeof buf - 1, 0);
      close(fd_);
      throw ConfigError({{path_, 0, 0, "", fmt::format("another sweep is writing to this directory (process {}); "
                                                         "wait for it or choose another --out",
                                                         n > 0 ? std::string(buf, static_cast<size_t>(n)) : "?")}});
    }
    const std::string me = std::to_string(getpid());
    if (ftruncate(fd_, 0) != 0 || pwrite(fd_, me.data(), me.size(), 0) < 0) {
      // the lock holds anyway; the holder's pid is only for messages
    }
  }
  ~SweepLock() {
    if (fd_ >= 0) close(fd_);
  }
  SweepLock(const SweepLock&) = delete;
  SweepLock& operator=(const SweepLock&) = delete;

 private:
  std::string path_;
  int fd_ = -1;
};

// ------------------------------------------------------------------ plots --

struct PlotRow {
  std::string model, df;
  int rows = 0, cols = 0, pes = 0, dsp = 0;
  bool fits = true;  // the XC7A100T next to the SoC (column `fits`)
  double cycles = 0, latency = 0, util = 0;
  double bound_ratio = 0;  // cycles / bound (0: a CSV without the column)
  int legacy = 0;          // layers on the driver's legacy tile loop
  std::vector<std::string> swept;  // values of the swept keys (swept_keys order)
};

// The swept keys: the CSV columns between "pes" and "status".
std::vector<std::string> swept_keys(const Csv& csv) {
  const auto h = csv_split(csv.header);
  std::vector<std::string> keys;
  bool in = false;
  for (const auto& c : h) {
    if (c == "status") break;
    if (in) keys.push_back(c);
    if (c == "pes") in = true;
  }
  return keys;
}

// The rows to plot, every column looked up and every number parsed checked:
// a CSV without a column, or with a cell that is not a number, is bad input
// (exit 2) naming the file, the job and the column.
std::vector<PlotRow> plot_rows(const Csv& csv, const std::string& path) {
  const auto h = csv_split(csv.header);
  // Columns of later sweeps are optional (npos when absent), so that older
  // results still plot.
  auto optional_col = [&](const char* name) {
    const auto it = std::find(h.begin(), h.end(), name);
    return it == h.end() ? std::string::npos : static_cast<size_t>(it - h.begin());
  };
  auto col = [&](const char* name) {
    const size_t i = optional_col(name);
    if (i == std::string::npos)
      throw ConfigError({{path, 1, 0, "", fmt::format("no column '{}': not a complete sweep result", name)}});
    return i;
  };
  const size_t c_model = col("model"), c_rows = col("rows"), c_cols = col("cols"), c_df = col("dataflow"),
               c_pes = col("pes"), c_status = col("status"), c_cycles = col("cycles"), c_lat = col("latency_us"),
               c_util = col("utilisation"), c_dsp = col("est_dsp48"), c_fits = col("fits");
  const size_t c_ratio = optional_col("bound_ratio"), c_legacy = optional_col("legacy_layers");
  std::vector<PlotRow> out;
  for (const auto& kv : csv.rows) {
    const auto c = csv_split(kv.second);
    auto cell = [&](size_t i, const char* name) -> const std::string& {
      if (i >= c.size())
        throw ConfigError({{path, 0, 0, "", fmt::format("job {}: the row has no '{}' cell", kv.first, name)}});
      return c[i];
    };
    if (cell(c_status, "status") != "ok") continue;
    auto integer = [&](size_t i, const char* name) {
      int64_t v = 0;
      if (!parse_int64(cell(i, name), &v) || v < 0 || v > 1'000'000'000)
        throw ConfigError({{path, 0, 0, "", fmt::format("job {}: column '{}': '{}' is not a count", kv.first, name,
                                                          cell(i, name))}});
      return static_cast<int>(v);
    };
    auto number = [&](size_t i, const char* name) {
      double v = 0;
      if (!parse_double(cell(i, name), &v))
        throw ConfigError({{path, 0, 0, "", fmt::format("job {}: column '{}': '{}' is not a number", kv.first, name,
                                                          cell(i, name))}});
      return v;
    };
    PlotRow r;
    r.model = cell(c_model, "model");
    r.df = cell(c_df, "dataflow");
    r.rows = integer(c_rows, "rows");
    r.cols = integer(c_cols, "cols");
    r.pes = integer(c_pes, "pes");
    r.dsp = integer(c_dsp, "est_dsp48");
    const std::string& fits = cell(c_fits, "fits");
    if (fits != "yes" && fits != "no")
      throw ConfigError({{path, 0, 0, "", fmt::format("job {}: column 'fits': '{}' is not yes or no", kv.first, fits)}});
    r.fits = fits == "yes";
    r.cycles = number(c_cycles, "cycles");
    r.latency = number(c_lat, "latency_us");
    r.util = number(c_util, "utilisation");
    if (c_ratio != std::string::npos) r.bound_ratio = number(c_ratio, "bound_ratio");
    if (c_legacy != std::string::npos) r.legacy = integer(c_legacy, "legacy_layers");
    for (size_t k = c_pes + 1; k < c_status && k < c.size(); ++k) r.swept.push_back(c[k]);
    out.push_back(r);
  }
  return out;
}

// Writes data files and a gnuplot script under DIR/plots and runs gnuplot.
// Returns false (with a warning printed) when gnuplot is missing or fails;
// the CSV is the result, plots are a view of it.
bool make_plots(const std::string& dir, const Csv& csv, const std::string& csv_path) {
  const auto rows = plot_rows(csv, csv_path);
  if (rows.empty()) return true;
  const std::string pd = dir + "/plots";
  mkdirs(pd);
  std::set<std::string> models, dfs;
  std::set<int> rvals, cvals;
  for (const auto& r : rows) {
    models.insert(r.model);
    dfs.insert(r.df);
    rvals.insert(r.rows);
    cvals.insert(r.cols);
  }
  // Readable numbers (8.4M, not 8.38861e+06); one colour per model and
  // dataflow everywhere; text labels as given.
  std::string gp = "set datafile separator whitespace\nset key outside right\nset grid\n"
                   "set format y '%.1s%c'\nset format cb '%.1s%c'\nset offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05\n";
  auto both = [&](const std::string& name, const std::string& body, int w = 1000, int h = 650) {
    gp += fmt::format("set terminal pngcairo size {},{} noenhanced\nset output '{}.png'\n{}", w, h, name, body);
    gp += fmt::format("set terminal svg size {},{} noenhanced\nset output '{}.svg'\n{}", w, h, name, body);
  };
  std::vector<std::pair<std::string, std::string>> series_ids;  // (model, dataflow) -> colour index
  for (const auto& m : models)
    for (const auto& d : dfs) series_ids.emplace_back(m, d);
  auto colour = [&](const std::string& m, const std::string& d) {
    return static_cast<int>(std::find(series_ids.begin(), series_ids.end(), std::make_pair(m, d)) - series_ids.begin()) + 1;
  };
  std::map<std::string, int> model_colour;
  for (const auto& m : models) model_colour.emplace(m, static_cast<int>(model_colour.size()) + 1);

  // 1. cycles vs PE count, one series per model and dataflow; each point
  //    labelled RxC, so shapes with the same PE count are told apart.
  std::string plot1 = "set title 'Total cycles vs PE count'\nset xlabel 'PEs (rows x cols)'\nset ylabel 'cycles'\n"
                      "set logscale xy 2\nset format x '%g'\nplot ";
  // Labels of points at the same PE count and nearly the same cycles (within
  // a quarter of a doubling) would print over each other: each such label
  // moves right by its rank among them (x scaled by 2^(0.22 rank), 4 at most).
  std::map<std::pair<int, long>, int> crowd;  // (PEs, cycles' log2 in quarters) -> labels placed
  auto label_x = [&](int pe, double cyc) {
    const long bucket = std::lround(4 * std::log2(std::max(cyc, 1.0)));
    int rank = 0;
    for (long b = bucket - 1; b <= bucket + 1; ++b) {
      const auto it = crowd.find({pe, b});
      if (it != crowd.end()) rank += it->second;
    }
    ++crowd[{pe, bucket}];
    return pe * std::pow(2.0, 0.22 * std::min(rank, 4));
  };
  int series = 0;
  for (const auto& m : models)
    for (const auto& d : dfs) {
      const std::string f = fmt::format("cycles_{}_{}.dat", m, d);
      std::vector<std::tuple<int, double, std::string>> pts;
      for (const auto& r : rows)
        if (r.model == m && r.df == d) pts.emplace_back(r.pes, r.cycles, fmt::format("{}x{}", r.rows, r.cols));
      if (pts.empty()) continue;
      std::sort(pts.begin(), pts.end());
      std::string data;
      for (const auto& [pe, cyc, shape] : pts) data += fmt::format("{} {} {} {}\n", pe, cyc, shape, label_x(pe, cyc));
      write_file_atomic(pd + "/" + f, data);
      plot1 += fmt::format("{}'{}' using 1:2 with points pt 7 lc {} title '{} {}', '' using 4:2:3 with labels left "
                           "offset 0.5,0.5 font ',7' tc lt {} notitle",
                           series++ ? ", " : "", f, colour(m, d), m, d, colour(m, d));
    }
  plot1 += "\nunset logscale\nset format x '% h'\n";
  both("cycles_vs_pes", plot1);

  // Cycles on a log axis where they span more than a decade, else on a
  // linear one from 0 (never below it).
  double cmin = 1e300, cmax = 0;
  for (const auto& r : rows) {
    cmin = std::min(cmin, r.cycles);
    cmax = std::max(cmax, r.cycles);
  }
  const std::string y_axis =
      cmin > 0 && cmax > 10 * cmin ? "set logscale y\nset yrange [*:*]" : "unset logscale y\nset yrange [0:*]";

  // 2. cycles against every swept key: one panel per key.
  const std::vector<std::string> keys = swept_keys(csv);
  if (!keys.empty()) {
    const int n = static_cast<int>(keys.size());
    const int ncols = n < 3 ? n : 3, nrows = (n + ncols - 1) / ncols;
    std::string body = fmt::format("set multiplot layout {},{} title 'Total cycles by swept key'\n", nrows, ncols);
    for (int k = 0; k < n; ++k) {
      // Numeric values on a linear axis; others (dataflow, booleans) by position.
      bool numeric = true;
      std::vector<std::string> cats;
      for (const auto& r : rows) {
        double v;
        if (k < static_cast<int>(r.swept.size()) && !r.swept[k].empty()) {
          if (!parse_double(r.swept[k], &v)) numeric = false;
          if (std::find(cats.begin(), cats.end(), r.swept[k]) == cats.end()) cats.push_back(r.swept[k]);
        }
      }
      std::string xt;
      if (!numeric)
        for (size_t i = 0; i < cats.size(); ++i) xt += fmt::format("{}'{}' {}", i ? ", " : "", cats[i], i);
      body += fmt::format("set title '{}'\nset xlabel '{}'\nset ylabel 'cycles'\n{}\n{}\nplot ", keys[k], keys[k],
                          y_axis,
                          numeric ? "set xtics auto" : fmt::format("set xtics ({})\nset xrange [-0.5:{}]", xt,
                                                                   static_cast<double>(cats.size()) - 0.5));
      int ser = 0;
      for (const auto& [m, d] : series_ids) {
        std::string data;
        for (const auto& r : rows) {
          if (r.model != m || r.df != d || k >= static_cast<int>(r.swept.size()) || r.swept[k].empty()) continue;
          const std::string x = numeric ? r.swept[k]
                                        : std::to_string(std::find(cats.begin(), cats.end(), r.swept[k]) - cats.begin());
          data += fmt::format("{} {}\n", x, r.cycles);
        }
        if (data.empty()) continue;
        const std::string f = fmt::format("by_key_{}_{}_{}.dat", k, m, d);
        write_file_atomic(pd + "/" + f, data);
        body += fmt::format("{}'{}' using 1:2 with points pt 7 lc {} title '{} {}'", ser++ ? ", " : "", f, colour(m, d),
                            m, d);
      }
      if (ser == 0) body += "NaN notitle";
      body += "\nset xtics auto\nset autoscale x\n";
    }
    body += "unset multiplot\nunset logscale y\nset autoscale y\n";
    both("cycles_by_key", body, 420 * ncols + 200, 360 * nrows + 60);
  }

  // 3. heat maps over rows x cols, utilisation and latency side by side.
  auto idx = [](const std::set<int>& s, int v) { return static_cast<int>(std::distance(s.begin(), s.find(v))); };
  std::string xt, yt;
  for (int v : cvals) xt += fmt::format("{}\"{}\" {}", xt.empty() ? "" : ", ", v, idx(cvals, v));
  for (int v : rvals) yt += fmt::format("{}\"{}\" {}", yt.empty() ? "" : ", ", v, idx(rvals, v));
  for (const auto& m : models)
    for (const auto& d : dfs) {
      std::string data;
      bool ratios = false;
      for (const auto& r : rows)
        if (r.model == m && r.df == d) {
          data += fmt::format("{} {} {:.4f} {} {:.4f} {}\n", idx(cvals, r.cols), idx(rvals, r.rows), 100.0 * r.util,
                              r.latency, r.bound_ratio > 0 ? r.bound_ratio : 1.0, r.legacy);
          ratios = ratios || r.bound_ratio > 0;
        }
      if (data.empty()) continue;
      const std::string f = fmt::format("util_{}_{}.dat", m, d);
      write_file_atomic(pd + "/" + f, data);
      const std::string cell = "with boxxyerror fs solid 1.0 noborder lc palette notitle";
      // Latency and cycles / bound on log colour scales (they span decades:
      // the good designs would share one colour on a linear one); a cell
      // whose layers took the driver's legacy tile loop is starred.
      std::string body = fmt::format(
          "set multiplot layout 1,{} title '{} {}{}'\nset xlabel 'cols'\nset ylabel 'rows'\n"
          "set xtics ({})\nset ytics ({})\nset palette rgb 33,13,10\n"
          "set title 'array utilisation (%)'\nset cblabel 'utilisation %'\nset format cb '%g'\n"
          "plot '{}' using 1:2:(0.5):(0.5):3 {}, '' using 1:2:(sprintf('%.1f', $3)) with labels notitle\n"
          "set title 'latency (us, log colour)'\nset cblabel 'latency us'\nset logscale cb\nset format cb '%.1s%c'\n"
          "plot '{}' using 1:2:(0.5):(0.5):4 {}, '' using 1:2:(gprintf('%.1s%c', $4)) with labels notitle\n",
          ratios ? 3 : 2, m, d, ratios ? " (*: layers on the legacy tile loop)" : "", xt, yt, f, cell, f, cell);
      if (ratios)
        body += fmt::format(
            "set title 'cycles / bound (log colour; 1: at the bound)'\nset cblabel 'cycles / bound'\nset format cb '%g'\n"
            "plot '{}' using 1:2:(0.5):(0.5):5 {}, '' using 1:2:(sprintf('%.1f%s', $5, $6 > 0 ? '*' : '')) with labels "
            "notitle\n",
            f, cell);
      body += "unset logscale cb\nset format cb '%.1s%c'\nunset multiplot\nset xtics auto\nset ytics auto\n";
      both(fmt::format("util_heatmap_{}_{}", m, d), body, ratios ? 2000 : 1400, 600);
    }

  // 4. Pareto front of latency vs resources (estimated DSP48E1), per model:
  //    its points and its front in the model's colour; the board's DSP
  //    budget as a line, and only designs that fit the board on the front.
  std::string plot3 = fmt::format(
      "set title 'Latency vs resources (Pareto front per model, designs that fit the XC7A100T)'\n"
      "set xlabel 'DSP48E1 (estimate)'\nset ylabel 'latency (us)'\nset logscale xy 2\nset format x '%g'\n"
      "set arrow 1 from {0}, graph 0 to {0}, graph 1 nohead dt 2 lc rgb 'red'\n"
      "set label 1 'XC7A100T budget ({0} DSP)' at {0}, graph 0.95 right offset -0.5, 0 tc rgb 'red'\nplot ",
      ResourceEstimate::kDsp);
  series = 0;
  for (const auto& m : models) {
    struct Pt {
      int dsp;
      double latency;
      bool fits;
      bool operator<(const Pt& o) const { return dsp != o.dsp ? dsp < o.dsp : latency < o.latency; }
    };
    std::vector<Pt> pts;
    for (const auto& r : rows)
      if (r.model == m) pts.push_back({r.dsp, r.latency, r.fits});
    std::sort(pts.begin(), pts.end());
    std::string all, front;
    double best = 1e300;
    for (const auto& p : pts) {
      all += fmt::format("{} {}\n", p.dsp, p.latency);
      if (!p.fits) continue;  // does not fit the board: not a candidate
      if (p.latency < best) {  // not dominated by any cheaper (or equal) point seen so far
        best = p.latency;
        front += fmt::format("{} {}\n", p.dsp, p.latency);
      }
    }
    write_file_atomic(pd + fmt::format("/pareto_all_{}.dat", m), all);
    write_file_atomic(pd + fmt::format("/pareto_front_{}.dat", m), front);
    plot3 += fmt::format("{}'pareto_all_{}.dat' using 1:2 with points pt 6 lc {} title '{} points', "
                         "'pareto_front_{}.dat' using 1:2 with steps lw 2 lc {} title '{} front'",
                         series++ ? ", " : "", m, model_colour[m], m, m, model_colour[m], m);
  }
  plot3 += "\nunset logscale\nunset arrow 1\nunset label 1\nset format x '% h'\n";
  both("pareto", plot3);
  write_file_atomic(pd + "/plots.gp", gp);
  // gnuplot runs without a shell (no quoting of paths), in the plots folder.
  int status = -1;
  {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addchdir_np(&fa, pd.c_str());
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "gnuplot.log", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
    std::string prog = "gnuplot", script = "plots.gp";
    char* argv[] = {prog.data(), script.data(), nullptr};
    pid_t pid;
    if (posix_spawnp(&pid, "gnuplot", &fa, nullptr, argv, environ) == 0) waitpid(pid, &status, 0);
    posix_spawn_file_actions_destroy(&fa);
  }
  if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
    fmt::print(stderr, "warning: gnuplot failed or is missing (see {}/gnuplot.log); the CSV is complete\n", pd);
    return false;
  }
  return true;
}

}  // namespace

int cmd_sweep_merge(const SweepOptions& o) {
  if (o.out_dir.empty()) throw ConfigError({{"--out", 0, 0, "", "--merge needs --out DIR for the merged results"}});
  Csv merged;
  for (const auto& d : o.merge_dirs) {
    const std::string p = d + "/sweep.csv";
    if (!std::ifstream(p)) throw ConfigError({{p, 0, 0, "", "cannot open shard results"}});
    Csv c = read_csv(p);
    if (c.header.empty()) throw ConfigError({{p, 1, 1, "", "has no header: not a sweep result"}});
    plot_rows(c, p);  // every column and number checked before anything is written
    if (merged.header.empty()) merged.header = c.header;
    else if (c.header != merged.header)
      throw ConfigError({{p, 1, 1, "", "header differs from the first shard's: not the same sweep spec"}});
    for (const auto& kv : c.rows) {
      if (merged.rows.count(kv.first))
        throw ConfigError({{p, 0, 0, "", fmt::format("job {} appears in more than one shard", kv.first)}});
      merged.rows[kv.first] = kv.second;
    }
  }
  // Every shard of the split present? (sweep.meta: "shard i/N", "jobs T")
  int shards = -1;
  int64_t jobs = -1;
  std::set<int> have;
  bool all_meta = true;
  for (const auto& d : o.merge_dirs) {
    std::ifstream mf(d + "/sweep.meta");
    int i = -1, n = -1;
    int64_t t = -1;
    std::string word, frac;
    while (mf >> word) {
      if (word == "shard" && mf >> frac) std::sscanf(frac.c_str(), "%d/%d", &i, &n);
      else if (word == "jobs") mf >> t;
    }
    if (i < 0 || n < 1 || t < 0) {
      all_meta = false;
      continue;
    }
    if (shards >= 0 && (n != shards || t != jobs))
      throw ConfigError({{d + "/sweep.meta", 0, 0, "", fmt::format("shard {}/{} of {} jobs does not belong with shard "
                                                                      "x/{} of {} jobs", i, n, t, shards, jobs)}});
    shards = n;
    jobs = t;
    have.insert(i);
  }
  if (all_meta && shards > 0) {
    std::vector<std::string> missing;
    for (int i = 0; i < shards; ++i)
      if (!have.count(i)) missing.push_back(fmt::format("{}/{}", i, shards));
    if (!missing.empty())
      throw ConfigError({{"--merge", 0, 0, "", fmt::format("shard{} {} missing: give the output directories of all {} "
                                                           "shards",
                                                           missing.size() > 1 ? "s" : "", fmt::join(missing, ", "),
                                                           shards)}});
    if (static_cast<int64_t>(merged.rows.size()) < jobs)
      fmt::print(stderr, "warning: {} of {} jobs have no row in the shards (run them with --resume)\n",
                 jobs - static_cast<int64_t>(merged.rows.size()), jobs);
  }
  mkdirs(o.out_dir);
  std::string text = merged.header + "\n";
  for (const auto& kv : merged.rows) text += kv.second + "\n";
  write_file_atomic(o.out_dir + "/sweep.csv", text);
  make_plots(o.out_dir, merged, o.out_dir + "/sweep.csv");
  const int failed = merged.failed_rows();
  fmt::print("merged {} rows from {} directories into {}/sweep.csv ({} failed)\n", merged.rows.size(),
             o.merge_dirs.size(), o.out_dir, failed);
  return (failed || (all_meta && static_cast<int64_t>(merged.rows.size()) < jobs)) ? kExitMismatch : kExitOk;
}

int cmd_sweep(const SweepOptions& o) {
  if (!o.merge_dirs.empty()) return cmd_sweep_merge(o);
  const SweepSpec spec = load_sweep_spec(o.spec_path);
  // A .tflite model sweeps the whole inference: every operator checked once,
  // before any point runs (the spec reads model configs only).
  for (const std::string& m : spec.models)
    if (is_tflite_file(m)) tflite::import_model(tflite::load_tflite(m));
  // host.* times the CFU's host in the fixed-gap estimate only: under the
  // CPU model the board's driver and CPU set the timing, and such a key
  // gives identical points.
  if (o.cpu == "vexriscv")
    for (const std::string& k : spec.keys)
      if (k.rfind("host.", 0) == 0)
        fmt::print(stderr,
                   "warning: {}: {} has no effect on the board estimate (--cpu vexriscv, the default): the CPU model "
                   "times the host; sweep it with --cpu gap\n",
                   spec.source, k);
  if (o.jobs < 1) throw ConfigError({{"--jobs", 0, 0, "", "must be at least 1"}});
  if (o.shards < 1 || o.shard < 0 || o.shard >= o.shards)
    throw ConfigError({{"--shard", 0, 0, "", fmt::format("{}/{}: expected i/N with 0 <= i < N", o.shard, o.shards)}});
  const std::string out = o.out_dir.empty() ? "out/sweep" : o.out_dir;
  const std::string csv_path = out + "/sweep.csv";
  const std::string header = header_for(spec);

  Csv done;
  if (std::ifstream(csv_path)) {
    done = read_csv(csv_path);
    if (!o.resume && !done.rows.empty())
      throw ConfigError({{csv_path, 0, 0, "", "exists with results: pass --resume to continue it, or choose another --out"}});
    if (!done.header.empty() && done.header != header)
      throw ConfigError({{csv_path, 1, 1, "", "was written by a different sweep spec (header differs)"}});
  }
  mkdirs(out + "/points");
  const SweepLock lock(out);  // one writer per output directory
  // --resume runs the failed rows again (a killed child, a transient error),
  // and jobs whose row was lost.
  int retried = 0;
  for (auto it = done.rows.begin(); it != done.rows.end();) {
    if (done.cell(it->second, "status") != "ok") {
      it = done.rows.erase(it);
      ++retried;
    } else {
      ++it;
    }
  }
  if (retried) fmt::print("resume: running {} failed job(s) again\n", retried);
  // Shard metadata, so that a merge can tell a missing shard.
  write_file_atomic(out + "/sweep.meta", fmt::format("shard {}/{}\njobs {}\n", o.shard, o.shards,
                                                spec.size() * spec.models.size()));
  // Rewrite the CSV with only complete rows, so appends start on a line boundary.
  {
    std::string text = header + "\n";
    for (const auto& kv : done.rows) text += kv.second + "\n";
    write_file_atomic(csv_path, text);
  }

  std::string base_text = default_hw_yaml();
  if (!spec.hw_path.empty()) {
    std::ifstream f(spec.hw_path);
    base_text.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  }
  const int nm = static_cast<int>(spec.models.size());
  const size_t n_points = spec.size();
  // Jobs are numbered with int (CSV rows, shards, point folders).
  if (n_points * static_cast<size_t>(nm) > static_cast<size_t>(std::numeric_limits<int>::max()))
    throw ConfigError({{spec.source, 0, 0, "", fmt::format("{} points x {} models is more jobs than one sweep numbers "
                                                           "({}); split it",
                                                           n_points, nm, std::numeric_limits<int>::max())}});
  fmt::print("sweep: {} points x {} model(s) = {} jobs{}\n", n_points, nm, n_points * static_cast<size_t>(nm),
             o.shards > 1 ? fmt::format(", shard {}/{}", o.shard, o.shards) : std::string());
  std::fflush(stdout);
  // The jobs to run, as numbers: a point and its resolved config are built
  // when the job starts (a million-point grid costs its job list, not a
  // million configs).
  std::vector<int> todo;
  int total = 0, skipped = 0;
  for (size_t pi = 0; pi < n_points; ++pi)
    for (int m = 0; m < nm; ++m) {
      const int j = static_cast<int>(pi) * nm + m;
      if (!in_shard(j, o.shard, o.shards)) continue;
      ++total;
      if (done.rows.count(j)) {
        const SweepPoint p = spec.point(pi);
        const std::string& row = done.rows[j];
        if (done.cell(row, "point") != p.key || done.cell(row, "model") != base_name(spec.models[m]))
          throw ConfigError({{csv_path, 0, 0, "",
                              fmt::format("row for job {} is '{}' on '{}', but the spec now gives '{}' on '{}': the "
                                          "spec changed; use another --out",
                                          j, done.cell(row, "point"), done.cell(row, "model"), p.key,
                                          base_name(spec.models[m]))}});
        ++skipped;
        continue;
      }
      todo.push_back(j);
    }
  if (skipped) fmt::print("resume: {} of {} rows already in {}, running the other {}\n", skipped, total, csv_path,
                          total - skipped);
  // A job as it starts: its point and its config resolved (an invalid
  // combination is recorded as failed, never run).
  struct Launched {
    SweepPoint point;
    Job job;
  };
  auto launch = [&](int jn) {
    auto l = std::make_unique<Launched>();
    l->point = spec.point(static_cast<size_t>(jn / nm));
    l->job = Job{jn, &l->point, jn % nm, HwConfig{}, "", fmt::format("{}/points/{:05}", out, jn)};
    try {
      l->job.hw = parse_hw_config(base_text, spec.hw_path.empty() ? "<embedded default>" : spec.hw_path, l->point.sets);
    } catch (const ConfigError& e) {
      l->job.hw_error = e.what();
    }
    return l;
  };

  const int fd = open(csv_path.c_str(), O_WRONLY | O_APPEND);
  if (fd < 0) throw ConfigError({{csv_path, 0, 0, "", fmt::format("cannot append: {}", std::strerror(errno))}});
  const bool tty = isatty(STDERR_FILENO);
  const std::string exe = self_exe();
  std::map<pid_t, std::unique_ptr<Launched>> running;
  size_t next = 0;
  int finished = 0, failed = 0;
  const auto t0 = std::chrono::steady_clock::now();

  auto record = [&](const Job& j, const std::string& line, bool ok, const std::string& why = std::string()) {
    const std::string l = line + "\n";
    if (write(fd, l.data(), l.size()) != static_cast<ssize_t>(l.size()))  // one write: a whole row or nothing
      fmt::print(stderr, "warning: short write to {}\n", csv_path);
    ++finished;
    if (!ok) ++failed;
    const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const int n = static_cast<int>(todo.size());
    const double eta = finished ? el / finished * (n - finished) : 0;
    if (tty) {
      const int w = 30, fill = n ? w * finished / n : w;
      fmt::print(stderr, "\r[{}{}] {}/{} done, {} failed, ETA {}   ", std::string(fill, '#'), std::string(w - fill, '.'),
                 finished, n, failed, fmt_duration(eta));
      if (finished == n) fmt::print(stderr, "\n");
    } else {
      fmt::print("[{}/{}] job {} {} {}: {}\n", finished, n, j.job, base_name(spec.models[j.model]), j.point->key,
                 ok ? "ok" : "FAILED: " + first_line(why));
      std::fflush(stdout);
    }
  };

  while (next < todo.size() || !running.empty()) {
    while (next < todo.size() && static_cast<int>(running.size()) < o.jobs) {
      std::unique_ptr<Launched> launched = launch(todo[next]);
      const Job& j = launched->job;
      if (!j.hw_error.empty()) {  // invalid combination: recorded, never run
        record(j, row_for(spec, j, "failed", nullptr, j.hw_error), false, j.hw_error);
        ++next;
        continue;
      }
      mkdirs(j.dir);
      std::vector<std::string> args{exe, "run", "--model", spec.models[j.model], "--out", j.dir, "--cpu", o.cpu};
      if (!spec.hw_path.empty()) args.insert(args.end(), {"--hw", spec.hw_path});
      for (const auto& s : j.point->sets) args.insert(args.end(), {"--set", s.text});
      {  // to reproduce the point by hand (and for bench/bench_sweep.sh): one argument per line
        std::string cl;
        for (const auto& a : args) cl += a + "\n";
        write_file_atomic(j.dir + "/cmdline.txt", cl);
      }
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      posix_spawn_file_actions_t fa;
      posix_spawn_file_actions_init(&fa);
      const std::string log = j.dir + "/log.txt";
      posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
      pid_t pid;
      const int rc = posix_spawn(&pid, exe.c_str(), &fa, nullptr, argv.data(), environ);
      posix_spawn_file_actions_destroy(&fa);
      if (rc != 0) {
        const std::string why = fmt::format("cannot start {}: {}", exe, std::strerror(rc));
        record(j, row_for(spec, j, "failed", nullptr, why), false, why);
      } else {
        running[pid] = std::move(launched);
      }
      ++next;
    }
    if (running.empty()) continue;
    int status = 0;
    const pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      break;  // no children left to wait for; unrecorded jobs are reported as missing below
    }
    auto it = running.find(pid);
    if (it == running.end()) continue;
    const std::unique_ptr<Launched> done_job = std::move(it->second);
    running.erase(it);
    const Job& j = done_job->job;
    const bool exited_ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    nlohmann::json report;
    std::string error;
    if (exited_ok) {
      std::ifstream rf(j.dir + "/report.json");
      try {
        rf >> report;
      } catch (const std::exception& e) {
        error = std::string("unreadable report.json: ") + e.what();
      }
    } else {
      error = WIFEXITED(status) ? fmt::format("exit {}: {}", WEXITSTATUS(status), last_line_of(j.dir + "/log.txt"))
                                : fmt::format("killed by signal {}", WTERMSIG(status));
    }
    std::string row;
    if (error.empty()) {
      try {
        row = row_for(spec, j, "ok", &report, error);
      } catch (const nlohmann::json::exception& e) {
        error = std::string("report.json lacks a field the sweep reads: ") + e.what();
      }
    }
    const bool ok = error.empty();
    if (!ok) row = row_for(spec, j, "failed", nullptr, error);
    record(j, row, ok, error);
  }
  close(fd);

  // Final form: rows in job order, so shards merge to exactly this file.
  Csv final_csv = read_csv(csv_path);
  std::string text = final_csv.header + "\n";
  for (const auto& kv : final_csv.rows) text += kv.second + "\n";
  write_file_atomic(csv_path, text);
  make_plots(out, final_csv, csv_path);
  const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const int failed_total = final_csv.failed_rows();
  fmt::print("{} rows in {}/sweep.csv ({} run now in {:.1f} s, {:.2f} points/s; {} failed in all, {} of them now); "
             "plots in {}/plots\n",
             final_csv.rows.size(), out, todo.size(), el, el > 0 ? todo.size() / el : 0.0, failed_total, failed, out);
  // Rows whose layers the driver ran on its legacy tile loop compare driver
  // coverage, not hardware: said, not left to be read off a plot.
  // The rows whose count in column `col` is not zero.
  auto rows_with = [&](const char* col) {
    int n = 0;
    for (const auto& kv : final_csv.rows) {
      const std::string v = final_csv.cell(kv.second, col);
      n += !v.empty() && v != "0" ? 1 : 0;
    }
    return n;
  };
  const int legacy_rows = rows_with("legacy_layers");
  if (legacy_rows)
    fmt::print(stderr,
               "warning: in {} of {} rows the driver ran layers on its legacy tile loop, not the im2col path (column "
               "legacy_layers; docs/microarchitecture.md, \"The im2col path\"): those rows measure the driver's "
               "coverage, not the hardware\n",
               legacy_rows, final_csv.rows.size());
  // Likewise the rows whose layers ran without prepared weights.
  const int raw_rows = rows_with("raw_weight_layers");
  if (raw_rows)
    fmt::print(stderr,
               "warning: in {} of {} rows layers ran without prepared weights, the exported bridge's preparation "
               "store being full (column raw_weight_layers; `sasim run` of such a point names them): those rows "
               "measure the export's default store, not the hardware\n",
               raw_rows, final_csv.rows.size());
  int missing = 0;
  for (size_t pi = 0; pi < n_points; ++pi)
    for (int m = 0; m < nm; ++m) {
      const int j = static_cast<int>(pi) * nm + m;
      if (in_shard(j, o.shard, o.shards) && !final_csv.rows.count(j)) ++missing;
    }
  if (missing) fmt::print(stderr, "error: {} jobs have no row in {} (lost writes?): run again with --resume\n", missing, csv_path);
  return (missing || failed_total) ? kExitMismatch : kExitOk;
}

}  // namespace sasim
