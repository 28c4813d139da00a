// spiketlm: the field readers of trace.yaml (internal to traces/src; FORMAT.md).
//
// Each reader checks one field and fails with the one-line error of the project's standard:
// the file, the key path inside it (`where`) and what was expected. Used by trace_read.cpp
// (the document) and trace_read_layer.cpp (one layer).
#pragma once
#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "traces/src/npy.h"

namespace spiketlm {
namespace trace_fields {

// Where a field lives: the file and the key path inside it.
struct where {
  std::string file;  // e.g. "traces/fmnist_snn/trace.yaml"
  std::string path;  // e.g. "layers[2].kernel"
  where at(const std::string& key) const { return {file, path.empty() ? key : path + "." + key}; }
  where idx(std::size_t i) const { return {file, path + "[" + std::to_string(i) + "]"}; }
};

[[noreturn]] void bad(const where& w, const std::string& msg);
int ceil_log2(std::uint64_t v);
std::string scalar_text(const YAML::Node& n);
YAML::Node req(const YAML::Node& m, const std::string& key, const where& w);
bool has(const YAML::Node& m, const std::string& key);
void check_keys(const YAML::Node& m, const where& w, std::initializer_list<const char*> allowed);
long long as_int(const YAML::Node& n, const where& w, long long lo, long long hi);
double as_double(const YAML::Node& n, const where& w);
std::string as_str(const YAML::Node& n, const where& w);
std::string as_enum(const YAML::Node& n, const where& w, std::initializer_list<const char*> values);
// Read a tensor named by a string field and check its dtype and shape.
npy_array tensor(const std::string& dir, const YAML::Node& m, const std::string& key, const where& w,
                 npy_dtype dtype, const std::vector<std::size_t>& shape);
template <class T>
std::vector<T> tensor_values(const std::string& dir, const YAML::Node& m, const std::string& key, const where& w,
                             const std::vector<std::size_t>& shape) {
  return tensor(dir, m, key, w, npy_dtype_of<T>(), shape).template values<T>();
}
std::string file_of(const std::string& dir, const YAML::Node& m, const std::string& key);
void check_finite(const std::vector<float>& v, const std::string& file, bool positive, bool non_negative);

}  // namespace trace_fields
}  // namespace spiketlm
