// spiketlm: a NIR file imported into a temporary bundle for one run (`spiketlm run --nir`, the
// run parameter `run.nir` of spiketlm.run(nir=...)); the directory is removed with the object.
#pragma once
#include <string>
#include <vector>

#include "traces/nir/import.h"

namespace spiketlm::nir {

class temp_import {
 public:
  temp_import(const std::string& model, const import_options& o);
  ~temp_import();
  temp_import(const temp_import&) = delete;
  temp_import& operator=(const temp_import&) = delete;
  const std::string& bundle_dir() const { return m_bundle; }
  const import_result& result() const { return m_result; }

 private:
  std::string m_dir, m_bundle;
  import_result m_result;
};

// The membrane width a platform YAML (and its -c key=value overrides) gives its neurons: the
// first `membrane_bits` key found (an override wins), 32 if none.
int platform_membrane_bits(const std::string& config, const std::vector<std::string>& overrides);

}  // namespace spiketlm::nir
