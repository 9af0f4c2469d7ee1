#include "board/soc/cfu_monitor.h"

#include <fmt/format.h>

#include "driver/cfu_isa.h"

namespace sasim::soc {

void CfuMonitor::step(const BusIn& in) {
  const BusOut o = inner_->outputs();
  if (in.cmd_valid && !o.cmd_ready) {
    ++total_.cmd_wait;
    ++by_fn_[in.function_id].cmd_wait;
  }
  // A cycle of the CFU's work: a command taken in an earlier cycle is not
  // answered yet at its start.
  if (!outstanding_.empty()) ++busy_;
  // Taken before the answer is looked at: a CFU may answer in the cycle it
  // takes the command.
  if (in.cmd_valid && o.cmd_ready) {
    ++total_.commands;
    ++by_fn_[in.function_id].commands;
    outstanding_.push_back({in.function_id, now_});
  }
  if (!outstanding_.empty()) {
    const Outstanding& f = outstanding_.front();
    if (o.rsp_valid && in.rsp_ready) {
      const uint64_t lat = now_ - f.accepted;
      total_.latency += lat;
      by_fn_[f.function_id].latency += lat;
      // The timeline: this command joins the open span of its function id
      // when it was taken soon after that span's last response.
      if (!spans_.empty() && spans_.back().function_id == f.function_id && f.accepted <= spans_.back().to + kSpanGap) {
        spans_.back().to = now_;
        ++spans_.back().commands;
      } else if (spans_.size() < max_spans_) {
        spans_.push_back({f.function_id, f.accepted, now_, 1});
      } else if (max_spans_ > 0) {
        truncated_ = true;
      }
      outstanding_.pop_front();
    } else if (o.rsp_valid) {
      ++total_.rsp_stalled;
      ++by_fn_[f.function_id].rsp_stalled;
    }
  }
  inner_->step(in);
  ++now_;
}

void CfuMonitor::idle(uint64_t n, bool rsp_ready) {
  // Nothing outstanding and every response taken: nothing to watch, and the
  // CFU may skip the span (CoreCfuPort's exact idle).
  if (outstanding_.empty() && rsp_ready) {
    inner_->idle(n, rsp_ready);
    now_ += n;
    return;
  }
  CfuPort::idle(n, rsp_ready);
}

std::string CfuMonitor::function_name(uint32_t function_id, bool sasim) {
  const uint32_t f3 = function_id & 7, f7 = function_id >> 3;
  const std::string ids = fmt::format("({},{})", f3, f7);
  if (!sasim) return ids;
  static const char* const kCfg[] = {"SET_OUTPUT",    "ID",         "STATUS",    "IM2COL_GEOM", "IM2COL_PIXEL",
                                     "IM2COL_ORIGIN", "IM2COL_SEQ", "PARAM_BANK", "EW_CONFIG",   "EW_MULT",
                                     "EW_OP",         "W_SEEK",     "W_BASE",    "A_FILL"};
  static const char* const kParam[] = {"BIAS", "REQUANT", "BIAS_ALL", "REQUANT_ALL"};
  static const char* const kRead[] = {"READ NEXT", "SEEK", "READ RAW", "READ_EW", "KEEP"};
  const char* name = nullptr;
  switch (f3) {
    case sasim_isa::kCfg: name = f7 < sizeof kCfg / sizeof *kCfg ? kCfg[f7] : nullptr; break;
    case sasim_isa::kWriteA: name = f7 == 0 ? "WRITE_A" : nullptr; break;
    case sasim_isa::kWriteB: name = f7 == 0 ? "WRITE_B" : f7 == sasim_isa::kWriteW ? "WRITE_W" : nullptr; break;
    case sasim_isa::kParam: name = f7 < 4 ? kParam[f7] : nullptr; break;
    case sasim_isa::kStart: name = f7 == 0 ? "START" : nullptr; break;
    case sasim_isa::kRead: name = f7 < sizeof kRead / sizeof *kRead ? kRead[f7] : nullptr; break;
    case sasim_isa::kWait: name = f7 == 0 ? "WAIT" : nullptr; break;
    case sasim_isa::kReset: name = f7 == 0 ? "RESET" : nullptr; break;
  }
  return name ? fmt::format("{} {}", name, ids) : fmt::format("(not a command) {}", ids);
}

}  // namespace sasim::soc
