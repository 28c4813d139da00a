// Layering probe (tests/layering/README.md): what a hw/ source may include. Must compile.
#include "hw/arith/neuron.h"
#include "hw/memory/sram.h"
#include "sw/include/spiketlm/accel_regs.h"
#include "tlm/module.h"
