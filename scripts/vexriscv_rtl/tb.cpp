// A measuring tool, not part of sasim: a Verilator testbench of the users'
// VexRiscv core (CFU Playground's soc/vexriscv/VexRiscv_PerfCfu.v, which is
// not in this repository: `measure` takes its path) with sasim's Cfu
// (rtl/cfu.v, its defaults) on the CFU port. It reproduces the reference
// testbench of ../shared/board-reference (README.md, "Memory latency
// model": one Wishbone slave per bus, rd/beat/wr cycles from the first cycle
// STB is seen to ACK, 1 for the I/O page; 1 MiB main_ram at 0x40000000; reset
// held 8 cycles; cycle 1 the first after it) and adds the interrupt lines of
// tests/firmware/cpu_traps/trap_bench.h on the I/O page (+0x10..+0x1C).
// Every CPU-only row of cores/perf_cfu_2022/reference.csv gives the same
// words and cycles here as there.
//
// usage: tb ELF rd/beat/wr [max_cycles [trace]]
// prints "result words: w0;w1;..." and "total_cycles_to_exit N"; the trace
// has "cycle pc" per retired instruction, "cycle exception|interrupt" for a
// trap's jump and "cycle dack|iack addr [w]" per bus acknowledge.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>
#include "Vtb_top.h"
#include "verilated.h"

static const uint32_t kRamBase = 0x40000000u, kRamBytes = 1u << 20;
static std::vector<uint8_t> ram(kRamBytes);

static void load_elf(const char* path) {
  FILE* f = std::fopen(path, "rb");
  if (!f) { std::perror(path); std::exit(2); }
  std::vector<uint8_t> b;
  uint8_t buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) b.insert(b.end(), buf, buf + n);
  std::fclose(f);
  auto u32 = [&](size_t o) { uint32_t v; std::memcpy(&v, &b[o], 4); return v; };
  auto u16 = [&](size_t o) { uint16_t v; std::memcpy(&v, &b[o], 2); return v; };
  uint32_t phoff = u32(28);
  int phnum = u16(44), phentsize = u16(42);
  for (int i = 0; i < phnum; ++i) {
    size_t p = phoff + size_t(i) * phentsize;
    if (u32(p) != 1) continue;
    uint32_t off = u32(p + 4), paddr = u32(p + 12), filesz = u32(p + 16);
    if (paddr < kRamBase || paddr - kRamBase + filesz > kRamBytes) { std::fprintf(stderr, "segment outside RAM\n"); std::exit(2); }
    std::memcpy(&ram[paddr - kRamBase], &b[off], filesz);
  }
}

struct Slave {
  int cnt = 0;
  bool cont = false;
};

int main(int argc, char** argv) {
  Verilated::commandArgs(argc, argv);
  if (argc < 3) { std::fprintf(stderr, "usage: tb ELF rd/beat/wr [max_cycles] [trace.txt]\n"); return 2; }
  load_elf(argv[1]);
  int rd = 1, beat = 1, wr = 1;
  std::sscanf(argv[2], "%d/%d/%d", &rd, &beat, &wr);
  uint64_t max_cycles = argc > 3 ? std::strtoull(argv[3], nullptr, 0) : 50000000ull;
  FILE* trace = argc > 4 ? std::fopen(argv[4], "w") : nullptr;
  Vtb_top* t = new Vtb_top;
  Slave si, sd;
  std::vector<uint32_t> results;
  uint32_t lines = 0, delay = 0, delayed_mask = 0;
  uint64_t delayed_at = ~0ull;
  auto edge = [&]() { t->clk = 0; t->eval(); t->clk = 1; t->eval(); };
  t->reset = 1;
  t->iACK = t->dACK = 0;
  t->externalInterruptArray = 0;
  t->timerInterrupt = 0;
  t->softwareInterrupt = 0;
  for (int i = 0; i < 8; ++i) edge();
  t->reset = 0;
  for (uint64_t cycle = 1; cycle <= max_cycles; ++cycle) {
    t->clk = 0;
    t->iACK = t->dACK = 0;
    t->externalInterruptArray = lines;
    t->eval();
    bool iack = false, dack = false;
    uint32_t iaddr = uint32_t(t->iADR) << 2, daddr = uint32_t(t->dADR) << 2;
    if (t->iCYC && t->iSTB) {
      int need = iaddr >= 0x80000000u ? 1 : si.cont ? beat : rd;
      iack = si.cnt + 1 >= need;
      uint32_t v = 0;
      if (iaddr >= kRamBase && iaddr - kRamBase < kRamBytes) std::memcpy(&v, &ram[iaddr - kRamBase], 4);
      t->iDATI = v;
    }
    bool exit_now = false;
    if (t->dCYC && t->dSTB) {
      bool io = daddr >= 0x80000000u;
      int need = io ? 1 : sd.cont ? beat : t->dWE ? wr : rd;
      dack = sd.cnt + 1 >= need;
      uint32_t v = 0;
      if (daddr >= kRamBase && daddr - kRamBase < kRamBytes) std::memcpy(&v, &ram[daddr - kRamBase], 4);
      t->dDATI = v;
      if (dack && t->dWE) {
        uint32_t d = t->dDATO;
        if (daddr >= kRamBase && daddr - kRamBase < kRamBytes) {
          for (int k = 0; k < 4; ++k)
            if (t->dSEL >> k & 1) ram[daddr - kRamBase + k] = uint8_t(d >> (8 * k));
        } else if (io) {
          switch (daddr - 0xF0000000u) {
            case 0x0: std::putchar(int(d & 0xff)); break;
            case 0x4: exit_now = true; break;
            case 0x8: break;
            case 0xC: results.push_back(d); break;
            case 0x10: lines |= d; break;
            case 0x14: lines &= ~d; break;
            case 0x18: delay = d; break;
            case 0x1C: delayed_mask = d; delayed_at = cycle + delay; break;
          }
        }
      }
    }
    const bool istb = t->iCYC && t->iSTB, dstb = t->dCYC && t->dSTB;
    const int icti = t->iCTI, dcti = t->dCTI;
    t->iACK = iack;
    t->dACK = dack;
    t->eval();
    if (trace) {
      if (t->retire) std::fprintf(trace, "%llu %08x\n", (unsigned long long)cycle, t->retire_pc);
      if (t->trap_exc) std::fprintf(trace, "%llu exception\n", (unsigned long long)cycle);
      if (t->trap_irq) std::fprintf(trace, "%llu interrupt\n", (unsigned long long)cycle);
      if (dack) std::fprintf(trace, "%llu dack %08x%s\n", (unsigned long long)cycle, daddr, t->dWE ? " w" : "");
      if (iack) std::fprintf(trace, "%llu iack %08x\n", (unsigned long long)cycle, iaddr);
    }
    t->clk = 1;
    t->eval();
    auto adv = [](Slave& s, bool stb, bool ack, int cti) {
      if (!stb) { s.cnt = 0; s.cont = false; return; }
      if (ack) { s.cnt = 0; s.cont = cti == 2; } else ++s.cnt;
    };
    adv(si, istb, iack, icti);
    adv(sd, dstb, dack, dcti);
    if (exit_now) {
      std::printf("\nresult words: ");
      for (size_t i = 0; i < results.size(); ++i) std::printf("%s%u", i ? ";" : "", results[i]);
      std::printf("\ntotal_cycles_to_exit %llu\n", (unsigned long long)cycle);
      if (trace) std::fclose(trace);
      delete t;
      return 0;
    }
    if (cycle == delayed_at) { lines |= delayed_mask; delayed_at = ~0ull; }
  }
  std::printf("max cycles reached\n");
  return 1;
}
