// The driver where an export puts it (README.md).
#include "driver/cfu_isa.h"
