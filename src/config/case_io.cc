#include "sasim/case_io.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "config/layer_yaml.h"
#include "config/yaml_reader.h"

namespace sasim {

namespace {

std::string base_name(std::string dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  const size_t slash = dir.find_last_of('/');
  return slash == std::string::npos ? dir : dir.substr(slash + 1);
}

bool slurp(const std::string& path, std::string* out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  std::ostringstream ss;
  ss << f.rdbuf();
  *out = ss.str();
  return true;
}

template <typename T>
void read_tensor(const std::string& path, int64_t count, const std::string& shape_key, std::vector<T>* out,
                 std::vector<Diagnostic>* diags) {
  std::string bytes;
  if (!slurp(path, &bytes)) {
    diags->push_back({path, 0, 0, "", fmt::format("cannot read: {}", std::strerror(errno))});
    return;
  }
  const size_t want = static_cast<size_t>(count) * sizeof(T);
  if (bytes.size() != want) {
    diags->push_back({path, 0, 0, "",
                      fmt::format("holds {} bytes but case.yaml {} needs {} ({} elements of {} bytes)", bytes.size(),
                                  shape_key, want, count, sizeof(T))});
    return;
  }
  out->resize(static_cast<size_t>(count));
  std::memcpy(out->data(), bytes.data(), want);
}

}  // namespace

LayerCase load_case(const std::string& dir_in) {
  std::string dir = dir_in;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  LayerCase c;
  c.dir = dir;
  c.name = base_name(dir);

  ReadContext ctx;
  ctx.file = dir + "/case.yaml";
  std::string text;
  if (!slurp(ctx.file, &text))
    throw ConfigError({{ctx.file, 0, 0, "", fmt::format("cannot read case: {}", std::strerror(errno))}});
  YAML::Node root = parse_yaml_text(&ctx, text);
  ctx.throw_if_errors();

  MapReader r(&ctx, root, "");
  c.spec.name = c.name;
  std::string rounding;
  if (r.get_string("rounding", &rounding, false) && rounding != "tflm-default-double-rounding")
    r.error("rounding", fmt::format("'{}' is not supported; sasim implements tflm-default-double-rounding", rounding));
  const bool ok = read_layer_fields(r, LayerSource::kVectorCase, &c.spec);
  r.get_bool("has_bias", &c.spec.has_bias);
  if (ok) {
    // Cross-checks of the producer's own derived fields against ours: a
    // disagreement means the case and sasim read the geometry differently.
    std::vector<int64_t> pad;
    if (c.spec.op != OpKind::kFullyConnected && r.get_int_list("pad", 0, 1 << 16, &pad, false, 4)) {
      const std::vector<int64_t> ours{c.spec.pad_top, c.spec.pad_bottom, c.spec.pad_left, c.spec.pad_right};
      if (pad != ours)
        r.error("pad", fmt::format("[{}] disagrees with TFLite's padding rule, which gives [{}]", fmt::join(pad, ", "),
                                   fmt::join(ours, ", ")));
    }
    int64_t macs;
    if (r.get_int("macs", 0, INT64_MAX, &macs, false) && macs != c.spec.macs())
      r.error("macs", fmt::format("{} disagrees with the shapes, which give {}", macs, c.spec.macs()));
  }
  r.finish(/*allow_unknown=*/true);
  ctx.throw_if_errors();

  std::vector<Diagnostic> diags;
  read_tensor(dir + "/input.bin", c.spec.input_elems(), "input_shape", &c.data.input, &diags);
  read_tensor(dir + "/filter.bin", c.spec.filter_elems(), "filter_shape", &c.data.filter, &diags);
  if (c.spec.has_bias) read_tensor(dir + "/bias.bin", c.spec.out_c(), "output channels", &c.data.bias, &diags);
  read_tensor(dir + "/output.bin", c.spec.output_elems(), "output_shape", &c.data.output, &diags);
  if (!diags.empty()) throw ConfigError(diags);
  return c;
}

}  // namespace sasim
