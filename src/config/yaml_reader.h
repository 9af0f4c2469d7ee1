// Strict, schema-by-code reading of YAML trees (private to src/).
//
// Contract: a MapReader reads one YAML mapping. Every accessor names the key it
// accepts; finish() then reports each key of the mapping that no accessor
// named, with a "did you mean" suggestion. Problems never throw here: they are
// collected in the shared ReadContext so that all errors of an input are
// reported together, and accessors return false / a neutral value. The caller
// throws ConfigError once reading is over.
#pragma once

#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "sasim/config.h"

namespace sasim {

struct ReadContext {
  std::string file;
  std::vector<Diagnostic> diags;
  // dotted path -> override text, for nodes replaced by --set
  std::map<std::string, std::string> overridden;

  void error_at(const YAML::Mark& mark, const std::string& path, const std::string& message);
  void throw_if_errors() const;
};

// Parses text; on a syntax error records it and returns a null node.
YAML::Node parse_yaml_text(ReadContext* ctx, const std::string& text);
// Applies --set overrides onto `root` (creating intermediate mappings).
void apply_overrides(ReadContext* ctx, YAML::Node* root, const std::vector<Override>& overrides);

// A path a config names, relative to the config's folder unless absolute.
std::string resolve_path(const std::string& base_dir, const std::string& p);

// Closest candidate by edit distance, or "" when nothing is close.
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

class MapReader {
 public:
  // `node` must be a mapping; otherwise an error is recorded and every
  // accessor reports the key as missing only once (as the parent's problem).
  MapReader(ReadContext* ctx, YAML::Node node, std::string path, YAML::Mark parent_mark = YAML::Mark());

  bool ok() const { return is_map_; }
  bool has(const std::string& key);
  YAML::Node raw(const std::string& key);  // marks the key known

  bool get_int(const std::string& key, int64_t lo, int64_t hi, int64_t* out, bool required = true);
  bool get_int(const std::string& key, int lo, int hi, int* out, bool required = true);
  bool get_double(const std::string& key, double lo, double hi, double* out, bool required = true);
  bool get_bool(const std::string& key, bool* out, bool required = true);
  bool get_string(const std::string& key, std::string* out, bool required = true);
  bool get_enum(const std::string& key, std::initializer_list<const char*> options, std::string* out,
                bool required = true);
  bool get_int_list(const std::string& key, int64_t lo, int64_t hi, std::vector<int64_t>* out,
                    bool required = true, size_t exact_len = 0);
  bool get_double_list(const std::string& key, double lo, double hi, std::vector<double>* out,
                       bool required = true);
  // A nested mapping; returns a reader whose ok() is false when absent/wrong.
  MapReader child(const std::string& key, bool required = true);

  // Records an error attached to `key` (its value's position when present).
  void error(const std::string& key, const std::string& message);
  // Where `key`'s value is (file, line, column, key path; message empty), for
  // an error found later, e.g. reading the file it names.
  Diagnostic locate(const std::string& key) const;
  std::string path_of(const std::string& key) const;
  const std::string& path() const { return path_; }
  YAML::Mark mark() const { return mark_; }
  ReadContext* context() const { return ctx_; }

  // Reports unknown and duplicate keys. With allow_unknown, only duplicates.
  void finish(bool allow_unknown = false);

 private:
  bool fetch(const std::string& key, bool required, YAML::Node* out);
  bool scalar(const std::string& key, const YAML::Node& n, const char* what, std::string* out);

  ReadContext* ctx_;
  YAML::Node node_;
  std::string path_;
  YAML::Mark mark_;
  bool is_map_ = false;
  std::set<std::string> known_;
};


}  // namespace sasim
