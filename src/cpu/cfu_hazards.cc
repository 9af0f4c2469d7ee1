#include "cpu/cfu_hazards.h"

#include <cstring>
#include <map>

namespace sasim::cpu {

namespace {

struct Insn {
  uint32_t raw = 0;
  bool valid = false;
  int opcode = 0, rd = 0, rs1 = 0, rs2 = 0;
  bool use1 = false, use2 = false;
};

Insn decode(uint32_t w) {
  Insn i;
  i.raw = w;
  i.valid = true;
  i.opcode = static_cast<int>(w & 0x7f);
  i.rd = static_cast<int>((w >> 7) & 31);
  i.rs1 = static_cast<int>((w >> 15) & 31);
  i.rs2 = static_cast<int>((w >> 20) & 31);
  switch (i.opcode) {
    case 0x33: case 0x0B: case 0x23: case 0x63: i.use1 = i.use2 = true; break;  // R, CFU, S, B
    case 0x13: case 0x03: case 0x67: i.use1 = true; break;                       // I, loads, jalr
    case 0x73: i.use1 = ((w >> 12) & 7) != 0 && ((w >> 12) & 7) < 4; break;      // CSR with a register
    default: break;
  }
  return i;
}

bool reads(const Insn& i, int r) { return r != 0 && ((i.use1 && i.rs1 == r) || (i.use2 && i.rs2 == r)); }

int32_t sext(uint32_t v, int bits) { return static_cast<int32_t>(v << (32 - bits)) >> (32 - bits); }

}  // namespace

std::vector<CfuReplayHazard> find_replay_hazards(const ElfImage& img) {
  // Words of the loadable segments by address.
  std::map<uint32_t, uint32_t> words;
  for (const ElfSegment& s : img.segments)
    for (size_t o = 0; o + 4 <= s.bytes.size(); o += 4) {
      uint32_t w;
      std::memcpy(&w, &s.bytes[o], 4);
      words[s.vaddr + static_cast<uint32_t>(o)] = w;
    }
  auto at = [&](uint32_t pc) {
    const auto it = words.find(pc);
    return it == words.end() ? Insn{} : decode(it->second);
  };
  std::vector<CfuReplayHazard> out;
  for (const ElfSymbol& fn : img.functions) {
    for (uint32_t pc = fn.addr; pc + 4 <= fn.addr + fn.size; pc += 4) {
      const Insn load = at(pc);
      if (!load.valid || load.opcode != 0x03) continue;
      const int lrd = load.rd;
      auto hit = [&](uint32_t cpc, int distance) {
        const Insn c = at(cpc);
        if (!c.valid || c.opcode != 0x0B || reads(c, lrd)) return;
        const ElfSymbol* f = img.function_at(cpc);
        out.push_back(CfuReplayHazard{cpc, pc, distance, f ? f->name : std::string("?")});
      };
      hit(pc + 4, 0);
      const Insn d0 = at(pc + 4);
      if (!d0.valid || reads(d0, lrd) || d0.opcode == 0x73 || d0.opcode == 0x0B || d0.opcode == 0x67) continue;
      if (d0.opcode == 0x6f) {  // jal: the target follows
        const int32_t imm = sext(((d0.raw >> 31) << 20) | (((d0.raw >> 12) & 0xff) << 12) |
                                     (((d0.raw >> 20) & 1) << 11) | (((d0.raw >> 21) & 0x3ff) << 1),
                                 21);
        hit(pc + 4 + static_cast<uint32_t>(imm), 1);
        continue;
      }
      if (d0.opcode == 0x63) {  // a conditional branch: either way
        const int32_t imm = sext(((d0.raw >> 31) << 12) | (((d0.raw >> 7) & 1) << 11) |
                                     (((d0.raw >> 25) & 0x3f) << 5) | (((d0.raw >> 8) & 0xf) << 1),
                                 13);
        hit(pc + 4 + static_cast<uint32_t>(imm), 1);
      }
      hit(pc + 8, 1);
    }
  }
  return out;
}

}  // namespace sasim::cpu
