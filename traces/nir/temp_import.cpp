#include "traces/nir/temp_import.h"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>

#include "tlm/error.h"

namespace spiketlm::nir {

namespace fs = std::filesystem;

temp_import::temp_import(const std::string& model, const import_options& o) {
  std::string tmpl = (fs::temp_directory_path() / "spiketlm_nir_XXXXXX").string();
  if (!mkdtemp(tmpl.data())) fail("nir", tmpl + ": expected a temporary directory, got " + std::strerror(errno));
  m_dir = tmpl;
  m_bundle = m_dir + "/bundle";
  try {
    m_result = import_nir(model, m_bundle, o);
  } catch (...) {
    std::error_code ec;
    fs::remove_all(m_dir, ec);
    throw;
  }
}

temp_import::~temp_import() {
  std::error_code ec;
  fs::remove_all(m_dir, ec);
}

int platform_membrane_bits(const std::string& config, const std::vector<std::string>& overrides) {
  const std::string key = "membrane_bits";
  for (const auto& o : overrides) {
    const auto eq = o.find('=');
    if (eq != std::string::npos && eq >= key.size() && o.compare(eq - key.size(), key.size(), key) == 0)
      return std::atoi(o.c_str() + eq + 1);
  }
  int bits = 32;
  try {
    std::function<bool(const YAML::Node&)> find = [&](const YAML::Node& n) {
      if (!n.IsMap()) return false;
      for (const auto& kv : n) {
        if (kv.first.as<std::string>() == key && kv.second.IsScalar()) return bits = kv.second.as<int>(), true;
        if (find(kv.second)) return true;
      }
      return false;
    };
    find(YAML::LoadFile(config));
  } catch (const YAML::Exception& e) {
    fail("config", config + ": yaml: expected a readable platform YAML, got " + std::string(e.what()));
  }
  return bits;
}

}  // namespace spiketlm::nir
