// Helpers shared by the libFuzzer harnesses (tests/fuzz/README.md).
#pragma once
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace spiketlm::fuzz {

// The input split at `marker` lines ("\n@@FILE name\n"): the first chunk, then (name, bytes)
// for each marked chunk. Marker names longer than a line are kept as they are.
inline std::pair<std::string, std::vector<std::pair<std::string, std::string>>> split(const uint8_t* data, size_t size,
                                                                                      const std::string& marker) {
  const std::string s(reinterpret_cast<const char*>(data), size);
  std::vector<std::pair<std::string, std::string>> parts;
  size_t at = s.find(marker);
  const std::string head = s.substr(0, at);
  while (at != std::string::npos) {
    const size_t name_begin = at + marker.size();
    const size_t nl = s.find('\n', name_begin);
    const std::string name = s.substr(name_begin, nl == std::string::npos ? std::string::npos : nl - name_begin);
    const size_t body = nl == std::string::npos ? s.size() : nl + 1;
    at = s.find(marker, body);
    parts.emplace_back(name, s.substr(body, at == std::string::npos ? std::string::npos : at - body));
  }
  return {head, parts};
}

// A private scratch directory for this process (tmpfs when there is one), made once and
// removed at exit (the name is never destroyed: the exit handler runs after static destructors).
inline const std::string& scratch_dir() {
  static const std::string* d = [] {
    const char* base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    auto* t = new std::string(std::string(base) + "/spiketlm-fuzz-" + std::to_string(getpid()));
    mkdir(t->c_str(), 0700);
    std::atexit([] { std::filesystem::remove_all(scratch_dir()); });
    return t;
  }();
  return *d;
}

inline bool write_file(const std::string& path, const std::string& bytes) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return false;
  const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  return std::fclose(f) == 0 && ok;
}

// A file name the harness may create: letters, digits, '.', '_', '-', not "." or "..".
inline bool plain_name(const std::string& n) {
  if (n.empty() || n.size() > 64 || n == "." || n == "..") return false;
  for (char c : n)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) return false;
  return true;
}

// An invariant the code must keep: abort (a crash libFuzzer reports) when it does not.
inline void require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
  std::abort();
}

// An error's text as the CLI prints it (error_text, tlm/error.h) must be one line: abort,
// showing it, when it is not.
inline void require_one_line(const std::string& what) {
  if (what.find_first_of("\n\r") == std::string::npos) return;
  std::fprintf(stderr, "error message: %s\n", what.c_str());
  require(false, "an error is one line");
}

}  // namespace spiketlm::fuzz
