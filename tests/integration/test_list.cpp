// `spiketlm list`: every kind with the parameters a unit of it declares (key, type, default,
// unit, range, doc), built alone in describe mode; `list KIND` for one; plugins' kinds too.
#include <gtest/gtest.h>

#include <regex>

#include "tests/cli.h"

using namespace spiketlm::test;

namespace {
// The table row of `key` in the output (one line), or "".
std::string row(const std::string& out, const std::string& key) {
  std::smatch m;
  if (std::regex_search(out, m, std::regex("\\n    " + std::regex_replace(key, std::regex("\\."), "\\.") + "  [^\\n]*")))
    return m.str().substr(1);
  return "";
}
}  // namespace

TEST(List, OneKindShowsTypeDefaultUnitRangeAndDoc) {
  const CliResult r = cli("list dram.lpddr4");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("dram.lpddr4  [memory]  ", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("    key "), std::string::npos);
  // The LPDDR4-3200 preset: 0.625 ns clock, CL 28.
  EXPECT_TRUE(std::regex_search(row(r.out, "tck_ns"), std::regex("tck_ns +double +0\\.625 +ns +\\[0\\.01, 1000\\] +clock period")))
      << row(r.out, "tck_ns");
  EXPECT_TRUE(std::regex_search(row(r.out, "cl"), std::regex("cl +int +28 +cycles"))) << row(r.out, "cl");
  EXPECT_TRUE(std::regex_search(row(r.out, "refresh"), std::regex("refresh +bool +false"))) << row(r.out, "refresh");
  EXPECT_EQ(r.out.find("not buildable"), std::string::npos) << r.out;
}

TEST(List, EveryBuiltInUnitIsDescribedWithoutAPlatform) {
  const CliResult r = cli("list");
  ASSERT_EQ(r.code, 0) << r.err;
  for (const char* k : {"dram.sata", "sram", "dma", "pe_array.systolic", "lif.basic", "csr", "sequencer"})
    EXPECT_NE(r.out.find("\n  " + std::string(k) + "  [") , std::string::npos) << k;
  EXPECT_FALSE(row(r.out, "capacity_kb").empty()) << r.out;   // sram
  EXPECT_FALSE(row(r.out, "membrane_bits").empty());           // lif.basic
  // Platforms show their own keys and their units' slots, with the default kind of each.
  EXPECT_TRUE(std::regex_search(r.out, std::regex("\\n    dram\\.kind +string +dram\\.sata +kind of unit dram")));
  EXPECT_EQ(r.out.find("not buildable"), std::string::npos) << r.out;
}

TEST(List, APlatformShowsItsUnitsParametersWhenAskedAlone) {
  const CliResult r = cli("list platform.sata");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_FALSE(row(r.out, "pe_array.rows").empty()) << r.out;
  EXPECT_FALSE(row(r.out, "dram.tck_ns").empty());
}

TEST(List, PluginKindsAreListedWithTheirOrigin) {
  const std::string so = binary_dir() + "/plugins/libspiketlm_if_neuron.so";
  const CliResult r = cli("list --plugin " + so);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("  lif.example_if  [neuron]  "), std::string::npos);
  EXPECT_NE(r.out.find("(from " + so + ")"), std::string::npos);
  EXPECT_TRUE(std::regex_search(row(r.out, "threshold_scale"), std::regex("double +1 +\\[0\\.015625, 64\\]")))
      << row(r.out, "threshold_scale");
}

TEST(List, AnUnknownKindIsAOneLineError) {
  const CliResult r = cli("list dram.lpddr5");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err.rfind("spiketlm: error: spiketlm/factory: spiketlm list: unknown kind 'dram.lpddr5' (did you mean", 0), 0u)
      << r.err;
}

// sw/doc/PARAMETERS.md is `spiketlm list --format md`, byte for byte: it cannot drift from the
// parameters the code declares (regenerate: build/spiketlm list --format md > sw/doc/PARAMETERS.md).
TEST(List, MarkdownReferenceIsCurrent) {
  const CliResult r = cli("list --format md");
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string committed = slurp(source_dir() + "/sw/doc/PARAMETERS.md");
  ASSERT_FALSE(committed.empty());
  EXPECT_TRUE(r.out == committed) << "sw/doc/PARAMETERS.md is stale: regenerate it with "
                                     "build/spiketlm list --format md > sw/doc/PARAMETERS.md";
}

TEST(List, MarkdownRowsCarryTheTextTablesValues) {
  const CliResult r = cli("list --format md");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("\n### `dram.lpddr4`\n"), std::string::npos);
  EXPECT_NE(r.out.find("| [`dram.lpddr4`](#dramlpddr4) | memory |"), std::string::npos);
  // The LPDDR4-3200 preset, as in the text table (OneKindShowsTypeDefaultUnitRangeAndDoc).
  EXPECT_NE(r.out.find("| `tck_ns` | double | `0.625` | ns | [0.01, 1000] | clock period"), std::string::npos);
  // Choices are separated by '|', escaped inside a Markdown cell.
  EXPECT_NE(r.out.find("| `packing` | string | `spikesim` |  | spikesim\\|layer_per_tile | PE placement"), std::string::npos);
  const CliResult bad = cli("list --format xml");
  EXPECT_EQ(bad.code, 1);
  EXPECT_EQ(bad.err, "spiketlm: error: spiketlm/list: --format: expected text or md, got 'xml'\n");
}
