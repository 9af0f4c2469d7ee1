#include "tflite/arena_plan.h"

#include <algorithm>

namespace sasim::tflite {

bool ArenaPlan::overlap(int a, int b) const {
  const size_t ua = static_cast<size_t>(a), ub = static_cast<size_t>(b);
  if (a < 0 || b < 0 || ua >= offset.size() || ub >= offset.size() || offset[ua] < 0 || offset[ub] < 0) return false;
  return offset[ua] < offset[ub] + bytes[ub] && offset[ub] < offset[ua] + bytes[ua];
}

ArenaPlan plan_arena(const Model& m) {
  const size_t n = m.tensors.size();
  ArenaPlan plan;
  plan.offset.assign(n, -1);
  plan.bytes.assign(n, 0);
  // Lifetimes (arena_plan.h).
  std::vector<int> first(n, -1), last(n, -1);
  auto created = [&](int t, int scope) {
    if (t >= 0 && static_cast<size_t>(t) < n && first[static_cast<size_t>(t)] < 0) first[static_cast<size_t>(t)] = scope;
  };
  auto used = [&](int t, int scope) {
    if (t >= 0 && static_cast<size_t>(t) < n) last[static_cast<size_t>(t)] = scope;
  };
  for (int t : m.inputs) {
    created(t, 0);
    used(t, 0);
  }
  int scope = 0;
  for (const Operator& op : m.operators) {
    ++scope;
    for (int t : op.outputs) created(t, scope);
    for (int t : op.inputs) used(t, scope);
    for (int t : op.outputs) used(t, scope);
  }
  for (int t : m.outputs) {
    created(t, scope);
    used(t, scope);
  }
  // The planned buffers in the planner's order: by tensor index reversed,
  // then a stable sort by size, largest first.
  std::vector<size_t> order;
  for (size_t i = n; i-- > 0;) {
    const Tensor& t = m.tensors[i];
    const int64_t b = t.elements() * element_bytes(t.type);
    if (t.constant() || b <= 0 || first[i] < 0) continue;
    plan.bytes[i] = (b + 15) / 16 * 16;
    order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return plan.bytes[a] > plan.bytes[b]; });
  // Each at the lowest offset clear of the placed buffers alive with it
  // (visited by offset, as the planner's list).
  std::vector<size_t> placed;  // by offset (ties: in placing order)
  for (size_t id : order) {
    int64_t at = 0;
    for (size_t p : placed) {
      if (first[p] > last[id] || first[id] > last[p]) continue;  // not alive together
      if (plan.offset[p] - at >= plan.bytes[id]) break;           // the gap before p fits
      at = std::max(at, plan.offset[p] + plan.bytes[p]);
    }
    plan.offset[id] = at;
    auto pos = std::upper_bound(placed.begin(), placed.end(), at,
                                [&](int64_t v, size_t p) { return v < plan.offset[p]; });
    placed.insert(pos, id);
    plan.total = std::max(plan.total, at + plan.bytes[id]);
  }
  return plan;
}

}  // namespace sasim::tflite
