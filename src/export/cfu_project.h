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

// A layer case (../shared/vectors' format, sasim::load_case) as a self-test
// layer (export-cfu --selftest-case): its data and its expected output (the
// case's own, from TFLite Micro's reference kernels). Per-tensor conv and
// depthwise multipliers are repeated per channel (ConvPerChannel reads one
// per channel; the same arithmetic) and a layer without bias gets zeros (as
// a null bias adds nothing). Throws ConfigError naming the case's case.yaml
// for what the self-test's TFLite Micro calls cannot express: a fused
// operator, an in-place layer, a fully connected layer with per-channel
// multipliers.
struct LayerCase;
SelftestCase selftest_case_from(const LayerCase& c);

// An operator of the model given to export-cfu --model as `sasim run` times
// it (the whole inference on the board estimate), for the project's README.
struct OperatorCycles {
  int index = 0;
  std::string op, where;  // where: cfu, cfu+ (its next operator fused), fused, cpu
  int64_t cycles = -1;    // -1: not timed (fused: computed by the layer before)
};

// A layer of the model given to export-cfu --model whose next operator (an
// ADD or MUL that reads only this layer's output) the bridge fuses into the
// layer's readback (READ_EW), known to the bridge by its filter: the FNV-1a
// hash of the filter's bytes, their count and the output channels.
struct FuseEntry {
  uint32_t filter_hash = 0;
  uint32_t filter_bytes = 0;
  int out_c = 0;
  int op_index = 0;    // the layer's operator index in the model
  std::string fused;   // the fused operator, "INDEX OP"
};
// A layer of an output-keep chain (src/sasim_fuse.h's keep table; the
// bridge's kKeep): keep bit 0, it leaves its output in the CFU for the next
// operator; bit 1, it is that next operator; bit 2, that operator is the
// output's only reader (after the first inference: not stored at all).
struct KeepEntry {
  uint32_t filter_hash = 0;
  uint32_t filter_bytes = 0;
  int out_c = 0;
  int keep = 0;
  int op_index = 0;
};
// The head of an elementwise chain (src/sasim_fuse.h's chain table; the
// bridge's kChain; tflite::elementwise_chain): the operation (0 ADD, 1 SUB,
// 2 MUL), the element count, the one-element constant and the output's
// offset, multiplier and shift, as TFLite Micro's call gives them.
struct ChainEntry {
  int op = 0;
  int32_t elements = 0, c = 0, output_offset = 0, output_multiplier = 0, output_shift = 0;
  int op_index = 0;   // the head's operator index in the model
  std::string tail;   // the tail, "INDEX OP"
};
// FNV-1a (32 bits) of bytes, as the bridge computes it.
uint32_t fnv1a(const int8_t* p, size_t n);

struct ProjectInputs {
  HwConfig hw;
  std::string name;     // the project folder's name
  std::string version;  // sasim's
  std::vector<SelftestCase> selftest;
  std::string model_name;  // empty: no per-operator table
  std::vector<OperatorCycles> model_ops;
  std::string fuse_model;  // the model the fusions are for (export-cfu --model), or empty
  std::vector<FuseEntry> fuse;
  std::vector<KeepEntry> keep;  // --model: the output-keep chains (src/sasim_fuse.h)
  std::vector<ChainEntry> chain;  // --model: the elementwise chains' heads (src/sasim_fuse.h)
  // --model: the bridge's preparation store the model needs (0: the
  // defaults, SASIM_PREPARED_BYTES and SASIM_PREPARED_LAYERS left commented).
  unsigned prepared_bytes = 0;
  int prepared_layers = 0;
};

// Every file of the project, in a fixed order. Throws std::logic_error when
// an embedded source is missing or the RTL's parameter list changed (a sasim
// build error, not bad input).
std::vector<ProjectFile> cfu_project(const ProjectInputs& in);

// The Cfu module of rtl/cfu.v with its parameters' defaults set to hw's.
std::string configured_cfu_v(const HwConfig& hw);

}  // namespace sasim
