// The CFU bus as `sasim board` reports it (docs/board.md, "What the board
// cannot tell"): a CfuPort placed between the CPU model and any CFU (sasim's
// cycle model, its Verilated RTL, a user's cfu.v) that watches CFU
// Playground's handshake every cycle and passes everything through
// unchanged. What a board cannot show: how many commands each function id
// took, how long the CPU presented each before the CFU took it, how long the
// CFU took to answer, and how long an answer waited for the CPU; and for the
// Perfetto timeline, the commands as spans.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "cpu/vexriscv.h"

namespace sasim::soc {

// Per function id ([2:0] funct3, [9:3] funct7), or for all of them.
struct CfuBusStats {
  uint64_t commands = 0;     // cmd_valid && cmd_ready
  uint64_t cmd_wait = 0;     // cycles with cmd_valid && !cmd_ready: the CFU not taking a command
  uint64_t latency = 0;      // summed cycles from each command's acceptance to its response's
  uint64_t rsp_stalled = 0;  // cycles with rsp_valid && !rsp_ready while a command is outstanding
};

// Consecutive commands of one function id, each taken within kSpanGap
// cycles of the previous one's response: one span on the timeline.
struct CfuSpan {
  uint32_t function_id;
  uint64_t from, to;  // the first acceptance, the last response (cycles)
  uint64_t commands;
};

class CfuMonitor : public cpu::CfuPort {
 public:
  static constexpr uint64_t kSpanGap = 16;
  // `inner` is the CFU; at most max_spans spans are kept (0: none).
  CfuMonitor(cpu::CfuPort* inner, size_t max_spans) : inner_(inner), max_spans_(max_spans) {}

  BusOut outputs() const override { return inner_->outputs(); }
  void step(const BusIn& in) override;
  void idle(uint64_t n, bool rsp_ready) override;

  const CfuBusStats& total() const { return total_; }
  const std::map<uint32_t, CfuBusStats>& by_function() const { return by_fn_; }
  // Cycles at whose start a command taken earlier was not yet answered (the
  // union of the commands' latencies: for a CFU that takes one command at a
  // time, the summed latency).
  uint64_t busy() const { return busy_; }
  const std::vector<CfuSpan>& spans() const { return spans_; }
  bool spans_truncated() const { return truncated_; }
  uint64_t now() const { return now_; }

  // "f3 F f7 S", and with `sasim` the command's name in sasim's command set
  // (docs/command-set.md), e.g. "WRITE_A (1,0)".
  static std::string function_name(uint32_t function_id, bool sasim);

 private:
  struct Outstanding {
    uint32_t function_id;
    uint64_t accepted;
  };
  cpu::CfuPort* inner_;
  size_t max_spans_;
  uint64_t now_ = 0;
  uint64_t busy_ = 0;
  CfuBusStats total_;
  std::map<uint32_t, CfuBusStats> by_fn_;
  std::deque<Outstanding> outstanding_;
  std::vector<CfuSpan> spans_;
  bool truncated_ = false;
};

}  // namespace sasim::soc
