// Where TFLite Micro puts a model's activations: the arena plan of
// tflite-micro 8746ec9 (the version CFU Playground vendors), so that sasim
// knows which tensors the firmware overlaps (docs/board-runtime.md, "The
// arena plan"). The rules, learned from its AllocationInfoBuilder and
// GreedyMemoryPlanner:
//  * planned: every tensor without data in the model (not a constant), of
//    more than 0 bytes, its size rounded up to 16;
//  * lifetimes in "scopes": the graph's inputs live in scope 0, operator i
//    runs in scope i + 1 (its outputs are created there, its inputs and
//    outputs used there), the graph's outputs live to the last scope;
//  * buffers taken largest first (ties: the higher tensor index first), each
//    at the lowest offset where it overlaps no placed buffer alive at an
//    overlapping time.
// Not modelled: kernels' scratch buffers (RequestScratchBufferInArena),
// offline-planned offsets (model metadata), variable tensors, subgraphs.
#ifndef SASIM_TFLITE_ARENA_PLAN_H_
#define SASIM_TFLITE_ARENA_PLAN_H_

#include <cstdint>
#include <vector>

#include "tflite/reader.h"

namespace sasim::tflite {

struct ArenaPlan {
  std::vector<int64_t> offset;  // per tensor: its offset in the planned area, -1 when not planned
  std::vector<int64_t> bytes;   // per tensor: the planned bytes (rounded up to 16), 0 when not planned
  int64_t total = 0;            // the planned area's size
  // Whether tensors a and b share bytes of the arena (false when either is
  // not planned).
  bool overlap(int a, int b) const;
};

ArenaPlan plan_arena(const Model& m);

}  // namespace sasim::tflite

#endif  // SASIM_TFLITE_ARENA_PLAN_H_
