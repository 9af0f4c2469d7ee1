// The bridge (sasim_tflm.h): TFLite Micro's kernel arguments -> the driver's
// LayerDesc. The conventions it relies on (TFLite Micro's kernels, tflite-micro
// 8746ec9 as CFU Playground vendors it):
//  * input_offset = -input zero point, output_offset = output zero point,
//    weights_offset = -filter zero point (0 for int8 conv and depthwise);
//  * padding_values.height/width are the top/left padding;
//  * shifts are exponents: positive = left shift (the driver's convention);
//  * conv filter OHWI, depthwise [1, KH, KW, C * depth_multiplier], FC
//    [units, depth]; NHWC activations.
#include "sasim_tflm.h"

#include "sasim/driver/cfu_isa.h"
#include "sasim/driver/driver.h"
#include "sasim_fuse.h"
#include "sasim_hw.h"

// The preparation arena and table (see Prepared below); a project may set
// them in its Makefile's DEFINES.
#ifndef SASIM_PREPARED_BYTES
#define SASIM_PREPARED_BYTES (256 * 1024)
#endif
#ifndef SASIM_PREPARED_LAYERS
#define SASIM_PREPARED_LAYERS 64
#endif

// Placement on the board: the bridge's per-layer code in one section
// (.text.sasim_warm, as the driver's; see src/sasim/driver/placement.h), so
// that it lies together in the 8 KiB direct-mapped I$. CFU Playground's
// linker script keeps it where this object's code goes, in this object's
// section order, as sasim's runner does (docs/board-runtime.md).
#if defined(__riscv)
#define SASIM_BRIDGE __attribute__((section(".text.sasim_warm")))
#else
#define SASIM_BRIDGE
#endif
// The elementwise entries (once per ADD, SUB or MUL operator, each of which
// streams whole tensors) are not SASIM_BRIDGE: in the warm section they would
// only push the layers' loops around the I$.

namespace sasim_tflm {

namespace {

#if defined(SASIM_HW_RUNTIME)
// sasim's own layer runner (src/board/): one image for every configuration,
// so the hardware is the variable SetRuntimeHardware() sets (a reference to
// it is constant-initialised: no start-up code needed). A project never
// defines SASIM_HW_RUNTIME.
sasim_drv::HwDesc g_runtime_hw;
const sasim_drv::HwDesc& kHw = g_runtime_hw;
#else
const sasim_drv::HwDesc kHw = {
    SASIM_HW_ROWS,     SASIM_HW_COLS,     SASIM_HW_DATAFLOW,     SASIM_HW_A_LINES,
    SASIM_HW_B_LINES,  SASIM_HW_C_LINES,  SASIM_HW_A_DOUBLE != 0, SASIM_HW_B_DOUBLE != 0,
    SASIM_HW_C_DOUBLE != 0, SASIM_HW_IM2COL != 0, SASIM_HW_STORE_CYCLES, SASIM_HW_ELTWISE != 0,
    SASIM_HW_ELTWISE != 0 && SASIM_HW_READ_PREFETCH != 0, SASIM_HW_W_LINES,
    SASIM_HW_KEEP != 0,
};
#endif

bool g_enabled = true;
Counters g_counters = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

// The layers whose next operator is fused into their readback (READ_EW),
// known by their filter (sasim_fuse.h, written by export-cfu --model: the
// model's graph says the operator, an ADD or MUL, is the only reader of the
// layer's output and runs right after it).
struct FuseKey {
  uint32_t filter_hash, filter_bytes;
  int out_c;
};
const FuseKey kFuse[] = SASIM_FUSE_TABLE;
// The layers of an output-keep chain (sasim_fuse.h's keep table, written by
// export-cfu --model from the model's graph: `keep` bit 0, the layer leaves
// its output in the CFU's A bank for the next operator, a CFU layer that
// reads it; bit 1, the layer is that next operator; bit 2, that operator is
// the output's only reader: once the bridge has seen the reader take it
// (the first inference), the output goes only into the A bank).
struct KeepKey {
  uint32_t filter_hash, filter_bytes;
  int out_c, keep;
};
const KeepKey kKeep[] = SASIM_KEEP_TABLE;
// The heads of elementwise chains (sasim_fuse.h's chain table, written by
// export-cfu --model from the model's graph: an ADD, SUB or MUL of a tensor
// and a one-element constant whose output only the next operator reads,
// itself such an operator). Known by the operation, the element count, the
// constant and the output's parameters; export-cfu writes no two alike.
struct ChainKey {
  int op;
  int32_t elements, c, output_offset, output_multiplier, output_shift;
};
const ChainKey kChain[] = SASIM_CHAIN_TABLE;
ChainKey g_chain_adopted = {-1, 0, 0, 0, 0, 0};  // the runner's (AdoptChain)
// The tensor the CFU's shadow A bank holds, as a keep layer's readback left
// it right before (0: none). Every bridge call that uses the CFU clears it
// first: a layer takes it only straight after its producer.
const int8_t* g_kept = 0;
struct Prepared;
// The layer that left it, and whether it left it only there (its output
// tensor not written: keep table bit 2, once its chain was seen).
Prepared* g_kept_p = 0;
bool g_kept_only = false;
// The current layer took a kept-only input: its tensor in memory was never
// written, so running the layer anywhere but on the CFU loses it.
bool g_in_only = false;
// A kept-only output that its reader did not take: counted (never silent).
__attribute__((noinline, cold)) void keep_dropped() {
  if (g_kept_only) {
    ++g_counters.keep_lost;
    g_counters.last_status = sasim_drv::kErrCfuRejected;
  }
  g_kept = 0;
  g_kept_p = 0;
  g_kept_only = false;
}

uint32_t fnv1a(const int8_t* p, unsigned n) {
  uint32_t h = 2166136261u;
  for (unsigned i = 0; i < n; ++i) {
    h ^= static_cast<uint8_t>(p[i]);
    h *= 16777619u;
  }
  return h;
}

// Prepared layers: what sasim prepares before inference (the folded biases
// and the weights in the CFU's line order, docs/board-runtime.md), made here
// at a layer's first call and kept, keyed by the tensors' addresses and the
// fields the preparation reads. TFLite Micro's weights are constants of the
// model, so a layer's later calls reuse them; ResetPrepared() forgets them
// (for a caller that reuses buffers for other weights). When the table or
// the arena is full, the driver works from the raw tensors (slower, same
// output).
struct Prepared {
  // Every geometry field the driver's packing may read, so that two layers
  // sharing one filter tensor but not their shape never share a preparation.
  int kind, batches, in_h, in_w, in_c, out_h, out_w, out_c, k_h, k_w;
  int stride_h, stride_w, dil_h, dil_w, pad_top, pad_left, depth_multiplier, input_zp;
  const int8_t* filter;
  const int32_t* bias;
  const int32_t* folded;
  const int8_t* packed;
  int w_store;  // 1 + the weight-store line of `packed` (place_in_store); 0: not there
  // The output keep: kKeep's bits for the layer (or Adopt's), and whether
  // the driver keeps its output with these tensors (-1: not asked yet).
  int keep;
  signed char keep_ok;
  bool keep_seen;  // its reader took its kept output once: from then on kept only (keep bit 2)
  // A paired producer (keep bit 3): whether the driver runs it with its
  // reader (sasim_drv::pair_supported, decided when the reader's call came
  // right after its plain run; -1 not yet), and whether that was seen: from
  // then on its call is deferred to its reader's, which runs both.
  signed char pair_ok;
  bool pair_seen;
  // The per-channel multipliers and shifts found to be the CFU's (quant_ok)
  // at an earlier call: TFLite Micro computes them once, in Prepare.
  const int32_t* q_mult;
  const int32_t* q_shift;
  // A layer of sasim_fuse.h: its operator's operand, output and parameters,
  // learned from the call that followed the layer's first run (learned).
  bool fuse, learned;
  signed char fusable;  // once learned: decide_fusion's verdict (-1 not decided)
  const int8_t* in;  // the layer's input and output when it was learned: it
  const int8_t* y;   // fuses only a call with these (another interpreter's, say, runs plainly)
  const int8_t* x;
  int8_t* z;
  sasim_drv::EltwiseDesc e;
};
Prepared g_prepared[SASIM_PREPARED_LAYERS];
// Where the next call's layer is looked for first: an interpreter calls the
// layers in the same order every inference, so one comparison finds it.
int g_next = 0;

// The layer run last, when it is a layer of sasim_fuse.h: run fused (its
// operator's output written, its own never; the operator's call is then
// expected next and returns at once), or run plainly (its operator's call
// next teaches the bridge x, z and the parameters).
struct Last {
  bool fused, learning;
  bool in_place;  // fused with the operator's output over the layer's input
  Prepared* p;
  sasim_drv::LayerDesc l;  // the layer as called (l.output: its own output)
};
Last g_last = {false, false, false, 0, sasim_drv::LayerDesc()};
Last g_call = {false, false, false, 0, sasim_drv::LayerDesc()};  // g_last as the current ADD/MUL call found it
int g_prepared_count = 0;
int32_t g_arena[SASIM_PREPARED_BYTES / 4] __attribute__((aligned(16)));
unsigned g_arena_used = 0;  // in int32 words
int g_w_next = 0;           // the weight store's first free line

bool same(const Prepared& p, const sasim_drv::LayerDesc& l) {
  return p.filter == l.filter && p.bias == l.bias && p.kind == l.kind && p.batches == l.batches &&
         p.in_h == l.in_h && p.in_w == l.in_w && p.in_c == l.in_c && p.out_h == l.out_h && p.out_w == l.out_w &&
         p.out_c == l.out_c && p.k_h == l.k_h && p.k_w == l.k_w && p.stride_h == l.stride_h &&
         p.stride_w == l.stride_w && p.dil_h == l.dil_h && p.dil_w == l.dil_w && p.pad_top == l.pad_top &&
         p.pad_left == l.pad_left && p.depth_multiplier == l.depth_multiplier && p.input_zp == l.input_zp;
}

// 16-byte aligned pieces, as the runner's arena places tensors.
int32_t* arena_take(unsigned bytes) {
  const unsigned words = (bytes + 15) / 16 * 4;
  if (words > sizeof g_arena / sizeof g_arena[0] - g_arena_used) return 0;
  int32_t* p = g_arena + g_arena_used;
  g_arena_used += words;
  return p;
}

// The filter's bytes (conv OHWI, depthwise [1, KH, KW, C x dm], FC [units, depth]).
unsigned filter_bytes(const sasim_drv::LayerDesc& l) {
  if (l.kind == sasim_drv::kDepthwiseConv2d) return static_cast<unsigned>(l.k_h * l.k_w * l.out_c);
  return static_cast<unsigned>(l.out_c * l.k_h * l.k_w * l.in_c);
}

// The prepared entry of l (its preparation in l), or null.
SASIM_BRIDGE Prepared* find(sasim_drv::LayerDesc* l) {
  for (int k = 0; k < g_prepared_count; ++k) {
    const int i = g_next + k < g_prepared_count ? g_next + k : g_next + k - g_prepared_count;
    if (same(g_prepared[i], *l)) {
      g_next = i + 1 < g_prepared_count ? i + 1 : 0;
      l->folded_bias = g_prepared[i].folded;
      l->packed_weights = g_prepared[i].packed;
      l->w_store = g_prepared[i].w_store;
      return &g_prepared[i];
    }
  }
  return 0;
}

// A new entry for l: its key fields, nothing prepared or learned yet.
Prepared* add_entry(const sasim_drv::LayerDesc& l) {
  if (g_prepared_count == SASIM_PREPARED_LAYERS) return 0;
  Prepared& p = g_prepared[g_prepared_count++];
  p.kind = l.kind;
  p.batches = l.batches;
  p.in_h = l.in_h;
  p.in_w = l.in_w;
  p.in_c = l.in_c;
  p.out_h = l.out_h;
  p.out_w = l.out_w;
  p.out_c = l.out_c;
  p.k_h = l.k_h;
  p.k_w = l.k_w;
  p.stride_h = l.stride_h;
  p.stride_w = l.stride_w;
  p.dil_h = l.dil_h;
  p.dil_w = l.dil_w;
  p.pad_top = l.pad_top;
  p.pad_left = l.pad_left;
  p.depth_multiplier = l.depth_multiplier;
  p.input_zp = l.input_zp;
  p.filter = l.filter;
  p.bias = l.bias;
  p.folded = 0;
  p.packed = 0;
  p.w_store = 0;
  p.keep = 0;
  p.keep_ok = -1;
  p.keep_seen = false;
  p.pair_ok = -1;
  p.pair_seen = false;
  p.q_mult = p.q_shift = 0;
  p.fuse = false;
  p.learned = false;
  p.fusable = -1;
  p.in = p.y = p.x = 0;
  p.z = 0;
  g_next = 0;
  return &p;
}

// The weight store (docs/command-set.md; sasim_drv::store_weights): a
// prepared layer that runs on the CFU gets its blob written there at its
// first call, in call order while the store has room, and its later calls
// send no weights (the store keeps them across inferences; RESET does not
// clear it). A layer that does not fit is counted (Counters::store_full)
// and streams its weights as before.
__attribute__((noinline, cold)) void place_in_store(Prepared* p, const sasim_drv::LayerDesc& l) {
  const int lines = sasim_drv::store_lines(kHw, l);
  if (lines == 0) return;
  if (lines > kHw.w_lines - g_w_next) {
    ++g_counters.store_full;
    return;
  }
  if (sasim_drv::store_weights(kHw, l, g_w_next) != sasim_drv::kOk) return;
  p->w_store = g_w_next + 1;
  g_w_next += lines;
  ++g_counters.stored;
}

// l's first call: its preparation made and kept (null when the table or the
// arena is full: the driver then works from the raw tensors). Once per layer:
// cold, out of the instruction cache's way.
__attribute__((noinline, cold)) Prepared* prepare(sasim_drv::LayerDesc* l) {
  if (g_prepared_count == SASIM_PREPARED_LAYERS) return 0;
  int32_t* folded = arena_take(static_cast<unsigned>(l->out_c) * 4);
  if (!folded) return 0;
  sasim_drv::fold_biases(*l, folded);
  const int bytes = sasim_drv::packed_weights_bytes(kHw, *l);
  int8_t* packed = bytes > 0 ? reinterpret_cast<int8_t*>(arena_take(static_cast<unsigned>(bytes))) : 0;
  if (packed) sasim_drv::pack_weights(kHw, *l, packed);
  Prepared& p = *add_entry(*l);
  p.folded = folded;
  p.packed = packed;
  if (SASIM_FUSE_COUNT > 0 || SASIM_KEEP_COUNT > 0) {  // (an empty table holds one entry of 0 bytes, which no filter matches)
    const unsigned n = filter_bytes(*l);
    const uint32_t h = fnv1a(l->filter, n);
    for (unsigned i = 0; i < sizeof kFuse / sizeof kFuse[0]; ++i)
      p.fuse = p.fuse || (kFuse[i].filter_hash == h && kFuse[i].filter_bytes == n && kFuse[i].out_c == l->out_c);
    for (unsigned i = 0; i < sizeof kKeep / sizeof kKeep[0]; ++i)
      if (kKeep[i].filter_hash == h && kKeep[i].filter_bytes == n && kKeep[i].out_c == l->out_c) p.keep = kKeep[i].keep;
  }
  l->folded_bias = folded;
  l->packed_weights = packed;
  // Into the store when the layer will run on the CFU (the cost model's
  // choice, or its operator fused into it).
  if (packed && (p.fuse || sasim_drv::layer_on_cfu(kHw, *l))) place_in_store(&p, *l);
  l->w_store = p.w_store;
  return &p;
}

bool is_int8(int32_t v) { return v >= -128 && v <= 127; }
bool shift_ok(int32_t s) { return s >= -31 && s <= 30; }

// What every kernel shares: the quantization fields the CFU holds (n
// channels' multipliers and shifts; n = 0: the scalars only).
bool quant_ok(int32_t input_offset, int32_t output_offset, int32_t act_min, int32_t act_max, int n,
              const int32_t* mult, const int32_t* shift) {
  if (!is_int8(-input_offset) || !is_int8(output_offset)) return false;
  if (!is_int8(act_min) || !is_int8(act_max) || act_min > act_max) return false;
  for (int i = 0; i < n; ++i)
    if (mult[i] < 0 || !shift_ok(shift[i])) return false;
  return true;
}
bool channels_ok(int n, const int32_t* mult, const int32_t* shift) { return quant_ok(0, 0, 0, 0, n, mult, shift); }

// Every field of l set (stores, not a memset call), the tensors null.
inline void clear(sasim_drv::LayerDesc* l) {
  l->kind = l->batches = l->in_h = l->in_w = l->in_c = l->out_h = l->out_w = l->out_c = 0;
  l->k_h = l->k_w = l->stride_h = l->stride_w = l->dil_h = l->dil_w = l->pad_top = l->pad_left = 0;
  l->depth_multiplier = 1;
  l->input_zp = l->output_zp = l->act_min = l->act_max = 0;
  l->input = 0;
  l->filter = 0;
  l->bias = l->multiplier = l->shift = 0;
  l->per_tensor = 0;
  l->output = 0;
  l->folded_bias = 0;
  l->packed_weights = 0;
  l->fused = 0;
  l->w_store = 0;
  l->keep_out = l->a_kept = 0;
}

bool overlap(const int8_t* a, unsigned na, const int8_t* b, unsigned nb) { return a < b + nb && b < a + na; }

unsigned input_bytes(const sasim_drv::LayerDesc& l) {
  return static_cast<unsigned>(l.batches * l.in_h * l.in_w * l.in_c);
}
unsigned output_bytes(const sasim_drv::LayerDesc& l) {
  return static_cast<unsigned>(l.batches * l.out_h * l.out_w * l.out_c);
}

// A layer run fused whose operator did not come next after all: its own
// output, computed now (its input is intact: the fused run wrote only the
// operator's output, which does not overlap it). Run in place, the input is
// gone: that is counted (Counters::in_place_lost), never silent. TFLite
// Micro's interpreter calls a graph's operators in the same order on every
// inference, and the bridge fuses only after seeing the operator follow.
void chain_settle();

// Paired layers (sasim_drv::run_pair; the keep table's bits 3 and 4): a
// layer (MobileNetV2's 1 x 1 expansions) whose only reader, the next layer,
// runs band by band with it, its rows kept in the CFU and never stored. The producer's
// call, once the pair was seen and the driver takes it, computes nothing
// (pending); its reader's call runs both. Any other call runs the pending
// producer plainly first (pair_settle: its input is intact, its output
// tensor written), so the output is never wrong, only slower. After a plain
// run (ran) the next call, when it is the reader, decides the pair.
struct Pair {
  bool pending, ran;
  Prepared* p;
  sasim_drv::LayerDesc l;  // the producer as called
};
Pair g_pair = {false, false, 0, sasim_drv::LayerDesc()};

__attribute__((noinline, cold)) void pair_settle() {
  g_pair.ran = false;
  if (!g_pair.pending) return;
  g_pair.pending = false;
  g_counters.last_status = sasim_drv::run_layer(kHw, g_pair.l);
  if (g_counters.last_status == sasim_drv::kOk) {
    ++g_counters.accelerated;
    return;
  }
  // Its call returned long ago: its output is never written (a hardware
  // fault; the same tensors ran before). Counted, never silent.
  ++g_counters.fallbacks;
  ++g_counters.in_place_lost;
}

SASIM_BRIDGE void settle() {
  if (g_pair.pending || g_pair.ran) pair_settle();
  chain_settle();
  if (!g_last.fused) return;
  g_last.fused = false;
  g_last.l.fused = 0;
  if (g_last.in_place) {
    ++g_counters.in_place_lost;
    g_counters.last_status = sasim_drv::kErrInPlace;
    return;
  }
  keep_dropped();
  g_last.l.a_kept = g_last.l.keep_out = 0;  // the A bank holds something else by now
  g_counters.last_status = sasim_drv::run_layer(kHw, g_last.l);
}

bool refuse() {
  if (g_pair.pending) pair_settle();  // a reader that does not run here reads the producer's output
  ++g_counters.fallbacks;
  return false;
}

// settle() for a layer's call, except a pending or just-run paired
// producer whose output is this call's input (run() takes it).
SASIM_BRIDGE void settle_for(const int8_t* input) {
  if ((g_pair.pending || g_pair.ran) && g_pair.l.output == input) {
    chain_settle();
    return;  // (a fused layer's call settles everything before it: none is pending behind a producer)
  }
  settle();
}

// The paired producer's call: deferred to its reader's once the pair was
// seen and the driver takes it; after a plain run, remembered for the
// reader's call to decide the pair. Cold: only paired layers run it.
__attribute__((noinline, cold)) bool pair_defer(Prepared* p, const sasim_drv::LayerDesc& l) {
  if (p->pair_ok != 1 || !p->pair_seen) return false;
  keep_dropped();  // (as any layer's commands would)
  g_pair.pending = true;
  g_pair.ran = false;
  g_pair.p = p;
  g_pair.l = l;
  return true;
}
// The reader's call with its producer pending or just run (settle_for left
// it): decides the pair after a plain run; runs both when pending (true),
// or the producer plainly first when the driver does not take them.
__attribute__((noinline, cold)) bool pair_take(Prepared* p, const sasim_drv::LayerDesc& l) {
  Prepared* const pp = g_pair.p;
  if (g_pair.ran) {  // the first inference: the producer ran plainly
    g_pair.ran = false;
    if (p && (p->keep & 16)) {
      pp->pair_ok = sasim_drv::pair_supported(kHw, g_pair.l, l) ? 1 : 0;
      pp->pair_seen = true;
    }
    return false;
  }
  g_pair.pending = false;
  if (p && (p->keep & 16)) {
    const int rc = sasim_drv::run_pair(kHw, g_pair.l, l);
    g_counters.last_status = rc;
    if (rc == sasim_drv::kOk) {
      g_counters.accelerated += 2;
      ++g_counters.paired;
      return true;
    }
    pp->pair_ok = 0;
    // Refused before any command (kErrNotFusable): both run plainly below.
    // A command the CFU rejected part-way (a hardware fault) leaves the
    // reader's output partly stored: over the producer's input, that input
    // is gone, and running the two again cannot be right. Counted.
    if (rc != sasim_drv::kErrNotFusable &&
        overlap(g_pair.l.input, input_bytes(g_pair.l), l.output, output_bytes(l))) {
      g_pair.pending = false;
      ++g_counters.fallbacks;
      ++g_counters.in_place_lost;
      return true;
    }
  }
  g_pair.pending = true;
  pair_settle();
  return false;
}

// Whether a learned layer runs fused (p->fusable: 0 no, 1 yes, 2 in place),
// decided once: its tensors are the ones it was learned with.
__attribute__((noinline, cold)) void decide_fusion(Prepared* p, const sasim_drv::LayerDesc& l) {
  sasim_drv::LayerDesc f = l;
  f.output = p->z;
  f.fused = &p->e;
  // (in_place_supported is true for an output apart from the input.)
  const bool ok = !overlap(p->z, output_bytes(l), p->x, output_bytes(l)) && sasim_drv::fused_eltwise_supported(kHw, f) &&
                  sasim_drv::in_place_supported(kHw, f);
  p->fusable = !ok ? 0 : overlap(p->z, output_bytes(l), l.input, input_bytes(l)) ? 2 : 1;
}

// The output keep: the input from the CFU's A bank when the layer run right
// before left it there (the keep table's chain), the output left there for
// the next one. Any other layer's commands end what it held. Out of the
// layers' way in the I$: only chained layers run it.
__attribute__((noinline, cold)) void keep_setup(Prepared* p, sasim_drv::LayerDesc* l) {
  l->a_kept = p && (p->keep & 2) && g_kept && g_kept == l->input ? 1 : 0;
  g_in_only = l->a_kept && g_kept_only;
  if (l->a_kept) {
    if (g_kept_p) g_kept_p->keep_seen = true;
    g_kept = 0;
    g_kept_p = 0;
    g_kept_only = false;
  } else {
    keep_dropped();
  }
  if (p && (p->keep & 1) && p->keep_ok < 0) p->keep_ok = sasim_drv::keep_out_supported(kHw, *l) ? 1 : 0;
  l->keep_out = p && (p->keep & 1) && p->keep_ok == 1 ? ((p->keep & 4) && p->keep_seen ? 2 : 1) : 0;
}

// channels_checked: the caller checked l's per-channel multipliers and
// shifts (else they are checked here, once per prepared layer).
SASIM_BRIDGE bool run(sasim_drv::LayerDesc* l, bool channels_checked) {
  settle_for(l->input);
  Prepared* p = find(l);
  if (!channels_checked && !(p && p->q_mult == l->multiplier && p->q_shift == l->shift)) {
    if (!channels_ok(l->out_c, l->multiplier, l->shift)) return refuse();
    if (!p) p = prepare(l);
    if (p) {
      p->q_mult = l->multiplier;
      p->q_shift = l->shift;
    }
  }
  if (!p) p = prepare(l);
  g_last.learning = false;
  if ((g_pair.pending || g_pair.ran) && pair_take(p, *l)) return true;
  if (p && (p->keep & 8) && pair_defer(p, *l)) return true;
  if (g_kept || (p && p->keep)) keep_setup(p, l);
  // The driver's cost model: a small fully connected layer is faster on the
  // CPU (TFLite Micro's reference code then runs), unless its next operator
  // is fused into it.
  if (!(p && p->fuse) && !sasim_drv::layer_on_cfu(kHw, *l)) {
    ++g_counters.on_cpu;
    if (l->a_kept && g_in_only) ++g_counters.keep_lost;  // (the keep table's rule puts both on the CFU)
    return false;
  }
  // Fused: the operator's output instead of the layer's (READ_EW), once its
  // call after this layer was seen, where the driver takes it and the
  // operator's output stays off the operator's other operand. TFLite Micro's
  // planner may give the operator the buffer the layer's input frees (it
  // does for ResNet-8's residual ADDs): the layer then runs in place, where
  // the driver's schedule reads every input row before a store overwrites
  // it (sasim_drv::in_place_supported), and plainly otherwise (copying a
  // fused result there afterwards costs what fusing saves, measured;
  // Counters::fuse_refused).
  const bool learned = p && p->fuse && p->learned && l->input == p->in && l->output == p->y;
  if (learned && p->fusable < 0) decide_fusion(p, *l);
  if (learned && !p->fusable) ++g_counters.fuse_refused;
  if (learned && p->fusable) {
    sasim_drv::LayerDesc f = *l;
    f.output = p->z;
    f.fused = &p->e;
    const bool in_place = p->fusable == 2;
    {
      // In place: decide_fusion checked these tensors (the driver's check
      // is not repeated every inference).
      const int rc = in_place ? sasim_drv::run_layer_in_place(kHw, f) : sasim_drv::run_layer(kHw, f);
      g_counters.last_status = rc;
      if (rc == sasim_drv::kOk) {
        ++g_counters.accelerated;
        ++g_counters.fused;
        if (in_place) ++g_counters.fused_in_place;
        g_last.fused = true;
        g_last.in_place = in_place;
        g_last.p = p;
        g_last.l = *l;
        return true;
      }
      // The CFU rejected a command of an in-place run part-way (a hardware
      // fault: the driver refuses everything else before its first
      // command): the input may be overwritten already, so the layer cannot
      // be run again. Counted, never silent.
      if (in_place && rc == sasim_drv::kErrCfuRejected) {
        ++g_counters.in_place_lost;
        ++g_counters.fallbacks;
        return true;
      }
    }
  }
  const int rc = sasim_drv::run_layer(kHw, *l);
  g_counters.last_status = rc;
  if (rc != sasim_drv::kOk) {
    ++g_counters.fallbacks;
    if (l->a_kept && g_in_only) ++g_counters.keep_lost;
    return false;
  }
  ++g_counters.accelerated;
  if (p && (p->keep & 8)) {  // a paired producer, run plainly: its reader's call decides the pair
    g_pair.ran = true;
    g_pair.p = p;
    g_pair.l = *l;
  }
  if (l->keep_out) {
    g_kept = l->output;
    g_kept_p = p;
    g_kept_only = l->keep_out == 2;
  }
  if (p && p->fuse) {
    g_last.learning = true;
    g_last.p = p;
    g_last.l = *l;
  }
  return true;
}

// Conv and depthwise after their own checks: the per-channel quantization
// and the tensors, then the accelerator.
bool run_per_channel(sasim_drv::LayerDesc* l, int32_t input_offset, int32_t output_offset,
                     const int32_t* output_multiplier, const int32_t* output_shift, const int8_t* input_data,
                     const int8_t* filter_data, const int32_t* bias_data, int8_t* output_data) {
  if (!quant_ok(input_offset, output_offset, l->act_min, l->act_max, 0, output_multiplier, output_shift))
    return refuse();
  l->input = input_data;
  l->filter = filter_data;
  l->bias = bias_data;
  l->multiplier = output_multiplier;
  l->shift = output_shift;
  l->per_tensor = 0;
  l->output = output_data;
  return run(l, false);
}

// The spatial fields of conv and depthwise from their 4-D shapes.
template <class Params>
bool spatial(const Params& p, const tflite::RuntimeShape& in, const tflite::RuntimeShape& filter,
             const tflite::RuntimeShape& out, sasim_drv::LayerDesc* l) {
  if (in.DimensionsCount() != 4 || filter.DimensionsCount() != 4 || out.DimensionsCount() != 4) return false;
  if (in.Dims(0) != out.Dims(0)) return false;
  if (p.stride_height < 1 || p.stride_width < 1 || p.dilation_height_factor < 1 || p.dilation_width_factor < 1)
    return false;
  if (p.padding_values.height < 0 || p.padding_values.width < 0) return false;
  l->batches = in.Dims(0);
  l->in_h = in.Dims(1);
  l->in_w = in.Dims(2);
  l->in_c = in.Dims(3);
  l->out_h = out.Dims(1);
  l->out_w = out.Dims(2);
  l->out_c = out.Dims(3);
  l->k_h = filter.Dims(1);
  l->k_w = filter.Dims(2);
  l->stride_h = p.stride_height;
  l->stride_w = p.stride_width;
  l->dil_h = p.dilation_height_factor;
  l->dil_w = p.dilation_width_factor;
  l->pad_top = p.padding_values.height;
  l->pad_left = p.padding_values.width;
  l->input_zp = -p.input_offset;
  l->output_zp = p.output_offset;
  l->act_min = p.quantized_activation_min;
  l->act_max = p.quantized_activation_max;
  return true;
}

}  // namespace

void SetEnabled(bool on) {
  settle();
  g_last.learning = false;
  g_enabled = on;
}
void ResetPrepared() {
  settle();
  g_last.learning = false;
  g_prepared_count = 0;
  g_next = 0;
  g_arena_used = 0;
  g_w_next = 0;
}

bool Adopt(const sasim_drv::LayerDesc& l, const int32_t* folded, const int8_t* packed,
           const sasim_drv::EltwiseDesc* fused, int8_t* fused_output, int w_store, int keep) {
  Prepared* p = add_entry(l);
  if (!p) return false;
  p->keep = keep;
  p->keep_seen = (keep & 4) != 0;  // the inference after the first: its chain seen
  // A paired producer after the first inference (bit 5, the runner's): the
  // pair seen, and taken unless the reader's call finds the driver refusing.
  p->pair_seen = (keep & 32) != 0;
  p->pair_ok = p->pair_seen ? 1 : -1;
  // Decided at the first inference, as keep_setup decides it.
  if (keep & 1) p->keep_ok = sasim_drv::keep_out_supported(kHw, l) ? 1 : 0;
  if (keep & 2) g_kept = l.input;  // its producer ran right before (the caller put the input in A)
  p->folded = folded;
  p->packed = packed;
  if (w_store > 0) {  // the blob in the store, where the first inference put it
    sasim_drv::LayerDesc s = l;
    s.packed_weights = packed;
    if (sasim_drv::store_weights(kHw, s, w_store - 1) != sasim_drv::kOk) return false;
    p->w_store = w_store;
  }
  p->q_mult = l.multiplier;
  p->q_shift = l.shift;
  if (fused) {
    p->fuse = p->learned = true;
    p->fusable = -1;
    p->in = l.input;
    p->y = l.output;
    p->x = fused->b;
    p->z = fused_output;
    p->e = *fused;
    p->e.a = 0;
    p->e.output = 0;
    decide_fusion(p, l);  // as the inference after the one that learned it decided
  }
  g_next = static_cast<int>(p - g_prepared);
  return true;
}

#if defined(SASIM_HW_RUNTIME)
void SetRuntimeHardware(const sasim_drv::HwDesc& hw) { g_runtime_hw = hw; }
#endif
bool Enabled() { return g_enabled; }

void AdoptChain(int op, int32_t elements, int8_t c, int32_t output_offset, int32_t output_multiplier,
                int32_t output_shift) {
  const ChainKey k = {op, elements, c, output_offset, output_multiplier, output_shift};
  g_chain_adopted = k;
}
const Counters& GetCounters() { return g_counters; }

SASIM_BRIDGE bool ConvPerChannel(const tflite::ConvParams& params, const int32_t* output_multiplier, const int32_t* output_shift,
                    const tflite::RuntimeShape& input_shape, const int8_t* input_data,
                    const tflite::RuntimeShape& filter_shape, const int8_t* filter_data,
                    const tflite::RuntimeShape& bias_shape, const int32_t* bias_data,
                    const tflite::RuntimeShape& output_shape, int8_t* output_data) {
  (void)bias_shape;
  settle_for(input_data);  // a layer run fused before: its own output (this call is not its operator)
  g_last.learning = false;
  if (!g_enabled) return refuse();
  sasim_drv::LayerDesc l;
  clear(&l);
  l.kind = sasim_drv::kConv2d;
  if (!spatial(params, input_shape, filter_shape, output_shape, &l)) return refuse();
  // Grouped convs (filter depth < input depth) are not a driver layer.
  if (filter_shape.Dims(0) != l.out_c || filter_shape.Dims(3) != l.in_c) return refuse();
  l.depth_multiplier = 1;
  return run_per_channel(&l, params.input_offset, params.output_offset, output_multiplier, output_shift, input_data,
                         filter_data, bias_data, output_data);
}

SASIM_BRIDGE bool DepthwiseConvPerChannel(const tflite::DepthwiseParams& params, const int32_t* output_multiplier,
                             const int32_t* output_shift, const tflite::RuntimeShape& input_shape,
                             const int8_t* input_data, const tflite::RuntimeShape& filter_shape,
                             const int8_t* filter_data, const tflite::RuntimeShape& bias_shape,
                             const int32_t* bias_data, const tflite::RuntimeShape& output_shape,
                             int8_t* output_data) {
  (void)bias_shape;
  settle_for(input_data);  // a layer run fused before: its own output (this call is not its operator)
  g_last.learning = false;
  if (!g_enabled) return refuse();
  sasim_drv::LayerDesc l;
  clear(&l);
  l.kind = sasim_drv::kDepthwiseConv2d;
  if (!spatial(params, input_shape, filter_shape, output_shape, &l)) return refuse();
  if (params.depth_multiplier < 1 || l.out_c != l.in_c * params.depth_multiplier) return refuse();
  if (filter_shape.Dims(0) != 1 || filter_shape.Dims(3) != l.out_c) return refuse();
  l.depth_multiplier = params.depth_multiplier;
  return run_per_channel(&l, params.input_offset, params.output_offset, output_multiplier, output_shift, input_data,
                         filter_data, bias_data, output_data);
}

// ADD or MUL on the elementwise unit, after the operator's own checks.
// Whether an elementwise call reads a's output densely, the other input
// densely at the same shape (no broadcast).
static bool dense_pair(const int dims[4], const int strides1[4], const int strides2[4]) {
  int stride = 1;
  for (int k = 3; k >= 0; --k) {
    if (strides1[k] != stride && dims[k] != 1) return false;
    if (strides2[k] != stride && dims[k] != 1) return false;
    stride *= dims[k];
  }
  return true;
}

static bool elementwise(int op, const tflite::ArithmeticParams& params, const int dims[4], const int strides1[4],
                        const int strides2[4], const int8_t* input1_data, const int8_t* input2_data,
                        int8_t* output_data) {
  if (g_kept) keep_dropped();  // the unit's commands leave A alone, but a layer after this one is no producer's next
  // The call after a layer of sasim_fuse.h run plainly: the operator to
  // learn (the layer's output one of its inputs, the other of the same
  // shape; elementwise_call took the state).
  const Last& last = g_call;
  if (last.learning && dense_pair(dims, strides1, strides2) &&
      (input1_data == last.l.output || input2_data == last.l.output) && input1_data != input2_data &&
      dims[0] * dims[1] * dims[2] * dims[3] == static_cast<int>(output_bytes(last.l))) {
    Prepared& p = *last.p;
    const bool y_first = input1_data == last.l.output;
    // The same tensors as learned before (a fusion decide_fusion refused):
    // its verdict stands, it is not taken again every inference.
    const int8_t* const x = y_first ? input2_data : input1_data;
    const bool same = p.learned && p.x == x && p.z == output_data && p.in == last.l.input && p.y == last.l.output;
    sasim_drv::EltwiseDesc& f = p.e;
    f.op = op;
    f.a_zp = -(y_first ? params.input1_offset : params.input2_offset);
    f.b_zp = -(y_first ? params.input2_offset : params.input1_offset);
    f.out_zp = params.output_offset;
    f.act_min = params.quantized_activation_min;
    f.act_max = params.quantized_activation_max;
    f.m_a = y_first ? params.input1_multiplier : params.input2_multiplier;
    f.s_a = y_first ? params.input1_shift : params.input2_shift;
    f.m_b = y_first ? params.input2_multiplier : params.input1_multiplier;
    f.s_b = y_first ? params.input2_shift : params.input1_shift;
    f.m_out = params.output_multiplier;
    f.s_out = params.output_shift;
    if (op == sasim_isa::kEwMul) f.m_a = f.s_a = f.m_b = f.s_b = 0;
    for (int k = 0; k < 5; ++k) f.dims[k] = f.stride_a[k] = f.stride_b[k] = 1;
    f.a = 0;
    p.x = y_first ? input2_data : input1_data;
    p.in = last.l.input;
    p.y = last.l.output;
    f.b = p.x;
    f.output = 0;
    p.z = output_data;
    p.learned = sasim_drv::eltwise_supported(kHw, f);
    if (!same) p.fusable = -1;
  }
  // The driver's cost model first (sasim_drv::eltwise_on_cfu's size rule):
  // below its size the CPU is faster whatever the unit holds, and deciding
  // costs no more code than this.
  if (dims[0] * dims[1] * dims[2] * dims[3] < sasim_drv::eltwise_min_elements(op)) {
    ++g_counters.on_cpu;
    return false;
  }
  sasim_drv::EltwiseDesc e;
  e.op = op;
  e.a_zp = -params.input1_offset;
  e.b_zp = -params.input2_offset;
  e.out_zp = params.output_offset;
  e.act_min = params.quantized_activation_min;
  e.act_max = params.quantized_activation_max;
  e.m_a = params.input1_multiplier;
  e.s_a = params.input1_shift;
  e.m_b = params.input2_multiplier;
  e.s_b = params.input2_shift;
  e.m_out = params.output_multiplier;
  e.s_out = params.output_shift;
  if (op == sasim_isa::kEwMul) e.m_a = e.s_a = e.m_b = e.s_b = 0;  // MUL has the output's pair only
  e.dims[0] = 1;
  e.stride_a[0] = e.stride_b[0] = 0;
  for (int k = 0; k < 4; ++k) {
    e.dims[k + 1] = dims[k];
    e.stride_a[k + 1] = strides1[k];
    e.stride_b[k + 1] = strides2[k];
  }
  e.a = input1_data;
  e.b = input2_data;
  e.output = output_data;
  if (!sasim_drv::eltwise_supported(kHw, e)) return refuse();
  const int rc = sasim_drv::run_eltwise(kHw, e);
  g_counters.last_status = rc;
  if (rc != sasim_drv::kOk) {
    ++g_counters.fallbacks;
    return false;
  }
  ++g_counters.accelerated;
  return true;
}

// First in ADD and MUL: the call after a layer run fused is its operator
// (true: computed already) or not (the layer's own output first); the state
// of the layer run last moves to g_call for elementwise's learning.
static bool elementwise_call(int op, const int8_t* input1_data, const int8_t* input2_data, int8_t* output_data) {
  if (g_pair.pending || g_pair.ran) pair_settle();  // (a paired producer's reader is a layer)
  g_call = g_last;
  g_last.learning = false;
  if (!g_last.fused) return false;
  const Prepared& p = *g_last.p;
  const int8_t* y = g_last.l.output;
  if (output_data == p.z && p.e.op == op &&
      ((input1_data == y && input2_data == p.x) || (input2_data == y && input1_data == p.x))) {
    g_last.fused = false;
    return true;
  }
  settle();
  return false;
}

namespace {

// ---- Elementwise chains (docs/export-cfu.md, "Elementwise chains") ----
//
// A chain's head (kChain) and the operator after it are each a function of
// one byte: the head's call computes its 256-entry table on the CFU's
// elementwise unit (the unit is bit-exact with TFLite Micro's kernels) and
// returns without writing its output; the tail's call, whose input is that
// output, puts its own operation through the same table and applies the
// result in one pass from the head's input into its output. Any other call
// first computes the deferred head's output (chain_settle): the export
// chains only where the graph's next operator is the tail and nothing else
// reads the head's output, so that happens only when the bridge is
// switched off in between.
struct Chain {
  bool on;
  const int8_t* in;
  int8_t* out;  // the head's output, not written yet
  int32_t n;
};
Chain g_chain = {false, 0, 0, 0};
int8_t g_lut_x[256] __attribute__((aligned(4)));  // byte i: (int8_t) i
int8_t g_lut1[256] __attribute__((aligned(4)));   // the head's table
int8_t g_lut2[256] __attribute__((aligned(4)));   // the chain's

// out[i] = lut[(uint8_t) in[i]] for n bytes, a word at a time where both
// are word aligned; from the end when out lies past in and overlaps it
// (TFLite Micro's plan may put the tail's output over the head's input),
// so that no byte is overwritten before it is read.
__attribute__((noinline)) void apply_lut(const int8_t* in, int8_t* out, int32_t n, const int8_t* lut) {
  const uint8_t* t = reinterpret_cast<const uint8_t*>(lut);
  const uint8_t* x = reinterpret_cast<const uint8_t*>(in);
  uint8_t* y = reinterpret_cast<uint8_t*>(out);
  const bool words = ((reinterpret_cast<uintptr_t>(in) | reinterpret_cast<uintptr_t>(out)) & 3) == 0;
  const int32_t body = words ? n & ~3 : 0;
  if (y > x && y < x + n) {
    for (int32_t i = n - 1; i >= body; --i) y[i] = t[x[i]];
    for (int32_t i = body - 4; i >= 0; i -= 4) {
      const uint32_t w = *reinterpret_cast<const uint32_t*>(x + i);
      *reinterpret_cast<uint32_t*>(y + i) = t[w & 0xff] | static_cast<uint32_t>(t[(w >> 8) & 0xff]) << 8 |
                                            static_cast<uint32_t>(t[(w >> 16) & 0xff]) << 16 |
                                            static_cast<uint32_t>(t[w >> 24]) << 24;
    }
    return;
  }
  for (int32_t i = 0; i < body; i += 4) {
    const uint32_t w = *reinterpret_cast<const uint32_t*>(x + i);
    *reinterpret_cast<uint32_t*>(y + i) = t[w & 0xff] | static_cast<uint32_t>(t[(w >> 8) & 0xff]) << 8 |
                                          static_cast<uint32_t>(t[(w >> 16) & 0xff]) << 16 |
                                          static_cast<uint32_t>(t[w >> 24]) << 24;
  }
  for (int32_t i = body; i < n; ++i) y[i] = t[x[i]];
}

// Whether an elementwise call is a tensor (input 1, dense) and a
// one-element constant (input 2, broadcast everywhere): its element count,
// or 0.
int32_t unary_elements(const int dims[4], const int strides1[4], const int strides2[4]) {
  int32_t stride = 1;
  for (int k = 3; k >= 0; --k) {
    if (strides2[k] != 0 && dims[k] != 1) return 0;
    if (strides1[k] != stride && dims[k] != 1) return 0;
    stride *= dims[k];
  }
  return stride;
}

// The operator's table over the 256 bytes of x (g_lut_x, or the head's
// table), with its constant c, into lut, on the CFU's elementwise unit;
// false when the unit cannot take it (the operator's own checks first).
bool unary_table(int op, const tflite::ArithmeticParams& params, const int8_t* x, const int8_t* c, int8_t* lut) {
  if (op != sasim_isa::kEwMul && (params.left_shift != sasim_isa::kEwLeftShift || params.output_shift > 0))
    return false;
  sasim_drv::EltwiseDesc e;
  e.op = op;
  e.a_zp = -params.input1_offset;
  e.b_zp = -params.input2_offset;
  e.out_zp = params.output_offset;
  e.act_min = params.quantized_activation_min;
  e.act_max = params.quantized_activation_max;
  e.m_a = params.input1_multiplier;
  e.s_a = params.input1_shift;
  e.m_b = params.input2_multiplier;
  e.s_b = params.input2_shift;
  e.m_out = params.output_multiplier;
  e.s_out = params.output_shift;
  if (op == sasim_isa::kEwMul) e.m_a = e.s_a = e.m_b = e.s_b = 0;
  for (int k = 0; k < 5; ++k) {
    e.dims[k] = 1;
    e.stride_a[k] = e.stride_b[k] = 0;
  }
  e.dims[4] = 256;
  e.stride_a[4] = 1;
  e.a = x;
  e.b = c;
  e.output = lut;
  if (!sasim_drv::eltwise_supported(kHw, e)) return false;
  return sasim_drv::run_eltwise(kHw, e) == sasim_drv::kOk;
}

bool chain_head(const ChainKey& k) {
  if (g_chain_adopted.op == k.op && g_chain_adopted.elements == k.elements && g_chain_adopted.c == k.c &&
      g_chain_adopted.output_offset == k.output_offset && g_chain_adopted.output_multiplier == k.output_multiplier &&
      g_chain_adopted.output_shift == k.output_shift)
    return true;
  for (unsigned i = 0; i < sizeof kChain / sizeof kChain[0]; ++i)  // (an empty table holds one entry of op -1)
    if (kChain[i].op == k.op && kChain[i].elements == k.elements && kChain[i].c == k.c &&
        kChain[i].output_offset == k.output_offset && kChain[i].output_multiplier == k.output_multiplier &&
        kChain[i].output_shift == k.output_shift)
      return true;
  return false;
}

// The deferred head's own output, computed now.
void chain_settle() {
  if (!g_chain.on) return;
  g_chain.on = false;
  apply_lut(g_chain.in, g_chain.out, g_chain.n, g_lut1);
}

// An ADD, SUB or MUL call: a chain's tail (true: done), a chain's head
// (true: deferred), or neither (false; a deferred head computed first).
bool chain_call(int op, const tflite::ArithmeticParams& params, const int dims[4], const int strides1[4],
                const int strides2[4], const int8_t* input1_data, const int8_t* input2_data, int8_t* output_data) {
  // No chain pending and none known: out at once (every elementwise call
  // of a model without chains passes here, cold).
  if (!g_chain.on && g_chain_adopted.op < 0 && SASIM_CHAIN_COUNT == 0) return false;
  const int32_t n = unary_elements(dims, strides1, strides2);
  if (g_chain.on) {
    if (n == g_chain.n && input1_data == g_chain.out && g_enabled &&
        unary_table(op, params, g_lut1, input2_data, g_lut2)) {
      g_chain.on = false;
      apply_lut(g_chain.in, output_data, n, g_lut2);
      ++g_counters.chained;
      return true;
    }
    chain_settle();
  }
  if (!g_enabled || n == 0) return false;
  const ChainKey k = {op, n, *input2_data, params.output_offset, params.output_multiplier, params.output_shift};
  if (!chain_head(k)) return false;
  if (g_kept) keep_dropped();  // the unit's commands leave A alone, but no layer after this one is a producer's next
  if (g_lut_x[255] == 0)
    for (int i = 0; i < 256; ++i) g_lut_x[i] = static_cast<int8_t>(i);
  if (!unary_table(op, params, g_lut_x, input2_data, g_lut1)) return false;
  g_chain.on = true;
  g_chain.in = input1_data;
  g_chain.out = output_data;
  g_chain.n = n;
  return true;
}

}  // namespace

// ADD and SUB: the unit's input rescaling has TFLite Micro's left shift of
// 20 built in; TFLite Micro rescales the output as "smaller than one" (a
// right shift only).
static bool add_or_sub(int op, const tflite::ArithmeticParams& params, const int dims[4], const int strides1[4],
                       const int strides2[4], const int8_t* input1_data, const int8_t* input2_data,
                       int8_t* output_data) {
  if (elementwise_call(op, input1_data, input2_data, output_data)) return true;
  if (chain_call(op, params, dims, strides1, strides2, input1_data, input2_data, output_data)) return true;
  if (!g_enabled) return refuse();
  if (params.left_shift != sasim_isa::kEwLeftShift || params.output_shift > 0) return refuse();
  return elementwise(op, params, dims, strides1, strides2, input1_data, input2_data, output_data);
}

bool Add(const tflite::ArithmeticParams& params, const int dims[4], const int strides1[4], const int strides2[4],
         const int8_t* input1_data, const int8_t* input2_data, int8_t* output_data) {
  return add_or_sub(sasim_isa::kEwAdd, params, dims, strides1, strides2, input1_data, input2_data, output_data);
}

bool Sub(const tflite::ArithmeticParams& params, const int dims[4], const int strides1[4], const int strides2[4],
         const int8_t* input1_data, const int8_t* input2_data, int8_t* output_data) {
  return add_or_sub(sasim_isa::kEwSub, params, dims, strides1, strides2, input1_data, input2_data, output_data);
}

bool Mul(const tflite::ArithmeticParams& params, const int dims[4], const int strides1[4], const int strides2[4],
         const int8_t* input1_data, const int8_t* input2_data, int8_t* output_data) {
  if (elementwise_call(sasim_isa::kEwMul, input1_data, input2_data, output_data)) return true;
  if (chain_call(sasim_isa::kEwMul, params, dims, strides1, strides2, input1_data, input2_data, output_data))
    return true;
  if (!g_enabled) return refuse();
  return elementwise(sasim_isa::kEwMul, params, dims, strides1, strides2, input1_data, input2_data, output_data);
}

SASIM_BRIDGE bool FullyConnected(const tflite::FullyConnectedParams& params, const int32_t* output_multiplier,
                    const int* output_shift, const tflite::RuntimeShape& input_shape, const int8_t* input_data,
                    const tflite::RuntimeShape& filter_shape, const int8_t* filter_data,
                    const tflite::RuntimeShape& bias_shape, const int32_t* bias_data,
                    const tflite::RuntimeShape& output_shape, int8_t* output_data) {
  (void)input_shape;
  (void)bias_shape;
  settle();  // a layer run fused before: its own output (this call is not its operator)
  g_last.learning = false;
  if (!g_enabled) return refuse();
  const int out_dims = output_shape.DimensionsCount();
  const int filter_dims = filter_shape.DimensionsCount();
  if (out_dims < 1 || filter_dims < 2) return refuse();
  // FullyConnected: batches = every output dimension but the last;
  // FullyConnectedPerChannel: a 2-D output.
  const bool per_channel = output_multiplier != 0;
  if (per_channel && out_dims != 2) return refuse();
  const int units = output_shape.Dims(out_dims - 1);
  const int depth = filter_shape.Dims(filter_dims - 1);
  if (units > filter_shape.Dims(filter_dims - 2) || units < 1 || depth < 1) return refuse();
  if (params.weights_offset != 0) return refuse();  // the array multiplies the raw filter bytes
  // The per-tensor pair, and the per-channel shifts as the driver's int32
  // (an int is not int32_t's type on every target).
  // Static, as `shifts`: a layer run fused keeps pointing to them until its
  // operator's call (settle() runs before they change).
  static int32_t tensor_mult, tensor_shift;
  tensor_mult = params.output_multiplier;
  tensor_shift = params.output_shift;
  static int32_t shifts[1024];
  const int n = per_channel ? units : 1;
  if (per_channel) {
    if (units > static_cast<int>(sizeof shifts / sizeof shifts[0])) return refuse();
    for (int i = 0; i < units; ++i) shifts[i] = output_shift[i];
  }
  const int32_t* mult = per_channel ? output_multiplier : &tensor_mult;
  const int32_t* shift = per_channel ? shifts : &tensor_shift;
  if (!quant_ok(params.input_offset, params.output_offset, params.quantized_activation_min,
                params.quantized_activation_max, n, mult, shift))
    return refuse();
  sasim_drv::LayerDesc l;
  clear(&l);
  l.kind = sasim_drv::kFullyConnected;
  l.batches = tflite::FlatSizeSkipDim(output_shape, out_dims - 1);
  l.in_h = l.in_w = l.out_h = l.out_w = 1;
  l.in_c = depth;
  l.out_c = units;
  l.k_h = l.k_w = 1;
  l.stride_h = l.stride_w = l.dil_h = l.dil_w = 1;
  l.depth_multiplier = 1;
  l.input_zp = -params.input_offset;
  l.output_zp = params.output_offset;
  l.act_min = params.quantized_activation_min;
  l.act_max = params.quantized_activation_max;
  l.input = input_data;
  l.filter = filter_data;
  l.bias = bias_data;
  l.multiplier = mult;
  l.shift = shift;
  l.per_tensor = per_channel ? 0 : 1;
  l.output = output_data;
  return run(&l, true);
}

}  // namespace sasim_tflm
