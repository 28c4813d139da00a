// A private copy of a shipped trace bundle for tests to corrupt, and the check that a trace
// error is one line from the trace reader.
#pragma once
#include <gtest/gtest.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "tests/helpers.h"
#include "traces/src/trace.h"

namespace spiketlm::test {

struct bundle_copy {
  std::filesystem::path dir;
  bundle_copy(const std::string& from, const std::string& tag) {
    dir = std::filesystem::temp_directory_path() / ("spiketlm_bundle_" + tag + "_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::copy(from, dir);
  }
  ~bundle_copy() { std::filesystem::remove_all(dir); }
  std::string path(const std::string& f) const { return (dir / f).string(); }
  std::string yaml() const {
    std::ifstream f(dir / "trace.yaml");
    return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  }
  void set_yaml(const std::string& s) const { std::ofstream(dir / "trace.yaml") << s; }
  // Replace the first occurrence of `from` (must exist) in trace.yaml.
  void replace(const std::string& from, const std::string& to) const {
    std::string s = yaml();
    const auto p = s.find(from);
    ASSERT_NE(p, std::string::npos) << from;
    s.replace(p, from.size(), to);
    set_yaml(s);
  }
  void edit(const std::function<void(YAML::Node&)>& f) const {
    YAML::Node n = YAML::LoadFile((dir / "trace.yaml").string());
    f(n);
    YAML::Emitter e;
    e << n;
    set_yaml(e.c_str());
  }
  // The reader's error on this bundle ("" if it reads).
  std::string error() const {
    const std::string d = dir.string();
    return error_of([&] { read_bundle(d); });
  }
};

// Expects `e` to be one line from the trace reader; returns it.
inline std::string expect_one_line(const std::string& e) {
  EXPECT_EQ(e.find('\n'), std::string::npos) << e;
  EXPECT_EQ(e.rfind("spiketlm/trace: ", 0), 0u) << e;
  return e;
}

}  // namespace spiketlm::test
