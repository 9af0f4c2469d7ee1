#include "board/soc/soc.h"

#include <fmt/format.h>

#include <algorithm>

namespace sasim::soc {

namespace {
constexpr uint64_t kNever = ~0ull;
}

Soc::Soc(const CsrJson& csr, const SocOptions& o, void (*uart_sink)(void*, char), void* ctx) : csr_(csr), o_(o) {
  // The devices, by csr.json's base names. A register of any other device
  // is not modelled: an access to it stops the run, naming it.
  auto add = [&](const std::string& base, std::unique_ptr<Device> dev, const std::string& irq_const) {
    int line = -1;
    if (!irq_const.empty()) {
      if (auto n = csr.constant(irq_const)) line = static_cast<int>(*n);
    }
    Device* d = dev.get();
    devices_.push_back(std::move(dev));
    line_of_.push_back(line >= 0 && line < 32 ? line : -1);
    const std::vector<std::string>& names = d->reg_names();
    for (const auto& [rname, r] : csr.registers) {
      if (rname.rfind(base + "_", 0) != 0) continue;
      const std::string suffix = rname.substr(base.size() + 1);
      auto it = std::find(names.begin(), names.end(), suffix);
      if (it == names.end()) continue;
      for (int w = 0; w < r.size; ++w) {
        int special = 0;
        if (base == "ctrl" && suffix == "reset") special = kCtrlReset;
        if (base.rfind("sim_finish", 0) == 0) special = kSimFinish;
        slots_[r.addr + 4u * static_cast<uint32_t>(w)] =
            Slot{d, static_cast<int>(it - names.begin()), w, r.writable, r.size == 1 ? rname : fmt::format("{}[{}]", rname, w), special};
      }
    }
  };
  if (csr.bases.count("uart")) {
    auto u = std::make_unique<Uart>(o.clock_hz, o.baud, uart_sink, ctx);
    uart_ = u.get();
    add("uart", std::move(u), "uart_interrupt");
  }
  if (csr.bases.count("timer0")) add("timer0", std::make_unique<Timer>(), "timer0_interrupt");
  if (csr.bases.count("ctrl"))
    add("ctrl",
        std::make_unique<Storage>(std::vector<Storage::Reg>{
            {"reset", true, {0}}, {"scratch", true, {0x12345678u}}, {"bus_errors", false, {0}}}),
        "");
  if (csr.bases.count("leds")) add("leds", std::make_unique<Storage>(std::vector<Storage::Reg>{{"out", true, {0}}}), "");
  for (const auto& [base, addr] : csr.bases) {
    (void)addr;
    if (base.rfind("sim_finish", 0) == 0)
      add(base, std::make_unique<Storage>(std::vector<Storage::Reg>{{"finish", true, {0}}}), "");
  }
}

bool Soc::check(uint32_t addr, int size, bool write, std::string* why) const {
  (void)size;
  auto it = slots_.find(addr & ~3u);
  if (it == slots_.end()) {
    const std::string name = csr_.name_at(addr);
    *why = name.empty() ? fmt::format("no register of {} is there", csr_.path)
                        : fmt::format("{} ({}), which the board model does not model", name, csr_.path);
    return false;
  }
  if (write && !it->second.writable) {
    *why = fmt::format("{} is read-only ({})", it->second.name, csr_.path);
    return false;
  }
  return true;
}

uint32_t Soc::latency(uint32_t addr) const {
  (void)addr;
  return o_.csr_latency;
}

uint32_t Soc::predicted(uint64_t c) const {
  uint32_t v = 0;
  for (size_t i = 0; i < devices_.size(); ++i)
    if (line_of_[i] >= 0 && devices_[i]->irq(c)) v |= 1u << line_of_[i];
  return v;
}

void Soc::extend_history(uint64_t to) {
  // The lines over [last_ack_, to) as the devices' state foresaw them.
  uint64_t c = last_ack_;
  while (c < to) {
    const uint32_t v = predicted(c);
    if (history_.empty() || history_.back().second != v) history_.emplace_back(c, v);
    uint64_t next = kNever;
    for (size_t i = 0; i < devices_.size(); ++i)
      if (line_of_[i] >= 0) next = std::min(next, devices_[i]->next_irq_change(c));
    c = next;
  }
}

uint32_t Soc::read(uint32_t addr, int size, uint64_t ack) {
  (void)size;
  const Slot& s = slots_.at(addr & ~3u);
  ++counts_[s.name];
  return s.dev->read(s.reg, s.word, ack);
}

void Soc::write(uint32_t addr, uint32_t value, int size, uint64_t ack) {
  (void)size;
  const Slot& s = slots_.at(addr & ~3u);
  ++counts_[s.name];
  if (ack > last_ack_) {
    extend_history(ack);
    last_ack_ = ack;
  }
  s.dev->write(s.reg, s.word, value, ack);
  if (s.special == kSimFinish && (value & 1) && stop_.empty()) {
    stop_ = fmt::format("the firmware wrote {}", s.name);
    stop_cycle_ = ack;
  }
  if (s.special == kCtrlReset && (value & 3) && stop_.empty()) {
    stop_ = fmt::format("the firmware reset the {} ({} = {})", (value & 1) ? "SoC" : "CPU", s.name, value);
    stop_cycle_ = ack;
  }
  if (!stop_.empty() && stop_cycle_ == ack && stop_hook_) stop_hook_(stop_ctx_);
}

uint32_t Soc::lines(uint64_t c) {
  if (c >= last_ack_) return predicted(c);
  // The last entry from at or before c.
  auto it = std::upper_bound(history_.begin(), history_.end(), c,
                             [](uint64_t x, const std::pair<uint64_t, uint32_t>& e) { return x < e.first; });
  return it == history_.begin() ? 0 : std::prev(it)->second;
}

uint64_t Soc::next_line_change(uint64_t c) {
  if (c < last_ack_) {
    auto it = std::upper_bound(history_.begin(), history_.end(), c,
                               [](uint64_t x, const std::pair<uint64_t, uint32_t>& e) { return x < e.first; });
    return it == history_.end() ? last_ack_ : std::min(it->first, last_ack_);
  }
  uint64_t next = kNever;
  for (size_t i = 0; i < devices_.size(); ++i)
    if (line_of_[i] >= 0) next = std::min(next, devices_[i]->next_irq_change(c));
  return next;
}

void Soc::forget_before(uint64_t c) {
  size_t n = 0;
  while (n + 1 < history_.size() && history_[n + 1].first <= c) ++n;
  if (n) history_.erase(history_.begin(), history_.begin() + static_cast<std::ptrdiff_t>(n));
}

std::string Soc::region_name(uint32_t addr) const {
  for (const auto& [name, base] : csr_.memory_base) {
    const uint32_t size = csr_.memory_size.at(name);
    if (name != "main_ram" && addr >= base && addr - base < size)
      return fmt::format("the SoC's {} (0x{:08x}, {} KiB, {} memories.{})", name, base, size / 1024, csr_.path, name);
  }
  return {};
}

uint64_t Soc::quiet_from(uint64_t c) const {
  uint64_t q = c;
  for (const auto& d : devices_) q = std::max(q, d->quiet_from(c));
  return q;
}

const std::vector<std::pair<std::string, uint64_t>> Soc::accesses() const {
  std::vector<std::pair<std::string, uint64_t>> v(counts_.begin(), counts_.end());
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace sasim::soc
