// Layering probe (tests/layering/README.md): a tlm/ source that includes a unit. Must not compile.
#include "hw/memory/sram.h"
