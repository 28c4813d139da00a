// spiketlm: see sanitizer.h.
#include "tlm/sanitizer.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SPIKETLM_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define SPIKETLM_ASAN 1
#endif

#ifdef SPIKETLM_ASAN
#include <pthread.h>
#include <sanitizer/common_interface_defs.h>

#include <cstddef>
#include <cstdint>
#endif

namespace spiketlm::sanitizer {

#ifdef SPIKETLM_ASAN
void restore_thread_stack() {
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return;
  void* base = nullptr;
  std::size_t size = 0;
  const bool ok = pthread_attr_getstack(&attr, &base, &size) == 0;
  pthread_attr_destroy(&attr);
  const auto lo = reinterpret_cast<std::uintptr_t>(base);
  const auto here = reinterpret_cast<std::uintptr_t>(&attr);
  if (!ok || here < lo || here >= lo + size) return;  // on a coroutine's stack: not ours to fix
  void* fake_stack = nullptr;  // the thread's fake stack (use-after-return) is kept
  __sanitizer_start_switch_fiber(&fake_stack, base, size);
  __sanitizer_finish_switch_fiber(fake_stack, nullptr, nullptr);
}
#else
void restore_thread_stack() {}
#endif

}  // namespace spiketlm::sanitizer
