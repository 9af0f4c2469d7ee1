// The CPU operators of a .tflite model as requests to the layer runner's
// kernels (src/board/cpu_ops.h, mailbox kinds 16 and up): Prepare's
// parameters derived on the host, the operands gathered.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "board/mailbox.h"
#include "sasim/layer.h"
#include "tflite/reader.h"

namespace sasim::tflite {

// Fills *mb (kind, geometry, parameters; not the addresses) and the operands
// *a (placed at `input`) and *b (at `input2`, may stay empty) for `op`, whose
// activation inputs are in `t`. Returns false when the runner has no kernel
// for the operator (or this form of it): the operator is then not timed.
bool board_op_request(const Model& m, const Operator& op, const std::map<int, std::vector<int8_t>>& t,
                      sasim_board::Mailbox* mb, std::vector<int8_t>* a, std::vector<int8_t>* b);

// Whether `next` (the operator right after the layer whose output is tensor
// `y`) can be fused into that layer's readback (LayerSpec::fused, READ_EW):
// an int8 ADD or MUL with y as one input (not SUB: the export's bridge runs
// TFLite Micro's SUB), the other
// input x of the output's shape (no broadcast) and not y, y read by no other
// operator and not a model output. On true: *f holds the operator's
// parameters with a = y, *x_index the other input. The hardware's own rules
// (sasim_drv::fused_eltwise_supported) are the caller's to check.
bool fusable_eltwise(const Model& m, const Operator& next, int y, LayerSpec::Fused* f, int* x_index);

// An elementwise chain (docs/export-cfu.md, "Elementwise chains"):
// operators pos and pos + 1 are each an int8 ADD, SUB or MUL of a tensor
// (input 0) and a one-element constant (input 1); pos + 1's tensor is pos's
// output, which nothing else reads and which is no model output; the shape
// stays. Each operator is then a function of one byte, and the two are one
// 256-entry table: the exported bridge builds it on the CFU's elementwise
// unit and applies it in one pass over pos's input, pos computing nothing
// (MobileNetV2's input normalisation, MUL then SUB).
bool elementwise_chain(const Model& m, size_t pos);

// Whether `reader` is the only operator that reads tensor y and y is no
// model output (the graph rule of fusions, chains, keeps and pairs).
bool only_reader(const Model& m, int y, const Operator& reader);

// The chain's head (operator pos of an elementwise_chain) in the mailbox's
// chain fields (kind, geometry and the tail's own fields are
// board_op_request's for the tail): its operation, constant, parameters.
void chain_head_request(const Model& m, const Operator& head, sasim_board::Mailbox* mb);

}  // namespace sasim::tflite
