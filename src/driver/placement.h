// Internal to src/driver/: where the driver's code goes on the board, and
// the namespace its parts share. Board code (C++11 subset, driver.h).
#ifndef SASIM_DRIVER_PLACEMENT_H_
#define SASIM_DRIVER_PLACEMENT_H_

// Code placement on the board (no effect on the host). The board's I$ is 8
// KiB, direct-mapped, refilled through the L2 the layers' data streams
// through (a lost line mostly comes back from DRAM; docs/board-runtime.md,
// "Code layout"): the code a layer runs over and over (the tile and group
// loops, the streams, READ back) is kept in one contiguous section
// (.text.sasim_hot, below 8 KiB) so that it does not evict itself, the
// per-band code and the fused readback in sections of their own; the code
// every layer runs once (run_layer, the
// schedule) in one section of its own (.text.sasim_warm). CFU Playground's
// linker keeps an object's sections in the object's order, and so does
// src/board/link.ld. Code that runs once per layer or band and is not
// needed by every layer is kept out of line (SASIM_NOINLINE).
#if defined(__riscv)
#define SASIM_HOT __attribute__((section(".text.sasim_hot"), noinline, noclone))
#define SASIM_WARM __attribute__((section(".text.sasim_warm"), noinline, noclone))
// The code a layer runs once per band, or per pass where a tile goes pass
// by pass (begin_band, band_of, run_passes): a section of its own, which
// GCC emits before the hot one (callees first: band_of is a leaf). The hot
// section, the per-tile code, then stays within the 8 KiB I$ (6.5 KB), so
// the tile loops never evict one another; where the sections together
// overrun the I$, the hot section's end meets this per-band code.
// tests/board_layout.cmake checks both. (As one 9.2 KB hot section, its end
// wrapped onto the streaming loops at its start: ResNet-8's layer list
// 776 k or 830 k cycles by a 4-byte shift of the code before it; now
// 771-777 k for any shift of the driver, 0 to 4 KB.)
#define SASIM_BAND __attribute__((section(".text.sasim_band"), noinline, noclone))
// The fused readback (read_fused) and the kept one (read_discard, keep_tile):
// a section of their own (the object has it between the per-band code and
// the hot loops), so that the layers without them keep the hot section's
// layout.
#define SASIM_FUSED __attribute__((section(".text.sasim_fused"), noinline, noclone))
#else
#define SASIM_FUSED
#define SASIM_HOT
#define SASIM_WARM
#define SASIM_BAND
#endif
#define SASIM_NOINLINE __attribute__((noinline))
// Paths the board's usual layers never take (the layer then runs them once
// per band or tile): cold, so that GCC moves the blocks that call them out
// of the hot functions too.
#define SASIM_RARE __attribute__((noinline, cold))

// The driver's parts (one file per mapping, runner.h) share the Runner class
// in sasim_drv::detail. The board and the exported project compile them as
// one translation unit (src/driver/all.cc.in, SASIM_DRIVER_ONE_TU: see
// CMakeLists.txt's SASIM_DRIVER_PARTS), where the namespace is an anonymous
// one around it: the class then has internal linkage, so GCC inlines and
// places its code as it did when the driver was one file, and the hot
// section is one block in one object (CFU Playground's linker keeps each
// object's sections together; no linker script can gather them across
// objects for a firmware built there). The host compiles each part on its
// own, which keeps every part self-contained.
#if defined(SASIM_DRIVER_ONE_TU)
#define SASIM_DRIVER_DETAIL_BEGIN \
  namespace {                     \
  namespace detail {
#define SASIM_DRIVER_DETAIL_END \
  }                             \
  }
#else
#define SASIM_DRIVER_DETAIL_BEGIN namespace detail {
#define SASIM_DRIVER_DETAIL_END }
#endif
// On a member function defined outside the class without a placement
// attribute: `inline` in the one translation unit, as the class body made
// every member when the driver was one file (GCC's inliner gives functions
// declared inline a larger budget: without it the board's figures moved by
// up to 2 %, more I$ misses from calls to small functions the schedule and
// the loops had inlined). Nothing on the host, where each part is compiled
// alone and other parts call them.
#if defined(SASIM_DRIVER_ONE_TU)
#define SASIM_ONE_TU_INLINE inline
#else
#define SASIM_ONE_TU_INLINE
#endif

namespace sasim_drv {
SASIM_DRIVER_DETAIL_BEGIN

inline int min_i(int a, int b) { return a < b ? a : b; }
inline int max_i(int a, int b) { return a > b ? a : b; }

SASIM_DRIVER_DETAIL_END
}  // namespace sasim_drv

#endif  // SASIM_DRIVER_PLACEMENT_H_
