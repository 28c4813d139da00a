// Layering probe (tests/layering/README.md): a hw/ source that includes a platform. Must not compile.
#include "platforms/platform.h"
