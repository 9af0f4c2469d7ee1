// Words to the CFU's buffers (stream.h): the WRITE loops every mapping
// streams its operands through, in the board's hot section.
#include "driver/stream.h"

namespace sasim_drv {
SASIM_DRIVER_DETAIL_BEGIN

SASIM_HOT void put_words_a(const uint32_t* p, int words) { put_words_body<kWriteA, 0>(p, words); }
SASIM_HOT void put_words_b(const uint32_t* p, int words) { put_words_body<kWriteB, 0>(p, words); }
// The weight store's WRITE_W: once per layer and power-up (store_weights).
SASIM_NOINLINE void put_words_w(const uint32_t* p, int words) { put_words_body<kWriteB, kWriteW>(p, words); }

SASIM_DRIVER_DETAIL_END
}  // namespace sasim_drv
