// spiketlm: what a run must undo however it ends (tlm/output.md).
//
// A process-wide register of the temporary files and directories this run created and of the
// child processes it started. On SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE and SIGABRT the
// handler (installed once by install_signal_cleanup()) kills and reaps every registered child,
// removes every registered temporary path, then lets the signal end the process as it would
// have (same exit status). Everything the handler does is async-signal-safe (kill, waitpid,
// unlink, rmdir, getdents64): no allocation, no locks. SIGXFSZ is ignored, so a file-size
// limit is a write error (EFBIG) with a one-line message, not a killed process.
//
// Normal exits and exceptions undo the same things through the owners' destructors
// (OutputSet, CosimServer, calibrate); the register only covers the paths a signal cuts off.
#pragma once
#include <sys/types.h>

#include <string>

namespace spiketlm::cleanup {

// Install the handler (idempotent). The CLI calls it first thing.
void install_signal_cleanup();

// A temporary file (or socket) this run created: removed by the handler.
void add_file(const std::string& path);
// A temporary directory this run created: removed with its contents (two levels deep) by the
// handler.
void add_dir(const std::string& path);
// No longer ours to remove (renamed into place, or already removed).
void forget(const std::string& path);

enum class ChildPolicy {
  kill,       // SIGKILL then reap (external firmware: any program)
  terminate   // SIGTERM then reap (our own forked child: it cleans up after itself)
};
void add_child(pid_t pid, ChildPolicy policy);
void forget_child(pid_t pid);

// In a forked child: the parent's registrations are the parent's to undo (no free: the
// strings stay with the copy of the heap).
void reset_after_fork();

// Blocks the handled signals for its lifetime (a rename sequence that must not be cut).
class HoldSignals {
 public:
  HoldSignals();
  ~HoldSignals();
  HoldSignals(const HoldSignals&) = delete;
  HoldSignals& operator=(const HoldSignals&) = delete;

 private:
  unsigned long m_old[16];  // the previous sigset_t (1024 bits)
};

// Remove a directory and its contents (files and one level of subdirectories), with the same
// async-signal-safe code the handler uses. Returns false if something could not be removed.
bool remove_tree(const char* path);

}  // namespace spiketlm::cleanup
