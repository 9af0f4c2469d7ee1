#include "cpu/board_host.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <stdexcept>
#include <tuple>

#include "board/mailbox.h"
#include "model/host.h"
#include "sasim/config.h"

#ifndef SASIM_RUNNER_ELF
#define SASIM_RUNNER_ELF ""
#endif
#ifndef SASIM_RUNNER_2021_ELF
#define SASIM_RUNNER_2021_ELF ""
#endif

namespace sasim::cpu {

std::string default_runner_elf(CfuPluginRev rev) {
  if (const char* p = std::getenv("SASIM_RUNNER_ELF")) return p;
  return rev == CfuPluginRev::k2021 ? SASIM_RUNNER_2021_ELF : SASIM_RUNNER_ELF;
}

BoardHost::BoardHost(const CpuParams& cpu, CfuPort* port, const std::string& runner_elf)
    : params_(cpu),
      image_(load_elf(runner_elf.empty() ? default_runner_elf(cpu.cfu_plugin) : runner_elf)),
      mem_(cpu.ram_bytes),
      cpu_(cpu, &mem_, port) {
  if (!image_.find("sasim_mailbox", &mailbox_) || !image_.find("sasim_arena", &arena_))
    throw ElfError(fmt::format("{}: not a sasim layer runner (no sasim_mailbox/sasim_arena symbols)", runner_elf));
  // The arena: from the runner's sasim_arena (the end of its 1 MiB program
  // region) to the end of main_ram.
  // A main_ram no larger than the program region leaves an empty arena: a
  // layer then fails with the bytes it needs (a configuration error).
  if (!mem_.in_ram(mailbox_, sizeof(sasim_board::Mailbox)) || arena_ < BoardMemory::kRamBase)
    throw ElfError(fmt::format("{}: mailbox or arena outside main_ram ({} MiB)", runner_elf, mem_.ram_bytes >> 20));
  const uint64_t ram_end = uint64_t{BoardMemory::kRamBase} + mem_.ram_bytes;
  arena_bytes_ = arena_ < ram_end ? static_cast<uint32_t>(ram_end - arena_) : 0;
}

namespace {

struct MarkerState {
  Vexriscv* cpu = nullptr;
  MarkerListener* listener = nullptr;
  CpuCounters at_start, at_end;
  size_t forks_at_start = 0, forks_at_end = 0;
  size_t replays_at_start = 0, replays_at_end = 0;
  bool started = false, ended = false;
  // An inference's operators (InferenceCarry): the caches the previous
  // operator's timed span left are put back at this one's start marker, so
  // that the runner's own untimed setup (clearing .bss, adopting the layer,
  // putting kept inputs and stored weights) leaves no trace in them (the
  // first operator's start: a cold I$, L2 and DRAM); the state at the end
  // marker is what the next operator starts with.
  InferenceCarry* carry = nullptr;
};

void on_sample(void* ctx, uint64_t cycle, const CpuCounters& c) {
  auto* st = static_cast<MarkerState*>(ctx);
  if (st->listener) st->listener->on_sample(cycle, c);
}

void on_marker(void* ctx, uint32_t value, uint64_t cycle) {
  auto* st = static_cast<MarkerState*>(ctx);
  if (value == 1) {
    st->at_start = st->cpu->counters();
    st->forks_at_start = st->cpu->forks().size();
    st->replays_at_start = st->cpu->replays().size();
    st->cpu->clear_pc_cycles();
    st->started = true;
    if (st->carry) {
      InferenceCarry& c = *st->carry;
      if (c.icache_tags.empty()) {  // the inference's first operator: a cold board
        c.icache_tags.assign(st->cpu->icache_tags().size(), 0);
        st->cpu->memory_path().state(&c.l2_tags, &c.l2_dirty, &c.dram_rows);
        std::fill(c.l2_tags.begin(), c.l2_tags.end(), 0u);
        std::fill(c.l2_dirty.begin(), c.l2_dirty.end(), uint8_t{0});
        std::fill(c.dram_rows.begin(), c.dram_rows.end(), int64_t{-1});
      }
      st->cpu->set_icache_tags(c.icache_tags);
      st->cpu->memory_path().set_state(c.l2_tags, c.l2_dirty, c.dram_rows);
    }
  } else if (value == 2) {
    if (st->carry) {
      st->carry->icache_tags = st->cpu->icache_tags();
      st->cpu->memory_path().state(&st->carry->l2_tags, &st->carry->l2_dirty, &st->carry->dram_rows);
    }
    st->at_end = st->cpu->counters();
    st->forks_at_end = st->cpu->forks().size();
    st->replays_at_end = st->cpu->replays().size();
    st->ended = true;
  }
  if (st->listener) st->listener->on_marker(value, cycle);
}

CpuCounters minus(const CpuCounters& a, const CpuCounters& b) {
  CpuCounters d;
  d.retired = a.retired - b.retired;
  for (int i = 0; i < kNumStallClasses; ++i) d.cycles_by_class[i] = a.cycles_by_class[i] - b.cycles_by_class[i];
  for (int i = 0; i < kNumMemCauses; ++i) {
    d.data_mem_by_cause[i] = a.data_mem_by_cause[i] - b.data_mem_by_cause[i];
    d.fetch_miss_by_cause[i] = a.fetch_miss_by_cause[i] - b.fetch_miss_by_cause[i];
  }
  d.icache_misses = a.icache_misses - b.icache_misses;
  d.dcache_misses = a.dcache_misses - b.dcache_misses;
  d.dcache_accesses = a.dcache_accesses - b.dcache_accesses;
  d.icache_line_fetches = a.icache_line_fetches - b.icache_line_fetches;
  d.cfu_instructions = a.cfu_instructions - b.cfu_instructions;
  d.cfu_forks = a.cfu_forks - b.cfu_forks;
  d.cfu_replays = a.cfu_replays - b.cfu_replays;
  d.branches = a.branches - b.branches;
  d.mispredicts = a.mispredicts - b.mispredicts;
  d.divides = a.divides - b.divides;
  return d;
}

}  // namespace

std::FILE* open_dev_log(const char* var, const std::string& name) {
  const char* path = std::getenv(var);
  if (!path) return nullptr;
  std::string file = path;
  const size_t at = file.find("%s");
  if (at != std::string::npos) file.replace(at, 2, name);
  return std::fopen(file.c_str(), "w");
}

namespace {

// How a run fills the layer runner's arena: the tensors TFLite Micro's
// arena plan holds (TensorPlacement: offset >= 0 in a plan) at their offsets
// in a planned area that starts at the arena's first 16 KiB boundary (the
// period of the L2's and the D$'s sets and of the DRAM's banks), every other
// tensor after it, 16-byte aligned, in the order placed. A tensor that does
// not fit gets address 0; needed() keeps counting, so that the error can say
// how much was needed.
class ArenaFill {
 public:
  // `skip`: bytes left free before the unplanned tensors (InferenceCarry::
  // constants_at); ignored when it would leave less than half the arena.
  ArenaFill(BoardMemory* mem, uint32_t arena, uint32_t arena_bytes, const TensorPlacement& pl, uint64_t skip = 0)
      : mem_(mem), bytes_(arena_bytes), pl_(pl), base_((arena + 0x3fffu) & ~0x3fffu) {
    if (pl.planned_bytes > 0) needed_ = base_ - arena + (static_cast<uint64_t>(pl.planned_bytes) + 15) / 16 * 16;
    planned_fits_ = needed_ <= bytes_;
    skip = (skip + 15) / 16 * 16;
    if (needed_ + skip > bytes_ / 2) skip = 0;
    skip_ = skip;
    needed_ += skip;
    start_ = arena + static_cast<uint32_t>(std::min<uint64_t>(needed_, bytes_));
    next_ = start_;
  }
  // Where the next operator's unplanned tensors go (InferenceCarry::
  // constants_at): past this one's, or from the start again when the skip
  // was dropped.
  uint64_t next_skip() const { return skip_ + (next_ - start_); }
  // At `offset` in the planned area when the plan holds the tensor, else the
  // next place; its bytes copied from src unless null.
  uint32_t put(int64_t offset, const void* src, size_t bytes) {
    if (pl_.planned_bytes <= 0 || offset < 0) return next(src, bytes);
    if (!planned_fits_) return 0;
    const uint32_t at = base_ + static_cast<uint32_t>(offset);
    if (src && bytes) std::memcpy(&mem_->ram[at - BoardMemory::kRamBase], src, bytes);
    return at;
  }
  uint32_t next(const void* src, size_t bytes) {
    const uint32_t at = next_;
    const uint64_t padded = (bytes + 15) / 16 * 16;
    needed_ += padded;
    if (needed_ > bytes_) return 0;
    if (src && bytes) std::memcpy(&mem_->ram[at - BoardMemory::kRamBase], src, bytes);
    next_ += static_cast<uint32_t>(padded);
    return at;
  }
  bool overflowed() const { return needed_ > bytes_; }
  uint64_t needed() const { return needed_; }
  uint32_t end() const { return next_; }  // the end of the tensors placed after the planned area

 private:
  BoardMemory* mem_;
  uint64_t bytes_;
  TensorPlacement pl_;
  uint32_t base_;
  uint64_t needed_ = 0;
  bool planned_fits_ = true;
  uint32_t start_ = 0, next_ = 0;
  uint64_t skip_ = 0;
};

}  // namespace

// A paired layer's producer (LayerSpec::pair) into the arena and the
// mailbox: its input at its planned offset, its constants, its prepared
// biases and weights, its store line.
static void put_producer(const sasim_drv::HwDesc& hw, const PairedProducer& pp, ArenaFill* arena, sasim_board::Mailbox* m) {
  const LayerSpec& s = pp.spec;
  const LayerData& d = pp.data;
  const sasim_drv::LayerDesc l = layer_desc_from(s, d, nullptr);
  m->pair = 1;
  m->pair_kind = l.kind;
  m->pair_in_h = l.in_h;
  m->pair_in_w = l.in_w;
  m->pair_in_c = l.in_c;
  m->pair_k_h = l.k_h;
  m->pair_k_w = l.k_w;
  m->pair_stride_h = l.stride_h;
  m->pair_stride_w = l.stride_w;
  m->pair_dil_h = l.dil_h;
  m->pair_dil_w = l.dil_w;
  m->pair_pad_top = l.pad_top;
  m->pair_pad_left = l.pad_left;
  m->pair_input_zp = l.input_zp;
  m->pair_output_zp = l.output_zp;
  m->pair_act_min = l.act_min;
  m->pair_act_max = l.act_max;
  m->pair_input = arena->put(pp.input_offset, d.input.data(), d.input.size());
  m->pair_filter = arena->next(d.filter.data(), d.filter.size());
  m->pair_bias = d.bias.empty() ? 0 : arena->next(d.bias.data(), d.bias.size() * 4);
  m->pair_multiplier = arena->next(s.output_multiplier.data(), s.output_multiplier.size() * 4);
  const std::vector<int32_t> shifts(s.output_shift.begin(), s.output_shift.end());
  m->pair_shift = arena->next(shifts.data(), shifts.size() * 4);
  std::vector<int32_t> folded(static_cast<size_t>(l.out_c));
  sasim_drv::fold_biases(l, folded.data());
  m->pair_folded_bias = arena->next(folded.data(), folded.size() * 4);
  const int bytes = sasim_drv::packed_weights_bytes(hw, l);
  if (bytes > 0) {
    std::vector<int8_t> blob(static_cast<size_t>(bytes));
    sasim_drv::pack_weights(hw, l, blob.data());
    m->pair_packed_weights = arena->next(blob.data(), blob.size());
    m->pair_w_store = pp.w_store;
  }
}

void BoardHost::put_hw(const sasim_drv::HwDesc& hw, sasim_board::Mailbox* m) const {
  m->magic = sasim_board::kMailboxMagic;
  m->version = sasim_board::kMailboxVersion;
  m->rows = hw.rows;
  m->cols = hw.cols;
  m->dataflow = hw.dataflow;
  m->a_lines = hw.a_lines;
  m->b_lines = hw.b_lines;
  m->c_lines = hw.c_lines;
  m->a_double = hw.a_double;
  m->b_double = hw.b_double;
  m->c_double = hw.c_double;
  m->im2col = hw.im2col;
  m->store_cycles = typical_store_cycles(params_.memory);  // the board's memory, not the host's HwDesc
  m->eltwise = hw.eltwise;
  m->ew_read = hw.ew_read;
  m->w_lines = hw.w_lines;
  m->keep = hw.keep;
}

int BoardHost::run_layer(const sasim_drv::HwDesc& hw, const LayerSpec& spec, const LayerData& data, int8_t* out,
                         CpuLayerProfile* profile, MarkerListener* markers, uint64_t max_cycles) {
  load_fresh();

  // Tensors into the arena (ArenaFill), in this order: the ones TFLite
  // Micro's arena plan holds (spec.placement) at its offsets; an in-place
  // layer without a plan gets its input and output as one planned area.
  const TensorPlacement pl =
      spec.in_place && spec.placement.planned_bytes <= 0 ? in_place_layout(spec) : spec.placement;
  ArenaFill arena(&mem_, arena_, arena_bytes_, pl, carry_ ? carry_->constants_at : 0);
  auto place = [&](const void* src, size_t bytes) { return arena.next(src, bytes); };
  sasim_board::Mailbox m{};
  put_hw(hw, &m);
  // The driver's view of the layer, as on the host (pointers replaced below).
  const sasim_drv::LayerDesc l = layer_desc_from(spec, data, nullptr);
  m.kind = l.kind;
  m.batches = l.batches;
  m.in_h = l.in_h;
  m.in_w = l.in_w;
  m.in_c = l.in_c;
  m.out_h = l.out_h;
  m.out_w = l.out_w;
  m.out_c = l.out_c;
  m.k_h = l.k_h;
  m.k_w = l.k_w;
  m.stride_h = l.stride_h;
  m.stride_w = l.stride_w;
  m.dil_h = l.dil_h;
  m.dil_w = l.dil_w;
  m.pad_top = l.pad_top;
  m.pad_left = l.pad_left;
  m.depth_multiplier = l.depth_multiplier;
  m.input_zp = l.input_zp;
  m.output_zp = l.output_zp;
  m.act_min = l.act_min;
  m.act_max = l.act_max;
  m.per_tensor = l.per_tensor;
  const size_t out_bytes = static_cast<size_t>(spec.output_elems());
  // Paired: the input is the producer's output, which nothing writes.
  m.input = arena.put(pl.input, spec.pair ? nullptr : data.input.data(), data.input.size());
  m.filter = place(data.filter.data(), data.filter.size());
  m.bias = data.bias.empty() ? 0 : place(data.bias.data(), data.bias.size() * 4);
  m.multiplier = place(spec.output_multiplier.data(), spec.output_multiplier.size() * 4);
  std::vector<int32_t> shifts(spec.output_shift.begin(), spec.output_shift.end());
  m.shift = place(shifts.data(), shifts.size() * 4);
  m.output = arena.put(pl.output, nullptr, out_bytes);
  m.shipped = spec.shipped ? 1 : 0;
  m.keep_out = spec.keep_out;
  m.a_kept = spec.a_kept;
  if (spec.has_fused) {  // the fused operator's operand, and its parameters
    const LayerSpec::Fused& f = spec.fused;
    m.fused = 1;
    m.fused_op = f.op;
    m.fused_b = arena.put(pl.residual, data.residual.data(), data.residual.size());
    const int32_t q[11] = {f.a_zp, f.b_zp, f.out_zp, f.act_min, f.act_max, f.m_a, f.s_a, f.m_b, f.s_b, f.m_out, f.s_out};
    for (int k = 0; k < 11; ++k) m.fused_q[k] = q[k];
  }
  // Prepared before inference, as the board's model blob would carry them.
  std::vector<int32_t> folded(static_cast<size_t>(l.out_c));
  {
    sasim_drv::LayerDesc hl = layer_desc_from(spec, data, nullptr);
    sasim_drv::fold_biases(hl, folded.data());
  }
  // (Not what the exported bridge could not prepare: LayerSpec::prepared.)
  if (spec.prepared >= 1) m.folded_bias = place(folded.data(), folded.size() * 4);
  // The weights in the CFU's line order, when the layer uses them and they
  // fit what is left of the arena (otherwise the driver packs them itself).
  if (spec.prepared >= 2) {
    const sasim_drv::LayerDesc hl = layer_desc_from(spec, data, nullptr);
    const int bytes = sasim_drv::packed_weights_bytes(hw, hl);
    if (bytes > 0 && arena.needed() + static_cast<uint64_t>(bytes) + 16 <= arena_bytes_) {
      std::vector<int8_t> blob(static_cast<size_t>(bytes));
      sasim_drv::pack_weights(hw, hl, blob.data());
      m.packed_weights = place(blob.data(), blob.size());
      m.w_store = spec.w_store;  // the weight store, where the first inference put them
    }
  }
  if (spec.pair) put_producer(hw, *spec.pair, &arena, &m);
  {  // the mapping, on the host: the driver's own tests on the runner's view of the layer
    sasim_drv::LayerDesc hl = layer_desc_from(spec, data, nullptr);
    hl.folded_bias = m.folded_bias ? folded.data() : nullptr;
    hl.packed_weights = m.packed_weights ? data.filter.data() : nullptr;  // tested for presence only
    std::tie(last_mapping_, last_mapping_why_) = driver_mapping(hw, hl);
  }
  // Shipped and fused: the layer's own output, which the call names and the
  // fused run never writes (it writes the operator's, m.output).
  if (spec.shipped && spec.has_fused) m.fused_y = arena.put(pl.own_output, nullptr, out_bytes);
  if (arena.overflowed())
    throw ConfigError({{spec.name.empty() ? "layer" : spec.name, 0, 0, "",
                        fmt::format("its tensors need {} bytes on the board; the layer runner's arena holds {} "
                                    "(main_ram is {} MiB, cpu.memory.ram_bytes)",
                                    arena.needed(), arena_bytes_, mem_.ram_bytes >> 20)}});
  used_end_ = arena.end();
  if (carry_) carry_->constants_at = arena.next_skip();
  return run_mailbox(m, spec.name, out, out_bytes, profile, markers, max_cycles);
}


void BoardHost::load_fresh() {
  // A fresh board: the image in zeroed main_ram.
  mem_.clear();
  for (const ElfSegment& s : image_.segments) {
    if (s.bytes.size() > mem_.ram_bytes ||
        !mem_.in_ram(s.vaddr, static_cast<uint32_t>(std::max<size_t>(s.bytes.size(), 1))))
      throw ElfError(fmt::format("{}: segment at 0x{:08x} is outside main_ram", image_.path, s.vaddr));
    std::memcpy(&mem_.ram[s.vaddr - BoardMemory::kRamBase], s.bytes.data(), s.bytes.size());
  }
}

int BoardHost::run_cpu_op(const sasim_drv::HwDesc& hw, sasim_board::Mailbox m, const std::string& name, const std::vector<int8_t>& a,
                          const std::vector<int8_t>& b, int8_t* out, size_t out_bytes, CpuLayerProfile* profile,
                          MarkerListener* markers, uint64_t max_cycles, const TensorPlacement& pl) {
  load_fresh();
  ArenaFill arena(&mem_, arena_, arena_bytes_, pl, carry_ ? carry_->constants_at : 0);  // as run_layer
  put_hw(hw, &m);
  m.input = arena.put(pl.input, a.data(), a.size());
  m.input2 = b.empty() ? 0 : arena.put(pl.input2, b.data(), b.size());
  m.output = arena.put(pl.output, nullptr, out_bytes);
  // An elementwise chain's tail: the head's output, which its call names
  // (the tail's shape; the bridge leaves it unwritten).
  if (m.chain) m.chain_t0 = arena.put(pl.own_output, nullptr, out_bytes);
  if (arena.overflowed())
    throw ConfigError({{name, 0, 0, "",
                        fmt::format("its tensors need {} bytes on the board; the layer runner's arena holds {} "
                                    "(main_ram is {} MiB, cpu.memory.ram_bytes)",
                                    arena.needed(), arena_bytes_, mem_.ram_bytes >> 20)}});
  used_end_ = arena.end();
  if (carry_) carry_->constants_at = arena.next_skip();
  const int rc = run_mailbox(m, name, out, out_bytes, profile, markers, max_cycles);
  return rc;
}

int BoardHost::run_mailbox(const sasim_board::Mailbox& m, const std::string& name, int8_t* out, size_t out_bytes,
                           CpuLayerProfile* profile, MarkerListener* markers, uint64_t max_cycles) {
  std::memcpy(&mem_.ram[mailbox_ - BoardMemory::kRamBase], &m, sizeof m);
  last_mailbox_ = m;
  // Developer aid: SASIM_BOARD_IMAGE=DIR writes DIR/NAME.bin, main_ram from
  // 0x40000000 up to the end of the layer's tensors as the CPU starts, for
  // running the same layer on another model of the board (the runner writes
  // its cycles to the mailbox, sasim_mailbox in the runner ELF).
  if (const char* dir = std::getenv("SASIM_BOARD_IMAGE")) {
    const std::string path = fmt::format("{}/{}.bin", dir, name.empty() ? "layer" : name);
    if (std::FILE* f = std::fopen(path.c_str(), "wb")) {
      std::fwrite(mem_.ram, 1, used_end_ - BoardMemory::kRamBase, f);
      std::fclose(f);
    }
  }
  MarkerState st;
  st.cpu = &cpu_;
  st.listener = markers;
  cpu_.set_marker_hook(on_marker, &st);
  st.carry = carry_;
  cpu_.reset(image_.entry);
  // Developer aids: SASIM_RETIRE_LOG=FILE writes the retire trace of the
  // last layer, SASIM_BUS_LOG=FILE the memory path's accesses; a "%s" in FILE
  // is replaced by the layer's name (one file each).
  std::FILE* rlog = open_dev_log("SASIM_RETIRE_LOG", name);
  if (rlog) cpu_.set_retire_log(rlog);
  std::FILE* blog = open_dev_log("SASIM_BUS_LOG", name);
  if (blog) cpu_.set_bus_log(blog);
  if (markers && markers->sample_interval()) cpu_.set_sample_hook(markers->sample_interval(), on_sample, &st);
  const uint64_t start = cpu_.now();
  const StopInfo stop = cpu_.run(start + max_cycles);
  cpu_.set_marker_hook(nullptr, nullptr);
  cpu_.set_sample_hook(0, nullptr, nullptr);
  if (rlog) {
    cpu_.set_retire_log(nullptr);
    std::fclose(rlog);
  }
  if (blog) {
    cpu_.set_bus_log(nullptr);
    std::fclose(blog);
  }
  for (const ForkEvent& f : cpu_.forks()) forks_.push_back(f);
  if (stop.reason != StopReason::kExit) {
    const ElfSymbol* fn = image_.function_at(stop.pc);
    throw std::runtime_error(fmt::format("layer {}: the board program stopped at pc 0x{:08x}{} in cycle {}: {}",
                                         name, stop.pc, fn ? " in " + fn->name : std::string(), stop.cycle,
                                         stop.message));
  }
  sasim_board::Mailbox r;
  std::memcpy(&r, &mem_.ram[mailbox_ - BoardMemory::kRamBase], sizeof r);
  if (r.done != 1 || !st.started || !st.ended)
    throw std::runtime_error(fmt::format(
        "layer {}: the board program exited with code {} before finishing the layer{}", name, cpu_.exit_code(),
        r.done == 1 && r.status == sasim_board::kShippedNoAdopt
            ? " (the export's bridge could not take the layer's prepared state: its table, or the weight store)"
            : r.done == 1 ? fmt::format(" (status {})", r.status) : std::string()));
  std::memcpy(out, &mem_.ram[m.output - BoardMemory::kRamBase], out_bytes);
  last_on_cfu_ = r.on_cfu != 0;
  if (profile) {
    profile->cycles = r.cycles;
    profile->instret = r.instret;
    profile->counters = minus(st.at_end, st.at_start);
    profile->forks = st.forks_at_end - st.forks_at_start;
    profile->replays = st.replays_at_end - st.replays_at_start;
    if (profile->replays) profile->first_replay = cpu_.replays()[st.replays_at_start];
    std::map<std::string, uint64_t> by_fn;
    const std::vector<uint64_t>& pcc = cpu_.cycles_by_pc();
    for (size_t i = 0; i < pcc.size(); ++i) {
      if (!pcc[i]) continue;
      const ElfSymbol* fn = image_.function_at(BoardMemory::kRamBase + static_cast<uint32_t>(4 * i));
      by_fn[fn ? fn->name : "?"] += pcc[i];  // grouped by symbol; demangled once each below
    }
    std::map<std::string, std::vector<uint64_t>> mem_fn;
    for (const auto& [pc, v] : cpu_.data_mem_by_pc()) {
      const ElfSymbol* fn = image_.function_at(pc);
      std::vector<uint64_t>& acc = mem_fn[fn ? fn->name : "?"];
      acc.resize(kNumMemCauses);
      for (int i = 0; i < kNumMemCauses; ++i) acc[static_cast<size_t>(i)] += v[static_cast<size_t>(i)];
    }
    profile->data_mem_by_function.clear();
    for (auto& [name, v] : mem_fn) profile->data_mem_by_function[demangle(name)] = v;
    profile->top_functions.clear();
    for (const auto& [name, c] : by_fn) profile->top_functions.push_back({demangle(name), c});
    std::sort(profile->top_functions.begin(), profile->top_functions.end(),
              [](const auto& a, const auto& b) { return a.cycles > b.cycles; });
    if (profile->top_functions.size() > 8) profile->top_functions.resize(8);
  }
  return r.status;
}

}  // namespace sasim::cpu
