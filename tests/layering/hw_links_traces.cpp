// Layering probe (tests/layering/README.md): a hw/ library that calls the trace library without
// including it. Linked like a layer (--no-undefined) against the hw layer and what it links: must
// fail with an undefined reference.
namespace spiketlm {
enum class layer_type;
const char* layer_type_name(layer_type t);
}  // namespace spiketlm

const char* probe(spiketlm::layer_type t) { return spiketlm::layer_type_name(t); }
