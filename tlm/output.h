// spiketlm: the one way to write a file the user named (see tlm/output.md).
//
// Every output of a run (reports, --dump-config, VCD + .gtkw, --txlog, bundles written by
// calibrate, and whatever comes next) goes through an OutputSet, in three steps:
//   claim(path, "--json")   before the run: checks the target, writes nothing
//   write(path, ...)        after the run: stages the content in a temporary file beside the
//                           target; the target is not touched
//   commit()                at the very end: every staged output is put in place together
// Anything else (an error, an exception, a signal, a missing commit) removes the temporary
// files: no output of a failed run exists and no file that was there before is changed.
#pragma once
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace spiketlm {

class OutputSet {
 public:
  OutputSet();
  ~OutputSet();  // discard()
  OutputSet(const OutputSet&) = delete;
  OutputSet& operator=(const OutputSet&) = delete;

  // The outputs of this process: the set the CLI commits, shared by the report writer, the
  // tracer, the CPU's transaction log and the platforms.
  static OutputSet& process();

  // Check a file target before the run. A symbolic link is followed (its target is what gets
  // written). Accepted: a new path in an existing writable directory, a writable regular
  // file (replaced by rename), a writable device or FIFO (written in place at commit), and
  // /dev/stdout, /dev/stderr, /dev/fd/N (written to that descriptor). Anything else, or a
  // path already claimed for another purpose, is a one-line error
  // "<path>: <what>: <problem>, expected <what>". `what` names the option ("--json").
  // Claiming a path again for the same purpose is allowed. Returns the resolved target.
  std::string claim(const std::string& path, const std::string& what);
  // A directory output (a trace bundle): a new path or an empty directory.
  std::string claim_dir(const std::string& path, const std::string& what);
  // An input the run reads: an error if it is the same file or directory as an output.
  void refuse_input(const std::string& input, const std::string& what) const;

  // Stage a file output (claimed here with `what` = "output" if it was not claimed before).
  // A write error (full disk, file-size limit) is a one-line error; the target is untouched.
  void write(const std::string& path, const std::string& content);
  void write(const std::string& path, const std::function<void(std::FILE*)>& fill);
  // Stage a directory output: returns an empty temporary directory beside the target, to be
  // filled by the caller and renamed into place at commit().
  std::string stage_dir(const std::string& path);
  // Where a staged directory output is until commit() ("" if it is not staged): to read back
  // what a unit wrote before the run's commit.
  std::string staged_dir(const std::string& path) const;

  // Put every staged output in place: renames over regular files and new paths (a previous
  // file is kept until all renames succeeded and restored if one fails), then writes device,
  // FIFO and descriptor targets in place. Signals are held during the renames.
  void commit();
  // Remove every temporary file and directory of this set; targets are untouched.
  void discard();

  bool claimed(const std::string& path) const;
  size_t staged() const;

 private:
  struct Entry;
  Entry& find_or_claim(const std::string& path, bool dir);
  void stage_file(Entry& e, const std::function<void(std::FILE*)>& fill);
  void rollback(const std::vector<Entry*>& done);
  std::vector<std::unique_ptr<Entry>> m_entries;
};

}  // namespace spiketlm
