// Layering probe (tests/layering/README.md): a hw/ library that calls hw, hw/arith and tlm.
// Linked like a layer (--no-undefined) against the hw layer and what it links: must link.
#include <cstdint>
#include <exception>
#include <string>

namespace spiketlm {
enum class Tensor : std::uint8_t;
const char* tensor_name(Tensor t);
std::string error_text(const std::exception& e);
namespace arith {
std::int64_t round_half_away(double x);
}  // namespace arith
}  // namespace spiketlm

std::int64_t probe(double x) { return spiketlm::arith::round_half_away(x); }
const char* probe_name(spiketlm::Tensor t) { return spiketlm::tensor_name(t); }
std::string probe_text(const std::exception& e) { return spiketlm::error_text(e); }
