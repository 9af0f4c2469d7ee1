// The project menu of a sasim export (CFU Playground's main menu, entry 3).
#include "proj_menu.h"

#include <stdio.h>

#include "menu.h"
#include "sasim_hw.h"
#include "sasim_selftest.h"
#include "sasim_tflm.h"

namespace {

void do_selftest() { sasim_selftest_run(); }

void do_toggle() {
  sasim_tflm::SetEnabled(!sasim_tflm::Enabled());
  printf("conv, depthwise, fully connected and ADD layers now run on the %s\r\n",
         sasim_tflm::Enabled() ? "sasim CFU (" SASIM_HW_CONFIG ")" : "reference code");
}

void do_counters() {
  const sasim_tflm::Counters& c = sasim_tflm::GetCounters();
  printf("layers on the CFU: %u (%u with their next operator fused), on the reference code: %u (and %u small "
         "layers and ADDs left on the CPU by the cost model; %u fusions refused: the operator's output overlaps "
         "the layer's input), last driver status: %d\r\n",
         c.accelerated, c.fused, c.fallbacks, c.on_cpu, c.fuse_refused, c.last_status);
}

struct Menu MENU = {
    "sasim accelerator (" SASIM_HW_CONFIG ")",
    "sasim",
    {
        MENU_ITEM('1', "self-test: built-in layers on the CFU and on the reference code", do_selftest),
        MENU_ITEM('2', "switch TFLite Micro's conv/depthwise/FC/ADD between the CFU and the reference code", do_toggle),
        MENU_ITEM('3', "layers run on the CFU and fallen back so far", do_counters),
        MENU_END,
    },
};

}  // namespace

extern "C" void do_proj_menu() { menu_run(&MENU); }
