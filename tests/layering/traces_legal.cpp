// Layering probe (tests/layering/README.md): what traces/ may include. Must compile.
#include "hw/arith/neuron.h"
#include "tlm/error.h"
#include "traces/src/golden.h"
