// Layering probe (tests/layering/README.md): what a tlm/ source may include. Must compile.
#include "tlm/module.h"
#include "tlm/router.h"
