// spiketlm: repair of AddressSanitizer's idea of the main stack after a simulation (tlm/sanitizer.md).
//
// SystemC 2.3.4 annotates its QuickThreads coroutine switches for ASan, but incompletely: a
// switch to the main coroutine passes no stack (main has none recorded) and a process that ends
// switches with no annotation at all. After sc_start() returns, ASan therefore believes the main
// thread runs on an empty or dead coroutine stack, ignores every later __asan_handle_no_return
// ("ASan is ignoring requested __asan_handle_no_return") and so leaves the redzones of the frames
// an exception unwinds poisoned: false stack-buffer-overflow reports follow. Called on the main
// stack when no process runs, this tells ASan the thread's real stack again (a fiber switch of
// zero distance). Without ASan it does nothing.
#pragma once

namespace spiketlm::sanitizer {

// If the caller runs on its thread's own stack, make it ASan's current stack. Safe to call at
// any time; does nothing without AddressSanitizer or on a coroutine stack.
void restore_thread_stack();

}  // namespace spiketlm::sanitizer
