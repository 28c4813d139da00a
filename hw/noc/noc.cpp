#include "hw/noc/noc.h"

#include <cmath>
#include <cstdlib>

namespace spiketlm {

Noc::Noc(sc_core::sc_module_name nm, Context& ctx, const char* default_tech)
    : Module(nm, ctx),
      m_hop_ns(param_double("hop_latency_ns", 4, {"latency of one flit over one link (one 250 MHz clock)", "ns", 0, 1e9})),
      m_flit(uint64_t(param_int("flit_bytes", 8, {"bytes per flit", "B", 1, 1 << 20}))),
      m_tech(param_string("tech", default_tech, {"tech-table component (action hop: one flit over one link; area per tile)"})),
      m_hop(action(m_tech, "hop")),
      m_flit_hops(counter("flit_hops", "", "flits x links crossed")),
      m_bytes(counter("bytes", "B", "bytes transferred")),
      m_transfers(counter("transfers", "", "transfers")) {}

double Noc::latency_ns(int a, int b, uint64_t bytes) const {
  if (bytes == 0) return 0;
  const int h = hops(a, b);
  return double(uint64_t(h) + flits(bytes) - 1) * m_hop_ns;
}

double Noc::transfer(int a, int b, uint64_t bytes, uint64_t times) {
  if (bytes == 0 || times == 0) return 0;
  const uint64_t fh = flits(bytes) * uint64_t(hops(a, b)) * times;
  count(m_hop, fh);
  m_flit_hops += fh;
  m_bytes += bytes * times;
  m_transfers += times;
  return latency_ns(a, b, bytes);
}

void Noc::declare_area(int tiles) {
  if (tiles > 0) area(m_tech, double(tiles));
}

int HTree::hops(int a, int b) const {
  if (a == b) return 0;
  const unsigned x = unsigned(a) ^ unsigned(b);
  const int levels = 32 - __builtin_clz(x);  // levels up to the lowest common ancestor
  return 2 * levels;
}

int Mesh::width() const { return int(std::ceil(std::sqrt(double(m_tiles)) - 1e-9)); }

int Mesh::hops(int a, int b) const {
  const int w = width() < 1 ? 1 : width();
  return std::abs(a % w - b % w) + std::abs(a / w - b / w);
}

SPIKETLM_REGISTER_KIND(HTree, "noc.htree", "noc", "H-tree between tiles (SpikeSim): 2 x levels-to-common-ancestor hops");
SPIKETLM_REGISTER_KIND(Mesh, "noc.mesh", "noc", "2-D mesh between tiles, XY routing: Manhattan-distance hops");

}  // namespace spiketlm
