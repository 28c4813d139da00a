#include "platforms/dram_fit.h"

#include <initializer_list>

#include "tlm/error.h"

namespace spiketlm {

namespace {
// Saturating products and sums: sizes from a trace.yaml may overflow 64 bits.
uint64_t mul(std::initializer_list<uint64_t> f) {
  uint64_t p = 1;
  for (uint64_t x : f)
    if (__builtin_mul_overflow(p, x, &p)) return UINT64_MAX;
  return p;
}
uint64_t add(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

// At least the bytes of a map of the values of `s` in `planes` bit planes: the firmware packs
// each row to whole bytes (Runtime::Map::bytes), so never fewer than planes x values / 8,
// whatever shape (flattened or not) the map is read in.
uint64_t map_bytes(const tensor_shape& s, uint64_t planes) {
  const uint64_t bits = mul({planes, uint64_t(s.c), uint64_t(s.h), uint64_t(s.w)});
  return bits / 8 + (bits % 8 != 0);
}

// The fields that set a layer's size, as trace.yaml names them.
std::string size_fields(const layer& L) {
  const std::string out = " on a " + shape_text(L.in_shape) + " input (output " + shape_text(L.out_shape) + ")";
  if (L.type == layer_type::linear)
    return "in_features " + std::to_string(L.in_channels) + ", out_features " + std::to_string(L.out_channels);
  if (L.type == layer_type::conv2d)
    return "in_channels " + std::to_string(L.in_channels) + ", out_channels " + std::to_string(L.out_channels) + ", kernel " +
           std::to_string(L.kernel) + out;
  return std::string(layer_type_name(L.type)) + out;
}
}  // namespace

uint64_t dram_bytes_of_layer(const bundle& b, size_t li, const FirmwareTarget& t) {
  const layer& L = b.layers[li];
  const uint64_t T = uint64_t(b.timesteps);
  uint64_t n = 0;
  if (li == 0) n = b.spike_input() ? mul({map_bytes(b.input_shape, 1), T}) : map_bytes(b.input_shape, 8);
  if (L.type == layer_type::flatten) return n;  // moves no data
  const uint64_t K = uint64_t(L.out_shape.c), pixels = mul({uint64_t(L.out_shape.h), uint64_t(L.out_shape.w)});
  if (L.is_compute()) {
    if (!b.functional() && !L.input_rate.empty()) n = add(n, mul({map_bytes(L.in_shape, 1), T}));
    // Weights tiled [ceil(K/cols)][W][cols], W = in_channels x kernel x kernel (linear: in_features).
    const uint64_t W = L.type == layer_type::linear ? uint64_t(L.in_channels)
                                                    : mul({uint64_t(L.in_channels), uint64_t(L.kernel), uint64_t(L.kernel)});
    const uint64_t cols = uint64_t(t.pe_cols), tiles = uint64_t(L.out_channels) / cols + (uint64_t(L.out_channels) % cols != 0);
    n = add(n, mul({tiles, cols, W}));
  }
  const bool neurons = L.fires() && (L.is_compute() || L.type == layer_type::add);  // pools have none
  const bool relu = neurons && L.neuron->relu();
  if (neurons) {
    n = add(n, mul({K, 8}));  // the fixed-point multipliers and offsets
    if (!relu) n = add(n, mul({K, pixels, uint64_t(t.membrane_bytes)}));
  }
  const bool accumulation = L.is_compute() && !L.fires();
  const uint64_t out = accumulation ? mul({K, pixels, 4}) : map_bytes(L.out_shape, relu ? uint64_t(L.neuron->bits) : 1);
  return add(n, mul({out, T}));
}

void check_dram_fit(const bundle& b, const FirmwareTarget& t, const std::string& dram) {
  // What a platform (a plugin's too) gives the firmware: the layout below and Runtime divide by
  // pe_cols and size membranes by membrane_bytes.
  if (t.pe_cols < 1 || t.membrane_bytes < 1 || t.membrane_bytes > 8)
    fail("platform", dram + ": the platform's FirmwareTarget (attach_host): expected pe_cols >= 1 and membrane_bytes 1..8, "
                     "got pe_cols " + std::to_string(t.pe_cols) + ", membrane_bytes " + std::to_string(t.membrane_bytes));
  uint64_t total = 0;
  for (size_t li = 0; li < b.layers.size(); ++li) {
    const uint64_t own = dram_bytes_of_layer(b, li, t);
    total = add(total, own);
    if (total <= t.dram_size) continue;
    const layer& L = b.layers[li];
    const auto bytes = [](uint64_t v) { return v == UINT64_MAX ? std::string("over 2^64") : std::to_string(v); };
    fail("platform", b.dir + "/trace.yaml: layers[" + std::to_string(li) + "] (" + L.name + "): " + size_fields(L) +
                      ": expected a network whose weights, membranes and maps fit " + dram + " (" +
                      std::to_string(t.dram_size) + " B), got a layer of " + bytes(own) + " B (" + bytes(total) +
                      " B with the layers before it)");
  }
}

}  // namespace spiketlm
