// The paths of the source and build trees, for tests/helpers.h (see there).
#include <string>

namespace spiketlm::test {
std::string source_dir() { return SPIKETLM_SOURCE_DIR; }
std::string binary_dir() { return SPIKETLM_BINARY_DIR; }
}  // namespace spiketlm::test
