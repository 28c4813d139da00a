// Layering probe (tests/layering/README.md): a platform including firmware. Must not compile.
#include "sw/fw/runtime.h"
