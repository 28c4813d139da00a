// Layering probe (tests/layering/README.md): a platform library that calls the run flow without
// including it. Linked like a layer (--no-undefined) against the platforms layer and what it
// links: must fail with an undefined reference.
#include <string>

namespace spiketlm {
std::string resolve_path(const std::string& dir, const std::string& p);
}  // namespace spiketlm

std::string probe(const std::string& p) { return spiketlm::resolve_path("/", p); }
