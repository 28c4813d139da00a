#include "traces/nir/bundle_dir.h"

#include "tlm/error.h"

#include <filesystem>
#include <unistd.h>

namespace spiketlm::nir {

namespace fs = std::filesystem;

namespace {
// The destination must be absent, an empty directory or a bundle (never any other file).
void check_destination(const std::string& out) {
  std::error_code ec;
  if (!fs::exists(out, ec)) return;
  if (!fs::is_directory(out, ec))
    fail("nir", out + ": output: expected a directory for the bundle, got an existing file");
  if (!fs::is_empty(out, ec) && !fs::exists(fs::path(out) / "trace.yaml", ec))
    fail("nir", out + ": output: expected a new, empty or bundle directory, got a directory with other files");
}
}  // namespace

staging_dir::staging_dir(const std::string& out) : m_out(out) {
  if (out.empty()) fail("nir", "output: expected a bundle directory (-o DIR), got none");
  std::string o = out;
  while (o.size() > 1 && o.back() == '/') o.pop_back();
  m_out = o;
  check_destination(m_out);
  m_tmp = m_out + ".partial-" + std::to_string(::getpid());
  std::error_code ec;
  fs::remove_all(m_tmp, ec);
  if (!fs::create_directories(m_tmp, ec) || ec)
    fail("nir", m_tmp + ": output: expected a writable directory beside " + m_out + ", got " + (ec ? ec.message() : "none"));
}

staging_dir::~staging_dir() {
  if (m_done) return;
  std::error_code ec;
  fs::remove_all(m_tmp, ec);
}

void staging_dir::clear() {
  std::error_code ec;
  fs::remove_all(m_tmp, ec);
  fs::create_directories(m_tmp, ec);
  if (ec) fail("nir", m_tmp + ": output: expected a writable directory, got " + ec.message());
}

void staging_dir::commit() {
  check_destination(m_out);
  std::error_code ec;
  const std::string old = m_out + ".old-" + std::to_string(::getpid());
  const bool replace = fs::exists(m_out, ec);
  if (replace) fs::rename(m_out, old, ec);
  if (ec) fail("nir", m_out + ": output: expected to move the old bundle aside, got " + ec.message());
  fs::rename(m_tmp, m_out, ec);
  if (ec) {
    if (replace) fs::rename(old, m_out, ec);
    fail("nir", m_out + ": output: expected to move the new bundle into place, got " + ec.message());
  }
  m_done = true;
  if (replace) fs::remove_all(old, ec);
}

}  // namespace spiketlm::nir
