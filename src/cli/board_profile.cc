#include "board_profile.h"

#include <fmt/format.h>

#include <regex>
#include <sstream>

#include "commands.h"
#include "export/cfu_project.h"
#include "tflite/import.h"
#include "tflite/reader.h"

namespace sasim {

std::vector<ProfileRow> parse_profile(const std::string& out) {
  std::vector<ProfileRow> rows;
  std::istringstream is(out);
  std::string line;
  int inference = 0;
  bool in = false;
  static const std::regex row(R"(^\s*(\d+)\s*,\s*([^,]*?)\s*,\s*(\d+)\s*$)");
  while (std::getline(is, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find("\"Event\",\"Tag\",\"Ticks\"") != std::string::npos) {
      in = true;
      ++inference;
      continue;
    }
    std::smatch m;
    if (in && std::regex_match(line, m, row)) {
      rows.push_back(ProfileRow{inference, m[1].str(), m[2].str(), std::stoull(m[3].str())});
    } else if (in) {
      in = false;
    }
  }
  return rows;
}

std::vector<uint64_t> firmware_totals(const std::string& out) {
  std::vector<uint64_t> v;
  static const std::regex tot(R"((\d+)(?:\s*\))?\s+cycles total)");
  for (auto it = std::sregex_iterator(out.begin(), out.end(), tot); it != std::sregex_iterator(); ++it)
    v.push_back(std::stoull((*it)[1].str()));
  return v;
}

ProfileComparison compare_with_run(const HwConfig& hw, const std::string& model_path, const tflite::Model& m,
                                   const tflite::Imported& im, const std::vector<ProfileRow>& rows,
                                   uint64_t firmware_total, const std::string& run_dir) {
  ProfileComparison c;
  const std::string name = model_path.substr(model_path.find_last_of('/') == std::string::npos ? 0 : model_path.find_last_of('/') + 1);
  if (rows.empty()) {
    c.text = fmt::format("--model {}: the firmware printed no TFLite Micro profile (\"Event\",\"Tag\",\"Ticks\"): "
                         "nothing to compare\n",
                         name);
    return c;
  }
  const int last = rows.back().inference;
  std::vector<ProfileRow> inf;
  for (const ProfileRow& r : rows)
    if (r.inference == last) inf.push_back(r);
  // The same operators in the same order, or the firmware runs another model.
  bool same = inf.size() == m.operators.size();
  for (size_t i = 0; same && i < inf.size(); ++i) same = inf[i].tag == tflite::op_name(m.operators[i].code);
  if (!same) {
    std::string tags;
    for (size_t i = 0; i < inf.size() && i < 8; ++i) tags += (i ? " " : "") + inf[i].tag;
    c.text = fmt::format("--model {}: the firmware's profile (inference {}: {} operators, {}{}) is not this model's "
                         "{} operators in order: no comparison\n",
                         name, last, inf.size(), tags, inf.size() > 8 ? " ..." : "", m.operators.size());
    return c;
  }
  std::vector<OperatorCycles> ops;
  RunOptions ro;
  ro.model_path = model_path;
  ro.quiet = true;
  ro.per_operator = &ops;
  ro.out_dir = run_dir;
  const int rc = run_network(hw, ro, m, im);
  if (rc != 0 || ops.size() != inf.size()) {
    c.text = fmt::format("--model {}: sasim run of the model did not finish bit-exact (exit {}): no comparison\n", name, rc);
    return c;
  }
  c.matched = true;
  c.csv = "operator,op,firmware_ticks,firmware_cycles,sasim_run_where,sasim_run_cycles,difference\n";
  std::string t = fmt::format("the firmware's profile (inference {}) against sasim run of {} on this configuration "
                              "(cycles; the firmware's = ticks x 1024):\n  # op                   firmware  sasim run "
                              "difference\n",
                              last, name);
  int64_t fw_sum = 0, run_sum = 0;
  std::vector<size_t> faster;
  for (size_t i = 0; i < inf.size(); ++i) {
    const int64_t fw = static_cast<int64_t>(inf[i].ticks) * 1024;
    const int64_t run = ops[i].cycles > 0 ? ops[i].cycles : 0;
    fw_sum += fw;
    run_sum += run;
    // The profiler rounds down to whole ticks: a firmware figure more than
    // a tick below run's is not TFLite Micro's own time.
    if (fw + 1024 <= run) faster.push_back(i);
    const std::string where = ops[i].where == "fused" ? "fused" : std::to_string(run);
    t += fmt::format("{:>3} {:<18} {:>10} {:>10} {:>+10}\n", ops[i].index, ops[i].op, fw, where, fw - run);
    c.csv += fmt::format("{},{},{},{},{},{},{}\n", ops[i].index, ops[i].op, inf[i].ticks, fw, ops[i].where, run, fw - run);
  }
  const int64_t d = fw_sum - run_sum;
  t += fmt::format("    {:<18} {:>10} {:>10} {:>+10} ({:+.1f}%, {:+.0f} per operator)\n", "total", fw_sum, run_sum, d,
                   100.0 * static_cast<double>(d) / static_cast<double>(std::max<int64_t>(run_sum, 1)),
                   static_cast<double>(d) / static_cast<double>(inf.size()));
  if (firmware_total)
    t += fmt::format("the firmware's last \"cycles total\": {} ({:+} against the profile's sum: the inference's time "
                     "outside the operators)\n",
                     firmware_total, static_cast<int64_t>(firmware_total) - fw_sum);
  t += "the differences: TensorFlow Lite Micro's own time around each kernel, which sasim run leaves out (the "
       "interpreter, the kernel's Eval, the profiler, the I$ and L2 lines they evict), less the profiler's rounding "
       "down to whole ticks (up to 1,023 cycles per operator); a fused operator's row is TensorFlow Lite Micro's "
       "time alone\n";
  for (size_t i : faster)
    t += fmt::format("note: operator {} {} took {} cycles in the firmware, {} fewer than sasim run: not TensorFlow "
                     "Lite Micro's time; the firmware is not running what sasim run times (another configuration, an "
                     "export without --model, the first inference's preparation?), or the layer's tensors lie "
                     "differently (docs/board.md)\n",
                     ops[i].index, ops[i].op, static_cast<int64_t>(inf[i].ticks) * 1024,
                     (ops[i].cycles > 0 ? ops[i].cycles : 0) - static_cast<int64_t>(inf[i].ticks) * 1024);
  c.text = t;
  return c;
}

}  // namespace sasim
