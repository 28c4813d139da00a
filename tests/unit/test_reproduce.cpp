// sw/tools/reproduce.py (the reproduction report) on a fixture directory of tiny JSON reports:
// its rows are computed from the runs (memory energy without leakage, LIF power = energy /
// latency), a feature missing from the build becomes "not available in this build: <reason>",
// and a missing result file is a one-line error with no report written. Needs Debian's
// /usr/bin/python3 with matplotlib (.ci/setup --plots); skipped without it.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "tests/cli.h"

using namespace spiketlm::test;
namespace fs = std::filesystem;

namespace {

bool have_plotting_python() {
  return std::system("/usr/bin/python3 -c 'import matplotlib, numpy' >/dev/null 2>&1") == 0;
}

// One fake `spiketlm run --json` report (schema v1, tlm/report.md) with every field the report reads.
struct Fake {
  std::map<std::string, double> summary = {
      {"energy_uj", 10}, {"latency_us", 100}, {"edp_j_s", 1e-9}, {"accuracy_pct", 90}, {"average_timesteps", 4}};
  std::map<std::string, double> breakdown = {
      {"memory_energy_uj", 8},        {"compute_energy_uj", 2},       {"lif_share_of_compute_pct", 70},
      {"imc_energy_uj", 2},           {"neuron_share_of_imc_pct", 2}, {"lif_circuit_area_um2", 0},
      {"hrs_share_pct", 50},          {"lif_membrane_area_share_pct", 10}};
  double lif_uj = 1.0, lif_area = 1000, membrane_area = 1000;
  // energy_by_action, pJ for the whole run (1 sample)
  double dram = 100e6, glb_weight = 50e6, glb_ifmap = 10e6, spad = 40e6, leakage = 30e6;
};

std::string num(double v) {
  std::ostringstream s;
  s.precision(17);
  s << v;
  return s.str();
}

std::string object(const std::map<std::string, double>& m) {
  std::string o = "{";
  for (const auto& kv : m) o += (o.size() > 1 ? ", \"" : "\"") + kv.first + "\": " + num(kv.second);
  return o + "}";
}

std::string action(const char* module, const char* comp, const char* act, const std::string& count, const std::string& per,
                   double pj) {
  return std::string("{\"module\": \"") + module + "\", \"component\": \"" + comp + "\", \"action\": \"" + act +
         "\", \"count\": " + count + ", \"pj_per_action\": " + per + ", \"energy_pj\": " + num(pj) + "}";
}

std::string json(const Fake& f) {
  std::ostringstream o;
  o << "{\"schema\": \"spiketlm-report\", \"schema_version\": 1, \"title\": \"fake\", \"warnings\": [], "
    << "\"run\": {\"samples\": 1, \"requantized_layers\": 0}, \"summary\": " << object(f.summary)
    << ", \"breakdown\": " << object(f.breakdown) << ", \"units\": {}, \"tables\": {"
    << "\"energy_by_component\": [{\"component\": \"dram\", \"energy_uj\": 4, \"share_pct\": 40}, "
    << "{\"component\": \"lif\", \"energy_uj\": " << num(f.lif_uj) << ", \"share_pct\": 10}, "
    << "{\"component\": \"accumulate\", \"energy_uj\": 1, \"share_pct\": 10}, "
    << "{\"component\": \"neuron\", \"energy_uj\": 0.1, \"share_pct\": 1}], "
    << "\"area_by_module\": [{\"module\": \"sata.lif\", \"area_um2\": " << num(f.lif_area) << "}], "
    << "\"area_by_component\": [{\"component\": \"membrane_memory\", \"area_um2\": " << num(f.membrane_area) << "}], "
    << "\"samples\": [{\"sample\": 0}], "
    << "\"energy_by_action\": ["
    << action("sata.dram", "dram_sata", "read", "1000", "468.762", f.dram) << ", "
    << action("sata.glb_weight", "glb_144kb", "read", "1000", "28.63", f.glb_weight) << ", "
    << action("sata.glb_ifmap", "glb_32kb", "read", "1000", "11.03", f.glb_ifmap) << ", "
    << action("sata.pe_array", "spad_reg8", "read", "1000", "0.031225", f.spad) << ", "
    << action("sata.pe_array", "pe_acc", "cycle", "1000", "0.0481", 48.1) << ", "
    << action("sata.pe_array", "pe_acc", "accumulate", "1000", "0.062775", 62.775) << ", "
    << action("sata.lif", "lif", "cycle", "1000", "0.140625", 140.625) << ", "
    << action("sata.glb_weight", "glb_144kb", "leakage", "null", "null", f.leakage) << "]}, \"table_info\": {}}\n";
  return o.str();
}

void write(const fs::path& p, const std::string& s) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << s;
}

// A complete stage directory as sw/tools/reproduce.sh leaves it (quick-sized).
std::string make_stage(const std::string& tag) {
  const fs::path stage = scratch(tag);
  const fs::path d = stage / "data";
  const long long now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  write(d / "meta.txt", "quick=1\ndate=2024-01-01 00:00 UTC\ncommit=abc\ndirty_files=0\nmachine=test\njobs=2\n"
                        "t_start=" + std::to_string(now_ms) + "\nt_build=0\nt_experiments=1\nN=10\nGN=10\nNI_N=10\n"
                        "NI_CAL=10\nTS_A=1 4\nTS_D=1 2\nTHS=0 0.9\nWIDTHS=32 8\nni_case=ir5|IR drop 5 Ohm\n");
  write(d / "timing" / "a_dataflow", "1.5\n");
  auto put = [&](const std::string& exp, const std::string& name, const Fake& f) {
    write(d / exp / (name + ".json"), json(f));
  };
  const Fake dflt;
  for (const char* k : {"os", "tb", "os_m8", "tb_m8"})
    for (int T : {1, 4}) put("a_dataflow", std::string(k) + "_T" + std::to_string(T), dflt);
  // T = 4: OS moves 600 + 200 + 200 = 1000 uJ, tick-batch 200 + 100 + 100 = 400 uJ (dynamic);
  // the leakage rows (5000 vs 10 uJ) must not count.
  Fake os4, tb4;
  os4.dram = 600e6, os4.glb_weight = 200e6, os4.glb_ifmap = 0, os4.spad = 200e6, os4.leakage = 5000e6;
  tb4.dram = 200e6, tb4.glb_weight = 100e6, tb4.glb_ifmap = 0, tb4.spad = 100e6, tb4.leakage = 10e6;
  put("a_dataflow", "os_T4", os4);
  put("a_dataflow", "tb_T4", tb4);
  for (const char* n : {"sata_vgg9_os", "sata_vgg9_tb", "sata_fmnist_os", "sata_fmnist_tb", "spikeflow_fmnist"})
    put("b_lif_share", n, dflt);
  // C#4: LIF energy 2.0 -> 0.6 uJ (-70 %), latency 100 -> 120 us, so LIF power -75 %; area -75 %.
  Fake c1, c4;
  c1.lif_uj = 2.0, c1.lif_area = 4000;
  c4.lif_uj = 0.6, c4.lif_area = 1000, c4.summary["latency_us"] = 120;
  put("c_lif_sharing", "sata_c1", c1);
  put("c_lif_sharing", "sata_c2", dflt);
  put("c_lif_sharing", "sata_c4", c4);
  put("c_lif_sharing", "spikeflow_c1", dflt);
  write(d / "c_lif_sharing" / "spikeflow_c2.na", "unknown key spikeflow.tile.lif.share\n");
  write(d / "c_lif_sharing" / "spikeflow_c4.na", "unknown key spikeflow.tile.lif.share\n");
  for (const char* m : {"physical", "dense"})
    for (int T : {1, 2}) put("d_edp", std::string(m) + "_T" + std::to_string(T), dflt);
  Fake ex = dflt;
  ex.summary["average_timesteps"] = 1.5, ex.summary["energy_uj"] = 4;
  put("e_dtsnn", "sata_th0", dflt);
  put("e_dtsnn", "sata_th0.9", ex);
  put("e_dtsnn", "spikeflow_th0", dflt);
  put("e_dtsnn", "spikeflow_th0.9", ex);
  put("f_nonideal", "ideal", dflt);
  for (const char* v : {"offset", "flip", "differential", "offset_bn", "differential_bn"})
    put("f_nonideal", std::string("ir5_") + v, dflt);
  for (const char* p : {"sata", "spikeflow"})
    for (const char* n : {"fmnist", "vgg9"}) {
      put("g_ann", std::string(p) + "_" + n + "_snn", dflt);
      for (const char* b : {"ann8", "ann4"})
        write(d / "g_ann" / (std::string(p) + "_" + n + "_" + b + ".na"), "unknown option --ann\n");
    }
  for (const char* p : {"sata", "spikeflow"})
    for (int b : {32, 8}) put("h_membrane", std::string(p) + "_m" + std::to_string(b), dflt);
  // i: SNN 10 uJ (dynamic 6, leakage 4, LIF 3 uJ) against ANN 4 uJ (dynamic 3, LIF 1 uJ).
  Fake snn, ann;
  snn.summary["dynamic_energy_uj"] = 6, snn.summary["leakage_energy_uj"] = 4, snn.lif_uj = 3;
  ann.summary["energy_uj"] = 4, ann.summary["dynamic_energy_uj"] = 3, ann.summary["leakage_energy_uj"] = 1;
  for (const char* p : {"sata", "spikeflow", "spikesim"})
    for (const char* n : {"fmnist", "vgg9"}) {
      put("i_verdict", std::string(p) + "_" + n + "_snn", snn);
      if (std::string(p) == "spikesim" && std::string(n) == "vgg9")
        write(d / "i_verdict" / "spikesim_vgg9_ann8.na", "unknown option --ann\n");
      else
        put("i_verdict", std::string(p) + "_" + n + "_ann8", ann);
    }
  // j: sw/tools/table2.py's paper mode (no runs needed) on the bundled methods file.
  fs::create_directories(d / "j_table2");
  const std::string t2 = "cd " + source_dir() + " && /usr/bin/python3 sw/tools/table2.py --mode paper --json " +
                         (d / "j_table2" / "table2.json").string() + " >/dev/null";
  EXPECT_EQ(std::system(t2.c_str()), 0) << t2;
  return stage.string();
}

CliResult reproduce_py(const std::string& stage, const std::string& md) {
  const std::string cmd = "cd " + source_dir() + " && /usr/bin/python3 sw/tools/reproduce.py " + stage + " --md " +
                          md + " >" + stage + "/out.txt 2>" + stage + "/err.txt";
  const int rc = std::system(cmd.c_str());
  CliResult r;
  r.code = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  r.out = slurp(stage + "/out.txt");
  r.err = slurp(stage + "/err.txt");
  return r;
}

// The summary row whose first cell starts with `prefix`.
std::string row(const std::string& md, const std::string& prefix) {
  std::istringstream in(md);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("| " + prefix, 0) == 0) return line;
  return "";
}

}  // namespace

TEST(Reproduce, RowsAreComputedFromTheRunsAndMissingFeaturesSaySo) {
  if (!have_plotting_python()) GTEST_SKIP() << "needs /usr/bin/python3 with matplotlib and numpy (.ci/setup --plots)";
  const std::string stage = make_stage("reproduce_rows");
  const std::string md = stage + "/R.md";
  const CliResult r = reproduce_py(stage, md);
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string text = slurp(md);
  // a: (1000 - 400) / 1000 of the dynamic memory energy; with the leakage rows it would be 93.2 %.
  EXPECT_NE(row(text, "a.").find("60.0 % less at T = 4"), std::string::npos) << row(text, "a.");
  // c: power = energy / latency: (0.6 / 120) / (2.0 / 100) - 1 = -75 %; energy -70 %, area -75 %.
  EXPECT_NE(row(text, "c. LIF sharing C#4 (SATA").find("LIF power -75.0 %, LIF energy -70.0 %, LIF area -75.0 %"),
            std::string::npos)
      << row(text, "c. LIF sharing C#4 (SATA");
  EXPECT_NE(row(text, "c. LIF sharing C#4 (SpikeFlow").find("not available in this build: unknown key spikeflow.tile.lif.share"),
            std::string::npos)
      << row(text, "c. LIF sharing C#4 (SpikeFlow");
  // e: 4 / 10 - 1 = -60 % energy at theta 0.9.
  EXPECT_NE(row(text, "e. DT-SNN exit on SATA").find("theta = 0.9: energy -60.0 %"), std::string::npos)
      << row(text, "e. DT-SNN exit on SATA");
  // g: the missing ANN mode and FLOP estimate are named, never given a number.
  const std::string g = row(text, "g. SNN vs same-shape ANN, modelled (SATA)");
  EXPECT_NE(g.find("ANN 8-bit not available in this build: unknown option --ann"), std::string::npos) << g;
  EXPECT_NE(row(text, "g. FLOP estimate vs modelled energy (SATA)").find("not available in this build: the report has no flop_estimate"),
            std::string::npos);
  // i: full 10 / 4 = 2.50, dynamic 6 / 3 = 2.00 (SpikeSim dense mode reports the dynamic ratio),
  // leakage 4 / 10 = 40 % of the SNN; the LIF moves it by +2 uJ; a missing run is named.
  const std::string i = row(text, "i. SNN / ANN-8");
  EXPECT_NE(i.find("SATA (physical) Fashion-MNIST: 2.50"), std::string::npos) << i;
  EXPECT_NE(i.find("SpikeFlow, SpikeSim dense mode Fashion-MNIST: 2.00"), std::string::npos) << i;
  const std::string it = row(text, "SATA (physical) | VGG9");
  EXPECT_NE(it.find("| 2.50 | 6 / 3 | 2.00 |"), std::string::npos) << it;
  EXPECT_NE(it.find("| 40 % | lif +2 uJ"), std::string::npos) << it;
  EXPECT_NE(row(text, "SpikeFlow, SpikeSim dense mode | VGG9").find("not available in this build: unknown option --ann"),
            std::string::npos);
  // j: the paper-mode ratios of table2.py's result, laid out (TDBN: SpikeSim 4 / 100 timesteps).
  EXPECT_NE(row(text, "j. Table II").find("TDBN (T = 4): paper SATA 0.15, SpikeSim 0.04"), std::string::npos)
      << row(text, "j. Table II");
  for (const char* p : {"a.", "b.", "c.", "d.", "e.", "f.", "g.", "h.", "i.", "j."}) EXPECT_NE(row(text, p), "") << p;
  for (const char* png : {"a_dataflow", "b_lif_share", "c_lif_sharing", "d_edp", "e_dtsnn", "f_nonideal", "g_ann", "h_membrane"}) {
    EXPECT_TRUE(fs::file_size(stage + "/" + png + ".png") > 1000) << png;
    EXPECT_NE(text.find(std::string("](") + png + ".png)"), std::string::npos) << png;
  }
  // The reports are trimmed to what the report reads.
  const std::string j = slurp(stage + "/data/c_lif_sharing/sata_c1.json");
  EXPECT_EQ(j.find("\"samples\":["), std::string::npos);
  EXPECT_NE(j.find("\"area_by_module\""), std::string::npos);
}

TEST(Reproduce, MissingResultFileIsAOneLineErrorAndNoReport) {
  if (!have_plotting_python()) GTEST_SKIP() << "needs /usr/bin/python3 with matplotlib and numpy (.ci/setup --plots)";
  const std::string stage = make_stage("reproduce_missing");
  fs::remove(stage + "/data/a_dataflow/tb_T4.json");
  const std::string md = stage + "/R.md";
  const CliResult r = reproduce_py(stage, md);
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "reproduce.py: error: missing result file " + stage + "/data/a_dataflow/tb_T4.json\n");
  EXPECT_FALSE(fs::exists(md));
  EXPECT_FALSE(fs::exists(md + ".tmp"));
}
