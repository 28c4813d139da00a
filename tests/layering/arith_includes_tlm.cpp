// Layering probe (tests/layering/README.md): hw/arith (pure C++) including the framework. Must not compile.
#include "tlm/error.h"
