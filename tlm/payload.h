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

inline Tensor tensor_of(const tlm::tlm_generic_payload& p) {
  const TileExt* e = nullptr;
  p.get_extension(e);
  return e ? e->tensor : Tensor::other;
}

}  // namespace spiketlm
