// sasim board: a CFU Playground firmware (software.elf) on the simulated
// board: the CPU model, main_ram, the CFU, and the SoC's devices at the
// addresses of the build's csr.json (docs/board.md).
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>

#include "board/soc/csr_json.h"
#include "board/soc/soc.h"
#include "commands.h"
#include "cosim/rtl_build.h"
#include "cpu/board.h"
#include "cpu/params.h"
#include "model/core_params.h"

namespace sasim {

namespace {

// A Verilated Cfu on the CPU model's port, clocked every cycle.
class RtlCfuPort : public cpu::CfuPort {
 public:
  explicit RtlCfuPort(RtlModel* rtl) : rtl_(rtl) {}
  BusOut outputs() const override { return rtl_->outputs(); }
  void step(const BusIn& in) override { rtl_->step(in); }

 private:
  RtlModel* rtl_;
};

struct Console {
  std::string out;           // everything the UART sent
  std::string until;         // --until
  bool matched = false;
  cpu::Vexriscv* cpu = nullptr;
};

void on_uart(void* ctx, char c) {
  auto* con = static_cast<Console*>(ctx);
  std::fputc(c, stdout);
  if (c == '\n') std::fflush(stdout);
  con->out.push_back(c);
  if (!con->matched && !con->until.empty() && con->out.size() >= con->until.size() &&
      con->out.compare(con->out.size() - con->until.size(), con->until.size(), con->until) == 0) {
    con->matched = true;
    con->cpu->request_pause();
  }
}

// --uart-in: TEXT or @FILE. Escapes: \n \r \t \\ \xHH, and \w{N}: wait N
// more cycles before the next character. Each character arrives one
// character time (at the UART's baud) after the firmware took the previous
// one, the first one character time after it enabled the RX event.
std::vector<soc::UartInputChar> parse_uart_in(const std::string& arg, uint64_t char_cycles) {
  std::string text = arg;
  const std::string where = "--uart-in";
  if (!arg.empty() && arg[0] == '@') {
    std::ifstream f(arg.substr(1), std::ios::binary);
    if (!f) throw ConfigError({{arg.substr(1), 0, 0, "", "cannot read the --uart-in file"}});
    std::stringstream ss;
    ss << f.rdbuf();
    return [&] {
      std::vector<soc::UartInputChar> v;
      for (char c : ss.str()) v.push_back({static_cast<uint8_t>(c), char_cycles});
      return v;
    }();
  }
  std::vector<soc::UartInputChar> v;
  uint64_t extra = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\\' && i + 1 < text.size()) {
      const char e = text[++i];
      if (e == 'n') c = '\n';
      else if (e == 'r') c = '\r';
      else if (e == 't') c = '\t';
      else if (e == '\\') c = '\\';
      else if (e == 'x' && i + 2 < text.size() + 0 && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
        c = static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
        i += 2;
      } else if (e == 'w' && i + 1 < text.size() && text[i + 1] == '{') {
        const size_t close = text.find('}', i);
        int64_t n = -1;
        if (close == std::string::npos || !parse_int64(text.substr(i + 2, close - i - 2), &n) || n < 0)
          throw ConfigError({{where, 0, 0, "", fmt::format("'{}': \\w{{N}} needs a number of cycles", text)}});
        extra += static_cast<uint64_t>(n);
        i = close;
        continue;
      } else {
        throw ConfigError({{where, 0, 0, "", fmt::format("'{}': unknown escape \\{} (\\n \\r \\t \\\\ \\xHH \\w{{N}})", text, e)}});
      }
    }
    v.push_back({static_cast<uint8_t>(c), char_cycles + extra});
    extra = 0;
  }
  return v;
}

}  // namespace

int cmd_board(const CommonOptions& common, const BoardOptions& o) {
  if (o.max_cycles < 1)
    throw ConfigError({{"--max-cycles", 0, 0, "", fmt::format("{} is not a number of cycles (1 or more)", o.max_cycles)}});
  if (o.cfu_timeout < 0)
    throw ConfigError({{"--cfu-timeout", 0, 0, "", fmt::format("{} is not a number of cycles (0: wait forever)", o.cfu_timeout)}});
  const soc::CsrJson csr = soc::load_csr_json(o.csr_json);
  std::vector<Override> sets = common.overrides;
  // main_ram as the build has it (Nexys A7: 128 MiB), unless --set says.
  const bool ram_set = std::any_of(sets.begin(), sets.end(), [](const Override& s) { return s.key == "cpu.memory.ram_bytes"; });
  if (!ram_set && csr.memory_size.count("main_ram")) {
    if (csr.memory_base.at("main_ram") != cpu::BoardMemory::kRamBase)
      throw ConfigError({{o.csr_json, 0, 0, "memories.main_ram.base",
                          fmt::format("0x{:08x}: the board model's main_ram is at 0x{:08x}", csr.memory_base.at("main_ram"),
                                      cpu::BoardMemory::kRamBase)}});
    sets.push_back(parse_override("cpu.memory.ram_bytes=" + std::to_string(csr.memory_size.at("main_ram"))));
  }
  const HwConfig hw = load_hw_config(common.hw_path, sets);
  cpu::ElfImage img;
  try {
    img = cpu::load_elf(o.elf_path);
  } catch (const cpu::ElfError& e) {
    throw ConfigError({{o.elf_path, 0, 0, "", std::string(e.what()).substr(o.elf_path.size() + 2)}});
  }
  soc::SocOptions so;
  if (auto f = csr.constant("config_clock_frequency")) so.clock_hz = static_cast<uint64_t>(*f);
  Console con;
  con.until = o.until;
  soc::Soc soc(csr, so, on_uart, &con);
  if (!o.uart_in.empty()) {
    if (!soc.uart()) throw ConfigError({{"--uart-in", 0, 0, "", fmt::format("{} has no uart", o.csr_json)}});
    soc.uart()->set_input(parse_uart_in(o.uart_in, soc.uart()->cycles_per_char()));
  }
  // The CFU: sasim's cycle model, sasim's RTL (prebuilt or Verilated on
  // demand for this configuration), or the user's cfu.v (Verilated on demand).
  std::unique_ptr<RtlModel> rtl;
  std::string cfu_name = "sasim's CFU (cycle model)";
  if (o.cfu == "rtl") {
    try {
      rtl = rtl_config_for(core_params_from(hw))->make();
    } catch (const std::runtime_error& e) {
      throw ConfigError({{"--cfu rtl", 0, 0, "", e.what()}});
    }
    cfu_name = "sasim's CFU (Verilated RTL)";
  } else if (o.cfu != "model") {
    try {
      rtl = user_rtl(o.cfu);
    } catch (const std::runtime_error& e) {
      throw ConfigError({{o.cfu, 0, 0, "", e.what()}});
    }
    cfu_name = fmt::format("{} (Verilated)", o.cfu);
  }
  if (rtl) rtl->reset();
  RtlCfuPort rtl_port(rtl.get());
  auto board_ptr = rtl ? std::make_unique<cpu::Board>(cpu::cpu_params_from(hw), core_params_from(hw), &rtl_port)
                       : std::make_unique<cpu::Board>(cpu::cpu_params_from(hw), core_params_from(hw));
  cpu::Board& board = *board_ptr;
  try {
    board.load(img);
  } catch (const cpu::ElfError& e) {
    throw ConfigError({{o.elf_path, 0, 0, "", std::string(e.what()).substr(o.elf_path.size() + 2)}});
  }
  board.cpu.set_io_bus(&soc);
  soc.set_stop_hook([](void* cpu) { static_cast<cpu::Vexriscv*>(cpu)->request_pause(); }, &board.cpu);
  board.cpu.set_stop_on_exception(true);
  board.cpu.set_pause_on_self_loop(true);
  board.cpu.set_cfu_timeout(static_cast<uint64_t>(o.cfu_timeout));
  con.cpu = &board.cpu;
  fmt::print(stderr, "sasim board: {} on the VexRiscv {} model (memory {}), {}, the SoC of {}\n", o.elf_path,
             cpu_variant_name(hw.cpu.variant), memory_description(hw.cpu), cfu_name, o.csr_json);
  std::fflush(stderr);

  // As the BIOS hands over: caches flushed, interrupts masked, a jump to the
  // image's entry. The run goes in slices so that Ctrl-C stops it within a
  // second, and so that a firmware spinning after main returned is noticed.
  constexpr uint64_t kSlice = 20'000'000;
  const uint64_t max_cycles = static_cast<uint64_t>(o.max_cycles);
  SigintScope sigint;
  board.cpu.reset(img.entry);
  cpu::StopInfo stop;
  std::string why_end;
  uint64_t end_cycle = 0;
  bool interrupted = false;
  size_t slice = 0;
  uint64_t returned_at = 0, pause = kSlice;
  for (;;) {
    SigintScope::test_hook(slice++);
    if (SigintScope::interrupted()) {
      interrupted = true;
      break;
    }
    stop = board.cpu.run(max_cycles, pause);
    if (!soc.stop_request().empty()) {
      why_end = fmt::format("{} in cycle {}", soc.stop_request(), soc.stop_cycle());
      end_cycle = soc.stop_cycle();
      break;
    }
    if (con.matched) {
      why_end = fmt::format("the UART printed \"{}\"", o.until);
      break;
    }
    if (stop.reason != cpu::StopReason::kPaused) break;
    const uint64_t now = board.cpu.now();
    if (now > pause) pause += kSlice;
    // main returned: CFU Playground's crt0 spins on `j .`; the UART's
    // handler may still be sending what main printed last.
    const uint32_t pc = board.cpu.pc();
    uint32_t w = 0;
    if (board.mem.in_ram(pc, 4)) std::memcpy(&w, &board.mem.ram[pc - cpu::BoardMemory::kRamBase], 4);
    if (w == 0x0000006fu) {
      if (!returned_at) {
        returned_at = now;
        board.cpu.set_pause_on_self_loop(false);
      }
      // Once the devices are quiet, and a while after (an interrupt's entry
      // and its handler), nothing more happens.
      const uint64_t quiet = soc.quiet_from(returned_at) + 10'000;
      if (now >= quiet) {
        why_end = fmt::format("main returned in cycle {} (the loop at 0x{:08x}); the UART sent its last character by "
                              "cycle {}",
                              returned_at, pc, soc.quiet_from(returned_at));
        end_cycle = returned_at;
        break;
      }
      pause = std::min(pause, quiet);
    } else if (returned_at) {
      returned_at = 0;  // it left the loop (an interrupt's handler), and came back
    }
  }
  std::fflush(stdout);
  const uint64_t end = end_cycle ? end_cycle : board.cpu.now();
  if (!con.out.empty() && con.out.back() != '\n') fmt::print("\n");
  std::fflush(stdout);
  fmt::print(stderr, "\nsasim board: {} cycles ({:.3f} s at {} MHz), {} instructions, {} interrupts, {} UART characters\n",
             end, static_cast<double>(end) / static_cast<double>(so.clock_hz), so.clock_hz / 1'000'000,
             board.cpu.counters().retired, board.cpu.interrupts(), soc.uart() ? soc.uart()->tx_chars() : 0);
  if (soc.uart() && soc.uart()->tx_dropped())
    fmt::print(stderr, "warning: {} characters written to a full UART TX FIFO were lost, as on the board\n",
               soc.uart()->tx_dropped());
  if (soc.uart() && !soc.uart()->input_done() && !o.uart_in.empty())
    fmt::print(stderr, "note: the firmware took {} of the {} --uart-in characters\n", soc.uart()->input_taken(),
               o.uart_in.size());
  if (interrupted) {
    fmt::print(stderr, "interrupted at cycle {} (pc 0x{:08x})\n", end, board.cpu.pc());
    return kExitInterrupted;
  }
  if (!why_end.empty()) {
    fmt::print(stderr, "ended: {}\n", why_end);
    return kExitOk;
  }
  const std::string fn = [&] {
    const cpu::ElfSymbol* s = img.function_at(stop.pc);
    return s ? fmt::format(" in {}", s->name) : std::string();
  }();
  if (stop.reason == cpu::StopReason::kMaxCycles) {
    fmt::print(stderr, "error: {}: the cycle limit {} was reached at pc 0x{:08x}{}{}\n", o.elf_path, max_cycles, stop.pc, fn,
               o.until.empty() ? "" : fmt::format(" before the UART printed \"{}\"", o.until));
    return kExitMismatch;
  }
  fmt::print(stderr, "error: {}: stopped at pc 0x{:08x}{} (instruction 0x{:08x}) in cycle {}: {}\n", o.elf_path, stop.pc,
             fn, stop.instruction, stop.cycle, stop.message);
  return kExitMismatch;
}

}  // namespace sasim
