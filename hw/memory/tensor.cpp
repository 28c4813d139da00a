#include "hw/memory/tensor.h"

namespace spiketlm {

const char* tensor_name(Tensor t) {
  switch (t) {
    case Tensor::weight: return "weight";
    case Tensor::ifmap: return "ifmap";
    case Tensor::ofmap: return "ofmap";
    case Tensor::psum: return "psum";
    case Tensor::membrane: return "membrane";
    case Tensor::input: return "input";
    case Tensor::output: return "output";
    default: return "other";
  }
}

}  // namespace spiketlm
