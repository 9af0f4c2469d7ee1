// LiteX's description of a built SoC (`--csr-json`, written to
// soc/build/<target>.<project>/csr.json by a CFU Playground build): where
// each CSR register sits, and the constants the firmware was compiled with.
// The addresses change from build to build: the board model reads them here,
// never hard-codes them (docs/board.md).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace sasim::soc {

struct CsrRegister {
  uint32_t addr = 0;
  int size = 1;        // in CSR words of csr_data_width bits, one per 4-byte bus word
  bool writable = true;  // "rw" (or "wo"); "ro" is read-only
};

struct CsrJson {
  std::string path;
  std::map<std::string, uint32_t> bases;           // csr_bases: "uart" -> 0xf0001000
  std::map<std::string, CsrRegister> registers;    // csr_registers: "uart_rxtx" -> ...
  std::map<std::string, int64_t> int_constants;    // constants with integer values
  std::map<std::string, std::string> str_constants;  // and the others, as text
  std::map<std::string, uint32_t> memory_base;     // memories: "main_ram" -> 0x40000000
  std::map<std::string, uint32_t> memory_size;
  int csr_data_width = 32;
  // The CPU the SoC was built with, from LiteX's constants:
  // config_cpu_human_name (CPU_VARIANTS' core name, e.g. "VexRiscv_PerfCfu"
  // for CFU Playground's --cpu-variant=perf+cfu), else config_cpu_type_* and
  // config_cpu_variant_* (the variant's first word). cpu_variant is sasim's
  // name of that core ("perf+cfu", "full+cfu"), empty when csr.json names
  // none or one sasim does not model; cpu_name is what csr.json says
  // ("" when nothing), cpu_key, cpu_line and cpu_col where (for messages).
  std::string cpu_variant, cpu_name, cpu_key;
  int cpu_line = 0, cpu_col = 0;

  // A register by name, or null.
  const CsrRegister* reg(const std::string& name) const;
  std::optional<int64_t> constant(const std::string& name) const;
  // The register (and word of it) at addr: "uart_rxtx", "timer0_load[2]";
  // empty when none.
  std::string name_at(uint32_t addr) const;
};

// Reads and checks the file; a ConfigError names the file, the line and the
// key of any problem.
CsrJson load_csr_json(const std::string& path);

}  // namespace sasim::soc
