// The runner's stand-in for an export's sasim_hw.h (README.md): the bridge
// is built with SASIM_HW_RUNTIME and reads none of an export's SASIM_HW_*.
#ifndef SASIM_HW_H_
#define SASIM_HW_H_
#if !defined(SASIM_HW_RUNTIME)
#error "sasim's runner builds the bridge with SASIM_HW_RUNTIME"
#endif
#endif  // SASIM_HW_H_
