#include "cosim/lockstep.h"

#include <fmt/format.h>

#include <fstream>

namespace sasim {

std::string Mismatch::str() const {
  return fmt::format("cycle {}, instruction {}, layer {}, tile {}: {} model {:#x} rtl {:#x}", cycle, instruction,
                     layer.empty() ? "-" : layer, tile, signal, model_value, rtl_value);
}

LockstepHost::LockstepHost(CfuCore* core, RtlModel* rtl, const HostTiming& t) : core_(core), rtl_(rtl), timing_(t) {}

BusOut LockstepHost::step(const BusIn& in) {
  const BusOut m = core_ ? core_->outputs() : BusOut{};
  const BusOut r = rtl_ ? rtl_->outputs() : BusOut{};
  if (core_ && rtl_ && !mismatch_.found) {
    auto differ = [&](const char* sig, uint32_t mv, uint32_t rv) {
      mismatch_ = Mismatch{true, cycle_, instructions_, starts_, layer_, sig, mv, rv};
    };
    if (m.cmd_ready != r.cmd_ready) differ("cmd_ready", m.cmd_ready, r.cmd_ready);
    else if (m.rsp_valid != r.rsp_valid) differ("rsp_valid", m.rsp_valid, r.rsp_valid);
    else if (m.rsp_valid && m.rsp_payload != r.rsp_payload)
      differ("rsp_payload_outputs_0", m.rsp_payload, r.rsp_payload);
  }
  if (!vcd_path_.empty()) {
    history_.push_back({cycle_, in, m, r});
    if (static_cast<int>(history_.size()) > window_) history_.pop_front();
    if (mismatch_.found && mismatch_.cycle == cycle_) write_bus_vcd(vcd_path_, history_, mismatch_.cycle);
  }
  if (mismatch_.found) return core_ ? m : r;
  if (core_) core_->step(in);
  if (rtl_) rtl_->step(in);
  ++cycle_;
  return core_ ? m : r;
}

uint32_t LockstepHost::cfu_op(int funct3, int funct7, uint32_t a, uint32_t b) {
  if (mismatch_.found) return sasim_isa::kErrorResponse;
  const int gap = timing_.gap(funct3, funct7);
  BusIn idle;
  for (int i = 0; i < gap && !mismatch_.found; ++i) step(idle);
  BusIn in;
  in.cmd_valid = true;
  in.function_id = static_cast<uint32_t>(funct3 & 7) | static_cast<uint32_t>(funct7 & 0x7f) << 3;
  in.inputs_0 = a;
  in.inputs_1 = b;
  while (!mismatch_.found) {  // present until accepted
    const BusOut o = step(in);
    if (o.cmd_ready) break;
  }
  if (funct3 == sasim_isa::kStart) ++starts_;
  while (!mismatch_.found) {  // the response is taken in the cycle it is valid
    const BusOut o = step(idle);
    if (o.rsp_valid) {
      ++instructions_;
      return o.rsp_payload;
    }
  }
  return sasim_isa::kErrorResponse;
}

bool write_bus_vcd(const std::string& path, const std::deque<BusSample>& samples, uint64_t mismatch_cycle) {
  std::ofstream f(path);
  if (!f) return false;
  struct Var {
    const char* id;
    const char* name;
    int width;
  };
  const Var vars[] = {{"a", "cmd_valid", 1},         {"b", "cmd_payload_function_id", 10},
                      {"c", "cmd_payload_inputs_0", 32}, {"d", "cmd_payload_inputs_1", 32},
                      {"e", "rsp_ready", 1},         {"f", "model_cmd_ready", 1},
                      {"g", "model_rsp_valid", 1},   {"h", "model_rsp_payload_outputs_0", 32},
                      {"i", "rtl_cmd_ready", 1},     {"j", "rtl_rsp_valid", 1},
                      {"k", "rtl_rsp_payload_outputs_0", 32}, {"l", "mismatch", 1}};
  f << "$timescale 1ns $end\n$scope module cosim $end\n";
  for (const Var& v : vars) f << fmt::format("$var wire {} {} {} $end\n", v.width, v.id, v.name);
  f << "$upscope $end\n$enddefinitions $end\n";
  auto bin = [](uint32_t v, int w) {
    std::string s;
    for (int i = w - 1; i >= 0; --i) s += ((v >> i) & 1) ? '1' : '0';
    return s;
  };
  for (const BusSample& s : samples) {
    f << "#" << s.cycle << "\n";
    const uint32_t vals[] = {s.in.cmd_valid, s.in.function_id, s.in.inputs_0, s.in.inputs_1, s.in.rsp_ready,
                             s.model.cmd_ready, s.model.rsp_valid, s.model.rsp_payload, s.rtl.cmd_ready,
                             s.rtl.rsp_valid, s.rtl.rsp_payload, s.cycle == mismatch_cycle ? 1u : 0u};
    for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); ++i) {
      if (vars[i].width == 1) f << vals[i] << vars[i].id << "\n";
      else f << "b" << bin(vals[i], vars[i].width) << " " << vars[i].id << "\n";
    }
  }
  return static_cast<bool>(f);
}

}  // namespace sasim
