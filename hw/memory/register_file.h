// spiketlm: the PE scratchpad's model, one for every scratchpad of the project (see
// scratchpad.md): a register file of N bytes is N / word_bytes registers of one technology-
// table component (SATA: N 8-bit registers, FACTS.md s1), each read or write of a register is
// one action of that component, and leakage and area are per register.
//
// The standalone scratchpad memory (kind "scratchpad", a TLM target) and the PE array's per-PE
// spike, weight and partial-sum scratchpads (hw/compute/pe_array.h, counted analytically per
// fold) both account through it, on behalf of the unit that owns it.
#pragma once
#include <string>

#include "tlm/module.h"

namespace spiketlm {

class RegisterFile {
 public:
  // Declares the component's "read" and "write" actions on `owner`.
  RegisterFile(Module& owner, std::string tech)
      : m_owner(owner), m_tech(std::move(tech)), m_rd(owner.action(m_tech, "read")), m_wr(owner.action(m_tech, "write")) {}
  // Leakage and area of `registers` registers (an error if the component has neither).
  void declare_registers(double registers) const {
    m_owner.leakage(m_tech, registers);
    m_owner.area(m_tech, registers);
  }
  void reads(uint64_t n) const { m_owner.count(m_rd, n); }
  void writes(uint64_t n) const { m_owner.count(m_wr, n); }
  const std::string& tech() const { return m_tech; }

 private:
  Module& m_owner;
  std::string m_tech;
  ActionId m_rd, m_wr;
};

}  // namespace spiketlm
