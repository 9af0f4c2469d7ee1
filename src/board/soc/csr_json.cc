#include "board/soc/csr_json.h"

#include <fmt/format.h>

#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <tuple>

#include "sasim/config.h"

namespace sasim::soc {

const CsrRegister* CsrJson::reg(const std::string& name) const {
  auto it = registers.find(name);
  return it == registers.end() ? nullptr : &it->second;
}

std::optional<int64_t> CsrJson::constant(const std::string& name) const {
  auto it = int_constants.find(name);
  if (it == int_constants.end()) return std::nullopt;
  return it->second;
}

std::string CsrJson::name_at(uint32_t addr) const {
  for (const auto& [name, r] : registers) {
    if (addr < r.addr) continue;
    const uint32_t word = (addr - r.addr) / 4;
    if (word < static_cast<uint32_t>(r.size)) return r.size == 1 ? name : fmt::format("{}[{}]", name, word);
  }
  return {};
}

namespace {

// The 1-based line and column of byte `pos` of `text`.
void line_col(const std::string& text, size_t pos, int* line, int* col) {
  *line = 1;
  *col = 1;
  for (size_t i = 0; i < pos && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++*line;
      *col = 1;
    } else {
      ++*col;
    }
  }
}

// The line and column of a dotted key path ("csr_registers.uart_rxtx.addr"):
// each component searched after the previous one's place (0, 0: not found).
std::pair<int, int> place_of_key(const std::string& text, const std::string& path) {
  size_t p = 0, from = 0;
  while (from <= path.size()) {
    const size_t dot = path.find('.', from);
    const std::string comp = path.substr(from, dot == std::string::npos ? std::string::npos : dot - from);
    p = text.find("\"" + comp + "\"", p);
    if (p == std::string::npos) return {0, 0};
    if (dot == std::string::npos) break;
    from = dot + 1;
  }
  int line, col;
  line_col(text, p, &line, &col);
  return {line, col};
}

uint32_t address(const nlohmann::json& v, bool* ok) {
  *ok = v.is_number_unsigned() || (v.is_number_integer() && v.get<int64_t>() >= 0);
  if (!*ok) return 0;
  const uint64_t a = v.get<uint64_t>();
  *ok = a <= 0xffffffffull;
  return static_cast<uint32_t>(a);
}

}  // namespace

CsrJson load_csr_json(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw ConfigError({{path, 0, 0, "", "cannot open the file (the csr.json of a LiteX build, --csr-json)"}});
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string text = ss.str();
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    int line, col;
    line_col(text, e.byte > 0 ? e.byte - 1 : 0, &line, &col);
    throw ConfigError({{path, line, col, "", "not valid JSON (LiteX writes csr.json as JSON)"}});
  }
  std::vector<Diagnostic> errs;
  auto err = [&](const std::string& key, const std::string& msg) {
    const auto [line, col] = place_of_key(text, key);
    errs.push_back({path, line, col, key, msg});
  };
  CsrJson out;
  out.path = path;
  if (!j.is_object() || !j.contains("csr_registers") || !j["csr_registers"].is_object()) {
    throw ConfigError({{path, 1, 1, "csr_registers",
                        "no csr_registers object: not a LiteX csr.json (soc/build/<target>.<project>/csr.json)"}});
  }
  if (j.contains("constants") && j["constants"].is_object()) {
    for (const auto& [k, v] : j["constants"].items()) {
      if (v.is_number_integer()) out.int_constants[k] = v.get<int64_t>();
      else if (v.is_string()) out.str_constants[k] = v.get<std::string>();
      else if (v.is_null()) out.str_constants[k] = "";
    }
    if (auto w = out.constant("config_csr_data_width")) out.csr_data_width = static_cast<int>(*w);
    // The CPU. LiteX writes config_cpu_human_name from the variant's core
    // name; CFU Playground's two cores with a CFU that sasim models are
    // VexRiscv_PerfCfu (perf+cfu) and VexRiscv_FullCfu (full+cfu).
    auto lower = [](std::string x) {
      for (char& c : x) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return x;
    };
    std::string type;
    for (const auto& [k, v] : out.str_constants)
      if (k.rfind("config_cpu_type_", 0) == 0) type = k.substr(16);
    const auto hn = out.str_constants.find("config_cpu_human_name");
    if (hn != out.str_constants.end() && !hn->second.empty()) {
      out.cpu_key = "constants.config_cpu_human_name";
      out.cpu_name = hn->second;
      const std::string h = lower(hn->second);
      if (h == "vexriscv_perfcfu") out.cpu_variant = "perf+cfu";
      else if (h == "vexriscv_fullcfu") out.cpu_variant = "full+cfu";
    } else if (!type.empty()) {
      std::string variant;
      for (const auto& [k, v] : out.str_constants)
        if (k.rfind("config_cpu_variant_", 0) == 0) variant = k.substr(19);
      out.cpu_key = variant.empty() ? "constants.config_cpu_type_" + type : "constants.config_cpu_variant_" + variant;
      out.cpu_name = variant.empty() ? type : type + " " + variant;
      if (type == "vexriscv" && variant == "perf") out.cpu_variant = "perf+cfu";
      else if (type == "vexriscv" && variant == "full") out.cpu_variant = "full+cfu";
    }
    if (!out.cpu_key.empty()) std::tie(out.cpu_line, out.cpu_col) = place_of_key(text, out.cpu_key);
  }
  if (out.csr_data_width != 32 && out.csr_data_width != 8)
    err("constants.config_csr_data_width", fmt::format("{}: the board model supports CSR data widths 8 and 32", out.csr_data_width));
  if (j.contains("csr_bases") && j["csr_bases"].is_object()) {
    for (const auto& [k, v] : j["csr_bases"].items()) {
      bool ok;
      const uint32_t a = address(v, &ok);
      if (!ok) err("csr_bases." + k, "not an address (a number 0..0xffffffff)");
      else out.bases[k] = a;
    }
  }
  for (const auto& [k, v] : j["csr_registers"].items()) {
    if (!v.is_object() || !v.contains("addr") || !v.contains("size")) {
      err("csr_registers." + k, "needs addr and size");
      continue;
    }
    bool ok;
    CsrRegister r;
    r.addr = address(v["addr"], &ok);
    if (!ok || (r.addr & 3) != 0 || !(r.addr & 0x80000000u)) {
      err("csr_registers." + k + ".addr", "not a word address in the uncached I/O region (0x80000000 and up)");
      continue;
    }
    if (!v["size"].is_number_integer() || v["size"].get<int64_t>() < 1 || v["size"].get<int64_t>() > 64) {
      err("csr_registers." + k + ".size", "not a size in CSR words (1..64)");
      continue;
    }
    r.size = static_cast<int>(v["size"].get<int64_t>());
    const std::string type = v.contains("type") && v["type"].is_string() ? v["type"].get<std::string>() : "rw";
    if (type != "rw" && type != "ro" && type != "wo") {
      err("csr_registers." + k + ".type", fmt::format("'{}': LiteX's types are rw, ro and wo", type));
      continue;
    }
    r.writable = type != "ro";
    out.registers[k] = r;
  }
  if (j.contains("memories") && j["memories"].is_object()) {
    for (const auto& [k, v] : j["memories"].items()) {
      bool ok1 = false, ok2 = false;
      if (v.is_object() && v.contains("base") && v.contains("size")) {
        const uint32_t b = address(v["base"], &ok1);
        const uint32_t s = address(v["size"], &ok2);
        if (ok1 && ok2) {
          out.memory_base[k] = b;
          out.memory_size[k] = s;
        }
      }
      if (!(ok1 && ok2)) err("memories." + k, "needs base and size (numbers)");
    }
  }
  if (!errs.empty()) throw ConfigError(errs);
  return out;
}

}  // namespace sasim::soc
