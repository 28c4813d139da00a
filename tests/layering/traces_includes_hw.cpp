// Layering probe (tests/layering/README.md): the trace library including a unit. Must not compile.
#include "hw/ctrl/csr.h"
