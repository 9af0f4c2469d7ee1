#include "cpu/elf_image.h"

#include <cxxabi.h>
#include <cstdlib>

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

namespace sasim::cpu {

namespace {

// Closes the descriptor and the Elf handle on every path out.
struct ElfHandle {
  int fd = -1;
  Elf* elf = nullptr;
  ~ElfHandle() {
    if (elf) elf_end(elf);
    if (fd >= 0) close(fd);
  }
};

constexpr uint64_t kMaxSegmentBytes = 64u << 20;

}  // namespace

bool ElfImage::find(const std::string& name, uint32_t* addr) const {
  for (const auto* list : {&functions, &objects})
    for (const ElfSymbol& s : *list)
      if (s.name == name) {
        *addr = s.addr;
        return true;
      }
  return false;
}

const ElfSymbol* ElfImage::function_at(uint32_t addr) const {
  auto it = std::upper_bound(functions.begin(), functions.end(), addr,
                             [](uint32_t a, const ElfSymbol& s) { return a < s.addr; });
  if (it == functions.begin()) return nullptr;
  --it;
  if (addr < it->addr + std::max<uint32_t>(it->size, 4)) return &*it;
  // Assembly labels without a size: attribute up to the next symbol.
  if (it->size == 0) return &*it;
  return nullptr;
}

const ElfSymbol* ElfImage::code_symbol_at(uint32_t addr) const {
  if (const ElfSymbol* f = function_at(addr)) return f;
  const ElfSymbol* best = nullptr;
  for (const ElfSymbol& o : objects)
    if (o.addr <= addr && addr - o.addr < 0x10000 && !o.name.empty() && o.name[0] != '.' && o.name[0] != '$' &&
        (!best || o.addr > best->addr))
      best = &o;
  return best;
}

std::string demangle(const std::string& name) {
  int status = 0;
  char* d = abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status);
  std::string out = (status == 0 && d) ? d : name;
  std::free(d);
  return out;
}

ElfImage load_elf(const std::string& path) {
  auto err = [&](const std::string& what) { return ElfError(fmt::format("{}: {}", path, what)); };
  if (elf_version(EV_CURRENT) == EV_NONE) throw err("libelf is unusable");
  ElfHandle h;
  struct stat st;
  if (stat(path.c_str(), &st) != 0) throw err(fmt::format("cannot open: {}", std::strerror(errno)));
  if (S_ISDIR(st.st_mode)) throw err("is a directory, not an ELF program");
  h.fd = open(path.c_str(), O_RDONLY);
  if (h.fd < 0) throw err(fmt::format("cannot open: {}", std::strerror(errno)));
  h.elf = elf_begin(h.fd, ELF_C_READ, nullptr);
  if (!h.elf || elf_kind(h.elf) != ELF_K_ELF) throw err("not an ELF file");
  GElf_Ehdr eh;
  if (!gelf_getehdr(h.elf, &eh)) throw err(fmt::format("bad ELF header: {}", elf_errmsg(-1)));
  if (eh.e_ident[EI_CLASS] != ELFCLASS32) throw err("not a 32-bit ELF (the board's CPU is rv32)");
  if (eh.e_ident[EI_DATA] != ELFDATA2LSB) throw err("not a little-endian ELF");
  if (eh.e_machine != EM_RISCV) throw err(fmt::format("machine {} is not RISC-V", eh.e_machine));
  if (eh.e_type != ET_EXEC) throw err("not an executable (ET_EXEC); link it with the board's linker script");

  ElfImage img;
  img.path = path;
  img.entry = static_cast<uint32_t>(eh.e_entry);
  size_t nph = 0;
  if (elf_getphdrnum(h.elf, &nph) != 0) throw err(fmt::format("bad program headers: {}", elf_errmsg(-1)));
  size_t file_size = 0;
  char* raw = elf_rawfile(h.elf, &file_size);
  if (!raw) throw err(fmt::format("cannot read: {}", elf_errmsg(-1)));
  for (size_t i = 0; i < nph; ++i) {
    GElf_Phdr ph;
    if (!gelf_getphdr(h.elf, static_cast<int>(i), &ph)) throw err(fmt::format("bad program header {}", i));
    if (ph.p_type != PT_LOAD || ph.p_memsz == 0) continue;
    if (ph.p_memsz > kMaxSegmentBytes || ph.p_filesz > ph.p_memsz)
      throw err(fmt::format("segment {} has an impossible size (file {} bytes, memory {} bytes)", i, ph.p_filesz,
                            ph.p_memsz));
    if (ph.p_offset > file_size || ph.p_filesz > file_size - ph.p_offset)
      throw err(fmt::format("segment {} lies outside the file (truncated?)", i));
    ElfSegment seg;
    // Programs linked with separate load addresses run from their physical
    // address; the board's images have p_paddr == p_vaddr.
    seg.vaddr = static_cast<uint32_t>(ph.p_paddr);
    seg.bytes.assign(static_cast<size_t>(ph.p_memsz), 0);
    std::memcpy(seg.bytes.data(), raw + ph.p_offset, static_cast<size_t>(ph.p_filesz));
    img.segments.push_back(std::move(seg));
  }
  if (img.segments.empty()) throw err("no loadable segment");

  Elf_Scn* scn = nullptr;
  while ((scn = elf_nextscn(h.elf, scn)) != nullptr) {
    GElf_Shdr sh;
    if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || sh.sh_entsize == 0) continue;
    Elf_Data* data = elf_getdata(scn, nullptr);
    if (!data) continue;
    const size_t n = sh.sh_size / sh.sh_entsize;
    for (size_t k = 0; k < n; ++k) {
      GElf_Sym sym;
      if (!gelf_getsym(data, static_cast<int>(k), &sym)) continue;
      const char* name = elf_strptr(h.elf, sh.sh_link, sym.st_name);
      if (!name || !*name || sym.st_shndx == SHN_UNDEF) continue;
      const int type = GELF_ST_TYPE(sym.st_info);
      ElfSymbol s{static_cast<uint32_t>(sym.st_value), static_cast<uint32_t>(sym.st_size), name};
      if (type == STT_FUNC) img.functions.push_back(std::move(s));
      else if (type == STT_OBJECT || type == STT_NOTYPE) img.objects.push_back(std::move(s));
    }
  }
  std::sort(img.functions.begin(), img.functions.end(),
            [](const ElfSymbol& x, const ElfSymbol& y) { return x.addr < y.addr; });
  return img;
}

}  // namespace sasim::cpu
