// spiketlm Python module: do one call's work in a process made for it and bring back its text.
//
// SystemC elaborates once per process and cannot restart, so no call runs the kernel in the
// interpreter's process. Each call runs in a fresh child process that sends one message back on a
// pipe: its pid (8 bytes), then a status byte ('0' result, '1' one-line error, '2' the process
// died: written by the zygote), an 8-byte length and the text. The parent reads exactly that (it
// never waits for end-of-file: other children may hold copies of the pipe).
//
// The child is forked from a zygote: a small process (sw/python/zygote.cpp, the executable
// `spiketlm_zygote` beside the module) started once per interpreter with posix_spawn, that has
// only the simulator's libraries mapped, so that a fork costs the same whatever the interpreter
// has loaded (forking an interpreter that imported torch copies the page tables of its whole
// address space: ~0.15 s). Without the zygote executable the interpreter forks the child itself.
#pragma once
#include <functional>
#include <stdexcept>
#include <string>

#include "sw/python/request.h"

namespace spiketlm {

// An error the child reported (the CLI's one-line message), or a child that died.
struct ChildError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// The wait was interrupted and `interrupted` asked to stop: the child was killed.
struct ChildInterrupted : std::exception {};

// Do `r` in a child; return its result text or throw ChildError with its message. `interrupted`
// is polled when a wait is interrupted by a signal; if it returns true the child is killed and
// ChildInterrupted is thrown. `zygote`: path of the zygote executable ("" = fork directly).
std::string run_in_child(const Request& r, const std::string& zygote,
                         const std::function<bool()>& interrupted = nullptr);

// The child's side: write the pid, do the work, write the message to `fd`, _exit. Never returns.
[[noreturn]] void child_main(int fd, const Request& r);

}  // namespace spiketlm
