// The parameter system: hierarchical keys, overrides, typed reads, ranges, unused keys.
#include <gtest/gtest.h>

#include "tests/helpers.h"

#include "tlm/params.h"
#include "tlm/error.h"

using namespace spiketlm;

namespace {
using spiketlm::test::error_of;
}  // namespace

TEST(Params, FlattensNestedMapsAndReadsTypes) {
  Params p;
  p.load_string("sata:\n  glb:\n    weight:\n      size_kb: 144\n      banks: 2\n  clock_mhz: 400.5\n"
                "  name: abc\n  on: true\n  list: [a, b, c]\n", "t.yaml");
  EXPECT_EQ(p.get_int("sata.glb.weight.size_kb", 1), 144);
  EXPECT_EQ(p.get_int("sata.glb.weight.banks", 1), 2);
  EXPECT_DOUBLE_EQ(p.get_double("sata.clock_mhz", 0), 400.5);
  EXPECT_EQ(p.get_string("sata.name", ""), "abc");
  EXPECT_TRUE(p.get_bool("sata.on", false));
  EXPECT_EQ(p.get_list("sata.list", {}), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(p.get_int("sata.missing", 7), 7);  // default
  EXPECT_EQ(p.children("sata"), (std::vector<std::string>{"glb", "clock_mhz", "name", "on", "list"}));
  EXPECT_EQ(p.origin("sata.glb.weight.banks"), "t.yaml:5");
  p.check_unused();  // everything was read
}

TEST(Params, OverridesReplaceFileValues) {
  Params p;
  p.load_string("a:\n  b: 1\n  c: [1, 2]\n", "t.yaml");
  p.set_override("a.b=5");
  p.set_override("a.c=[3, 4, 5]");
  p.set_override("a.d=0x10");
  EXPECT_EQ(p.get_int("a.b", 0), 5);
  EXPECT_EQ(p.origin("a.b"), "-c");
  EXPECT_EQ(p.get_list("a.c", {}).size(), 3u);
  EXPECT_EQ(p.get_int("a.d", 0), 16);
}

TEST(Params, WrongTypeNamesFileLineAndKey) {
  Params p;
  p.load_string("x:\n  n: twelve\n", "cfg.yaml");
  EXPECT_EQ(error_of([&] { p.get_int("x.n", 1); }),
            "spiketlm/params: cfg.yaml:2: x.n: expected an integer, got 'twelve'");
}

TEST(Params, OutOfRangeNamesTheRange) {
  Params p;
  p.load_string("x:\n  banks: 0\n  f: 2.5\n", "cfg.yaml");
  EXPECT_EQ(error_of([&] { p.get_int("x.banks", 1, {"banks", "", 1, 64}); }),
            "spiketlm/params: cfg.yaml:2: x.banks: expected an integer in [1, 64], got '0'");
  EXPECT_EQ(error_of([&] { p.get_double("x.f", 0, {"f", "", 0, 1}); }),
            "spiketlm/params: cfg.yaml:3: x.f: expected a number in [0, 1], got '2.5'");
}

TEST(Params, ChoicesAreChecked) {
  Params p;
  p.load_string("x:\n  dataflow: diagonal\n", "cfg.yaml");
  EXPECT_EQ(error_of([&] { p.get_string("x.dataflow", "os", {"", "", -1e300, 1e300, {"os", "ws", "tick_batch"}}); }),
            "spiketlm/params: cfg.yaml:2: x.dataflow: expected one of os|ws|tick_batch, got 'diagonal'");
}

TEST(Params, UnusedKeyIsAnErrorWithAHint) {
  Params p;
  p.load_string("sata:\n  glb:\n    size_kb: 144\n    sise_kb: 3\n", "cfg.yaml");
  p.get_int("sata.glb.size_kb", 1);
  EXPECT_EQ(error_of([&] { p.check_unused(); }),
            "spiketlm/params: cfg.yaml:4: sata.glb.sise_kb: unknown key (did you mean 'sata.glb.size_kb'?)");
}

TEST(Params, MalformedYamlNamesFileAndLine) {
  Params p;
  const std::string e = error_of([&] { p.load_string("a:\n  b: [1, 2\n", "bad.yaml"); });
  EXPECT_EQ(e.rfind("spiketlm/params: bad.yaml:", 0), 0u) << e;
  EXPECT_NE(e.find("malformed YAML"), std::string::npos) << e;
  EXPECT_EQ(e.find('\n'), std::string::npos);
}

TEST(Params, MissingFileIsAnError) {
  Params p;
  EXPECT_EQ(error_of([&] { p.load_file("/nonexistent/x.yaml"); }),
            "spiketlm/params: /nonexistent/x.yaml: file: expected a readable YAML file, got none (No such file or directory)");
}

TEST(Params, DumpLoadsBackToTheSameValues) {
  Params p;
  p.load_string("a:\n  b: 3\n  s: hello\n  l: [x, y]\n", "t.yaml");
  p.get_int("a.b", 0);
  p.get_string("a.s", "");
  p.get_list("a.l", {});
  p.get_double("a.d", 1.25);  // a default appears in the dump too
  Params q;
  q.load_string(p.dump_yaml(), "dump.yaml");
  EXPECT_EQ(q.get_int("a.b", 0), 3);
  EXPECT_EQ(q.get_string("a.s", ""), "hello");
  EXPECT_EQ(q.get_list("a.l", {}), (std::vector<std::string>{"x", "y"}));
  EXPECT_DOUBLE_EQ(q.get_double("a.d", 0), 1.25);
  q.check_unused();
}

// Found by the fuzzer (tests/fuzz/regressions/params/list_item_with_comma): list items that
// need quoting ("a, b", "c]") were dumped unquoted, so the dump failed or split the item.
TEST(Params, DumpQuotesListItemsThatNeedIt) {
  Params p;
  p.load_string("l: [\"a, b\", 'c]', d]\n", "t.yaml");
  p.get_list("l", {});
  Params q;
  q.load_string(p.dump_yaml(), "dump.yaml");
  EXPECT_EQ(q.get_list("l", {}), (std::vector<std::string>{"a, b", "c]", "d"}));
}

// Found by the fuzzer (tests/fuzz/regressions/params/override_key_control_chars): a -c key with
// empty parts or control characters was accepted and dumped as YAML that loads back different.
TEST(Params, OverrideKeyMustBeDotSeparatedNames) {
  Params p;
  EXPECT_EQ(error_of([&] { p.set_override("d.e...=true"); }),
            "spiketlm/params: -c d.e...=true: key: expected dot-separated names of letters, digits, _ and -, got "
            "'d.e...'");
  EXPECT_EQ(error_of([&] { p.set_override(std::string("a\nb=1")); }),
            "spiketlm/params: -c a\\nb=1: key: expected dot-separated names of letters, digits, _ and -, got "
            "'a\\nb'");
  p.set_override("sata.pe_array.rows=8");
  EXPECT_EQ(p.get_int("sata.pe_array.rows", 0), 8);
}

TEST(Params, YamlKeyMustBeDotSeparatedNames) {
  Params p;
  EXPECT_EQ(error_of([&] { p.load_string("a:\n  l...: 1\n", "c.yaml"); }),
            "spiketlm/params: c.yaml:2: key 'l...': expected dot-separated names of letters, digits, _ and -");
  EXPECT_EQ(error_of([&] { p.load_string("a..b: 1\n", "c.yaml"); }),
            "spiketlm/params: c.yaml:1: key 'a..b': expected dot-separated names of letters, digits, _ and -");
  EXPECT_EQ(error_of([&] { p.load_string("'x y': 1\n", "c.yaml"); }),
            "spiketlm/params: c.yaml:1: key 'x y': expected dot-separated names of letters, digits, _ and -");
  EXPECT_EQ(error_of([&] { p.load_string("\n\xfe\xff\xff\xff" "b: 3\n", "c.yaml"); }),
            "spiketlm/params: c.yaml:2: expected UTF-8 text, got a byte sequence that is not UTF-8");
  EXPECT_EQ(error_of([&] { p.load_string("a: 1\nk: imc.ad\xff\n", "c.yaml"); }),
            "spiketlm/params: c.yaml:2: expected UTF-8 text, got a byte sequence that is not UTF-8");
  EXPECT_EQ(error_of([&] { p.load_string("k\xc3\xa9: 1\n", "c.yaml"); }),  // valid UTF-8, not a name
            "spiketlm/params: c.yaml:1: key 'k\xc3\xa9': expected dot-separated names of letters, digits, _ and -");
  p.load_string("sata.pe_array:\n  rows: 8\n", "c.yaml");
  EXPECT_EQ(p.get_int("sata.pe_array.rows", 0), 8);
}

// YAML text is strict UTF-8 of YAML's printable characters: overlong forms, surrogates and
// control characters other than tab and line breaks are refused with their line (a NUL byte in
// a value was read by yaml-cpp as part of an escape and dumped as a byte that is not UTF-8:
// found by tests/fuzz, regressions/params/value_nul_byte).
TEST(Params, YamlTextMustBePrintableUtf8) {
  Params p;
  const std::string nul("a: 1\nk: spad\0_reg8\n", 20);
  EXPECT_EQ(error_of([&] { p.load_string(nul, "c.yaml"); }),
            "spiketlm/params: c.yaml:2: expected UTF-8 text, got the control character U+0000 (YAML text allows tab, "
            "line breaks and printable characters)");
  EXPECT_EQ(error_of([&] { p.load_string("a: 1\n\nk: x\x7f\n", "c.yaml"); }),
            "spiketlm/params: c.yaml:3: expected UTF-8 text, got the control character U+007F (YAML text allows tab, "
            "line breaks and printable characters)");
  EXPECT_EQ(error_of([&] { p.load_string("k: \xc0\x80\n", "c.yaml"); }),  // overlong NUL
            "spiketlm/params: c.yaml:1: expected UTF-8 text, got a byte sequence that is not UTF-8");
  EXPECT_EQ(error_of([&] { p.load_string("k: \xed\xa0\x80\n", "c.yaml"); }),  // a UTF-16 surrogate
            "spiketlm/params: c.yaml:1: expected UTF-8 text, got a byte sequence that is not UTF-8");
  EXPECT_EQ(error_of([&] { p.load_string("k: \xf4\x90\x80\x80\n", "c.yaml"); }),  // above U+10FFFF
            "spiketlm/params: c.yaml:1: expected UTF-8 text, got a byte sequence that is not UTF-8");
  EXPECT_EQ(error_of([&] { p.set_override("k=a\x01"); }),
            "spiketlm/params: -c k=a\\x01: expected UTF-8 text, got the control character U+0001 (YAML text allows tab, "
            "line breaks and printable characters)");
  p.load_string("k: \"caf\xc3\xa9\t\xf0\x9f\x99\x82\"\r\nn: 2\n", "c.yaml");  // tab, CRLF, 2- and 4-byte characters
  EXPECT_EQ(p.get_string("k", ""), "caf\xc3\xa9\t\xf0\x9f\x99\x82");
  EXPECT_EQ(p.get_int("n", 0), 2);
}

// Line breaks are CR LF, CR or LF, all read as LF: yaml-cpp kept a lone CR ending the text in
// the value, which the dump then wrote back as a line break (found by tests/fuzz,
// regressions/params/value_lone_cr).
TEST(Params, EveryYamlLineBreakIsOne) {
  Params p;
  p.load_string("me: ~:]~4\r", "c.yaml");
  EXPECT_EQ(p.get_string("me", ""), "~:]~4");
  p.load_string("a: 1\rb: x\r\nc: [y, z]\r", "d.yaml");
  EXPECT_EQ(p.get_int("a", 0), 1);
  EXPECT_EQ(p.get_string("b", ""), "x");
  EXPECT_EQ(p.get_list("c", {}), (std::vector<std::string>{"y", "z"}));
  Params q;
  q.load_string(p.dump_yaml(), "dump.yaml");
  q.get_string("me", "");  // declared in p's order, so the dumps list keys alike
  q.get_int("a", 0);
  q.get_string("b", "");
  q.get_list("c", {});
  EXPECT_EQ(q.dump_yaml(), p.dump_yaml());
  EXPECT_EQ(error_of([&] { p.load_string("a: 1\rb: [\r", "e.yaml"); }).substr(0, 41), "spiketlm/params: e.yaml:3: malformed YAML");
}

TEST(Params, DuplicateAndNonScalarKeysAreOneLineErrors) {
  Params p;
  EXPECT_EQ(error_of([&] { p.load_string("sata:\n  rows: 8\n  cols: 4\n  rows: 16\n", "c.yaml"); }),
            "spiketlm/params: c.yaml:4: sata.rows: duplicate key (first at line 2), expected each key once in a mapping");
  EXPECT_EQ(error_of([&] { p.load_string("? [a, b]\n: 1\n", "c.yaml"); }),
            "spiketlm/params: c.yaml:1: (top level): expected a plain key, got a list as key");
  // The same key in two mappings (or files) is an override, not a duplicate.
  Params q;
  q.load_string("a: {b: 1}\nc: {b: 2}\n", "c.yaml");
  EXPECT_EQ(q.get_int("c.b", 0), 2);
}

TEST(Params, NearestFindsCloseKeysOnly) {
  EXPECT_EQ(nearest("sata.dram.bnks", {"sata.dram.banks", "sata.glb.size"}), "sata.dram.banks");
  EXPECT_EQ(nearest("zzzzzzzzzz", {"sata.dram.banks"}), "");
}
