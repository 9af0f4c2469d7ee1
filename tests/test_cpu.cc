// The CPU model against the board reference (../shared/board-reference/,
// read in place): every program of every reference file runs on the CPU
// model of the core it was measured on, with the project's CFU model
// attached:
//   reference.csv, reference-hazards.csv                 perf+cfu-2021
//   cores/perf_cfu_2022/{reference,reference-hazards}.csv  perf+cfu
//   cores/full_cfu_2022/{reference,reference-hazards}.csv  full+cfu
//
// Tolerances (also stated in docs/cpu-model.md, "Calibration"):
//  * result words that are not timing (checksums, run_layer's return,
//    mismatch counts, CFU calibration words): exact;
//  * a microbenchmark's warm and cold deltas (words 1, 2) and its
//    total_cycles_to_exit: exact;
//  * layer cases' mcycle delta and cycles to exit: exact (kCaseCycles).
// Rows whose rule is not modelled yet are listed in kPending with the fact
// that pins them; the test counts them and checks they still run to exit.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <memory>
#include <random>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "board/cpu_ops.h"
#include "board/soc/cfu_monitor.h"
#include "cpu/board.h"
#include "cpu/board_host.h"
#include "cpu/cfu_hazards.h"
#include "cpu/params.h"
#include "model/core_params.h"
#include "sasim/config.h"
#include "sasim/cpu_ops.h"
#include "test_support.h"

namespace {

const std::string kRef = std::string(SASIM_SHARED_DIR) + "/board-reference";
// Layer cases: mcycle delta and cycles to exit exact.
constexpr uint64_t kCaseCycles = 0;

struct RefRow {
  std::string program, elf, memory;
  std::vector<uint64_t> words;
  uint64_t mcycle_delta = 0, total = 0;
  int rd = 0, beat = 0, wr = 0;
};

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, sep)) out.push_back(item);
  return out;
}

std::vector<RefRow> read_reference(const std::string& file) {
  std::ifstream f(kRef + "/" + file);
  INFO(file);
  REQUIRE(f.good());
  std::string line;
  std::getline(f, line);
  REQUIRE(line == "program,elf,memory,expected_result_words,mcycle_delta,total_cycles_to_exit");
  std::vector<RefRow> rows;
  while (std::getline(f, line)) {
    if (line.empty()) continue;
    const auto c = split(line, ',');
    REQUIRE(c.size() == 6);
    RefRow r;
    r.program = c[0];
    r.elf = c[1];
    r.memory = c[2];
    for (const auto& w : split(c[3], ';')) r.words.push_back(std::stoull(w));
    r.mcycle_delta = std::stoull(c[4]);
    r.total = std::stoull(c[5]);
    const auto m = split(c[2], '/');
    REQUIRE(m.size() == 3);
    r.rd = std::stoi(m[0]);
    r.beat = std::stoi(m[1]);
    r.wr = std::stoi(m[2]);
    rows.push_back(r);
  }
  return rows;
}

struct Run {
  sasim::cpu::StopInfo stop;
  std::vector<uint32_t> words;
  size_t forks = 0;
};

Run run_program(const RefRow& r, const std::string& variant) {
  // The CFU the reference was measured with: no im2col extension, the
  // combinational post-processor (READ NEXT latency 2).
  const sasim::HwConfig hw = sasim::load_hw_config(
      "", {sasim::parse_override("cpu.variant=" + variant), sasim::parse_override("array.im2col=false"), sasim::parse_override("array.eltwise=false"),
           sasim::parse_override("array.read_prefetch=false"),
           sasim::parse_override("cpu.memory.model=fixed"),
           sasim::parse_override("cpu.memory.read_first=" + std::to_string(r.rd)),
           sasim::parse_override("cpu.memory.read_beat=" + std::to_string(r.beat)),
           sasim::parse_override("cpu.memory.write=" + std::to_string(r.wr))});
  const sasim::cpu::ElfImage img = sasim::cpu::load_elf(kRef + "/" + r.elf);
  auto board = std::make_unique<sasim::cpu::Board>(sasim::cpu::cpu_params_from(hw), sasim::core_params_from(hw));
  board->load(img);
  Run out;
  out.stop = board->run(img.entry, 1'000'000'000);
  out.words = board->cpu.result_words();
  out.forks = board->cpu.forks().size();
  return out;
}

// Rows not reproduced yet, with the rule they wait for (docs/cpu-model.md,
// "Not modelled yet"). "*" matches every variant.
struct Pending {
  const char* variant;
  const char* program;
  const char* why;
};
const Pending kPending[] = {
    // F22: the fork behind the replayed READ RAW is modelled (the checksum is
    // exact), its timing not: the warm delta is 1 cycle over.
    {"perf+cfu-2021", "replay_raw_miss_d1", "F22 fork timing"},
};

const char* pending(const std::string& variant, const std::string& program) {
  for (const Pending& p : kPending)
    if ((std::string(p.variant) == "*" || variant == p.variant) && program == p.program) return p.why;
  return nullptr;
}

void check_file(const std::string& file, const std::string& variant, bool cases) {
  int checked = 0, skipped = 0;
  for (const RefRow& r : read_reference(file)) {
    const bool is_case = r.elf.rfind("elf/cases/", 0) == 0;
    if (is_case != cases) continue;
    INFO(file << ": " << r.program << " at " << r.memory << " on " << variant);
    const Run run = run_program(r, variant);
    if (const char* why = pending(variant, r.program)) {
      INFO("pending: " << why);
      ++skipped;
      CHECK(run.stop.reason == sasim::cpu::StopReason::kExit);
      continue;
    }
    ++checked;
    REQUIRE(run.stop.reason == sasim::cpu::StopReason::kExit);
    REQUIRE(run.words.size() == r.words.size());
    if (is_case) CHECK(run.stop.cycle <= r.total + kCaseCycles);
    if (is_case) CHECK(run.stop.cycle + kCaseCycles >= r.total);
    else CHECK(run.stop.cycle == r.total);  // cycles to exit: exact
    if (is_case) {
      CHECK(run.words[0] == r.words[0]);
      CHECK(run.words[1] <= r.mcycle_delta + kCaseCycles);
      CHECK(run.words[1] + kCaseCycles >= r.mcycle_delta);
      for (size_t i = 2; i < r.words.size(); ++i) CHECK(run.words[i] == r.words[i]);
    } else {
      CHECK(run.words[0] == r.words[0]);              // checksum (functional; F19 for the fork probe)
      CHECK(run.words[1] == r.mcycle_delta);          // warm delta: exact
      CHECK(run.words[2] == r.words[2]);              // cold delta: exact
      if (r.words.size() > 3) CHECK(run.words[3] == r.words[3]);  // the cold run's checksum
    }
    // F19: on the 2021 core the fork happens in exactly one reference run;
    // the 2022 cores never fork.
    const bool fork_expected =
        variant == "perf+cfu-2021" && r.program == "cfu_fork_after_stores" && r.memory == "24/2/3";
    CHECK((run.forks > 0) == fork_expected);
  }
  CHECK(checked > 0);
  WARN(file << " on " << variant << ": " << checked << " rows checked, " << skipped << " pending");
}

struct RefFile {
  const char* variant;
  const char* dir;
};
const RefFile kFiles[] = {{"perf+cfu-2021", ""}, {"perf+cfu", "cores/perf_cfu_2022/"}, {"full+cfu", "cores/full_cfu_2022/"}};

}  // namespace

TEST_CASE("microbenchmarks reproduce each core's results and cycles", "[cpu][calibration]") {
  for (const RefFile& f : kFiles) {
    check_file(std::string(f.dir) + "reference.csv", f.variant, false);
    check_file(std::string(f.dir) + "reference-hazards.csv", f.variant, false);
  }
}

TEST_CASE("layer cases (the driver on the board) reproduce each core's results and cycles", "[cpu][calibration][slow]") {
  for (const RefFile& f : kFiles) check_file(std::string(f.dir) + "reference.csv", f.variant, true);
}

// Traps and interrupts (docs/cpu-model.md, "Traps and interrupts"): the
// programs of tests/firmware/cpu_traps against what the users' perf+cfu RTL
// gave for them (reference.csv, scripts/vexriscv_rtl/measure): every word
// (the handlers' mcause, mtval and mepc records, entry counts, mcycle
// deltas) and the cycles to exit, exact. The held_* programs were written
// and measured after the rules were fixed, and never used to derive them.
TEST_CASE("trap and interrupt programs reproduce the users' core's results and cycles", "[cpu][calibration][traps]") {
  std::ifstream f(std::string(SASIM_TRAPS_DIR) + "/reference.csv");
  REQUIRE(f.good());
  std::string line;
  std::getline(f, line);
  REQUIRE(line == "program,memory,expected_result_words,total_cycles_to_exit");
  int rows = 0, held = 0;
  while (std::getline(f, line)) {
    if (line.empty()) continue;
    const auto c = split(line, ',');
    REQUIRE(c.size() == 4);
    INFO(c[0] << " at " << c[1]);
    const auto m = split(c[1], '/');
    REQUIRE(m.size() == 3);
    const sasim::HwConfig hw = sasim::load_hw_config(
        "", {sasim::parse_override("cpu.memory.model=fixed"), sasim::parse_override("cpu.memory.read_first=" + m[0]),
             sasim::parse_override("cpu.memory.read_beat=" + m[1]), sasim::parse_override("cpu.memory.write=" + m[2])});
    const sasim::cpu::ElfImage img = sasim::cpu::load_elf(std::string(SASIM_TRAPS_ELF_DIR) + "/" + c[0] + ".elf");
    auto board = std::make_unique<sasim::cpu::Board>(sasim::cpu::cpu_params_from(hw), sasim::core_params_from(hw));
    board->load(img);
    const sasim::cpu::StopInfo stop = board->run(img.entry, 100'000'000);
    INFO(stop.message);
    REQUIRE(stop.reason == sasim::cpu::StopReason::kExit);
    std::string words;
    for (size_t i = 0; i < board->cpu.result_words().size(); ++i)
      words += (i ? ";" : "") + std::to_string(board->cpu.result_words()[i]);
    CHECK(words == c[2]);
    CHECK(stop.cycle == std::stoull(c[3]));
    // Every program takes traps but these three, which check that none is
    // taken (an mret alone; a wfi woken with mstatus.MIE off).
    if (c[0] != "trap_mret_alone" && c[0] != "wfi_no_mie" && c[0] != "wfi_pending") CHECK(board->cpu.traps() > 0);
    if (c[0] == "wfi_no_mie" || c[0] == "wfi_pending") CHECK(board->cpu.traps() == 0);
    ++rows;
    held += c[0].rfind("held_", 0) == 0;
  }
  CHECK(rows >= 60);
  CHECK(held >= 8);
  WARN("cpu_traps/reference.csv: " << rows << " rows, " << held << " of them held out");
}

TEST_CASE("a CPU variant is validated and sets the caches it is generated with", "[cpu][config]") {
  const auto hw = [](const std::string& v) { return sasim::load_hw_config("", {sasim::parse_override("cpu.variant=" + v)}); };
  CHECK(hw("full+cfu").cpu.icache_bytes == 4096);
  CHECK(hw("full+cfu").cpu.dcache_bytes == 4096);
  CHECK(hw("perf+cfu").cpu.icache_bytes == 8192);
  CHECK(hw("perf+cfu-2021").cpu.dcache_bytes == 8192);
  CHECK(sasim::load_hw_config("", {}).cpu.variant == sasim::CpuVariant::kPerfCfu);
  CHECK(sasim::cpu::cpu_params_from(hw("full+cfu")).perf_csrs == false);
  CHECK(sasim::cpu::cpu_params_from(hw("perf+cfu-2021")).cfu_plugin == sasim::cpu::CfuPluginRev::k2021);
  // An explicit cache size wins over the variant's.
  const auto big = sasim::load_hw_config(
      "", {sasim::parse_override("cpu.variant=full+cfu"), sasim::parse_override("cpu.icache_bytes=16384")});
  CHECK(big.cpu.icache_bytes == 16384);
  CHECK(big.cpu.dcache_bytes == 4096);
  try {
    hw("perf+cfu-2023");
    FAIL("no error");
  } catch (const sasim::ConfigError& e) {
    const std::string what = e.what();
    CHECK(what.find("variant") != std::string::npos);
    CHECK(what.find("perf+cfu-2023") != std::string::npos);
    CHECK(what.find("--set") != std::string::npos);
  }
}

TEST_CASE("an idle CFU span skipped in bulk equals stepping it", "[cpu][cfu]") {
  // Start an 8x8x8 pass, then let the bus idle across and beyond its end:
  // CfuCore::idle(n) must leave the core exactly as n idle step() calls.
  sasim::CoreParams p;
  p.rows = p.cols = 8;
  p.a_lines = p.b_lines = 64;
  p.c_lines = 64;
  for (uint64_t n : {0ull, 1ull, 5ull, 17ull, 40ull, 1000ull}) {
    sasim::CfuCore a(p), b(p);
    auto cmd = [](sasim::CfuCore& c, uint32_t fid, uint32_t x, uint32_t y) {
      sasim::BusIn in;
      in.cmd_valid = true;
      in.function_id = fid;
      in.inputs_0 = x;
      in.inputs_1 = y;
      c.step(in);
      sasim::BusIn idle;
      while (!c.outputs().rsp_valid) c.step(idle);
      c.step(idle);  // response taken
    };
    for (sasim::CfuCore* c : {&a, &b}) {
      cmd(*c, sasim_isa::kReset, 0, 0);
      for (int i = 0; i < 8; ++i) cmd(*c, sasim_isa::kWriteA, 0x01020304u * (i + 1), 0x05060708u);
      for (int i = 0; i < 8; ++i) cmd(*c, sasim_isa::kWriteB, 0x11121314u, 0x15161718u * (i + 1));
      cmd(*c, sasim_isa::kStart, 8u | 8u << 16, 8u | sasim_isa::kFlagClear << 8);
    }
    a.idle(n);
    const sasim::BusIn idle;
    for (uint64_t i = 0; i < n; ++i) b.step(idle);
    INFO("n = " << n);
    CHECK(a.counters().cycles == b.counters().cycles);
    for (int k = 0; k < 5; ++k) CHECK(a.counters().by_kind[k] == b.counters().by_kind[k]);
    CHECK(a.counters().macs == b.counters().macs);
    CHECK(a.array().busy() == b.array().busy());
    CHECK(a.outputs().cmd_ready == b.outputs().cmd_ready);
    // Both read back the same accumulators.
    cmd(a, sasim_isa::kWait, 0, 0);
    cmd(b, sasim_isa::kWait, 0, 0);
    cmd(a, sasim_isa::kRead | 1 << 3, 0, 0);
    cmd(b, sasim_isa::kRead | 1 << 3, 0, 0);
    for (int i = 0; i < 8; ++i) {
      sasim::BusIn in;
      in.cmd_valid = true;
      in.function_id = sasim_isa::kRead | 2 << 3;
      a.step(in);
      b.step(in);
      sasim::BusIn none;
      while (!a.outputs().rsp_valid) a.step(none);
      while (!b.outputs().rsp_valid) b.step(none);
      CHECK(a.outputs().rsp_payload == b.outputs().rsp_payload);
      a.step(none);
      b.step(none);
    }
  }
}

namespace {

// A CFU that holds two commands and answers each 3 cycles after taking it,
// in order (a pipelined user CFU), for the bus monitor's test.
class TwoDeepCfu : public sasim::cpu::CfuPort {
 public:
  sasim::BusOut outputs() const override {
    sasim::BusOut o;
    o.cmd_ready = q_.size() < 2;
    o.rsp_valid = !q_.empty() && q_.front().first <= t_;
    o.rsp_payload = o.rsp_valid ? q_.front().second : 0;
    return o;
  }
  void step(const sasim::BusIn& in) override {
    const sasim::BusOut o = outputs();
    if (o.rsp_valid && in.rsp_ready) q_.erase(q_.begin());
    if (in.cmd_valid && o.cmd_ready) q_.push_back({t_ + 3, in.function_id});
    ++t_;
  }
  void idle(uint64_t n, bool) override {
    idled += n;
    t_ += n;
  }
  uint64_t idled = 0;

 private:
  uint64_t t_ = 0;
  std::vector<std::pair<uint64_t, uint32_t>> q_;
};

}  // namespace

TEST_CASE("the CFU bus monitor counts a pipelined CFU's handshakes exactly", "[cpu][cfu][board]") {
  TwoDeepCfu cfu;
  sasim::soc::CfuMonitor m(&cfu, 10);
  // Cycle by cycle: commands 9, 9, then 10 presented from cycle 2 (the CFU
  // is full in cycles 2 and 3, takes it in 4); the answer of the second
  // command (ready in 4) waits one cycle for rsp_ready.
  struct In {
    bool valid;
    uint32_t fid;
    bool rsp_ready;
  };
  const In seq[] = {{true, 9, true}, {true, 9, true}, {true, 10, true}, {true, 10, true},
                    {true, 10, false}, {false, 0, true}, {false, 0, true}, {false, 0, true}, {false, 0, true}};
  for (const In& x : seq) {
    sasim::BusIn in;
    in.cmd_valid = x.valid;
    in.function_id = x.fid;
    in.rsp_ready = x.rsp_ready;
    m.step(in);
  }
  CHECK(m.total().commands == 3);
  CHECK(m.total().cmd_wait == 2);     // cycles 2 and 3
  CHECK(m.total().latency == 3 + 4 + 3);  // answered in 3, 5 (one cycle stalled) and 7
  CHECK(m.total().rsp_stalled == 1);  // cycle 4
  CHECK(m.busy() == 7);               // cycles 1 .. 7 start with a command outstanding
  REQUIRE(m.by_function().size() == 2);
  CHECK(m.by_function().at(9).commands == 2);
  CHECK(m.by_function().at(9).latency == 7);
  CHECK(m.by_function().at(9).rsp_stalled == 1);
  CHECK(m.by_function().at(10).cmd_wait == 2);
  CHECK(m.by_function().at(10).latency == 3);
  // The timeline: the two 9s as one span (the second taken within the gap),
  // then the 10.
  REQUIRE(m.spans().size() == 2);
  CHECK(m.spans()[0].function_id == 9);
  CHECK(m.spans()[0].from == 0);
  CHECK(m.spans()[0].to == 5);
  CHECK(m.spans()[0].commands == 2);
  CHECK(m.spans()[1].from == 4);
  CHECK(m.spans()[1].to == 7);
  // Nothing outstanding: an idle span goes to the CFU in one call.
  m.idle(100, true);
  CHECK(cfu.idled == 100);
  CHECK(m.now() == 9 + 100);
  CHECK(sasim::soc::CfuMonitor::function_name(5 | 0 << 3, true) == "READ NEXT (5,0)");
  CHECK(sasim::soc::CfuMonitor::function_name(0 | 13 << 3, true) == "A_FILL (0,13)");
  CHECK(sasim::soc::CfuMonitor::function_name(0 | 14 << 3, true) == "(not a command) (0,14)");
  CHECK(sasim::soc::CfuMonitor::function_name(1, false) == "(1,0)");
}

TEST_CASE("a program that misbehaves stops with the pc, the instruction and the cycle", "[cpu]") {
  sasim::cpu::CpuParams cp;
  sasim::CoreParams p;
  p.a_lines = p.b_lines = p.c_lines = 64;
  auto run_words = [&](std::vector<uint32_t> code, sasim::cpu::StopReason want, const char* msg_part) {
    sasim::cpu::Board board(cp, p);
    for (size_t i = 0; i < code.size(); ++i)
      std::memcpy(&board.mem.ram[4 * i], &code[i], 4);
    const auto stop = board.run(sasim::cpu::BoardMemory::kRamBase, 100000);
    CHECK(stop.reason == want);
    CHECK(stop.message.find(msg_part) != std::string::npos);
    return stop;
  };
  // 0xffffffff: illegal.
  auto s = run_words({0x00000013u, 0xffffffffu}, sasim::cpu::StopReason::kIllegalInstruction, "illegal");
  CHECK(s.pc == sasim::cpu::BoardMemory::kRamBase + 4);
  CHECK(s.instruction == 0xffffffffu);
  // lui t0, 0x10000; lw t1, 0(t0): unmapped.
  run_words({0x100002b7u, 0x0002a303u}, sasim::cpu::StopReason::kBadAccess, "0x10000000");
  // j . : never exits; the stop names the instruction it was at.
  s = run_words({0x0000006fu}, sasim::cpu::StopReason::kMaxCycles, "cycle limit");
  CHECK(s.cycle > 100000);
  CHECK(s.instruction == 0x0000006fu);
  // c.nop; c.nop (an rv32imc build): the core has no C extension, and says so.
  s = run_words({0x00010001u}, sasim::cpu::StopReason::kIllegalInstruction, "compressed (RVC)");
  CHECK(s.message.find("-march=rv32im") != std::string::npos);
}

#include "cpu/board_host.h"
#include "model/host.h"
#include "sasim/case_io.h"

TEST_CASE("the layer runner on the board model is bit-exact and its cycles are the runner's mcycle delta", "[cpu][board]") {
  // The board build of the driver on the CPU model with the plain cycle
  // model behind the port. (The reference layer programs ran the driver of
  // an earlier revision; the calibration tests above compare those ELFs.)
  const sasim::HwConfig hw = sasim::load_hw_config("", {});
  const sasim::CoreParams cp = sasim::core_params_from(hw);
  sasim::CfuCore core(cp);
  sasim::cpu::CoreCfuPort port(&core);
  sasim::cpu::BoardHost board(sasim::cpu::cpu_params_from(hw), &port);
  for (const char* name : {"synthetic__01_conv2d", "resnet8__14_fully_connected", "synthetic__04_fully_connected",
                           "synthetic__03_depthwise_conv2d"}) {
    const sasim::LayerCase c = sasim::load_case(std::string(SASIM_SHARED_DIR) + "/vectors/" + name);
    std::vector<int8_t> out(static_cast<size_t>(c.spec.output_elems()));
    sasim::cpu::CpuLayerProfile prof;
    const int rc = board.run_layer(sasim::hw_desc_from(cp), c.spec, c.data, out.data(), &prof);
    INFO(name << ": " << prof.cycles << " cycles");
    CHECK(rc == 0);
    CHECK(out == c.data.output);
    // The mcycle window lies inside the run, and every class of the CPU's
    // cycles inside the markers adds up to about the same span.
    CHECK(prof.cycles > 0);
    CHECK(prof.cycles < board.cpu().exit_cycle());
    uint64_t classes = 0;
    for (uint64_t v : prof.counters.cycles_by_class) classes += v;
    CHECK(classes >= prof.cycles);
    // The marker stores and the CSR reads are separate instructions: CSR
    // drains and, depending on the runner's code layout, an I$ line refill at
    // either end (about 45 cycles each at 24/2/3) can fall between them.
    CHECK(classes <= prof.cycles + 256);
    // minstret around run_layer vs. retirements between the marker stores
    // (a few set-up instructions apart).
    CHECK(prof.counters.retired >= prof.instret);
    CHECK(prof.counters.retired <= prof.instret + 8);
    CHECK(prof.counters.cfu_instructions > 0);
    CHECK(!prof.top_functions.empty());
  }
}

// A whole network's layer as `sasim run` gives it to the board: through the
// export's entry and bridge, its residual ADD fused in place, its tensors at
// TFLite Micro's arena plan's offsets (ResNet-8's second residual conv as
// the plan lays it out: input and ADD output at 0, the conv's own output at
// 0x4000, the skip operand at 0x8000; tests/test_tflite.cc) in a planned
// area on a 16 KiB boundary. The output is the golden conv through the
// golden ADD.
TEST_CASE("the board places a layer's tensors at the arena plan's offsets, in place", "[cpu][board]") {
  const sasim::HwConfig hw = sasim::load_hw_config("", {});
  const sasim::CoreParams cp = sasim::core_params_from(hw);
  sasim::CfuCore core(cp);
  sasim::cpu::CoreCfuPort port(&core);
  sasim::cpu::BoardHost board(sasim::cpu::cpu_params_from(hw), &port);
  sasim::LayerCase c = sasim::load_case(std::string(SASIM_SHARED_DIR) + "/vectors/resnet8__02_conv2d");
  const size_t n = c.data.output.size();
  REQUIRE(n == 0x4000);
  std::mt19937 rng(3);
  c.data.residual.resize(n);
  for (auto& v : c.data.residual) v = static_cast<int8_t>(rng() % 256);
  const sasim::QuantParam qy{0.04f, c.spec.output_zero_point}, qx{0.05f, -7}, qo{0.08f, 3};
  int32_t m[3] = {0, 0, 0};
  int s[3] = {0, 0, 0};
  sasim::add_multipliers(qy, qx, qo, m, s);
  sasim_test::set_fused(&c.spec, sasim_isa::kEwAdd, m, s, qy, qx, qo);
  c.spec.shipped = true;
  c.spec.in_place = true;
  c.spec.in_place_offset = 0;
  c.spec.placement.planned_bytes = 0xc000;
  c.spec.placement.input = 0;
  c.spec.placement.output = 0;
  c.spec.placement.own_output = 0x4000;
  c.spec.placement.residual = 0x8000;
  std::vector<int8_t> want;
  const sasim::Shape flat{static_cast<int>(n)};
  sasim::add_int8(c.data.output, flat, qy, c.data.residual, flat, qx, qo, 0, flat, &want);
  std::vector<int8_t> out(n);
  sasim::cpu::CpuLayerProfile prof;
  REQUIRE(board.run_layer(sasim::hw_desc_from(cp), c.spec, c.data, out.data(), &prof) == 0);
  CHECK(out == want);
  const sasim_board::Mailbox& mb = board.last_mailbox();
  CHECK(mb.input % 0x4000 == 0);
  CHECK(mb.output == mb.input);
  CHECK(mb.fused_y == mb.input + 0x4000);
  CHECK(mb.fused_b == mb.input + 0x8000);
  CHECK(mb.filter >= mb.input + 0xc000);  // the unplanned tensors after the planned area
}

TEST_CASE("F19 at write latency 2: the programs facts.md names fork, the others do not", "[cpu][fork]") {
  // facts.md F19: at the sweep point w2 (1/1/2) a CFU instruction close behind
  // the stack-saving store burst forks in these programs on the 2021 core, and
  // in cfu_write_from_loads the forked `lui a1` gets 0xffffffff so that the
  // next lw traps on a misaligned address (the reference core then hangs in
  // mtvec).
  const sasim::HwConfig hw = sasim::load_hw_config(
      "", {sasim::parse_override("cpu.variant=perf+cfu-2021"), sasim::parse_override("array.im2col=false"), sasim::parse_override("array.eltwise=false"),
           sasim::parse_override("array.read_prefetch=false"), sasim::parse_override("cpu.memory.model=fixed"),
           sasim::parse_override("cpu.memory.read_first=1"),
           sasim::parse_override("cpu.memory.read_beat=1"), sasim::parse_override("cpu.memory.write=2")});
  auto run = [&](const std::string& name, sasim::cpu::StopInfo* stop) {
    const sasim::cpu::ElfImage img = sasim::cpu::load_elf(kRef + "/elf/micro/" + name + ".elf");
    auto board = std::make_unique<sasim::cpu::Board>(sasim::cpu::cpu_params_from(hw), sasim::core_params_from(hw));
    board->load(img);
    *stop = board->run(img.entry, 1'000'000);
    return board->cpu.forks().size();
  };
  sasim::cpu::StopInfo stop;
  for (const char* p : {"cfu_read_next", "cfu_read_next_use", "cfu_start_read_tiny", "cfu_start_wait_8x8",
                        "cfu_write_a_stream", "cfu_write_b_stream"}) {
    INFO(p);
    CHECK(run(p, &stop) > 0);
    CHECK(stop.reason == sasim::cpu::StopReason::kExit);
  }
  for (const char* p : {"cfu_id_dep", "cfu_id_indep", "cfu_id_alu3", "nop_256", "store_burst_seq"}) {
    INFO(p);
    CHECK(run(p, &stop) == 0);
    CHECK(stop.reason == sasim::cpu::StopReason::kExit);
  }
  CHECK(run("cfu_write_from_loads", &stop) > 0);
  CHECK(stop.reason == sasim::cpu::StopReason::kMisaligned);
  CHECK(stop.instruction == 0x0005ae03u);  // lw t3, 0(a1) with a1 = 0xffffffff
}

TEST_CASE("the 2022 cores never fork: the same programs at write latency 2 run clean", "[cpu][fork]") {
  // cores/perf_cfu_2022/README.md: the fork counter is 0 in every run, also
  // at memory points where the 2021 core forks and hangs (1/1/2).
  for (const char* variant : {"perf+cfu", "full+cfu"}) {
    const sasim::HwConfig hw = sasim::load_hw_config(
        "", {sasim::parse_override(std::string("cpu.variant=") + variant), sasim::parse_override("array.im2col=false"), sasim::parse_override("array.eltwise=false"),
             sasim::parse_override("array.read_prefetch=false"), sasim::parse_override("cpu.memory.model=fixed"),
           sasim::parse_override("cpu.memory.read_first=1"),
             sasim::parse_override("cpu.memory.read_beat=1"), sasim::parse_override("cpu.memory.write=2")});
    for (const char* p : {"cfu_read_next", "cfu_read_next_use", "cfu_start_read_tiny", "cfu_start_wait_8x8",
                          "cfu_write_a_stream", "cfu_write_b_stream", "cfu_write_from_loads", "cfu_fork_after_stores"}) {
      INFO(variant << ": " << p);
      const sasim::cpu::ElfImage img = sasim::cpu::load_elf(kRef + "/elf/micro/" + p + ".elf");
      auto board = std::make_unique<sasim::cpu::Board>(sasim::cpu::cpu_params_from(hw), sasim::core_params_from(hw));
      board->load(img);
      const sasim::cpu::StopInfo stop = board->run(img.entry, 1'000'000);
      CHECK(stop.reason == sasim::cpu::StopReason::kExit);
      CHECK(board->cpu.forks().empty());
    }
  }
}

#include "cpu/feed_bench.h"

TEST_CASE("feed rates: no faster than the CFU handshake allows, slower with DDR latency", "[cpu][bounds]") {
  auto rates = [](int rd, int beat, int wr, bool prefetch) {
    sasim::HwConfig hw = sasim::load_hw_config("", {});
    hw.cpu.memory_model = sasim::CpuMemoryModel::kFixed;
    hw.cpu.read_first = rd;
    hw.cpu.read_beat = beat;
    hw.cpu.write = wr;
    hw.read_prefetch = prefetch;
    return sasim::cpu::measure_feed_rates(sasim::cpu::cpu_params_from(hw), sasim::core_params_from(hw));
  };
  const auto ideal = rates(1, 1, 1, true), ddr = rates(24, 2, 3, true);
  const auto ideal_ref = rates(1, 1, 1, false);
  // F16: back-to-back CFU instructions are 2 cycles apart; F18: READ NEXT of
  // the reference CFU (latency 2) streams at 3 cycles each; the prefetching
  // post-processor answers with latency 1, so READ NEXT is bound by F16 and
  // the loop around it only.
  CHECK(ideal.write_cycles_per_8_bytes >= 2.0);
  CHECK(ideal_ref.read_cycles_per_4_bytes >= 3.0);
  CHECK(ideal.read_cycles_per_4_bytes >= 2.0);
  CHECK(ideal.read_cycles_per_4_bytes < ideal_ref.read_cycles_per_4_bytes);
  // The writes stream operands from DRAM: every 32-byte line is a refill.
  CHECK(ddr.write_cycles_per_8_bytes > ideal.write_cycles_per_8_bytes + (42 - 12) / 4.0 - 0.5);
  CHECK(ddr.read_cycles_per_4_bytes >= ideal.read_cycles_per_4_bytes);
  // On the 2022 core (the default) a READ waits until the two stores before
  // it have left writeback: a line (two READs, the pointer step, two stores)
  // takes 7 cycles, the loop's branch one more per 8 lines: 57 / 16 cycles
  // per word, with the loop's code already in the I$ (plus the jump into
  // the timed pass: 7 cycles over 512 words).
  CHECK(ddr.read_cycles_per_4_bytes == Approx(57.0 / 16.0).epsilon(0.005));
}

TEST_CASE("feed rates: measured on every dataflow and array shape", "[cpu][bounds]") {
  // OS passes bound M (not K) by the rows: the benchmark's pass must follow.
  for (const char* df : {"ws", "os"}) {
    for (const char* shape : {"1", "5", "8", "16"}) {
      CAPTURE(df, shape);
      const sasim::HwConfig hw = sasim::load_hw_config(
          "", {sasim::parse_override(std::string("array.dataflow=") + df),
               sasim::parse_override(std::string("array.rows=") + shape),
               sasim::parse_override(std::string("array.cols=") + shape)});
      const auto r = sasim::cpu::measure_feed_rates(sasim::cpu::cpu_params_from(hw), sasim::core_params_from(hw));
      CHECK(r.write_cycles_per_8_bytes >= 2.0);
      CHECK(r.read_cycles_per_4_bytes >= 3.0);
    }
  }
}

TEST_CASE("the board's CPU-operator kernels equal the golden operators", "[cpu][board][cpu_ops]") {
  // Seeded tensors through the runner's kernels on the CPU model; each must
  // produce the golden operator's bytes, in a positive number of cycles.
  const sasim::HwConfig hw = sasim::load_hw_config("", {});
  sasim::CfuCore core(sasim::core_params_from(hw));
  sasim::cpu::CoreCfuPort port(&core);
  sasim::cpu::BoardHost board(sasim::cpu::cpu_params_from(hw), &port);
  std::mt19937 rng(7);
  auto tensor = [&](size_t n) {
    std::vector<int8_t> v(n);
    for (auto& x : v) x = static_cast<int8_t>(static_cast<int>(rng() % 256) - 128);
    return v;
  };
  const sasim_drv::HwDesc with_ew = sasim::hw_desc_from(sasim::core_params_from(hw));
  sasim_drv::HwDesc no_ew = with_ew;
  no_ew.eltwise = false;
  uint64_t last_cycles = 0;
  auto run_on = [&](const sasim_drv::HwDesc& h, sasim_board::Mailbox mb, const std::vector<int8_t>& a,
                    const std::vector<int8_t>& b, size_t n) {
    std::vector<int8_t> out(n);
    sasim::cpu::CpuLayerProfile prof;
    CHECK(board.run_cpu_op(h, mb, "test", a, b, out.data(), out.size(), &prof) == 0);
    CHECK(prof.cycles > n / 4);  // at least a cycle per four elements
    last_cycles = prof.cycles;
    return out;
  };
  auto run = [&](sasim_board::Mailbox mb, const std::vector<int8_t>& a, const std::vector<int8_t>& b, size_t n) {
    return run_on(no_ew, mb, a, b, n);
  };
  SECTION("MAX_POOL_2D and AVERAGE_POOL_2D, SAME padding with clipped windows and a clamp") {
    // 5 channels (the per-channel tail only) and 19 (two blocks of eight
    // channels in registers, then three).
    for (int ch : {5, 19}) {
    INFO(ch << " channels");
    sasim::PoolParams p{1, 7, 9, ch, 4, 5, 3, 2, 2, 2, 1, 0};
    p.act_min = -100;
    p.act_max = 90;
    const std::vector<int8_t> in = tensor(7 * 9 * static_cast<size_t>(ch));
    for (bool max : {true, false}) {
      sasim_board::Mailbox mb{};
      mb.kind = max ? sasim_board::kCpuMaxPool : sasim_board::kCpuAveragePool;
      mb.batches = 1;
      mb.in_h = 7;
      mb.in_w = 9;
      mb.in_c = ch;
      mb.out_h = 4;
      mb.out_w = 5;
      mb.k_h = 3;
      mb.k_w = 2;
      mb.stride_h = 2;
      mb.stride_w = 2;
      mb.pad_top = 1;
      mb.act_min = p.act_min;
      mb.act_max = p.act_max;
      std::vector<int8_t> want;
      if (max) sasim::max_pool_int8(in, p, &want);
      else sasim::average_pool_int8(in, p, &want);
      CHECK(run(mb, in, {}, want.size()) == want);
    }
    }
  }
  SECTION("AVERAGE_POOL_2D: the average by a reciprocal for every window size, the divide past 257") {
    // Windows clipped by SAME padding to many counts, whole windows, one of
    // 1 x 1 (count 1), 16 x 16 (256: the reciprocal's largest sums), 17 x 16
    // (272: the divide), batches of two; all -128 and all 127 fill the sums
    // to their extremes; a clamp.
    struct Geo {
      int b, ih, iw, c, oh, ow, kh, kw, sh, sw, pt, pl;
    };
    const Geo geos[] = {{1, 7, 9, 12, 4, 5, 3, 2, 2, 2, 1, 0},  {2, 5, 5, 8, 5, 5, 5, 5, 1, 1, 2, 2},
                        {1, 3, 3, 4, 3, 3, 1, 1, 1, 1, 0, 0},   {1, 16, 16, 64, 1, 1, 16, 16, 1, 1, 0, 0},
                        {1, 17, 16, 4, 1, 1, 17, 16, 1, 1, 0, 0}, {1, 25, 5, 64, 1, 1, 25, 5, 1, 1, 0, 0}};
    for (const Geo& g : geos)
      for (int fill = 0; fill < 3; ++fill) {  // random, all -128, all 127
        INFO(g.ih << "x" << g.iw << "x" << g.c << " window " << g.kh << "x" << g.kw << " fill " << fill);
        sasim::PoolParams p{g.b, g.ih, g.iw, g.c, g.oh, g.ow, g.kh, g.kw, g.sh, g.sw, g.pt, g.pl};
        p.act_min = fill == 0 ? -100 : -128;
        p.act_max = fill == 0 ? 90 : 127;
        std::vector<int8_t> in = tensor(static_cast<size_t>(g.b * g.ih * g.iw * g.c));
        if (fill) std::fill(in.begin(), in.end(), static_cast<int8_t>(fill == 1 ? -128 : 127));
        sasim_board::Mailbox mb{};
        mb.kind = sasim_board::kCpuAveragePool;
        mb.batches = g.b;
        mb.in_h = g.ih;
        mb.in_w = g.iw;
        mb.in_c = g.c;
        mb.out_h = g.oh;
        mb.out_w = g.ow;
        mb.k_h = g.kh;
        mb.k_w = g.kw;
        mb.stride_h = g.sh;
        mb.stride_w = g.sw;
        mb.pad_top = g.pt;
        mb.pad_left = g.pl;
        mb.act_min = p.act_min;
        mb.act_max = p.act_max;
        std::vector<int8_t> want;
        sasim::average_pool_int8(in, p, &want);
        CHECK(run(mb, in, {}, want.size()) == want);
      }
  }
  SECTION("SUB and MUL broadcasting a [1,1,3] operand over [8,8,3]") {
    const std::vector<int8_t> a = tensor(192), b = tensor(3);
    const sasim::QuantParam qa{0.05f, 3}, qb{0.02f, -7}, qo{0.04f, 1};
    for (int op : {1, 2}) {
      sasim_board::Mailbox mb{};
      mb.kind = sasim_board::kCpuBinary;
      mb.binary_op = op;
      int32_t m[3] = {0, 0, 0};
      int s[3] = {0, 0, 0};
      if (op == 1) sasim::sub_multipliers(qa, qb, qo, m, s);
      else sasim::mul_multiplier(qa, qb, qo, &m[2], &s[2]);
      const int32_t q[8] = {qa.zero_point, qb.zero_point, m[0], s[0], m[1], s[1], m[2], s[2]};
      std::copy(q, q + 8, mb.q);
      const int32_t dims[5] = {1, 1, 8, 8, 3}, sa[5] = {0, 0, 24, 3, 1}, sb[5] = {0, 0, 0, 0, 1};
      std::copy(dims, dims + 5, mb.dims);
      std::copy(sa, sa + 5, mb.stride_a);
      std::copy(sb, sb + 5, mb.stride_b);
      mb.output_zp = qo.zero_point;
      mb.act_min = -128;
      mb.act_max = 127;
      std::vector<int8_t> want;
      if (op == 1) sasim::sub_int8(a, {8, 8, 3}, qa, b, {1, 1, 3}, qb, qo, 0, {8, 8, 3}, &want);
      else sasim::mul_int8(a, {8, 8, 3}, qa, b, {1, 1, 3}, qb, qo, 0, {8, 8, 3}, &want);
      CHECK(run(mb, a, b, want.size()) == want);
      CHECK_FALSE(board.last_op_on_cfu());
      CHECK(run_on(with_ew, mb, a, b, want.size()) == want);  // gathered operand words on the CFU
      CHECK(board.last_op_on_cfu());
    }
  }
  SECTION("ADD, SUB and MUL on the CFU's elementwise unit: same shapes, scalars, every tail, fused ReLU") {
    // Sizes around the unit's lag (11 groups of 4) and the 4-group stream;
    // the CPU kernel is the reference path, the golden operator the truth.
    const sasim::QuantParam qa{0.05f, 3}, qb{0.09f, -7}, qo{0.11f, 1};
    for (int op : {0, 1, 2})
      for (int n : {1, 5, 47, 48, 61, 64, 75, 128, 200, 1027}) {
        for (int form = 0; form < 3; ++form) {  // 0 same shape, 1 scalar b, 2 scalar a
          INFO("op " << op << " n " << n << " form " << form);
          const std::vector<int8_t> a = tensor(form == 2 ? 1 : n), b = tensor(form == 1 ? 1 : n);
          sasim_board::Mailbox mb{};
          mb.kind = sasim_board::kCpuBinary;
          mb.binary_op = op;
          int32_t m[3] = {0, 0, 0};
          int s[3] = {0, 0, 0};
          if (op == 0) sasim::add_multipliers(qa, qb, qo, m, s);
          else if (op == 1) sasim::sub_multipliers(qa, qb, qo, m, s);
          else sasim::mul_multiplier(qa, qb, qo, &m[2], &s[2]);
          const int32_t q[8] = {qa.zero_point, qb.zero_point, m[0], s[0], m[1], s[1], m[2], s[2]};
          std::copy(q, q + 8, mb.q);
          const int32_t dims[5] = {1, 1, 1, 1, n};
          const int32_t one[5] = {0, 0, 0, 0, 1}, zero[5] = {0, 0, 0, 0, 0};
          std::copy(dims, dims + 5, mb.dims);
          std::copy(form == 2 ? zero : one, (form == 2 ? zero : one) + 5, mb.stride_a);
          std::copy(form == 1 ? zero : one, (form == 1 ? zero : one) + 5, mb.stride_b);
          int32_t lo = -128, hi = 127;
          const int act = n % 2 ? 1 : 0;  // RELU on odd sizes
          sasim::int8_activation_range(act, qo, &lo, &hi);
          mb.output_zp = qo.zero_point;
          mb.act_min = lo;
          mb.act_max = hi;
          const sasim::Shape sa = {form == 2 ? 1 : n}, sb = {form == 1 ? 1 : n};
          std::vector<int8_t> want;
          if (op == 0) sasim::add_int8(a, sa, qa, b, sb, qb, qo, act, {n}, &want);
          else if (op == 1) sasim::sub_int8(a, sa, qa, b, sb, qb, qo, act, {n}, &want);
          else sasim::mul_int8(a, sa, qa, b, sb, qb, qo, act, {n}, &want);
          // The runner's choice: the CFU from eltwise_min_elements on
          // (smaller ones: the CPU, the same run twice).
          CHECK(run_on(with_ew, mb, a, b, want.size()) == want);
          CHECK(board.last_op_on_cfu() == (n >= sasim_drv::eltwise_min_elements(op)));
          const uint64_t chosen_cycles = last_cycles;
          CHECK(run(mb, a, b, want.size()) == want);
          CHECK_FALSE(board.last_op_on_cfu());
          // Never slower than the CPU's kernel (each run boots a fresh board:
          // both pay their code's first fetch; with the unit built, the
          // bridge's checks, the chain check among them, run before it
          // declines a small one, and the unit's path is longer code: at
          // most 2 k cycles of cold code, 1.2-1.5 k at the threshold of 48
          // elements as the runner image's layout moves it), several times
          // faster on more. (At 200
          // elements the first fetch of each path's code is most of its
          // cycles, and the board program's layout alone moved the ratio
          // between 1.92 and 2.1: the factor is checked from 1000 on.)
          CHECK(chosen_cycles <= last_cycles + last_cycles / 50 + 2000);
          if (n >= 1000) CHECK(chosen_cycles * 2 < last_cycles);
          if (n >= 1000 && form < 2 && op < 2) CHECK(chosen_cycles * 4 < last_cycles);
        }
      }
  }
  SECTION("elementwise chains: a head and a tail with one-element constants as one table pass, any overlap") {
    // tflite::elementwise_chain; the bridge's chain_call and apply_lut. The
    // tail's output anywhere relative to the head's input: apart, the same
    // bytes, past it (from the end), before it, unaligned either way; every
    // tail of a word; each pair of operations; a clamp on the tail.
    const int sizes[6] = {1, 3, 4, 7, 64, 1027};
    const int64_t offsets[6] = {-1, 0, 8, -8, 5, -3};  // the output's offset from the input's (-1: apart)
    std::uniform_real_distribution<float> scale(0.01f, 0.2f);
    std::uniform_int_distribution<int> zp(-60, 60);
    for (int trial = 0; trial < 36; ++trial) {
      const int op1 = trial % 3, op2 = (trial / 3) % 3, n = sizes[trial % 6];
      const int64_t off = offsets[(trial / 6) % 6];
      INFO("trial " << trial << ": ops " << op1 << ", " << op2 << ", n " << n << ", output offset " << off);
      const sasim::QuantParam qx{scale(rng), zp(rng)}, qc1{scale(rng), zp(rng)}, qy{scale(rng), zp(rng)},
          qc2{scale(rng), zp(rng)}, qo{scale(rng), zp(rng)};
      const std::vector<int8_t> x = tensor(static_cast<size_t>(n)), c1 = tensor(1), c2 = tensor(1);
      auto golden = [](int op, const std::vector<int8_t>& a, sasim::QuantParam qa, const std::vector<int8_t>& b,
                       sasim::QuantParam qb, sasim::QuantParam qout, int act, std::vector<int8_t>* out) {
        const sasim::Shape sa = {static_cast<int>(a.size())};
        if (op == 0) sasim::add_int8(a, sa, qa, b, {1}, qb, qout, act, sa, out);
        else if (op == 1) sasim::sub_int8(a, sa, qa, b, {1}, qb, qout, act, sa, out);
        else sasim::mul_int8(a, sa, qa, b, {1}, qb, qout, act, sa, out);
      };
      const int act = trial % 2;  // RELU on the tail every other time
      std::vector<int8_t> y, want;
      golden(op1, x, qx, c1, qc1, qy, 0, &y);
      golden(op2, y, qy, c2, qc2, qo, act, &want);
      auto q_of = [](int op, sasim::QuantParam qa, sasim::QuantParam qb, sasim::QuantParam qout, int32_t* q) {
        int32_t m[3] = {0, 0, 0};
        int sh[3] = {0, 0, 0};
        if (op == 0) sasim::add_multipliers(qa, qb, qout, m, sh);
        else if (op == 1) sasim::sub_multipliers(qa, qb, qout, m, sh);
        else sasim::mul_multiplier(qa, qb, qout, &m[2], &sh[2]);
        const int32_t v[8] = {qa.zero_point, qb.zero_point, m[0], sh[0], m[1], sh[1], m[2], sh[2]};
        std::copy(v, v + 8, q);
        return sh[2];
      };
      sasim_board::Mailbox mb{};
      mb.kind = sasim_board::kCpuBinary;
      mb.binary_op = op2;
      const int s_tail = q_of(op2, qy, qc2, qo, mb.q);
      const int32_t dims[5] = {1, 1, 1, 1, n}, one[5] = {0, 0, 0, 0, 1}, zero[5] = {0, 0, 0, 0, 0};
      std::copy(dims, dims + 5, mb.dims);
      std::copy(one, one + 5, mb.stride_a);
      std::copy(zero, zero + 5, mb.stride_b);
      int32_t lo = -128, hi = 127;
      sasim::int8_activation_range(act, qo, &lo, &hi);
      mb.output_zp = qo.zero_point;
      mb.act_min = lo;
      mb.act_max = hi;
      mb.chain = 1;
      mb.chain_op = op1;
      mb.chain_c = c1[0];
      const int s_head = q_of(op1, qx, qc1, qy, mb.chain_q);
      mb.chain_out_zp = qy.zero_point;
      mb.chain_act_min = -128;
      mb.chain_act_max = 127;
      // The unit takes an ADD's or SUB's output as a right shift only (the
      // bridge then runs the two apart, which the runner reports).
      const bool table = (op1 == 2 || s_head <= 0) && (op2 == 2 || s_tail <= 0);
      sasim::TensorPlacement pl;
      pl.planned_bytes = 4 * n + 256;
      pl.input = 64;
      pl.output = off == -1 ? 2 * n + 128 : 64 + off;
      pl.own_output = 3 * n + 192;
      std::vector<int8_t> out(static_cast<size_t>(n));
      sasim::cpu::CpuLayerProfile prof;
      const int rc = board.run_cpu_op(with_ew, mb, "chain", x, c2, out.data(), out.size(), &prof, nullptr,
                                      20'000'000'000ull, pl);
      CHECK(rc == (table ? 0 : sasim_board::kShippedNotChained));
      CHECK(out == want);
      if (table) CHECK(board.last_op_on_cfu());
    }
  }
  SECTION("PAD and MEAN") {
    const std::vector<int8_t> in = tensor(2 * 3 * 4);
    {
      sasim_board::Mailbox mb{};
      mb.kind = sasim_board::kCpuPad;
      const int32_t out_dims[5] = {1, 1, 3, 4, 7}, in_dims[5] = {1, 1, 2, 3, 4}, before[5] = {0, 0, 1, 0, 2};
      std::copy(out_dims, out_dims + 5, mb.dims);
      std::copy(in_dims, in_dims + 5, mb.stride_a);
      std::copy(before, before + 5, mb.stride_b);
      mb.q[0] = -9;
      std::vector<int8_t> want;
      sasim::pad_int8(in, {2, 3, 4}, {{1, 0}, {0, 1}, {2, 1}}, -9, &want);
      CHECK(run(mb, in, {}, want.size()) == want);
    }
    {
      // Over the middle dimension of [2,3,4], different input/output scales.
      const sasim::QuantParam qi{0.3f, 5}, qo{0.2f, -4};
      int32_t mm;
      int ss;
      sasim::mean_params(qi, qo, 3, &mm, &ss);
      sasim_board::Mailbox mb{};
      mb.kind = sasim_board::kCpuMean;
      const int32_t dims[5] = {1, 1, 2, 3, 4};
      std::copy(dims, dims + 5, mb.dims);
      const int32_t q[8] = {1 << 3, qi.zero_point, 0, mm, ss, 3, 0, 0};
      std::copy(q, q + 8, mb.q);
      mb.output_zp = qo.zero_point;
      std::vector<int8_t> want;
      sasim::mean_int8(in, {2, 3, 4}, {1}, qi, qo, &want);
      CHECK(run(mb, in, std::vector<int8_t>(want.size() * 4, 0), want.size()) == want);
    }
  }
  SECTION("QUANTIZE, LEAKY_RELU and LOGISTIC") {
    const std::vector<int8_t> in = tensor(200);
    const sasim::QuantParam qi{0.07f, -3}, qo{0.05f, 6};
    for (int which = 0; which < 3; ++which) {
      const sasim::kern::UnaryParams u = which == 0   ? sasim::requantize_params(qi, qo)
                                         : which == 1 ? sasim::leaky_relu_params(qi, qo, -0.3f)
                                                      : sasim::logistic_params(qi);
      sasim_board::Mailbox mb{};
      mb.kind = sasim_board::kCpuUnary;
      mb.count = 200;
      const int32_t q[8] = {u.op | u.negate << 8, u.in_zp, u.out_zp, u.m1, u.s1, u.m2, u.s2, u.radius};
      std::copy(q, q + 8, mb.q);
      std::vector<int8_t> want;
      if (which == 0) sasim::requantize_int8(in, qi, qo, &want);
      else if (which == 1) sasim::leaky_relu_int8(in, qi, qo, -0.3f, &want);
      else sasim::logistic_int8(in, qi, &want);
      CHECK(run(mb, in, {}, want.size()) == want);
    }
  }
  SECTION("DEQUANTIZE to float32 (soft-float on the board, bit for bit)") {
    std::vector<int8_t> in = tensor(97);
    in[0] = 13;
    in[1] = -128;
    const sasim::QuantParam qi{0.1f, 3};
    sasim_board::Mailbox mb{};
    mb.kind = sasim_board::kCpuDequantize;
    mb.count = 97;
    std::memcpy(&mb.q[0], &qi.scale, 4);
    mb.q[1] = qi.zero_point;
    std::vector<float> want;
    sasim::dequantize_int8(in, qi, &want);
    CHECK(want[0] == 1.0f);  // 0.1f (0.10000000149...) x 10 in double rounds to 1.0f
    CHECK(want[1] == static_cast<float>(static_cast<double>(0.1f) * -131));
    const std::vector<int8_t> out = run(mb, in, {}, want.size() * 4);
    std::vector<float> got(want.size());
    std::memcpy(got.data(), out.data(), out.size());
    CHECK(got == want);
  }
  SECTION("CONCATENATION of three inputs along the last axis") {
    // [2,3] ++ [2,1] ++ [2,2] -> [2,6]: slices of 3, 1 and 2 bytes.
    const std::vector<int8_t> x = tensor(6), y = tensor(2), z = tensor(4);
    std::vector<int8_t> packed = x;
    packed.insert(packed.end(), y.begin(), y.end());
    packed.insert(packed.end(), z.begin(), z.end());
    sasim_board::Mailbox mb{};
    mb.kind = sasim_board::kCpuConcat;
    mb.count = 2;
    mb.q[0] = 3;
    mb.q[1] = 3;
    mb.q[2] = 1;
    mb.q[3] = 2;
    const std::vector<int8_t> want = {x[0], x[1], x[2], y[0], z[0], z[1], x[3], x[4], x[5], y[1], z[2], z[3]};
    std::vector<int8_t> out(12);
    sasim::cpu::CpuLayerProfile prof;
    CHECK(board.run_cpu_op(no_ew, mb, "concat", packed, {}, out.data(), out.size(), &prof) == 0);
    CHECK(out == want);
  }
  SECTION("SOFTMAX over rows of 10") {
    const std::vector<int8_t> in = tensor(30);
    int32_t mult, diff_min;
    int shift;
    sasim::softmax_params(0.1f, 1.0f, &mult, &shift, &diff_min);
    sasim_board::Mailbox mb{};
    mb.kind = sasim_board::kCpuSoftmax;
    mb.count = 30;
    mb.in_c = 10;
    mb.q[0] = mult;
    mb.q[1] = shift;
    mb.q[2] = diff_min;
    std::vector<int8_t> want;
    sasim::softmax_int8(in, 10, 0.1f, 1.0f, &want);
    CHECK(run(mb, in, {}, want.size()) == want);
  }
}

#include "sasim/golden.h"

TEST_CASE("random layers through the board's driver (prepared weights, streamed bands) are bit-exact",
          "[cpu][board][im2col]") {
  // The driver as the board runs it: prepared weight blob and folded biases
  // (BoardHost prepares them), SEQ tiles with background streams, row
  // skipping, the store-paced READ loop (write = 3 cycles) and the plain one
  // (write = 4); small A buffers force many bands.
  std::mt19937 rng(20261202);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  int ran = 0;
  for (int iter = 0; iter < 300; ++iter) {
    sasim::LayerSpec s;
    const int op = pick(0, 4);
    s.op = op <= 2 ? sasim::OpKind::kConv2d : op == 3 ? sasim::OpKind::kDepthwiseConv2d : sasim::OpKind::kFullyConnected;
    s.input_zero_point = pick(-128, 127);
    s.output_zero_point = pick(-128, 127);
    s.act_min = pick(-128, -60);
    s.act_max = pick(60, 127);
    s.has_bias = pick(0, 3) != 0;
    int oc;
    if (s.op == sasim::OpKind::kFullyConnected) {
      const int batches = pick(1, 3), depth = 8 * pick(1, 12), units = pick(1, 20);
      s.input_shape = {batches, depth};
      s.filter_shape = {units, depth};
      s.output_shape = {batches, units};
      oc = units;
    } else {
      const int ih = pick(2, 14), iw = pick(2, 14), ic = pick(0, 1) ? 8 * pick(1, 3) : pick(1, 4);
      const int kh = pick(1, 3), kw = pick(1, 3);
      s.stride_h = pick(1, 3);
      s.stride_w = pick(1, 2);
      s.padding = pick(0, 1) ? sasim::Padding::kSame : sasim::Padding::kValid;
      const int oh = sasim::conv_out_size(ih, kh, s.stride_h, 1, s.padding);
      const int ow = sasim::conv_out_size(iw, kw, s.stride_w, 1, s.padding);
      if (oh < 1 || ow < 1) continue;
      if (s.op == sasim::OpKind::kConv2d) {
        oc = pick(1, 20);
        s.filter_shape = {oc, kh, kw, ic};
      } else {
        oc = ic;
        s.filter_shape = {1, kh, kw, oc};
      }
      const int n = pick(1, 2);
      s.input_shape = {n, ih, iw, ic};
      s.output_shape = {n, oh, ow, oc};
    }
    for (int i = 0; i < oc; ++i) {
      s.output_multiplier.push_back(pick(1 << 30, INT32_MAX));
      s.output_shift.push_back(pick(-10, 1));
    }
    std::vector<sasim::FieldError> errs;
    REQUIRE(sasim::validate_layer(&s, &errs));
    const sasim::LayerData d = sasim_test::random_layer_data(s, pick);
    std::vector<int8_t> want;
    sasim::golden_layer(s, d, &want);

    const int shape = pick(0, 2);
    sasim::HwConfig hw = shape == 0 ? sasim_test::hw_of(8, 8, "ws") : shape == 1 ? sasim_test::hw_of(4, 4, "ws")
                                                                                   : sasim_test::hw_of(4, 8, "ws");
    hw.buf_a.size_bytes = sasim_isa::line_pitch(hw.rows) * pick(24, 200);
    hw.buf_c.size_bytes = 4 * hw.cols * pick(4, 40);
    hw.buf_a.double_buffered = pick(0, 5) != 0;  // mostly double, as the default
    hw.buf_b.double_buffered = pick(0, 5) != 0;
    hw.buf_c.double_buffered = pick(0, 5) != 0;
    // The board's memory path (stores of 2 cycles on an L2 hit), or the fixed
    // model at a write latency that keeps (3) or turns off (4) the driver's
    // pipelined store loops.
    const int memory = pick(0, 2);
    if (memory != 0) {
      hw.cpu.memory_model = sasim::CpuMemoryModel::kFixed;
      hw.cpu.write = memory == 1 ? 3 : 4;
    }
    const sasim::CoreParams cp = sasim::core_params_from(hw);
    sasim::CfuCore core(cp);
    sasim::cpu::CoreCfuPort port(&core);
    sasim::cpu::BoardHost board(sasim::cpu::cpu_params_from(hw), &port);
    std::vector<int8_t> out(want.size(), 0);
    std::string shapes;
    for (const auto* v : {&s.input_shape, &s.filter_shape, &s.output_shape}) {
      shapes += " [";
      for (int64_t x : *v) shapes += std::to_string(x) + ",";
      shapes += "]";
    }
    INFO("iteration " << iter << ": " << sasim::op_name(s.op) << shapes << " stride " << s.stride_h << "x"
                      << s.stride_w << (s.padding == sasim::Padding::kSame ? " same" : " valid") << " on " << hw.rows
                      << "x" << hw.cols << ", A lines " << cp.a_lines << (cp.a_double ? "" : " single")
                      << (cp.b_double ? "" : ", B single") << (cp.c_double ? "" : ", C single")
                      << ", C lines " << cp.c_lines << ", memory " << sasim::memory_model_name(hw.cpu.memory_model)
                      << " write " << hw.cpu.write);
    sasim::cpu::CpuLayerProfile prof;
    int rc = -99;
    try {
      rc = board.run_layer(sasim::hw_desc_from(cp), s, d, out.data(), &prof);
    } catch (const sasim::ConfigError&) {
      continue;  // a layer this small buffer cannot take (exit 2 in the CLI)
    }
    CHECK(rc == 0);
    CHECK_FALSE(core.error());
    CHECK(board.forks().empty());
    CHECK(out == want);
    ++ran;
  }
  CHECK(ran >= 200);
}

#include <filesystem>

TEST_CASE("no compiled board image has a CFU instruction the 2021 core can send twice", "[cpu][replay]") {
  // facts.md F20-F22: a CFU instruction at distance 0 or 1 behind a load it
  // does not read is replayed when the load misses the D$. The driver, the
  // runner's kernels and the exported project are immune by construction
  // (docs/cpu-model.md); this scans what the build compiled.
  std::vector<std::string> images = {sasim::cpu::default_runner_elf(sasim::cpu::CfuPluginRev::k2022),
                                     sasim::cpu::default_runner_elf(sasim::cpu::CfuPluginRev::k2021)};
  const std::filesystem::path exports = std::filesystem::path(SASIM_BUILD_DIR) / "tests" / "export";
  if (std::filesystem::is_directory(exports))
    for (const auto& e : std::filesystem::directory_iterator(exports))
      if (std::filesystem::exists(e.path() / "selftest.elf")) images.push_back((e.path() / "selftest.elf").string());
  CHECK(images.size() >= 3);
  for (const std::string& path : images) {
    const sasim::cpu::ElfImage img = sasim::cpu::load_elf(path);
    for (const auto& h : sasim::cpu::find_replay_hazards(img)) {
      FAIL_CHECK(path << ": " << h.function << ": CFU instruction at pc 0x" << std::hex << h.cfu_pc
                      << " at distance " << std::dec << h.distance << " behind the load at pc 0x" << std::hex
                      << h.load_pc);
    }
  }
}

TEST_CASE("the replay scanner finds a CFU instruction behind a load, and not a dependent one", "[cpu][replay]") {
  // The 2021 core's replay programs are the positive cases: replay_wa_miss_d0
  // and _d1 hold one each, _d2 and the dependent replay_wa_dep_d0 none
  // behind their probed load.
  auto count_in = [](const std::string& prog) {
    const sasim::cpu::ElfImage img = sasim::cpu::load_elf(kRef + "/elf/micro/" + prog + ".elf");
    int n = 0;
    for (const auto& h : sasim::cpu::find_replay_hazards(img))
      if (h.function == "bench_region") ++n;
    return n;
  };
  CHECK(count_in("replay_wa_miss_d0") >= 1);
  CHECK(count_in("replay_wa_miss_d1") >= 1);
  CHECK(count_in("replay_wa_miss_d2") == count_in("replay_wa_miss_d3"));
  CHECK(count_in("replay_wa_dep_d0") < count_in("replay_wa_miss_d0"));
}

#include <random>
#include <unistd.h>

TEST_CASE("seeded mutations of ELF programs never crash the loader or the board", "[cpu][fuzz]") {
  // Mutants of three reference programs: byte flips in the ELF and program
  // headers, a program header field (offset, vaddr, filesz, memsz) set to an
  // edge value, truncations. Each is refused with an ElfError naming the
  // file, or loads (the board refusing a segment outside main_ram with an
  // ElfError too) and then runs to a stop within 20,000 cycles. Anything
  // else (a crash, another exception, a sanitizer report) fails the test.
  // One draw per statement: the mutants are the same with every compiler.
  std::mt19937 rng(20261206);
  auto draw = [&](uint32_t n) { return static_cast<uint32_t>(rng() % n); };
  int refused = 0, loaded = 0, ran = 0;
  const uint32_t edges[] = {0u,          1u,          0x1000u,     0x0fffffffu, 0x3ffff000u, 0x40000000u,
                            0x400ff000u, 0x47fffff0u, 0x48000000u, 0x7fffffffu, 0xfffff000u, 0xffffffffu};
  char path[] = "/tmp/sasim_elf_XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  sasim::cpu::CpuParams cp;
  cp.ram_bytes = 1u << 20;  // edges past a small main_ram too
  sasim::CoreParams p;
  p.a_lines = p.b_lines = p.c_lines = 64;
  for (const char* name : {"nop_256", "dcache_seq_miss", "cfu_write_a_stream"}) {
    std::ifstream in(kRef + "/elf/micro/" + name + ".elf", std::ios::binary);
    const std::string good((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    REQUIRE(good.size() > 52);
    uint32_t phoff, phnum = 0;
    std::memcpy(&phoff, &good[28], 4);
    std::memcpy(&phnum, &good[44], 2);
    const size_t headers_end = std::min<size_t>(good.size(), phoff + 32 * phnum);
    for (int i = 0; i < 700; ++i) {
      std::string b = good;
      const int kind = static_cast<int>(rng() % 4);
      if (kind == 0) {
        const uint32_t flips = 1 + draw(4);
        for (uint32_t k = 0; k < flips; ++k) {
          const uint32_t at = draw(static_cast<uint32_t>(headers_end));
          b[at] = static_cast<char>(draw(256));
        }
      } else if (kind == 1 && phnum > 0) {
        // p_offset 4, p_vaddr 8, p_paddr 12, p_filesz 16, p_memsz 20
        const uint32_t ph = draw(phnum);
        const uint32_t f = 1 + draw(5);
        const size_t field = phoff + 32 * ph + 4 * f;
        const uint32_t edge = edges[draw(sizeof edges / sizeof edges[0])];
        const uint32_t v = edge + draw(3) - 1;
        if (field + 4 <= b.size()) std::memcpy(&b[field], &v, 4);
      } else if (kind == 2) {
        b.resize(draw(static_cast<uint32_t>(b.size())));
      } else {
        const uint32_t v = static_cast<uint32_t>(rng());
        std::memcpy(&b[draw(static_cast<uint32_t>(headers_end - 3))], &v, 4);
      }
      {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out.write(b.data(), static_cast<std::streamsize>(b.size()));
      }
      try {
        const sasim::cpu::ElfImage img = sasim::cpu::load_elf(path);
        sasim::cpu::Board board(cp, p);
        board.load(img);
        ++loaded;
        board.run(img.entry, 20000);
        ++ran;
      } catch (const sasim::cpu::ElfError& e) {
        CHECK(std::string(e.what()).find(path) == 0);
        ++refused;
        if (std::getenv("SASIM_FUZZ_LOG")) std::fprintf(stderr, "FUZZ %s %d %s\n", name, i, e.what() + std::strlen(path));
      }
    }
  }
  std::remove(path);
  WARN("ELF mutants: " << refused << " refused, " << loaded << " loaded, " << ran << " ran to a stop");
  CHECK(refused + ran == 2100);
  CHECK(refused > 0);
  CHECK(ran > 0);
}

TEST_CASE("a run paused at instruction boundaries and resumed equals one run", "[cpu]") {
  // sasim exec runs a program in slices (Ctrl-C is checked between them): a
  // pause never cuts an instruction, not even one waiting for the CFU, so
  // the words and cycles are those of one uninterrupted run.
  const sasim::HwConfig hw = sasim::load_hw_config(
      "", {sasim::parse_override("array.im2col=false"), sasim::parse_override("array.eltwise=false"), sasim::parse_override("array.read_prefetch=false")});
  for (const char* name : {"cfu_start_wait_8x8", "cfu_read_next_use", "dcache_seq_miss", "cfu_write_a_stream"}) {
    INFO(name);
    const sasim::cpu::ElfImage img = sasim::cpu::load_elf(kRef + "/elf/micro/" + name + ".elf");
    auto once = std::make_unique<sasim::cpu::Board>(sasim::cpu::cpu_params_from(hw), sasim::core_params_from(hw));
    once->load(img);
    const sasim::cpu::StopInfo a = once->run(img.entry, 1'000'000);
    REQUIRE(a.reason == sasim::cpu::StopReason::kExit);
    auto sliced = std::make_unique<sasim::cpu::Board>(sasim::cpu::cpu_params_from(hw), sasim::core_params_from(hw));
    sliced->load(img);
    sliced->cpu.reset(img.entry);
    sasim::cpu::StopInfo b;
    int pauses = 0;
    for (uint64_t pause = 7;; pause += 7) {
      b = sliced->cpu.run(1'000'000, pause);
      if (b.reason != sasim::cpu::StopReason::kPaused) break;
      ++pauses;
    }
    CHECK(pauses > 100);
    REQUIRE(b.reason == sasim::cpu::StopReason::kExit);
    CHECK(b.cycle == a.cycle);
    CHECK(sliced->cpu.result_words() == once->cpu.result_words());
  }
}
