#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "sasim/sweep.h"
#include "config/yaml_reader.h"

namespace sasim {

namespace {
std::string dir_of(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}
}  // namespace

SweepSpec load_sweep_spec(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw ConfigError({{path, 0, 0, "", "cannot open sweep spec: " + std::string(std::strerror(errno))}});
  std::ostringstream ss;
  ss << f.rdbuf();
  ReadContext ctx;
  ctx.file = path;
  YAML::Node root = parse_yaml_text(&ctx, ss.str());
  ctx.throw_if_errors();

  SweepSpec spec;
  spec.source = path;
  const std::string base = dir_of(path);
  MapReader top(&ctx, root, "");
  std::string hw;
  if (top.get_string("hw", &hw, false)) spec.hw_path = resolve_path(base, hw);
  // The base config must itself be valid before its points can be judged.
  std::string base_text = default_hw_yaml(), base_name = "<embedded default>";
  if (!spec.hw_path.empty()) {
    std::ifstream hf(spec.hw_path);
    if (!hf) {
      top.error("hw", fmt::format("cannot open hardware config '{}'", spec.hw_path));
    } else {
      std::ostringstream hs;
      hs << hf.rdbuf();
      base_text = hs.str();
      base_name = spec.hw_path;
    }
  }

  YAML::Node models = top.raw("models");
  if (!models.IsDefined()) {
    top.error("models", "missing required key");
  } else if (!models.IsSequence() || models.size() == 0) {
    top.error("models", "expected a non-empty list of model config paths");
  } else {
    for (size_t i = 0; i < models.size(); ++i) {
      const std::string p = fmt::format("models[{}]", i);
      if (!models[i].IsScalar()) {
        ctx.error_at(models[i].Mark(), p, "expected a path");
        continue;
      }
      const std::string m = resolve_path(base, models[i].Scalar());
      // A .tflite model (its identifier) is a whole network, checked by the
      // sweep itself (sasim_tflite); a model config here.
      if (!is_tflite_file(m)) {
        try {
          load_model_config(m, {});  // a bad model fails the spec, not every point
        } catch (const ConfigError& e) {
          for (const auto& d : e.diagnostics()) ctx.diags.push_back(d);
        }
      }
      spec.models.push_back(m);
    }
  }

  // The base config alone first: its own errors are reported once, as its own.
  bool base_ok = true;
  try {
    parse_hw_config(base_text, base_name, {});
  } catch (const ConfigError& e) {
    for (const auto& d : e.diagnostics()) ctx.diags.push_back(d);
    base_ok = false;
  }
  // Every value is checked alone against the base config.
  auto check_value = [&](const std::string& key, const YAML::Node& v, const std::string& where) -> bool {
    if (!v.IsScalar()) {
      ctx.error_at(v.Mark(), where, "expected a scalar value");
      return false;
    }
    if (key.rfind("model.", 0) == 0) {
      ctx.error_at(v.Mark(), where,
                   "a sweep varies the hardware config (array.*, buffers.*, cpu.*, clock_mhz, host.*): model.* keys "
                   "are not sweepable; list each model variant under models: instead");
      return false;
    }
    if (!base_ok) return true;  // judged once the base config is fixed
    try {
      parse_hw_config(base_text, base_name, {Override{key, v.Scalar(), key + "=" + v.Scalar()}});
    } catch (const ConfigError& e) {
      for (const auto& d : e.diagnostics()) ctx.error_at(v.Mark(), where, d.message);
      return false;
    }
    return true;
  };
  auto add_key = [&](const std::string& k) {
    for (const auto& e : spec.keys)
      if (e == k) return;
    spec.keys.push_back(k);
  };

  // More points than this (spec key max_points) is refused before anything
  // is enumerated: a grid multiplies quickly.
  int64_t max_points = kDefaultMaxSweepPoints;
  top.get_int("max_points", 1, 100'000'000, &max_points, false);

  size_t grid_points = 0;
  YAML::Node grid = top.raw("grid");
  if (grid.IsDefined()) {
    if (!grid.IsMap() || grid.size() == 0) {
      top.error("grid", "expected a mapping of config keys to lists of values");
    } else {
      // Each value is validated once; the product is built only from valid
      // values, and only when it is within max_points.
      std::vector<std::pair<std::string, std::vector<std::string>>> axes;
      std::set<std::string> seen;
      double product = 1;
      bool grid_ok = true;
      for (auto it = grid.begin(); it != grid.end(); ++it) {
        const std::string k = it->first.Scalar();
        const std::string where = "grid." + k;
        if (!seen.insert(k).second) {
          ctx.error_at(it->first.Mark(), where, "duplicate key");
          grid_ok = false;
          continue;
        }
        if (!it->second.IsSequence() || it->second.size() == 0) {
          ctx.error_at(it->second.Mark(), where, "expected a non-empty list of values");
          grid_ok = false;
          continue;
        }
        add_key(k);
        std::vector<std::string> values;
        for (size_t i = 0; i < it->second.size(); ++i) {
          const YAML::Node v = it->second[i];
          if (check_value(k, v, fmt::format("{}[{}]", where, i))) values.push_back(v.Scalar());
          else grid_ok = false;
        }
        product *= static_cast<double>(it->second.size());
        axes.emplace_back(k, values);
      }
      if (product > static_cast<double>(max_points)) {
        top.error("grid", fmt::format("{:.0f} points is more than max_points ({}); raise max_points in the spec to "
                                      "run them",
                                      product, max_points));
        grid_ok = false;
      }
      if (grid_ok) {
        grid_points = static_cast<size_t>(product);
        spec.axes = std::move(axes);
      }
    }
  }
  YAML::Node list = top.raw("points");
  if (list.IsDefined()) {
    if (!list.IsSequence()) {
      top.error("points", "expected a list of mappings from config keys to values");
    } else {
      for (size_t i = 0; i < list.size(); ++i) {
        const std::string where = fmt::format("points[{}]", i);
        if (!list[i].IsMap() || list[i].size() == 0) {
          ctx.error_at(list[i].Mark(), where, "expected a mapping from config keys to values");
          continue;
        }
        std::vector<Override> c;
        std::set<std::string> seen;
        for (auto it = list[i].begin(); it != list[i].end(); ++it) {
          const std::string k = it->first.Scalar();
          if (!seen.insert(k).second) {
            ctx.error_at(it->first.Mark(), where + "." + k, "duplicate key");
            continue;
          }
          if (!check_value(k, it->second, where + "." + k)) continue;
          add_key(k);
          c.push_back(Override{k, it->second.Scalar(), k + "=" + it->second.Scalar()});
        }
        spec.listed.push_back(c);
      }
    }
  }
  if (!grid.IsDefined() && !list.IsDefined()) top.error("grid", "a sweep needs a grid, a points list, or both");
  const size_t n_points = grid_points + spec.listed.size();
  if (static_cast<int64_t>(n_points) > max_points)
    top.error("points", fmt::format("grid and points give {} points, more than max_points ({})", n_points,
                                    max_points));
  top.finish();
  ctx.throw_if_errors();
  return spec;
}

namespace {
size_t grid_size(const std::vector<std::pair<std::string, std::vector<std::string>>>& axes) {
  size_t grid = axes.empty() ? 0 : 1;
  for (const auto& a : axes) grid *= a.second.size();
  return grid;
}
}  // namespace

size_t SweepSpec::size() const { return grid_size(axes) + listed.size(); }

SweepPoint SweepSpec::point(size_t i) const {
  std::vector<Override> combo;
  const size_t grid = grid_size(axes);
  if (i < grid) {
    // The last axis varies fastest.
    combo.resize(axes.size());
    size_t rest = i;
    for (size_t k = axes.size(); k-- > 0;) {
      const auto& [key, values] = axes[k];
      const std::string& v = values[rest % values.size()];
      rest /= values.size();
      combo[k] = Override{key, v, key + "=" + v};
    }
  } else {
    combo = listed.at(i - grid);
  }
  SweepPoint p;
  p.index = static_cast<int>(i);
  // Canonical order: keys, so a point's key does not depend on how it was listed.
  for (const auto& k : keys)
    for (const auto& o : combo)
      if (o.key == k) p.sets.push_back(o);
  for (const auto& o : p.sets) p.key += (p.key.empty() ? "" : " ") + o.text;
  return p;
}

}  // namespace sasim
