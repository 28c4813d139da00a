// spiketlm sweep: running a helper program (sbatch, squeue, python3) and capturing its output.
#pragma once
#include <string>
#include <vector>

namespace spiketlm::dse {

struct ProcResult {
  int code = -1;          // exit code; 128 + N if killed by signal N; 127 if it could not start
  std::string out, err;
};

// Runs argv (argv[0] looked up on PATH) with stdin from /dev/null and waits for it.
ProcResult run_capture(const std::vector<std::string>& argv);

// The program's full path if `name` (no slash) is an executable on PATH, else "".
std::string find_on_path(const std::string& name);

// The Python for the plot scripts: $SPIKETLM_PYTHON, else /usr/bin/python3 (Debian's, with its
// python3-* packages), else python3 on PATH; "" when there is none.
std::string python_interpreter();

}  // namespace spiketlm::dse
