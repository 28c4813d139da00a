#include "hw/northpole/np_core.h"

namespace spiketlm {

NpCore::NpCore(sc_core::sc_module_name nm, Context& ctx)
    : Module(nm, ctx),
      m_macs2(counter("macs_2b", "", "VMM multiply-accumulates in the 2-bit mode (1-bit spikes included)")),
      m_macs4(counter("macs_4b", "", "VMM multiply-accumulates in the 4-bit mode")),
      m_macs8(counter("macs_8b", "", "VMM multiply-accumulates in the 8-bit mode")),
      m_vec_ops(counter("vector_ops", "", "vector-unit operations (requantize, ReLU, LIF, pooling, adds, partial sums)")) {
  const char* src = "FACTS.md s7 (Modha et al., Science 2023): ";
  m_spec.grid_w = int(param_int("grid_width", 16, {std::string(src) + "256 cores tiled 16 x 16", "cores", 1, 256}));
  m_spec.grid_h = int(param_int("grid_height", 16, {std::string(src) + "256 cores tiled 16 x 16", "cores", 1, 256}));
  m_mhz = param_double("clock_mhz", 400, {std::string(src) + "nominal clock about 400 MHz", "MHz", 1, 1e4});
  m_spec.ops_8b = int(param_int("vmm_ops_8b", 2048, {std::string(src) + "VMM operations per cycle at 8 bit (one op = one multiply-accumulate here)", "ops/cycle", 1, 1 << 20}));
  m_spec.ops_4b = int(param_int("vmm_ops_4b", 4096, {std::string(src) + "VMM operations per cycle at 4 bit", "ops/cycle", 1, 1 << 20}));
  m_spec.ops_2b = int(param_int("vmm_ops_2b", 8192, {std::string(src) + "VMM operations per cycle at 2 bit (1-bit spikes run here)", "ops/cycle", 1, 1 << 20}));
  m_spec.vec_ops = int(param_int("vector_ops", 256, {std::string(src) + "vector compute unit, 256 FP16 ops/cycle", "ops/cycle", 1, 1 << 20}));
  m_spec.ops_requant = int(param_int("ops_requantize", 4, {"vector ops per ReLU + requantize output: multiply, add, shift, clamp (assumption: one op per arithmetic step of FORMAT.md 8)", "ops", 0, 64}));
  m_spec.ops_lif = int(param_int("ops_lif", 6, {"vector ops per LIF output: current (multiply, add, shift), leak, saturate + compare, reset (assumption: one op per step of FORMAT.md 4)", "ops", 0, 64}));
  m_spec.ops_psum = int(param_int("ops_psum", 1, {"vector ops per partial sum added along an input-channel chain", "ops", 0, 64}));
  m_spec.psum_bytes = int(param_int("psum_bytes", 4, {"bytes of a partial sum on the partial-sum NoC (32-bit accumulators, assumption)", "B", 1, 8}));
  m_membrane_bits = int(param_int("membrane_bits", 32, {"SNN membrane width kept in core memory", "bit", 8, 32}));
  const std::string vmm = param_string("vmm_tech", "np_vmm", {"tech-table component of the VMM (actions mac_2b, mac_4b, mac_8b)"});
  const std::string vec = param_string("vector_tech", "np_vector", {"tech-table component of the vector unit (action op)"});
  m_tech_core = param_string("tech", "np_core", {"tech-table component of a core's leakage and area"});
  m_mac[0] = action(vmm, "mac_2b");
  m_mac[1] = action(vmm, "mac_4b");
  m_mac[2] = action(vmm, "mac_8b");
  m_vec = action(vec, "op");
}

void NpCore::count_macs(int bits, uint64_t n) {
  const int m = np::CoreSpec::mode(bits);
  const int i = m == 2 ? 0 : m == 4 ? 1 : 2;
  count(m_mac[i], n);
  (i == 0 ? m_macs2 : i == 1 ? m_macs4 : m_macs8) += n;
}

void NpCore::declare_cores(int cores) {
  leakage(m_tech_core, cores);
  area(m_tech_core, cores);
}

SPIKETLM_REGISTER_KIND(NpCore, "northpole.core", "compute",
                       "NorthPole core: VMM (2048/4096/8192 MACs per cycle at 8/4/2 bit) and vector unit");

}  // namespace spiketlm
