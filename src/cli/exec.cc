// sasim exec: a bare-metal rv32im program on the board model (CPU model +
// the project's CFU cycle model), with the memory map and I/O page of
// ../shared/board-reference/README.md.
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "commands.h"
#include "cpu/board.h"
#include "cpu/board_host.h"
#include "cpu/params.h"
#include "model/core_params.h"

namespace sasim {

namespace {
void put_console(void*, char c) { std::fputc(c, stdout); }
}  // namespace

int cmd_exec(const CommonOptions& common, const ExecOptions& o) {
  if (o.max_cycles < 1)
    throw ConfigError({{"--max-cycles", 0, 0, "", fmt::format("{} is not a number of cycles (1 or more)", o.max_cycles)}});
  const HwConfig hw = load_hw_config(common.hw_path, common.overrides);
  cpu::ElfImage img;
  try {
    img = cpu::load_elf(o.elf_path);
  } catch (const cpu::ElfError& e) {
    throw ConfigError({{o.elf_path, 0, 0, "", std::string(e.what()).substr(o.elf_path.size() + 2)}});
  }
  cpu::Board board(cpu::cpu_params_from(hw), core_params_from(hw));
  try {
    board.load(img);
  } catch (const cpu::ElfError& e) {
    throw ConfigError({{o.elf_path, 0, 0, "", std::string(e.what()).substr(o.elf_path.size() + 2)}});
  }
  board.cpu.set_console_sink(put_console, nullptr);
  // Developer aids: SASIM_RETIRE_LOG=FILE writes the retire trace,
  // SASIM_BUS_LOG=FILE every access the board's memory path serves.
  // SASIM_RETIRE_WINDOW=FROM:TO limits both to those cycles.
  std::FILE* rlog = cpu::open_dev_log("SASIM_RETIRE_LOG", "exec");
  uint64_t rlog_from = 0, rlog_to = UINT64_MAX;
  if (const char* w = std::getenv("SASIM_RETIRE_WINDOW"); w) {
    unsigned long long a = 0, b = 0;
    if (std::sscanf(w, "%llu:%llu", &a, &b) != 2 || a >= b)
      throw ConfigError({{"SASIM_RETIRE_WINDOW", 0, 0, "", fmt::format("'{}': FROM:TO cycles, FROM < TO", w)}});
    rlog_from = a;
    rlog_to = b;
  }
  if (rlog && rlog_from == 0) board.cpu.set_retire_log(rlog);
  std::FILE* blog = cpu::open_dev_log("SASIM_BUS_LOG", "exec");
  if (blog && rlog_from == 0) board.cpu.set_bus_log(blog);
  // The core is named on stderr, so that stdout stays the program's own.
  fmt::print(stderr, "sasim exec: {} on the VexRiscv {} model (memory {})\n", o.elf_path,
             cpu_variant_name(hw.cpu.variant), memory_description(hw.cpu));
  // The program runs in slices of cycles, so that Ctrl-C stops it within a
  // second (the CPU model resumes where a slice's limit stopped it).
  constexpr uint64_t kSlice = 20'000'000;
  const uint64_t max_cycles = static_cast<uint64_t>(o.max_cycles);
  SigintScope sigint;
  board.cpu.reset(img.entry);
  cpu::StopInfo stop;
  bool interrupted = false;
  size_t slice = 0;
  for (uint64_t pause = kSlice;; pause += kSlice) {
    SigintScope::test_hook(slice++);
    if (SigintScope::interrupted()) {
      interrupted = true;
      stop.cycle = board.cpu.now();
      stop.pc = board.cpu.pc();
      break;
    }
    const uint64_t now = board.cpu.now();
    uint64_t until = pause;
    if (now < rlog_from) until = std::min(until, rlog_from);
    else if (now < rlog_to) until = std::min(until, rlog_to);
    stop = board.cpu.run(max_cycles, until);
    if (board.cpu.now() >= rlog_from) {
      const bool in = board.cpu.now() < rlog_to;
      if (rlog) board.cpu.set_retire_log(in ? rlog : nullptr);
      if (blog) board.cpu.set_bus_log(in ? blog : nullptr);
    }
    if (stop.reason != cpu::StopReason::kPaused) break;
    if (until < pause) pause -= kSlice;  // the slice resumes
  }
  std::fflush(stdout);
  if (rlog) std::fclose(rlog);
  if (blog) {
    board.cpu.set_bus_log(nullptr);
    std::fclose(blog);
  }
  const auto& forks = board.cpu.forks();
  for (size_t i = 0; i < forks.size() && i < 10; ++i)
    fmt::print(stderr,
               "warning: CfuPlugin fork (F19) at pc 0x{:08x} (instruction 0x{:08x}) in cycle {}: it was also sent "
               "to the CFU after the CFU instruction at pc 0x{:08x}; on the board this corrupts results\n",
               forks[i].pc, forks[i].instruction, forks[i].cycle, forks[i].cfu_pc);
  if (forks.size() > 10) fmt::print(stderr, "warning: ... and {} more CfuPlugin forks\n", forks.size() - 10);
  const auto& replays = board.cpu.replays();
  for (size_t i = 0; i < replays.size() && i < 10; ++i)
    fmt::print(stderr,
               "warning: CFU command sent twice (facts.md F20-F22) by the CFU instruction at pc 0x{:08x} "
               "(instruction 0x{:08x}) behind the redone load at pc 0x{:08x}, first in cycle {}\n",
               replays[i].cfu_pc, replays[i].instruction, replays[i].load_pc, replays[i].cycle);
  if (replays.size() > 10) fmt::print(stderr, "warning: ... and {} more replayed CFU commands\n", replays.size() - 10);
  std::string words;
  for (size_t i = 0; i < board.cpu.result_words().size(); ++i)
    words += fmt::format("{}{}", i ? ";" : "", board.cpu.result_words()[i]);
  if (!board.cpu.console().empty() && board.cpu.console().back() != '\n') fmt::print("\n");
  fmt::print("result words: {}\n", words);
  if (interrupted) {
    fmt::print(stderr, "interrupted at cycle {} (pc 0x{:08x}): the result words so far are above\n", stop.cycle,
               stop.pc);
    return kExitInterrupted;
  }
  if (stop.reason != cpu::StopReason::kExit) {
    const std::string fn = [&] {
      const cpu::ElfSymbol* s = img.function_at(stop.pc);
      return s ? fmt::format(" in {}", s->name) : std::string();
    }();
    fmt::print(stderr, "error: {}: stopped at pc 0x{:08x}{} (instruction 0x{:08x}) in cycle {}: {}\n", o.elf_path,
               stop.pc, fn, stop.instruction, stop.cycle, stop.message);
    return kExitMismatch;
  }
  fmt::print("exit code {} after {} cycles\n", board.cpu.exit_code(), stop.cycle);
  return kExitOk;
}

}  // namespace sasim
