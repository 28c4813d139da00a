// Layering probe (tests/layering/README.md): a hw/ source that includes firmware. Must not compile.
#include "sw/fw/runtime.h"
