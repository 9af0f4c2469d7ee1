// `sasim export-cfu`: a CFU Playground project (proj/<name>/) for one
// hardware configuration (docs/export-cfu.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sasim/config.h"
#include "sasim/layer.h"

namespace sasim {

struct ProjectFile {
  std::string path;  // relative to the project folder
  std::string text;
};

// A built-in layer of the project's self-test: the layer, its data, the
// golden output and sasim's board estimate of its cycles (0: not estimated).
struct SelftestCase {
  std::string name;
  LayerSpec spec;
  LayerData data;
  std::vector<int8_t> expected;
  uint64_t sasim_cycles = 0;
};

// The self-test's layers (a conv, a depthwise and a fully connected layer
// with deterministic data), validated, with their golden outputs.
std::vector<SelftestCase> selftest_cases();

// A model layer's expected cycles, for the project's README.
struct LayerCycles {
  std::string name, op;
  int64_t macs = 0;
  uint64_t cycles = 0;
};

struct ProjectInputs {
  HwConfig hw;
  std::string name;     // the project folder's name
  std::string version;  // sasim's
  std::vector<SelftestCase> selftest;
  std::string model_name;  // empty: no per-layer table
  std::vector<LayerCycles> model_layers;
};

// Every file of the project, in a fixed order. Throws std::logic_error when
// an embedded source is missing or the RTL's parameter list changed (a sasim
// build error, not bad input).
std::vector<ProjectFile> cfu_project(const ProjectInputs& in);

// The Cfu module of rtl/cfu.v with its parameters' defaults set to hw's.
std::string configured_cfu_v(const HwConfig& hw);

}  // namespace sasim
