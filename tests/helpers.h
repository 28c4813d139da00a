// Small helpers shared by the tests.
#pragma once
#include <exception>
#include <functional>
#include <string>

#include "tlm/error.h"

namespace spiketlm::test {
inline std::string source_dir() { return SPIKETLM_SOURCE_DIR; }
inline std::string binary_dir() { return SPIKETLM_BINARY_DIR; }

// Runs `f` and returns the one-line error text it raised ("" if none).
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return error_text(e);
  }
  return "";
}
}  // namespace spiketlm::test
