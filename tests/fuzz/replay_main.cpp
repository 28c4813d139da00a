// Runs a libFuzzer harness over files and directories (the seed corpus and the regression
// inputs) without libFuzzer: the CTest entries fuzz_replay_* (tests/fuzz/CMakeLists.txt), so
// every crash the fuzzer found stays fixed in every build, sanitizer builds included.
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {
void collect(const std::string& p, std::vector<std::string>& out) {
  struct stat st;
  if (stat(p.c_str(), &st) != 0) return;
  if (!S_ISDIR(st.st_mode)) {
    out.push_back(p);
    return;
  }
  if (DIR* d = opendir(p.c_str())) {
    while (dirent* e = readdir(d))
      if (e->d_name[0] != '.') collect(p + "/" + e->d_name, out);
    closedir(d);
  }
}
}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) collect(argv[i], files);
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    const std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  }
  std::printf("replayed %zu inputs\n", files.size());
  return files.empty() ? 1 : 0;
}
