// Layering probe (tests/layering/README.md): a hw/ source that includes the trace library. Must not compile.
#include "traces/src/trace.h"
