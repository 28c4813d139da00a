// The router: address windows from the targets, local addresses, latency, energy per byte,
// decode errors, DMI translation; and the factory: kinds, families, slot mismatches.
#include <gtest/gtest.h>

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "tests/helpers.h"
#include "tlm/router.h"

using namespace spiketlm;
using namespace sc_core;

namespace {

// A plain memory target for these tests (the real memories live in hw/memory).
struct TestMem : Module, AddressTarget {
  tlm_utils::simple_target_socket<TestMem> in{"in"};
  std::vector<uint8_t> bytes;
  uint64_t base;
  uint64_t last_local = ~0ull;
  TestMem(sc_module_name n, Context& c, uint64_t b, size_t size) : Module(n, c), bytes(size), base(b) {
    in.register_b_transport(this, &TestMem::bt);
    in.register_get_direct_mem_ptr(this, &TestMem::dmi);
  }
  uint64_t base_address() const override { return base; }
  uint64_t size_bytes() const override { return bytes.size(); }
  tlm::tlm_target_socket<>& target_socket() override { return in; }
  void bt(tlm::tlm_generic_payload& p, sc_time& d) {
    last_local = p.get_address();
    if (p.is_write()) std::memcpy(&bytes[p.get_address()], p.get_data_ptr(), p.get_data_length());
    else std::memcpy(p.get_data_ptr(), &bytes[p.get_address()], p.get_data_length());
    d += sc_time(10, SC_NS);
    p.set_response_status(tlm::TLM_OK_RESPONSE);
  }
  bool dmi(tlm::tlm_generic_payload&, tlm::tlm_dmi& d) {
    d.set_dmi_ptr(bytes.data());
    d.set_start_address(0);
    d.set_end_address(bytes.size() - 1);
    d.allow_read_write();
    return true;
  }
};

struct Initiator : sc_module {
  tlm_utils::simple_initiator_socket<Initiator> out{"out"};
  explicit Initiator(sc_module_name n) : sc_module(n) {}
  tlm::tlm_response_status access(tlm::tlm_command cmd, uint64_t addr, uint8_t* data, unsigned len, sc_time& d) {
    tlm::tlm_generic_payload p;
    p.set_command(cmd);
    p.set_address(addr);
    p.set_data_ptr(data);
    p.set_data_length(len);
    p.set_streaming_width(len);
    p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    out->b_transport(p, d);
    return p.get_response_status();
  }
};

struct Bench {
  Context ctx;
  std::unique_ptr<Router> router;
  std::unique_ptr<TestMem> a, b;
  Initiator init{"init"};
  explicit Bench(const std::string& yaml) {
    ctx.tech.load_file(test::source_dir() + "/tests/data/tech_test.yaml");
    ctx.params.load_string(yaml, "bench.yaml");
    router = std::make_unique<Router>("bus", ctx);
    a = std::make_unique<TestMem>("a", ctx, 0x1000, 256);
    b = std::make_unique<TestMem>("b", ctx, 0x2000, 256);
    router->map(*a, "a");
    router->map(*b, "b");
    init.out.bind(router->in);
  }
  // Completes elaboration: multi-socket callbacks are bound there.
  void start() { sc_start(SC_ZERO_TIME); }
};

}  // namespace

TEST(Router, DecodesWindowsAndAddsLatencyAndEnergy) {
  Bench t("bus:\n  latency_ns: 2\n  bandwidth_gbps: 8\n");
  t.start();
  uint8_t data[16];
  for (int i = 0; i < 16; ++i) data[i] = uint8_t(i * 3);
  sc_time d = SC_ZERO_TIME;
  EXPECT_EQ(t.init.access(tlm::TLM_WRITE_COMMAND, 0x2010, data, 16, d), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(t.b->last_local, 0x10u);
  EXPECT_EQ(t.b->bytes[0x10 + 5], 15);
  // 2 ns latency + 16 B / 8 B/ns + the target's 10 ns
  EXPECT_EQ(d, sc_time(2 + 2 + 10, SC_NS));
  // 16 bytes x 0.25 pJ
  EXPECT_DOUBLE_EQ(t.ctx.ledger.total_pj(0, "bus"), 4.0);
  uint8_t back[16] = {};
  d = SC_ZERO_TIME;
  t.init.access(tlm::TLM_READ_COMMAND, 0x2010, back, 16, d);
  EXPECT_EQ(0, std::memcmp(back, data, 16));
  EXPECT_EQ(t.router->find_stat("bytes")->count, 32u);
}

TEST(Router, UnmappedAndStraddlingAddressesAreDecodeErrors) {
  Bench t("");
  t.start();
  uint8_t x[8] = {};
  sc_time d = SC_ZERO_TIME;
  EXPECT_EQ(t.init.access(tlm::TLM_READ_COMMAND, 0x5000, x, 4, d), tlm::TLM_ADDRESS_ERROR_RESPONSE);
  EXPECT_EQ(t.init.access(tlm::TLM_READ_COMMAND, 0x10fc, x, 8, d), tlm::TLM_ADDRESS_ERROR_RESPONSE);
  EXPECT_EQ(t.router->find_stat("decode_errors")->count, 2u);
}

TEST(Router, OverlappingWindowsAreRejected) {
  Bench t("");
  TestMem c("c", t.ctx, 0x10f0, 64);
  try {
    t.router->map(c, "c");
    FAIL();
  } catch (const std::exception& e) {
    EXPECT_EQ(error_text(e), "spiketlm/router: bus: address window of c overlaps a");
  }
}

TEST(Router, DmiRangesAreGlobal) {
  Bench t("");
  t.start();
  tlm::tlm_generic_payload p;
  p.set_address(0x2004);
  tlm::tlm_dmi dmi;
  ASSERT_TRUE(t.init.out->get_direct_mem_ptr(p, dmi));
  EXPECT_EQ(dmi.get_start_address(), 0x2000u);
  EXPECT_EQ(dmi.get_end_address(), 0x20ffu);
  EXPECT_EQ(dmi.get_dmi_ptr(), t.b->bytes.data());
}

namespace {
struct SlotA : Module { using Module::Module; };
struct SlotB : Module { using Module::Module; };
// Builds the children named in `slots` (member, default kind) in its constructor.
struct Parent : Module {
  std::vector<Module*> kids;
  Parent(sc_module_name n, Context& c, std::vector<std::pair<std::string, std::string>> slots) : Module(n, c) {
    for (auto& s : slots) kids.push_back(make_child<Module>(s.first, s.second));
  }
};
struct StrictParent : Module {
  StrictParent(sc_module_name n, Context& c) : Module(n, c) { make_child<SlotA>("other", "test.slot_a"); }
};
SPIKETLM_REGISTER_KIND(SlotA, "test.slot_a", "test", "a test unit");
SPIKETLM_REGISTER_KIND(SlotB, "test.slot_b", "test", "another test unit");
}  // namespace

TEST(Factory, MakeChildBuildsTheKindNamedInYaml) {
  Context ctx;
  ctx.params.load_string("p:\n  child:\n    kind: test.slot_b\n", "f.yaml");
  Parent p("p", ctx, {{"child", "test.slot_a"}, {"other", "test.slot_a"}});
  Module* m = p.kids[0];
  EXPECT_NE(dynamic_cast<SlotB*>(m), nullptr);
  EXPECT_EQ(m->unit_kind(), "test.slot_b");
  EXPECT_EQ(m->path(), "p.child");
  EXPECT_EQ(p.kids[1]->unit_kind(), "test.slot_a");  // default kind
  EXPECT_EQ(p.kids[1]->path(), "p.other");
}

TEST(Factory, UnknownKindIsAOneLineErrorWithAHint) {
  Context ctx;
  ctx.params.load_string("p:\n  child:\n    kind: test.slot_c\n", "f.yaml");
  try {
    Parent p("p", ctx, {{"child", "test.slot_a"}});
    FAIL();
  } catch (const std::exception& e) {
    EXPECT_EQ(error_text(e),
              "spiketlm/factory: f.yaml:3: p.child.kind: unknown kind 'test.slot_c' (did you mean "
              "'test.slot_a'?); `spiketlm list` shows all");
  }
}

TEST(Factory, ChildOfTheWrongFamilyIsAOneLineError) {
  Context ctx;
  ctx.params.load_string("q:\n  other:\n    kind: test.slot_b\n", "f.yaml");
  try {
    StrictParent q("q", ctx);
    FAIL();
  } catch (const std::exception& e) {
    const std::string s = error_text(e);
    EXPECT_EQ(s.rfind("spiketlm/factory: f.yaml:3: q.other.kind: kind 'test.slot_b' (family test) does not fit here", 0), 0u) << s;
  }
}

TEST(Factory, DuplicateKindIsAnError) {
  try {
    Factory::instance().add({"test.slot_a", "test", "dup", "", nullptr});
    FAIL();
  } catch (const std::exception& e) {
    EXPECT_EQ(error_text(e), "spiketlm/factory: built-in: kind 'test.slot_a' is registered twice (first by built-in)");
  }
}

TEST(Factory, MakeChildOutsideTheConstructorIsRejected) {
  Context ctx;
  Parent p("p", ctx, {});
  try {
    p.make_child<Module>("late", "test.slot_a");
    FAIL();
  } catch (const std::exception& e) {
    EXPECT_EQ(error_text(e), "spiketlm/factory: p.late: make_child must be called from p's constructor "
                             "(SystemC builds the hierarchy during construction)");
  }
}
