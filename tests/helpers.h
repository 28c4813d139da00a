// Small helpers shared by the tests.
#pragma once
#include <exception>
#include <functional>
#include <string>

#include "tlm/error.h"

namespace spiketlm::test {
// The source and build trees (tests/paths.cpp: the only file compiled with their paths, so the
// other test files compile the same in every checkout and a compiler cache can share them).
std::string source_dir();
std::string binary_dir();

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
