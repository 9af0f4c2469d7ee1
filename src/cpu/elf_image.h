// Bare-metal rv32 ELF programs for the board model, read with libelf
// (elfutils): the loadable segments, the entry point and the function symbols
// (so profiles can name functions).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace sasim::cpu {

struct ElfSegment {
  uint32_t vaddr = 0;
  std::vector<uint8_t> bytes;  // file bytes, zero-extended to p_memsz
};

struct ElfSymbol {
  uint32_t addr = 0, size = 0;
  std::string name;
};

struct ElfImage {
  std::string path;
  uint32_t entry = 0;
  std::vector<ElfSegment> segments;
  std::vector<ElfSymbol> functions;  // STT_FUNC, sorted by address
  // Symbol address by name, or false.
  bool find(const std::string& name, uint32_t* addr) const;
  // The function containing `addr`, or nullptr.
  const ElfSymbol* function_at(uint32_t addr) const;
  // That function, or else the nearest label before addr within 64 KiB
  // (assembly such as a crt0's trap entry has no function symbols); null
  // when none.
  const ElfSymbol* code_symbol_at(uint32_t addr) const;
  std::vector<ElfSymbol> objects;  // STT_OBJECT and STT_NOTYPE, for find()
};

// Thrown for a file that is not a loadable little-endian rv32 executable; the
// message names the file and what is wrong.
class ElfError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

ElfImage load_elf(const std::string& path);

// A C++ symbol's readable name (the name itself when it is not mangled).
std::string demangle(const std::string& name);

}  // namespace sasim::cpu
