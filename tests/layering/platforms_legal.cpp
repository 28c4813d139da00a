// Layering probe (tests/layering/README.md): what a platform may include. Must compile.
#include "hw/ctrl/csr.h"
#include "hw/cpu/cpu.h"
#include "platforms/platform.h"
#include "sw/include/spiketlm/accel_regs.h"
#include "traces/src/golden.h"
