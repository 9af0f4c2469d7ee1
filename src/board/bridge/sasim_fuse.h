// The runner's stand-in for an export's sasim_fuse.h (README.md): no layer
// is recognised by its filter and no operator heads a chain; the runner
// adopts each fused layer's learned state itself (sasim_tflm::Adopt,
// AdoptChain).
#ifndef SASIM_FUSE_H_
#define SASIM_FUSE_H_
#define SASIM_FUSE_COUNT 0
#define SASIM_FUSE_TABLE {{0u, 0u, 0}}
#define SASIM_KEEP_COUNT 0
#define SASIM_KEEP_TABLE {{0u, 0u, 0, 0}}
#define SASIM_CHAIN_COUNT 0
#define SASIM_CHAIN_TABLE {{-1, 0, 0, 0, 0, 0}}
#endif  // SASIM_FUSE_H_
