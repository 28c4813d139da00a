// spiketlm: a bundle directory written completely or not at all. The bundle is written into a
// staging directory beside the destination (<out>.partial-<pid>); commit() moves it into place
// (replacing an existing bundle: a directory holding trace.yaml, or an empty one); a staging
// directory that is not committed (an error on the way) is removed.
#pragma once
#include <string>

namespace spiketlm::nir {

class staging_dir {
 public:
  explicit staging_dir(const std::string& out);
  ~staging_dir();
  staging_dir(const staging_dir&) = delete;
  staging_dir& operator=(const staging_dir&) = delete;
  const std::string& path() const { return m_tmp; }
  void commit();
  void clear();  // empty the staging directory again

 private:
  std::string m_out, m_tmp;
  bool m_done = false;
};

}  // namespace spiketlm::nir
