// Layering probe (tests/layering/README.md): what hw/arith may include. Must compile.
#include "hw/arith/kernels.h"
#include "hw/arith/neuron.h"
#include "hw/arith/spikegen.h"
