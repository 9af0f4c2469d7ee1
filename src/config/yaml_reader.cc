#include "config/yaml_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace sasim {

std::string Diagnostic::str() const {
  if (line > 0 && path.empty()) return fmt::format("{}:{}:{}: {}", file, line, col, message);
  if (line > 0) return fmt::format("{}:{}:{}: {}: {}", file, line, col, path, message);
  if (path.empty()) return fmt::format("{}: {}", file, message);
  return fmt::format("{}: {}: {}", file, path, message);
}

namespace {
std::string join_messages(const std::vector<Diagnostic>& d) {
  std::string s;
  for (size_t i = 0; i < d.size(); ++i) s += (i ? "\n" : "") + d[i].str();
  return s;
}
const char* type_name(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null: return "nothing (null)";
    case YAML::NodeType::Scalar: return "a scalar";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a mapping";
    default: return "nothing";
  }
}
}  // namespace

ConfigError::ConfigError(std::vector<Diagnostic> diags)
    : std::runtime_error(join_messages(diags)), diags_(std::move(diags)) {}

void ReadContext::error_at(const YAML::Mark& mark, const std::string& path, const std::string& message) {
  // A value that came from --set is reported against the override, whose text
  // is what the user must fix; prefixes count (--set a=... replaced a.*).
  for (const auto& [opath, text] : overridden) {
    if (path == opath || path.rfind(opath + ".", 0) == 0 || path.rfind(opath + "[", 0) == 0) {
      diags.push_back({"--set " + text, 0, 0, path, message});
      return;
    }
  }
  const bool has_pos = !mark.is_null();
  diags.push_back({file, has_pos ? mark.line + 1 : 0, has_pos ? mark.column + 1 : 0, path, message});
}

void ReadContext::throw_if_errors() const {
  if (!diags.empty()) throw ConfigError(diags);
}

YAML::Node parse_yaml_text(ReadContext* ctx, const std::string& text) {
  try {
    YAML::Node n = YAML::Load(text);
    if (!n.IsDefined() || n.IsNull()) return YAML::Node(YAML::NodeType::Map);
    return n;
  } catch (const YAML::Exception& e) {
    ctx->diags.push_back({ctx->file, e.mark.is_null() ? 0 : e.mark.line + 1, e.mark.is_null() ? 0 : e.mark.column + 1,
                          "yaml", e.msg});
    return YAML::Node();
  }
}

Override parse_override(const std::string& text) {
  const size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    throw ConfigError({{"--set " + text, 0, 0, "", "expected KEY.PATH=VALUE, e.g. --set array.rows=16"}});
  return Override{text.substr(0, eq), text.substr(eq + 1), text};
}

void apply_overrides(ReadContext* ctx, YAML::Node* root, const std::vector<Override>& overrides) {
  // A top level that is not a mapping is reported by the reader; overriding
  // keys inside it would only hide that (or make yaml-cpp throw).
  if (root->IsDefined() && !root->IsNull() && !root->IsMap()) return;
  for (const Override& o : overrides) {
    // The key path: mapping keys split on '.', each optionally followed by
    // list indices ("layers[3].fused_activation"), as diagnostics print them.
    struct Step {
      std::string key;  // a mapping key, or empty for a list index
      size_t index = 0;
      std::string path;  // the path up to and including this step
    };
    std::vector<Step> steps;
    std::string problem;
    for (size_t start = 0; start <= o.key.size() && problem.empty();) {
      const size_t dot = std::min(o.key.find('.', start), o.key.size());
      const std::string part = o.key.substr(start, dot - start);
      const size_t bracket = std::min(part.find('['), part.size());
      if (bracket == 0) problem = "empty component in key path";
      const std::string prefix = steps.empty() ? "" : steps.back().path + ".";
      if (problem.empty()) steps.push_back({part.substr(0, bracket), 0, prefix + part.substr(0, bracket)});
      for (size_t b = bracket; b < part.size() && problem.empty();) {
        const size_t close = part.find(']', b);
        int64_t idx = -1;
        if (part[b] != '[' || close == std::string::npos || !parse_int64(part.substr(b + 1, close - b - 1), &idx) ||
            idx < 0) {
          problem = "a list index is written [N], N >= 0";
          break;
        }
        steps.push_back({"", static_cast<size_t>(idx), steps.back().path + part.substr(b, close - b + 1)});
        b = close + 1;
      }
      start = dot + 1;
    }
    if (problem.empty() && steps.empty()) problem = "empty component in key path";
    if (!problem.empty()) {
      ctx->diags.push_back({"--set " + o.text, 0, 0, o.key, problem});
      continue;
    }
    YAML::Node value;
    try {
      value = YAML::Load(o.value);
    } catch (const YAML::Exception& e) {
      ctx->diags.push_back({"--set " + o.text, 0, 0, o.key, "value is not valid YAML: " + e.msg});
      continue;
    }
    // Walk down by value: YAML::Node is a handle, so assignments below mutate
    // the shared tree. A missing mapping is created; a wrong kind of node or
    // an index past a list's end is an error, never replaced or appended.
    YAML::Node at = *root;
    bool ok = true;
    for (size_t i = 0; i < steps.size() && ok; ++i) {
      const Step& st = steps[i];
      const bool last = i + 1 == steps.size();
      if (st.key.empty()) {
        if (!at.IsSequence() || st.index >= at.size()) {
          ctx->diags.push_back({"--set " + o.text, 0, 0, st.path,
                                at.IsSequence() ? fmt::format("the list has {} entr{}", at.size(), at.size() == 1 ? "y" : "ies")
                                                : "is not a list, cannot index it"});
          ok = false;
        } else if (last) {
          at[st.index] = value;
        } else {
          at.reset(at[st.index]);  // rebinds: operator= would assign into the tree
        }
        continue;
      }
      if (!at.IsMap()) {
        ctx->diags.push_back({"--set " + o.text, 0, 0, i ? steps[i - 1].path : st.path,
                              "is not a mapping, cannot set a key inside it"});
        ok = false;
      } else if (last) {
        at[st.key] = value;
      } else {
        YAML::Node next = at[st.key];
        if (!next.IsDefined() || next.IsNull()) {
          if (!steps[i + 1].key.empty()) {
            at[st.key] = YAML::Node(YAML::NodeType::Map);
            next = at[st.key];
            // A mapping this --set created: its problems (an unknown key) are
            // the --set's.
            ctx->overridden.emplace(st.path, o.text);
          }
        }
        at.reset(next);
      }
    }
    if (!ok) continue;
    ctx->overridden[o.key] = o.text;
  }
}

namespace {
size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}
}  // namespace

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_d = std::string::npos;
  for (const auto& c : candidates) {
    const size_t d = edit_distance(word, c);
    if (d < best_d) { best_d = d; best = c; }
  }
  // Close enough: at most a third of the longer word, and at least one edit allowed.
  // A one-letter key is never "close" to another one-letter key.
  const size_t longer = std::max(word.size(), best.size());
  const size_t limit = std::max<size_t>(1, longer / 3);
  return best_d <= limit && best_d < longer ? best : "";
}

bool parse_int64(const std::string& s, int64_t* out) {
  if (s.empty()) return false;
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno != 0 || end != s.c_str() + s.size()) return false;
  *out = v;
  return true;
}

bool parse_double(const std::string& s, double* out) {
  if (s.empty()) return false;
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (errno != 0 || end != s.c_str() + s.size() || !std::isfinite(v)) return false;
  *out = v;
  return true;
}

MapReader::MapReader(ReadContext* ctx, YAML::Node node, std::string path, YAML::Mark parent_mark)
    : ctx_(ctx), node_(node), path_(std::move(path)), mark_(parent_mark) {
  if (node_.IsDefined() && node_.IsMap()) {
    is_map_ = true;
    mark_ = node_.Mark();
  } else if (node_.IsDefined()) {
    ctx_->error_at(node_.Mark().is_null() ? parent_mark : node_.Mark(), path_.empty() ? "(top level)" : path_,
                   fmt::format("expected a mapping of keys, got {}", type_name(node_)));
  }
}

std::string MapReader::path_of(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

bool MapReader::has(const std::string& key) {
  known_.insert(key);
  if (!is_map_) return false;
  const YAML::Node& c = node_;
  return c[key].IsDefined();
}

YAML::Node MapReader::raw(const std::string& key) {
  known_.insert(key);
  if (!is_map_) return YAML::Node();
  const YAML::Node& c = node_;
  // A missing key gives yaml-cpp's invalid node, whose every query but
  // IsDefined() throws: hand back an undefined node instead.
  const YAML::Node v = c[key];
  return v.IsDefined() ? v : YAML::Node(YAML::NodeType::Undefined);
}

std::string resolve_path(const std::string& base_dir, const std::string& p) {
  return (!p.empty() && p[0] == '/') ? p : base_dir + "/" + p;
}

Diagnostic MapReader::locate(const std::string& key) const {
  YAML::Mark m = mark_;
  if (is_map_) {
    const YAML::Node& c = node_;
    if (c[key].IsDefined() && !c[key].Mark().is_null()) m = c[key].Mark();
  }
  for (const auto& [opath, text] : ctx_->overridden) {
    const std::string p = path_of(key);
    if (p == opath || p.rfind(opath + ".", 0) == 0 || p.rfind(opath + "[", 0) == 0) return {"--set " + text, 0, 0, p, ""};
  }
  const bool has_pos = !m.is_null();
  return {ctx_->file, has_pos ? m.line + 1 : 0, has_pos ? m.column + 1 : 0, path_of(key), ""};
}

void MapReader::error(const std::string& key, const std::string& message) {
  YAML::Mark m = mark_;
  if (is_map_) {
    const YAML::Node& c = node_;
    if (c[key].IsDefined() && !c[key].Mark().is_null()) m = c[key].Mark();
  }
  ctx_->error_at(m, path_of(key), message);
}

bool MapReader::fetch(const std::string& key, bool required, YAML::Node* out) {
  known_.insert(key);
  if (!is_map_) return false;
  const YAML::Node& c = node_;
  YAML::Node n = c[key];
  if (!n.IsDefined()) {
    if (required) ctx_->error_at(mark_, path_of(key), "missing required key");
    return false;
  }
  *out = n;
  return true;
}

bool MapReader::scalar(const std::string& key, const YAML::Node& n, const char* what, std::string* out) {
  if (!n.IsScalar()) {
    error(key, fmt::format("expected {}, got {}", what, type_name(n)));
    return false;
  }
  *out = n.Scalar();
  return true;
}

bool MapReader::get_int(const std::string& key, int64_t lo, int64_t hi, int64_t* out, bool required) {
  YAML::Node n;
  std::string s;
  if (!fetch(key, required, &n) || !scalar(key, n, "an integer", &s)) return false;
  int64_t v;
  if (!parse_int64(s, &v)) {
    error(key, fmt::format("expected an integer, got '{}'", s));
    return false;
  }
  if (v < lo || v > hi) {
    error(key, fmt::format("{} is out of range [{}, {}]", v, lo, hi));
    return false;
  }
  *out = v;
  return true;
}

bool MapReader::get_int(const std::string& key, int lo, int hi, int* out, bool required) {
  int64_t v;
  if (!get_int(key, static_cast<int64_t>(lo), static_cast<int64_t>(hi), &v, required)) return false;
  *out = static_cast<int>(v);
  return true;
}

bool MapReader::get_double(const std::string& key, double lo, double hi, double* out, bool required) {
  YAML::Node n;
  std::string s;
  if (!fetch(key, required, &n) || !scalar(key, n, "a number", &s)) return false;
  double v;
  if (!parse_double(s, &v)) {
    error(key, fmt::format("expected a number, got '{}'", s));
    return false;
  }
  if (v < lo || v > hi) {
    error(key, fmt::format("{} is out of range [{}, {}]", s, lo, hi));
    return false;
  }
  *out = v;
  return true;
}

bool MapReader::get_bool(const std::string& key, bool* out, bool required) {
  YAML::Node n;
  std::string s;
  if (!fetch(key, required, &n) || !scalar(key, n, "true or false", &s)) return false;
  if (s == "true") *out = true;
  else if (s == "false") *out = false;
  else {
    error(key, fmt::format("expected true or false, got '{}'", s));
    return false;
  }
  return true;
}

bool MapReader::get_string(const std::string& key, std::string* out, bool required) {
  YAML::Node n;
  return fetch(key, required, &n) && scalar(key, n, "a string", out);
}

bool MapReader::get_enum(const std::string& key, std::initializer_list<const char*> options, std::string* out,
                         bool required) {
  std::string s;
  if (!get_string(key, &s, required)) return false;
  std::vector<std::string> opts(options.begin(), options.end());
  if (std::find(opts.begin(), opts.end(), s) != opts.end()) {
    *out = s;
    return true;
  }
  std::string list;
  for (size_t i = 0; i < opts.size(); ++i) list += (i ? ", " : "") + opts[i];
  const std::string near = did_you_mean(s, opts);
  error(key, fmt::format("'{}' is not one of: {}{}", s, list, near.empty() ? "" : fmt::format(" (did you mean '{}'?)", near)));
  return false;
}

bool MapReader::get_int_list(const std::string& key, int64_t lo, int64_t hi, std::vector<int64_t>* out, bool required,
                             size_t exact_len) {
  YAML::Node n;
  if (!fetch(key, required, &n)) return false;
  if (!n.IsSequence()) {
    error(key, fmt::format("expected a list of integers, got {}", type_name(n)));
    return false;
  }
  if (exact_len && n.size() != exact_len) {
    error(key, fmt::format("expected {} integers, got {}", exact_len, n.size()));
    return false;
  }
  out->clear();
  for (size_t i = 0; i < n.size(); ++i) {
    const std::string p = fmt::format("{}[{}]", path_of(key), i);
    int64_t v;
    if (!n[i].IsScalar() || !parse_int64(n[i].Scalar(), &v)) {
      ctx_->error_at(n[i].Mark(), p, "expected an integer");
      return false;
    }
    if (v < lo || v > hi) {
      ctx_->error_at(n[i].Mark(), p, fmt::format("{} is out of range [{}, {}]", v, lo, hi));
      return false;
    }
    out->push_back(v);
  }
  return true;
}

bool MapReader::get_double_list(const std::string& key, double lo, double hi, std::vector<double>* out,
                                bool required) {
  YAML::Node n;
  if (!fetch(key, required, &n)) return false;
  if (!n.IsSequence()) {
    error(key, fmt::format("expected a list of numbers, got {}", type_name(n)));
    return false;
  }
  out->clear();
  for (size_t i = 0; i < n.size(); ++i) {
    const std::string p = fmt::format("{}[{}]", path_of(key), i);
    double v;
    if (!n[i].IsScalar() || !parse_double(n[i].Scalar(), &v)) {
      ctx_->error_at(n[i].Mark(), p, "expected a number");
      return false;
    }
    if (v < lo || v > hi) {
      ctx_->error_at(n[i].Mark(), p, fmt::format("{} is out of range [{}, {}]", n[i].Scalar(), lo, hi));
      return false;
    }
    out->push_back(v);
  }
  return true;
}

MapReader MapReader::child(const std::string& key, bool required) {
  YAML::Node n;
  if (!fetch(key, required, &n)) {
    // Absent (already reported when required) or parent not a mapping: a
    // reader that reports nothing more, so one mistake gives one message.
    MapReader absent(ctx_, YAML::Node(YAML::NodeType::Undefined), path_of(key), mark_);
    return absent;
  }
  return MapReader(ctx_, n, path_of(key), mark_);
}

void MapReader::finish(bool allow_unknown) {
  if (!is_map_) return;
  std::set<std::string> seen;
  std::vector<std::string> candidates(known_.begin(), known_.end());
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    const std::string k = it->first.IsScalar() ? it->first.Scalar() : std::string("?");
    if (!seen.insert(k).second) {
      ctx_->error_at(it->first.Mark(), path_of(k), "duplicate key");
      continue;
    }
    if (allow_unknown || known_.count(k)) continue;
    const std::string near = did_you_mean(k, candidates);
    ctx_->error_at(it->first.Mark(), path_of(k),
                   near.empty() ? "unknown key" : fmt::format("unknown key (did you mean '{}'?)", near));
  }
}

}  // namespace sasim
