// spiketlm Python module: run a function in a forked child process and bring back its text.
//
// SystemC elaborates once per process and cannot restart, so every simulation the module runs
// happens in a child forked for it: the parent (the Python interpreter) never starts the kernel,
// each call starts from the same state and nothing leaks between calls. The child writes one
// message to a pipe: a status byte ('0' result, '1' one-line error), an 8-byte length and the
// text; the parent reads exactly that (other children may hold copies of the pipe, so the parent
// never waits for end-of-file) and reaps the child.
#pragma once
#include <functional>
#include <stdexcept>
#include <string>

namespace spiketlm {

// An error the child reported (the CLI's one-line message), or a child that died.
struct ChildError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Run `work` in a forked child; return its result text or throw ChildError with its error
// message. `interrupted` is polled when a wait is interrupted by a signal: if it returns true
// the child is killed and reaped and `interrupted`'s caller is expected to raise (the function
// then throws ChildInterrupted).
struct ChildInterrupted : std::exception {};
std::string run_in_child(const std::function<std::string()>& work,
                         const std::function<bool()>& interrupted = nullptr);

}  // namespace spiketlm
