#include "cpu/feed_bench.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "cpu/board.h"
#include "driver/cfu_isa.h"

namespace sasim::cpu {

namespace {

// rv32 encodings of the few instructions the loops use.
enum Reg : uint32_t {
  kZero = 0, kS0 = 8, kS1 = 9, kA0 = 10, kA1 = 11, kA2 = 12, kA3 = 13, kT0 = 5, kT1 = 6, kT2 = 7, kT3 = 28,
  kT4 = 29, kT5 = 30, kT6 = 31
};
uint32_t lui(uint32_t rd, uint32_t imm20) { return (imm20 << 12) | (rd << 7) | 0x37; }
uint32_t addi(uint32_t rd, uint32_t rs1, int32_t imm) {
  return (static_cast<uint32_t>(imm & 0xfff) << 20) | (rs1 << 15) | (rd << 7) | 0x13;
}
uint32_t lw(uint32_t rd, uint32_t rs1, int32_t imm) {
  return (static_cast<uint32_t>(imm & 0xfff) << 20) | (rs1 << 15) | (2u << 12) | (rd << 7) | 0x03;
}
uint32_t sw(uint32_t rs2, uint32_t rs1, int32_t imm) {
  const uint32_t u = static_cast<uint32_t>(imm & 0xfff);
  return ((u >> 5) << 25) | (rs2 << 20) | (rs1 << 15) | (2u << 12) | ((u & 31) << 7) | 0x23;
}
uint32_t bne(uint32_t rs1, uint32_t rs2, int32_t off) {
  const uint32_t u = static_cast<uint32_t>(off);
  return (((u >> 12) & 1) << 31) | (((u >> 5) & 0x3f) << 25) | (rs2 << 20) | (rs1 << 15) | (1u << 12) |
         (((u >> 1) & 0xf) << 8) | (((u >> 11) & 1) << 7) | 0x63;
}
// rd = v (lui + addi; the addi's immediate is sign-extended).
void li32(std::vector<uint32_t>* p, uint32_t rd, uint32_t v) {
  p->push_back(lui(rd, (v + 0x800u) >> 12));
  p->push_back(addi(rd, rd, static_cast<int32_t>(v << 20) >> 20));
}
uint32_t sub(uint32_t rd, uint32_t rs1, uint32_t rs2) {
  return 0x40000000u | (rs2 << 20) | (rs1 << 15) | (rd << 7) | 0x33;
}
uint32_t jal0(int32_t off) {  // jal x0, off
  const uint32_t u = static_cast<uint32_t>(off);
  return (((u >> 20) & 1) << 31) | (((u >> 1) & 0x3ff) << 21) | (((u >> 11) & 1) << 20) | (((u >> 12) & 0xff) << 12) |
         0x6f;
}
uint32_t csrr_mcycle(uint32_t rd) { return (0xB00u << 20) | (2u << 12) | (rd << 7) | 0x73; }
uint32_t cfu(uint32_t f3, uint32_t f7, uint32_t rd, uint32_t rs1, uint32_t rs2) {
  return (f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | 0x0b;
}

void command(CfuCore* core, uint32_t f3, uint32_t f7, uint32_t a, uint32_t b) {
  BusIn in;
  in.cmd_valid = true;
  in.function_id = f3 | f7 << 3;
  in.inputs_0 = a;
  in.inputs_1 = b;
  core->step(in);
  const BusIn idle;
  while (!core->outputs().rsp_valid) core->step(idle);
  core->step(idle);  // the response is taken
}

}  // namespace

FeedRates measure_feed_rates(const CpuParams& cpu_params, const CoreParams& cfu_params) {
  Board board(cpu_params, cfu_params);
  // A finished pass (up to 128 output lines, as the buffers and the dataflow
  // allow: WS bounds K by the rows, OS bounds M by the rows) in C bank 0, so
  // that READ NEXT returns data; then the shadow A bank is free for the writes.
  const bool ws = cfu_params.dataflow == Dataflow::kWeightStationary;
  const int mt = ws ? std::min(128, std::min(cfu_params.a_lines, cfu_params.c_lines))
                    : std::min(cfu_params.rows, cfu_params.c_lines);
  const int kt = ws ? std::min(cfu_params.rows, cfu_params.b_lines)
                    : std::min(128, std::min(cfu_params.a_lines, cfu_params.b_lines));
  const int nt = cfu_params.cols;
  const int a_lines_written = ws ? mt : kt;  // A holds one line per m (WS) or per k (OS)
  const int a_bytes = a_lines_written * sasim_isa::line_pitch(cfu_params.rows);
  const int b_bytes = kt * sasim_isa::line_pitch(cfu_params.cols);
  for (int i = 0; i < (a_bytes + 7) / 8; ++i) command(&board.cfu, sasim_isa::kWriteA, 0, 0x01020304u, 0x05060708u);
  for (int i = 0; i < (b_bytes + 7) / 8; ++i) command(&board.cfu, sasim_isa::kWriteB, 0, 0x0a0b0c0du, 0x01010101u);
  command(&board.cfu, sasim_isa::kStart, 0, static_cast<uint32_t>(mt) | static_cast<uint32_t>(kt) << 16,
          static_cast<uint32_t>(nt) | sasim_isa::kFlagClear << 8);
  command(&board.cfu, sasim_isa::kWait, 0, 0, 0);
  // The loops are the driver's (src/driver/stream.h, readback.cc): per D$ line of
  // operands its eight loads, the pointer step and a nop, then its four
  // WRITE_A; READ NEXT in pairs,
  // each pair's two stores behind it, sixteen READs per iteration, when the
  // memory takes a write in at most 3 cycles (as the driver decides;
  // otherwise READ, store). READs past the pass's lines read the bank's
  // other lines: the timing is the same.
  const bool pipelined = typical_store_cycles(cpu_params.memory) <= 3;
  const int words_per_line = (nt + 3) / 4;
  const int bank_words = cfu_params.c_lines * words_per_line;
  // The pipelined loop runs one untimed iteration first (its code into the
  // I$), then `iters` timed ones.
  const int iters = std::min(32, (bank_words - 1) / 16 - 1);
  const int reads = pipelined && iters >= 1 ? 1 + 16 * (iters + 1) : std::min(bank_words, mt * words_per_line);
  const int timed_reads = pipelined && iters >= 1 ? 16 * iters : reads;
  const int writes = std::min(512, cfu_params.a_lines * sasim_isa::line_pitch(cfu_params.rows) / 8) / 4 * 4;
  if (writes < 4 || reads < 1) throw std::runtime_error("feed benchmark: buffers too small");

  const uint32_t src = 0x40010000u, dst = 0x40080000u;
  std::vector<uint32_t> p;
  li32(&p, kA0, src);
  li32(&p, kA1, src + static_cast<uint32_t>(writes) * 8);
  p.push_back(csrr_mcycle(kS0));
  const size_t wloop = p.size();
  const uint32_t wregs[8] = {kT0, kT1, kT2, kT3, kT4, kT5, kT6, kA2};
  for (int i = 0; i < 8; ++i) p.push_back(lw(wregs[i], kA0, 4 * i));
  p.push_back(addi(kA0, kA0, 32));
  p.push_back(addi(kZero, kZero, 0));  // nop: two instructions between the last load and the first WRITE
  for (int i = 0; i < 8; i += 2) p.push_back(cfu(sasim_isa::kWriteA, 0, kZero, wregs[i], wregs[i + 1]));
  p.push_back(bne(kA0, kA1, -static_cast<int32_t>(4 * (p.size() - wloop))));
  p.push_back(csrr_mcycle(kS1));
  p.push_back(cfu(sasim_isa::kRead, 1, kZero, kZero, kZero));  // SEEK bank 0, line 0
  li32(&p, kA0, dst);
  li32(&p, kA1, dst + static_cast<uint32_t>(reads) * 4);
  if (pipelined && iters >= 1) {
    const uint32_t kA4 = 14;  // 0 in the warm-up pass, 1 in the timed one
    li32(&p, kA1, dst + 64);
    p.push_back(addi(kA4, kZero, 0));
    p.push_back(cfu(sasim_isa::kRead, 0, kA3, kZero, kZero));  // the first READ, before the loop
    const size_t rloop = p.size();
    // The driver's loop (read_words_pipelined, 8 columns): per line READ,
    // the pointer step, READ, the two stores; eight lines per iteration.
    for (int i = 0; i < 8; ++i) {
      p.push_back(cfu(sasim_isa::kRead, 0, kT0, kZero, kZero));
      p.push_back(addi(kA0, kA0, 8));
      p.push_back(cfu(sasim_isa::kRead, 0, kT1, kZero, kZero));
      p.push_back(sw(kT0, kA0, -8));
      p.push_back(sw(kT1, kA0, -4));
    }
    p.push_back(bne(kA0, kA1, -static_cast<int32_t>(4 * (p.size() - rloop))));
    // After the warm-up pass: start the clock, set the end, run the loop again.
    const size_t skip = p.size();
    p.push_back(0);  // bne a4, zero, done (patched below)
    p.push_back(addi(kA4, kZero, 1));
    li32(&p, kA1, dst + 64 + static_cast<uint32_t>(timed_reads) * 4);
    p.push_back(csrr_mcycle(kT2));
    p.push_back(jal0(-static_cast<int32_t>(4 * (p.size() - rloop))));
    p[skip] = bne(kA4, kZero, static_cast<int32_t>(4 * (p.size() - skip)));
    p.push_back(csrr_mcycle(kT3));
  } else {
    p.push_back(csrr_mcycle(kT2));
    const size_t rloop = p.size();
    p.push_back(cfu(sasim_isa::kRead, 0, kT0, kZero, kZero));  // READ NEXT
    p.push_back(sw(kT0, kA0, 0));
    p.push_back(addi(kA0, kA0, 4));
    p.push_back(bne(kA0, kA1, -static_cast<int32_t>(4 * (p.size() - rloop))));
    p.push_back(csrr_mcycle(kT3));
  }
  // Result words: write-loop cycles, read-loop cycles; then exit 0.
  li32(&p, kT0, BoardMemory::kIoBase);
  p.push_back(sub(kT1, kS1, kS0));
  p.push_back(sw(kT1, kT0, 0xC));
  p.push_back(sub(kT1, kT3, kT2));
  p.push_back(sw(kT1, kT0, 0xC));
  p.push_back(sw(kZero, kT0, 0x4));
  for (size_t i = 0; i < p.size(); ++i) std::memcpy(&board.mem.ram[4 * i], &p[i], 4);

  const StopInfo stop = board.run(BoardMemory::kRamBase, 10'000'000);
  const std::vector<uint32_t>& words = board.cpu.result_words();
  if (stop.reason != StopReason::kExit || words.size() != 2 || board.cfu.error())
    throw std::runtime_error("feed benchmark: the loops did not run as expected: " +
                             (board.cfu.error() ? std::string("the CFU rejected a command") : stop.message));
  FeedRates r;
  r.write_cycles_per_8_bytes = static_cast<double>(words[0]) / writes;
  r.read_cycles_per_4_bytes = static_cast<double>(words[1]) / timed_reads;
  return r;
}

}  // namespace sasim::cpu
