// Small helpers shared by the tests.
#pragma once
#include <string>

namespace spiketlm::test {
inline std::string source_dir() { return SPIKETLM_SOURCE_DIR; }
inline std::string binary_dir() { return SPIKETLM_BINARY_DIR; }
}  // namespace spiketlm::test
