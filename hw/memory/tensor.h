// spiketlm: the operand classes of the accelerators' transactions (which tensor of a network
// a transfer carries), for per-tensor traffic statistics. Transactions carry them in the
// framework's generic tag (tlm/payload.h OperandTag); the names are the statistics' suffixes
// ("bytes_read.weight").
#pragma once
#include <cstdint>

#include "tlm/payload.h"

namespace spiketlm {

enum class Tensor : uint8_t { other = 0, weight, ifmap, ofmap, psum, membrane, input, output, count };
const char* tensor_name(Tensor t);

// The tag of a transaction: tensor, layer and timestep.
using TileExt = OperandTag<Tensor>;

inline Tensor tensor_of(const tlm::tlm_generic_payload& p) { return operand_of<Tensor>(p); }

}  // namespace spiketlm
