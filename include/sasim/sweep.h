// Design-space sweep specifications.
//
// A spec names a base hardware config, one or more models, and the design
// points: the cartesian product of `grid` followed by the explicit `points`
// list. Each point is a set of --set overrides on the base hardware config.
// Contract: load_sweep_spec() validates every key and every value against the
// hardware schema (each alone on the base config) and reports all problems
// with the spec's file:line:col, as ConfigError. Combinations that are
// individually valid but jointly impossible (say, a buffer too small for a
// 64-wide array) are not spec errors: that point fails and is recorded so.
#pragma once

#include <string>
#include <vector>

#include "sasim/config.h"

namespace sasim {

struct SweepPoint {
  int index = 0;                 // position in the deterministic enumeration
  std::vector<Override> sets;    // in the order of SweepSpec::keys
  std::string key;               // "array.rows=4 array.cols=8 ...": identifies the point
};

// The points are not materialized: a grid of a million points costs its
// axes, and point(i) builds the i-th when it is needed.
struct SweepSpec {
  std::string source;
  std::string hw_path;               // resolved; empty: the embedded default
  std::vector<std::string> models;   // resolved paths
  std::vector<std::string> keys;     // every swept key, in first-seen order
  // The grid's axes in spec order (the last one varies fastest), then the
  // points list: the union of the two, grid first.
  std::vector<std::pair<std::string, std::vector<std::string>>> axes;
  std::vector<std::vector<Override>> listed;
  size_t size() const;               // number of points
  SweepPoint point(size_t i) const;  // i < size()
};

// Points a spec may have unless it sets max_points.
constexpr int64_t kDefaultMaxSweepPoints = 100000;

SweepSpec load_sweep_spec(const std::string& path);

// Deterministic split for --shard i/N: job j (point p, model m, j = p * models
// + m) belongs to shard j % N.
inline bool in_shard(int job, int shard, int shards) { return shards <= 1 || job % shards == shard; }

}  // namespace sasim
