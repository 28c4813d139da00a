// spiketlm: networks on chip between IMC tiles (kinds "noc.htree", "noc.mesh"). See noc.md.
//
// A transfer of `bytes` from tile a to tile b is cut into flits of flit_bytes; each flit
// crosses hops(a, b) links. Energy: one "hop" action per flit per link (tech table).
// Latency (wormhole, pipelined): (hops + flits - 1) x hop_latency. The H-tree (SpikeSim's)
// places the tiles at the leaves of a binary tree: a packet climbs to the lowest common
// ancestor and descends, 2 x (levels to that ancestor) hops. The mesh places the tiles row by
// row on a ceil(sqrt(N)) wide grid with XY routing: |dx| + |dy| hops. Area per tile from the
// tech table (declare_area once the tile count is known).
#pragma once
#include "tlm/module.h"

namespace spiketlm {

class Noc : public Module {
 public:
  Noc(sc_core::sc_module_name name, Context& ctx, const char* default_tech);
  virtual int hops(int a, int b) const = 0;
  void set_tiles(int n) { m_tiles = n < 1 ? 1 : n; }
  int tiles() const { return m_tiles; }
  uint64_t flits(uint64_t bytes) const { return (bytes + m_flit - 1) / m_flit; }
  // Counts the energy of the transfer and returns its latency in ns.
  double transfer(int a, int b, uint64_t bytes, uint64_t times = 1);
  // Latency of one transfer without counting it.
  double latency_ns(int a, int b, uint64_t bytes) const;
  // Raw flit-hop count (SpikeSim's dense composition).
  void count_hops(uint64_t n) { count(m_hop, n); m_flit_hops += n; }
  const std::string& tech() const { return m_tech; }
  void declare_area(int tiles);

 protected:
  int m_tiles = 1;

 private:
  double m_hop_ns;
  uint64_t m_flit;
  std::string m_tech;
  ActionId m_hop;
  uint64_t &m_flit_hops, &m_bytes, &m_transfers;
};

class HTree : public Noc {
 public:
  HTree(sc_core::sc_module_name name, Context& ctx) : Noc(name, ctx, "htree") {}
  int hops(int a, int b) const override;
};

class Mesh : public Noc {
 public:
  Mesh(sc_core::sc_module_name name, Context& ctx) : Noc(name, ctx, "mesh") {}
  int hops(int a, int b) const override;
  int width() const;
};

}  // namespace spiketlm
