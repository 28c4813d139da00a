// Test entry point. libsystemc provides its own main() that calls sc_main(); to be sure which
// runs, this binary defines main() and enters SystemC through sc_elab_and_sim, with sc_main
// running the GoogleTest suite. Each TEST runs in its own process (gtest_discover_tests), so
// a test may elaborate and sc_start a model once.
#include <gtest/gtest.h>
#include <systemc>
#include <cstdlib>

#include "tlm/sanitizer.h"

namespace {
// Under AddressSanitizer, each test starts with ASan's bounds of the main stack right, whatever
// an earlier sc_start() left (tlm/sanitizer.md).
class MainStackRepair : public ::testing::EmptyTestEventListener {
  void OnTestStart(const ::testing::TestInfo&) override { spiketlm::sanitizer::restore_thread_stack(); }
};
}  // namespace

int sc_main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::UnitTest::GetInstance()->listeners().Append(new MainStackRepair);
  return RUN_ALL_TESTS();
}

int main(int argc, char** argv) {
  setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 1);
  return sc_core::sc_elab_and_sim(argc, argv);
}
