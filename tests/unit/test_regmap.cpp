// The register map: REGISTERS.md against the header (names, offsets, access, reset values),
// and the register file's behaviour (access kinds, shadow/active banks, IRQ cause and mask).
#include <gtest/gtest.h>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "hw/ctrl/csr.h"
#include "sw/cosim/cosim_protocol.h"
#include "tests/helpers.h"

using namespace spiketlm;

namespace {

struct Row {
  uint32_t offset;
  std::string access;
  uint32_t reset;
};

std::map<std::string, Row> parse_registers_md() {
  std::ifstream in(test::source_dir() + "/sw/include/spiketlm/REGISTERS.md");
  EXPECT_TRUE(in.good());
  std::map<std::string, Row> rows;
  const std::regex re(R"(^\|\s*(0x[0-9a-fA-F]+)\s*\|\s*([A-Z0-9_]+)\s*\|\s*([A-Z0-9]+)\s*\|\s*(0x[0-9a-fA-F]+|\d+)\s*\|.*\|\s*$)");
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (!std::regex_match(line, m, re)) continue;
    EXPECT_EQ(rows.count(m[2]), 0u) << "listed twice: " << m[2];
    rows[m[2]] = {uint32_t(std::stoul(m[1], nullptr, 16)), m[3], uint32_t(std::stoul(m[4], nullptr, 0))};
  }
  return rows;
}

const char* access_name(int a) {
  switch (a) {
    case ACC_RO: return "RO";
    case ACC_RW: return "RW";
    case ACC_RWS: return "RWS";
    case ACC_WO: return "WO";
    case ACC_W1C: return "W1C";
    default: return "?";
  }
}

}  // namespace

TEST(Regmap, ReferenceTableMatchesTheHeader) {
  const auto rows = parse_registers_md();
  ASSERT_EQ(rows.size(), size_t(REG_COUNT)) << "REGISTERS.md lists a different number of registers";
  for (int r = 0; r < REG_COUNT; ++r) {
    const char* name = spiketlm_reg_name(r);
    ASSERT_NE(name, nullptr) << "no register at index " << r << " (REG_COUNT too large?)";
    auto it = rows.find(name);
    ASSERT_NE(it, rows.end()) << name << " is missing from REGISTERS.md";
    EXPECT_EQ(it->second.offset, 4u * uint32_t(r)) << name;
    EXPECT_EQ(it->second.access, access_name(spiketlm_reg_access(r))) << name;
    EXPECT_EQ(it->second.reset, spiketlm_reg_reset(r)) << name;
  }
  EXPECT_EQ(spiketlm_reg_name(REG_COUNT), nullptr);
  EXPECT_EQ(spiketlm_reg_reset(REG_VERSION), SPIKETLM_REGMAP_VERSION);
  EXPECT_EQ(spiketlm_reg_reset(REG_ID), SPIKETLM_ID);
}

TEST(Regmap, DescriptorFieldNamesCoverEveryWord) {
  EXPECT_EQ(LAYERDESC_WORDS, 33u);
  for (uint32_t w = 0; w < LAYERDESC_WORDS; ++w) EXPECT_NE(spiketlm_desc_field_name(w), nullptr) << w;
  EXPECT_EQ(spiketlm_desc_field_name(uint32_t(LAYERDESC_WORDS)), nullptr);
  EXPECT_STREQ(spiketlm_desc_field_name(uint32_t(offsetof(LayerDesc, kh) / 4)), "kh");
  EXPECT_EQ(sizeof(stc_hello_reply), 56u);
  EXPECT_EQ(sizeof(stc_result_msg), 96u);
}

namespace {

// Drives the CSR over its socket from a thread.
struct Driver : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<Driver> out;
  std::function<void(Driver&)> body;
  SC_HAS_PROCESS(Driver);
  explicit Driver(sc_core::sc_module_name n) : sc_core::sc_module(n), out("out") { SC_THREAD(run); }
  void run() { body(*this); }
  tlm::tlm_response_status access(bool write, int reg, uint32_t& v) {
    tlm::tlm_generic_payload p;
    p.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    p.set_address(4u * unsigned(reg));  // the router passes offsets
    p.set_data_ptr(reinterpret_cast<unsigned char*>(&v));
    p.set_data_length(4);
    p.set_streaming_width(4);
    p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time d = sc_core::SC_ZERO_TIME;
    out->b_transport(p, d);
    return p.get_response_status();
  }
  uint32_t rd(int reg) {
    uint32_t v = 0xdeadbeef;
    EXPECT_EQ(access(false, reg, v), tlm::TLM_OK_RESPONSE) << spiketlm_reg_name(reg);
    return v;
  }
  void wr(int reg, uint32_t v) { EXPECT_EQ(access(true, reg, v), tlm::TLM_OK_RESPONSE) << spiketlm_reg_name(reg); }
};

}  // namespace

TEST(Regmap, CsrAccessShadowBanksAndInterruptCauses) {
  Context ctx;
  ctx.tech.load_file(test::source_dir() + "/platforms/tech/sata_28nm.yaml");
  Csr csr("csr", ctx);
  Driver drv("drv");
  drv.out.bind(csr.in);
  bool finished = false;
  drv.body = [&](Driver& d) {
    EXPECT_EQ(d.rd(REG_ID), SPIKETLM_ID);
    EXPECT_EQ(d.rd(REG_VERSION), SPIKETLM_REGMAP_VERSION);
    EXPECT_EQ(d.rd(REG_IRQ_ENABLE), IRQ_ALL);
    uint32_t v = 1;
    EXPECT_EQ(d.access(true, REG_STATUS, v), tlm::TLM_COMMAND_ERROR_RESPONSE);  // RO
    EXPECT_EQ(d.access(true, REG_CYCLES_LO, v), tlm::TLM_COMMAND_ERROR_RESPONSE);
    // Shadow: firmware sees what it wrote, the hardware the active copy until START.
    d.wr(REG_TIMESTEPS, 4);
    d.wr(REG_NUM_LAYERS, 5);
    EXPECT_EQ(d.rd(REG_TIMESTEPS), 4u);
    EXPECT_EQ(csr.reg(REG_TIMESTEPS), 0u);
    d.wr(REG_CTRL, CTRL_START);
    EXPECT_EQ(d.rd(REG_CTRL), 0u);  // WO reads as 0
    EXPECT_EQ(csr.reg(REG_TIMESTEPS), 4u);
    EXPECT_EQ(csr.reg(REG_NUM_LAYERS), 5u);
    EXPECT_EQ(d.rd(REG_STATUS), STATUS_BUSY);
    // Programming the next run while busy leaves the active bank alone; START is ignored.
    d.wr(REG_TIMESTEPS, 9);
    d.wr(REG_CTRL, CTRL_START);
    EXPECT_EQ(csr.reg(REG_TIMESTEPS), 4u);
    EXPECT_EQ(d.rd(REG_TIMESTEPS), 9u);
    // The hardware finishes: cause DONE, line up.
    csr.set(REG_STATUS, STATUS_DONE);
    csr.raise_irq();
    EXPECT_EQ(d.rd(REG_IRQ_CAUSE), IRQ_DONE);
    EXPECT_TRUE(csr.irq_level());
    // W1C clears the cause and lowers the line.
    d.wr(REG_IRQ_CAUSE, IRQ_DONE);
    EXPECT_EQ(d.rd(REG_IRQ_CAUSE), 0u);
    EXPECT_FALSE(csr.irq_level());
    // Next run latches the new settings; it ends early; masked EXITED_EARLY still raises DONE.
    d.wr(REG_CTRL, CTRL_START);
    EXPECT_EQ(csr.reg(REG_TIMESTEPS), 9u);
    d.wr(REG_IRQ_ENABLE, IRQ_DONE | IRQ_ERROR);
    csr.set(REG_STATUS, STATUS_DONE | STATUS_EXITED_EARLY);
    csr.raise_irq();
    EXPECT_EQ(d.rd(REG_IRQ_CAUSE), IRQ_DONE | IRQ_EXITED_EARLY);
    EXPECT_TRUE(csr.irq_level());
    d.wr(REG_CTRL, CTRL_IRQ_ACK);
    EXPECT_EQ(d.rd(REG_IRQ_CAUSE), 0u);
    EXPECT_EQ(d.rd(REG_STATUS), 0u);
    EXPECT_FALSE(csr.irq_level());
    // A refused run: cause ERROR; with ERROR masked the line stays down.
    d.wr(REG_IRQ_ENABLE, IRQ_DONE);
    d.wr(REG_CTRL, CTRL_START);
    csr.set(REG_STATUS, STATUS_ERROR);
    csr.raise_irq();
    EXPECT_EQ(d.rd(REG_IRQ_CAUSE), IRQ_ERROR);
    EXPECT_FALSE(csr.irq_level());
    d.wr(REG_IRQ_ENABLE, IRQ_ALL);  // unmasking raises it
    EXPECT_TRUE(csr.irq_level());
    sc_core::wait(sc_core::SC_ZERO_TIME);
    sc_core::wait(sc_core::SC_ZERO_TIME);
    EXPECT_TRUE(csr.irq.read());  // the traced signal follows
    finished = true;
  };
  sc_core::sc_start();
  EXPECT_TRUE(finished);
}
