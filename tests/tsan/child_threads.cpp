// ThreadSanitizer check of the one place spiketlm's C++ runs threads: the Python module's calls,
// which release the GIL so that threads run points in parallel (sw/python/child.h). Several
// threads call run_in_child at once through one zygote; every result must be the same report,
// and TSan must find no data race (it exits 66 when it does). Built and run by sw/tools/tsan.sh.
//   child_threads ZYGOTE CONFIG TRACE [THREADS] [CALLS_PER_THREAD]
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "sw/python/child.h"

extern char** environ;

namespace {

spiketlm::Request run_request(const std::string& config, const std::string& trace) {
  spiketlm::Request r;
  r.kind = "run";
  // config, overrides, run parameters (key\x1fvalue pairs), plugins, vcd, trace filters
  r.args = {config, "", std::string("run.trace\x1f") + trace + "\x1frun.samples\x1f" "2", "", "", ""};
  char cwd[4096];
  if (::getcwd(cwd, sizeof cwd)) r.cwd = cwd;
  for (char** e = environ; e && *e; ++e) r.env.push_back(*e);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s ZYGOTE CONFIG TRACE [THREADS] [CALLS]\n", argv[0]);
    return 2;
  }
  const int threads = argc > 4 ? std::atoi(argv[4]) : 4, calls = argc > 5 ? std::atoi(argv[5]) : 3;
  const spiketlm::Request req = run_request(argv[2], argv[3]);
  std::mutex lock;
  std::vector<std::string> results, errors;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      for (int c = 0; c < calls; ++c) {
        try {
          std::string json = spiketlm::run_in_child(req, argv[1]);
          std::lock_guard<std::mutex> g(lock);
          results.push_back(std::move(json));
        } catch (const std::exception& e) {
          std::lock_guard<std::mutex> g(lock);
          errors.push_back(e.what());
        }
      }
    });
  for (auto& th : pool) th.join();
  for (const auto& e : errors) std::fprintf(stderr, "child_threads: a call failed: %s\n", e.c_str());
  size_t differ = 0;
  for (const auto& r : results) differ += r != results.front();
  std::printf("child_threads: %d threads x %d calls: %zu reports (%zu bytes), %zu differ from the first, %zu errors\n",
              threads, calls, results.size(), results.empty() ? size_t(0) : results.front().size(), differ, errors.size());
  return errors.empty() && differ == 0 && results.size() == size_t(threads * calls) && results.front().size() > 1000 ? 0 : 1;
}
