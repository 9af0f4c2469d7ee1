// sasim board: a CFU Playground firmware (software.elf) on the simulated
// board: the CPU model, main_ram, the CFU, and the SoC's devices at the
// addresses of the build's csr.json (docs/board.md).
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <unistd.h>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <unordered_map>
#include <sstream>

#include "board/soc/cfu_monitor.h"
#include "board/soc/csr_json.h"
#include "board/soc/soc.h"
#include "board_profile.h"
#include "commands.h"
#include "cosim/rtl_build.h"
#include "cosim/rtl_port.h"
#include "cpu/board.h"
#include "cpu/params.h"
#include "model/core_params.h"
#include "tflite/import.h"
#include "tflite/reader.h"

namespace sasim {

namespace {

struct Console {
  std::string out;           // everything the UART sent
  std::vector<uint64_t> at;  // the cycle each character was written (the CPU's last retirement then)
  std::string until;         // --until
  bool matched = false;
  cpu::Vexriscv* cpu = nullptr;
};

// A span of the firmware's time in one function, from periodic samples.
struct Span {
  const cpu::ElfSymbol* fn;  // null: no symbol
  uint64_t from, to;
};
struct Sampler {
  cpu::Vexriscv* cpu;
  const cpu::ElfImage* img;
  std::vector<Span> spans;
  std::unordered_map<uint32_t, const cpu::ElfSymbol*> fn_of_pc;  // cache
};
void on_sample(void* ctx, uint64_t cycle, const cpu::CpuCounters&) {
  auto* s = static_cast<Sampler*>(ctx);
  const uint32_t pc = s->cpu->pc();
  const cpu::ElfSymbol* fn;
  auto it = s->fn_of_pc.find(pc);
  if (it != s->fn_of_pc.end()) {
    fn = it->second;
  } else {
    fn = s->img->code_symbol_at(pc);
    s->fn_of_pc.emplace(pc, fn);
  }
  if (!s->spans.empty() && s->spans.back().fn == fn) s->spans.back().to = cycle;
  else s->spans.push_back(Span{fn, s->spans.empty() ? 0 : s->spans.back().to, cycle});
}

void on_uart(void* ctx, char c) {
  auto* con = static_cast<Console*>(ctx);
  std::fputc(c, stdout);
  if (c == '\n') std::fflush(stdout);
  con->out.push_back(c);
  con->at.push_back(con->cpu ? con->cpu->now() : 0);
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
      else if (e == 'x' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
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

// What sasim's CFU model's array did with the cycles it was clocked
// (CfuCore's profile classes).
const char* const kArrayKinds[] = {"compute", "fill_drain", "bank_swap", "readback", "idle"};
std::string array_activity(const CoreCounters& c, uint64_t to) {
  std::string s;
  for (int k = 0; k < 5; ++k)
    s += fmt::format("{}{} {:.1f}%", k ? ", " : "", kArrayKinds[k],
                     100.0 * static_cast<double>(c.by_kind[k]) / static_cast<double>(std::max<uint64_t>(c.cycles, 1)));
  return s + fmt::format(" (to cycle {}, its last command)", to);
}

}  // namespace

int cmd_board(const CommonOptions& common, const BoardOptions& o) {
  if (o.max_cycles < 1)
    throw ConfigError({{"--max-cycles", 0, 0, "", fmt::format("{} is not a number of cycles (1 or more)", o.max_cycles)}});
  if (o.cfu_timeout < 0)
    throw ConfigError({{"--cfu-timeout", 0, 0, "", fmt::format("{} is not a number of cycles (0: wait forever)", o.cfu_timeout)}});
  if (!o.trace.empty() && o.trace != "timeline")
    throw ConfigError({{"--trace", 0, 0, "", fmt::format("'{}': the board's trace is 'timeline' (Perfetto JSON)", o.trace)}});
  if (!o.trace.empty() && o.out_dir.empty())
    throw ConfigError({{"--trace", 0, 0, "", "needs --out DIR (the timeline is written there)"}});
  if (!o.out_dir.empty()) {
    make_dirs(o.out_dir);
    check_writable_dir(o.out_dir);
  }
  const soc::CsrJson csr = soc::load_csr_json(o.csr_json);
  // --model: read (and refused) before the firmware runs.
  std::unique_ptr<tflite::Model> model;
  std::unique_ptr<tflite::Imported> imported;
  if (!o.model_path.empty()) {
    model = std::make_unique<tflite::Model>(tflite::load_tflite(o.model_path));
    imported = std::make_unique<tflite::Imported>(tflite::import_model(*model));
  }
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
  // The CPU as the build has it (csr.json's config_cpu_human_name), unless
  // --set cpu.variant says; a core sasim does not model is refused.
  std::string cpu_from;
  const auto variant_set = std::find_if(sets.begin(), sets.end(), [](const Override& s) { return s.key == "cpu.variant"; });
  if (variant_set == sets.end() && !csr.cpu_variant.empty()) {
    sets.push_back(parse_override("cpu.variant=" + csr.cpu_variant));
    cpu_from = fmt::format(" as csr.json's {} {} says", csr.cpu_key.substr(10), csr.cpu_name);
  } else if (variant_set == sets.end() && !csr.cpu_name.empty()) {
    throw ConfigError({{o.csr_json, csr.cpu_line, csr.cpu_col, csr.cpu_key,
                        fmt::format("'{}': a CPU sasim does not model (CFU Playground's VexRiscv_PerfCfu, "
                                    "--cpu-variant=perf+cfu, and VexRiscv_FullCfu, full+cfu, it does); --set "
                                    "cpu.variant=perf+cfu or full+cfu runs the firmware on one of those instead",
                                    csr.cpu_name)}});
  } else if (variant_set != sets.end() && !csr.cpu_name.empty() && variant_set->value != csr.cpu_variant) {
    fmt::print(stderr, "warning: {} says the SoC's CPU is {} ({}); --set cpu.variant={} runs the firmware on {}\n",
               o.csr_json, csr.cpu_name, csr.cpu_key.substr(10), variant_set->value, variant_set->value);
  } else if (csr.cpu_name.empty()) {
    cpu_from = " (the configuration's cpu.variant: csr.json names no CPU)";
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
  // Whichever CFU it is, the CPU reaches it through the bus monitor (what
  // the report and the timeline say of the CFU); with --trace, its commands
  // are kept as timeline spans (at most kMaxCfuSpans).
  constexpr size_t kMaxCfuSpans = 200'000;
  // Function ids named by sasim's command set (its model or RTL), or by
  // (funct3,funct7) for a user's CFU.
  const bool sasim_cfu = o.cfu == "model" || o.cfu == "rtl";
  auto core = std::make_unique<CfuCore>(core_params_from(hw));
  cpu::CoreCfuPort core_port(core.get());
  soc::CfuMonitor monitor(rtl ? static_cast<cpu::CfuPort*>(&rtl_port) : &core_port, o.trace.empty() ? 0 : kMaxCfuSpans);
  auto board_ptr = std::make_unique<cpu::Board>(cpu::cpu_params_from(hw), core_params_from(hw), &monitor);
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
  // The timeline samples the pc every 1,000 cycles (function spans).
  Sampler sampler{&board.cpu, &img, {}, {}};
  if (!o.trace.empty()) board.cpu.set_sample_hook(1000, on_sample, &sampler);
  con.cpu = &board.cpu;
  fmt::print(stderr, "sasim board: {} on the VexRiscv {} model{} (memory {}), {}, the SoC of {}\n", o.elf_path,
             cpu_variant_name(hw.cpu.variant), cpu_from, memory_description(hw.cpu), cfu_name, o.csr_json);
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
    // All the input typed and taken, and nothing printed since for
    // --idle-cycles: the firmware waits for more input that will not come.
    if (o.idle_cycles > 0 && !o.uart_in.empty() && soc.uart() && soc.uart()->input_done() &&
        con.out.size() > 0 && now - std::max(con.at.back(), soc.uart()->input_taken_at()) >= static_cast<uint64_t>(o.idle_cycles)) {
      const uint64_t since = std::max(con.at.back(), soc.uart()->input_taken_at());
      why_end = fmt::format("the firmware took all of --uart-in and printed nothing more for {} cycles (from cycle {}): "
                            "it waits for input",
                            now - since, since);
      end_cycle = since;
      break;
    }
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
  // Where the cycles went (what the board cannot tell): by class, and by
  // function of the ELF's symbols.
  const cpu::CpuCounters& cnt = board.cpu.counters();
  std::vector<std::pair<uint64_t, std::string>> by_fn;
  {
    // Grouped by symbol, demangled once each.
    std::unordered_map<const cpu::ElfSymbol*, uint64_t> acc;
    const std::vector<uint64_t>& pcc = board.cpu.cycles_by_pc();
    uint64_t other = 0;
    for (size_t i = 0; i < pcc.size(); ++i) {
      if (!pcc[i]) continue;
      const cpu::ElfSymbol* f = img.code_symbol_at(cpu::BoardMemory::kRamBase + static_cast<uint32_t>(4 * i));
      if (f) acc[f] += pcc[i];
      else other += pcc[i];
    }
    for (auto& [sym, c] : acc) by_fn.emplace_back(c, cpu::demangle(sym->name));
    if (other) by_fn.emplace_back(other, "(no symbol)");
    std::sort(by_fn.begin(), by_fn.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  }
  uint64_t total_classes = 0;
  for (int i = 0; i < cpu::kNumStallClasses; ++i) total_classes += cnt.cycles_by_class[i];
  {
    std::string cls;
    for (int i = 0; i < cpu::kNumStallClasses; ++i)
      if (cnt.cycles_by_class[i])
        cls += fmt::format("{}{} {:.1f}%", cls.empty() ? "" : ", ", cpu::stall_class_name(i),
                           100.0 * static_cast<double>(cnt.cycles_by_class[i]) / static_cast<double>(std::max<uint64_t>(total_classes, 1)));
    fmt::print(stderr, "cycles by class (to cycle {}, where the run stopped): {}{}\n", board.cpu.now(), cls,
               cnt.wfi_cycles ? fmt::format(" (interlock: {} cycles waiting in wfi)", cnt.wfi_cycles) : std::string());
    std::string top;
    for (size_t i = 0; i < by_fn.size() && i < 5; ++i)
      top += fmt::format("{}{} {:.1f}%", i ? ", " : "", by_fn[i].second,
                         100.0 * static_cast<double>(by_fn[i].first) / static_cast<double>(std::max<uint64_t>(total_classes, 1)));
    fmt::print(stderr, "top functions: {}\n", top);
    fmt::print(stderr, "CFU: {} instructions; the CPU held them {} cycles before the CFU took them (behind older loads, "
                       "stores, branches and CSRs on the 2022 cores, or cmd_ready low) and waited {} for responses\n",
               cnt.cfu_instructions, cnt.cycles_by_class[cpu::kCfuCmd], cnt.cycles_by_class[cpu::kCfuRsp]);
    const soc::CfuBusStats& bus = monitor.total();
    fmt::print(stderr, "CFU bus: {} commands taken, {} cycles with a command outstanding, {} with cmd_ready low under "
                       "a command, {} with an answer waiting for the CPU{}\n",
               bus.commands, monitor.busy(), bus.cmd_wait, bus.rsp_stalled,
               rtl || core->counters().commands == 0
                   ? std::string()
                   : fmt::format("; the array: {}", array_activity(core->counters(), core->counters().cycles)));
    if (!board.cpu.forks().empty() || !board.cpu.replays().empty())
      fmt::print(stderr, "warning: {} CfuPlugin forks and {} replayed CFU commands (2021 core; details in report.json)\n",
                 board.cpu.forks().size(), board.cpu.replays().size());
  }
  const std::vector<ProfileRow> profile = parse_profile(con.out);
  const std::vector<uint64_t> printed_totals = firmware_totals(con.out);  // each "N cycles total"
  if (!o.out_dir.empty()) {
    const std::string d = o.out_dir;
    write_file_atomic(d + "/uart.txt", con.out);
    std::string fcsv = "function,cycles,share\n";
    for (const auto& [c, n] : by_fn)
      fcsv += fmt::format("\"{}\",{},{:.6f}\n", n, c, static_cast<double>(c) / static_cast<double>(std::max<uint64_t>(total_classes, 1)));
    write_file_atomic(d + "/functions.csv", fcsv);
    std::string pcsv = "inference,event,tag,ticks,cycles\n";
    for (const ProfileRow& r : profile)
      pcsv += fmt::format("{},{},\"{}\",{},{}\n", r.inference, r.event, r.tag, r.ticks, r.ticks * 1024);
    write_file_atomic(d + "/profile.csv", pcsv);
    nlohmann::json j;
    j["firmware"] = o.elf_path;
    j["csr_json"] = o.csr_json;
    j["cpu"] = {{"variant", cpu_variant_name(hw.cpu.variant)}, {"memory", memory_description(hw.cpu)}};
    j["cfu"] = cfu_name;
    j["end"] = interrupted ? "interrupted" : !why_end.empty() ? why_end : stop.message;
    j["cycles"] = end;
    j["instructions"] = cnt.retired;
    j["interrupts"] = board.cpu.interrupts();
    j["traps"] = board.cpu.traps();
    nlohmann::json classes;
    for (int i = 0; i < cpu::kNumStallClasses; ++i) classes[cpu::stall_class_name(i)] = cnt.cycles_by_class[i];
    j["cycles_by_class"] = classes;
    j["caches"] = {{"icache_misses", cnt.icache_misses}, {"dcache_misses", cnt.dcache_misses},
                   {"dcache_accesses", cnt.dcache_accesses}};
    j["cfu_instructions"] = cnt.cfu_instructions;
    j["wfi_cycles"] = cnt.wfi_cycles;
    nlohmann::json hz = nlohmann::json::array();
    for (const cpu::ForkEvent& f : board.cpu.forks())
      hz.push_back({{"kind", "fork (F19)"}, {"pc", fmt::format("0x{:08x}", f.pc)}, {"cfu_pc", fmt::format("0x{:08x}", f.cfu_pc)}, {"cycle", f.cycle}});
    for (const cpu::ReplayEvent& r : board.cpu.replays())
      hz.push_back({{"kind", "replay (F20-F22)"}, {"pc", fmt::format("0x{:08x}", r.cfu_pc)}, {"load_pc", fmt::format("0x{:08x}", r.load_pc)}, {"cycle", r.cycle}});
    j["cfu_hazards"] = hz;
    {
      // The CFU bus (soc::CfuMonitor): per function id, and for sasim's
      // CFU model what its array did.
      auto stats = [](const soc::CfuBusStats& b) {
        return nlohmann::json{{"commands", b.commands},
                              {"cmd_wait_cycles", b.cmd_wait},
                              {"latency_cycles", b.latency},
                              {"mean_latency", b.commands ? static_cast<double>(b.latency) / static_cast<double>(b.commands) : 0.0},
                              {"rsp_stalled_cycles", b.rsp_stalled}};
      };
      nlohmann::json bus = stats(monitor.total());
      bus["busy_cycles"] = monitor.busy();
      nlohmann::json fns = nlohmann::json::array();
      for (const auto& [fid, b] : monitor.by_function()) {
        nlohmann::json f = stats(b);
        f["funct3"] = fid & 7;
        f["funct7"] = fid >> 3;
        f["name"] = soc::CfuMonitor::function_name(fid, sasim_cfu);
        fns.push_back(f);
      }
      bus["by_function"] = fns;
      if (!rtl) {
        const CoreCounters& c = core->counters();
        nlohmann::json a = {{"cycles", c.cycles}, {"commands", c.commands}, {"macs", c.macs}, {"passes", c.passes}};
        for (int k = 0; k < 5; ++k) a[kArrayKinds[k]] = c.by_kind[k];
        bus["array"] = a;
      }
      j["cfu_bus"] = bus;
    }
    nlohmann::json fns = nlohmann::json::array();
    for (size_t i = 0; i < by_fn.size() && i < 50; ++i) fns.push_back({{"function", by_fn[i].second}, {"cycles", by_fn[i].first}});
    j["functions"] = fns;
    j["uart"] = {{"characters", soc.uart() ? soc.uart()->tx_chars() : 0}, {"lost", soc.uart() ? soc.uart()->tx_dropped() : 0}};
    nlohmann::json regs;
    for (const auto& [n, c] : soc.accesses()) regs[n] = c;
    j["registers_accessed"] = regs;
    nlohmann::json totals = nlohmann::json::array();
    for (uint64_t t : printed_totals) totals.push_back(t);
    j["firmware_cycles_total"] = totals;
    j["profile_rows"] = profile.size();
    write_file_atomic(d + "/report.json", j.dump(2) + "\n");
    if (!o.trace.empty()) {
      nlohmann::json ev = nlohmann::json::array();
      ev.push_back({{"ph", "M"}, {"pid", 1}, {"name", "process_name"}, {"args", {{"name", "sasim board"}}}});
      ev.push_back({{"ph", "M"}, {"pid", 1}, {"tid", 1}, {"name", "thread_name"}, {"args", {{"name", "cpu: function (sampled every 1,000 cycles)"}}}});
      ev.push_back({{"ph", "M"}, {"pid", 1}, {"tid", 2}, {"name", "thread_name"}, {"args", {{"name", "uart tx"}}}});
      ev.push_back({{"ph", "M"}, {"pid", 1}, {"tid", 3}, {"name", "thread_name"},
                    {"args", {{"name", "cfu: commands (a run of one function id per span)"}}}});
      {
        std::unordered_map<uint32_t, std::string> names;
        for (const soc::CfuSpan& sp : monitor.spans()) {
          auto it = names.find(sp.function_id);
          if (it == names.end()) it = names.emplace(sp.function_id, soc::CfuMonitor::function_name(sp.function_id, sasim_cfu)).first;
          ev.push_back({{"ph", "X"}, {"pid", 1}, {"tid", 3}, {"ts", sp.from}, {"dur", std::max<uint64_t>(sp.to - sp.from, 1)},
                        {"name", sp.commands > 1 ? fmt::format("{} x{}", it->second, sp.commands) : it->second}});
        }
        if (monitor.spans_truncated())
          fmt::print(stderr, "note: the timeline holds the first {} CFU command spans only\n", monitor.spans().size());
      }
      for (const Span& sp : sampler.spans)
        ev.push_back({{"ph", "X"}, {"pid", 1}, {"tid", 1}, {"ts", sp.from}, {"dur", sp.to - sp.from},
                      {"name", sp.fn ? cpu::demangle(sp.fn->name) : std::string("(no symbol)")}});
      for (size_t i = 0; i < con.out.size(); ++i) {
        const char c = con.out[i];
        ev.push_back({{"ph", "i"}, {"pid", 1}, {"tid", 2}, {"ts", con.at[i]}, {"s", "t"},
                      {"name", c == '\n' ? std::string("\\n") : c == '\r' ? std::string("\\r") : std::string(1, c)}});
      }
      nlohmann::json t = {{"traceEvents", ev}, {"displayTimeUnit", "ns"}, {"otherData", {{"time_unit", "1 us = 1 clock cycle"}}}};
      write_file_atomic(d + "/timeline.json", t.dump() + "\n");
    }
    fmt::print(stderr, "wrote {}/report.json, functions.csv, profile.csv ({} rows), uart.txt{}\n", d, profile.size(),
               o.trace.empty() ? "" : ", timeline.json");
  }
  // --model: the firmware's last profiled inference against sasim run.
  if (model && !interrupted) {
    const uint64_t fw_total = printed_totals.empty() ? 0 : printed_totals.back();
    // sasim run's files: into --out, or a temporary folder removed after.
    const std::string run_dir = o.out_dir.empty() ? (std::filesystem::temp_directory_path() /
                                                     fmt::format("sasim-board-run-{}", getpid())).string()
                                                  : o.out_dir + "/sasim_run";
    ProfileComparison cmp;
    try {
      cmp = compare_with_run(hw, o.model_path, *model, *imported, profile, fw_total, run_dir);
    } catch (...) {
      if (o.out_dir.empty()) std::filesystem::remove_all(run_dir);
      throw;
    }
    if (o.out_dir.empty()) std::filesystem::remove_all(run_dir);
    fmt::print(stderr, "{}", cmp.text);
    if (cmp.matched && !o.out_dir.empty()) {
      write_file_atomic(o.out_dir + "/compare.csv", cmp.csv);
      fmt::print(stderr, "wrote {}/compare.csv and sasim run's files in {}\n", o.out_dir, run_dir);
    }
  }
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
    return s ? fmt::format(" in {}", cpu::demangle(s->name)) : std::string();
  }();
  if (stop.reason == cpu::StopReason::kMaxCycles) {
    // The CPU says what it was doing when that is more than running (a wfi
    // nothing woke, a CFU that kept it waiting).
    const std::string doing = stop.message.rfind("cycle limit", 0) == 0 && stop.message.find("waiting") == std::string::npos
                                  ? std::string()
                                  : fmt::format(" (instruction 0x{:08x}): {}", stop.instruction, stop.message);
    fmt::print(stderr, "error: {}: the cycle limit {} was reached at pc 0x{:08x}{}{}{}\n", o.elf_path, max_cycles, stop.pc,
               fn, doing, o.until.empty() ? "" : fmt::format(" before the UART printed \"{}\"", o.until));
    return kExitMismatch;
  }
  fmt::print(stderr, "error: {}: stopped at pc 0x{:08x}{} (instruction 0x{:08x}) in cycle {}: {}\n", o.elf_path, stop.pc,
             fn, stop.instruction, stop.cycle, stop.message);
  return kExitMismatch;
}

}  // namespace sasim
