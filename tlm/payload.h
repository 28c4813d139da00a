// spiketlm: extensions of tlm_generic_payload.
//
// A transaction is a standard generic payload: command, address, data pointer and length
// describe the bytes. OperandTag<Kind> optionally tags it with what those bytes are for the
// model above: an operand class from the model's own enum Kind (Kind{} = untagged), and the
// step and sub-step it belongs to (for a network: the layer and the timestep), so memories and
// the report can split traffic by operand without guessing from addresses. The framework gives
// no meaning to the values; hw/memory/tensor.h defines the accelerators' operand classes.
#pragma once
#include <tlm>
#include <cstdint>

namespace spiketlm {

template <class Kind>
struct OperandTag : tlm::tlm_extension<OperandTag<Kind>> {
  Kind tensor{};
  uint32_t layer = 0;
  uint32_t timestep = 0;
  tlm::tlm_extension_base* clone() const override { return new OperandTag(*this); }
  void copy_from(const tlm::tlm_extension_base& e) override { *this = static_cast<const OperandTag&>(e); }
};

// The operand class a transaction is tagged with (Kind{} if untagged).
template <class Kind>
Kind operand_of(const tlm::tlm_generic_payload& p) {
  const OperandTag<Kind>* e = nullptr;
  p.get_extension(e);
  return e ? e->tensor : Kind{};
}

// For an initiator that reuses one payload for all its transactions (constructing a payload
// allocates its extension array): detaches the extensions Ts at scope exit, also when the
// transaction throws, so that the payload never frees the initiator's own extension objects.
template <class... Ts>
struct DetachExtensions {
  tlm::tlm_generic_payload& p;
  ~DetachExtensions() { (p.clear_extension<Ts>(), ...); }
};

}  // namespace spiketlm
