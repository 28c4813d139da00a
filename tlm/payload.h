// spiketlm: extensions of tlm_generic_payload.
//
// TileExt tags a transaction with what it carries (which tensor, layer, timestep), so
// memories and the report can split traffic by tensor class without guessing from addresses.
// It is optional: a transaction without it is counted as "other".
#pragma once
#include <tlm>
#include <cstdint>

namespace spiketlm {

enum class Tensor : uint8_t { other = 0, weight, ifmap, ofmap, psum, membrane, input, output, count };
const char* tensor_name(Tensor t);

struct TileExt : tlm::tlm_extension<TileExt> {
  Tensor tensor = Tensor::other;
  uint32_t layer = 0;
  uint32_t timestep = 0;
  tlm::tlm_extension_base* clone() const override { return new TileExt(*this); }
  void copy_from(const tlm::tlm_extension_base& e) override { *this = static_cast<const TileExt&>(e); }
};

// For an initiator that reuses one payload for all its transactions (constructing a payload
// allocates its extension array): detaches the extensions Ts at scope exit, also when the
// transaction throws, so that the payload never frees the initiator's own extension objects.
template <class... Ts>
struct DetachExtensions {
  tlm::tlm_generic_payload& p;
  ~DetachExtensions() { (p.clear_extension<Ts>(), ...); }
};

inline Tensor tensor_of(const tlm::tlm_generic_payload& p) {
  const TileExt* e = nullptr;
  p.get_extension(e);
  return e ? e->tensor : Tensor::other;
}

}  // namespace spiketlm
