// Bad input through the CLI (sw/cli/README.md, "Errors"): one line on stderr, control
// characters escaped, exit code 1, nothing on stdout; a usage error is one line ending in
// "(see spiketlm CMD --help)". Plugins that are not libraries or register nothing, and
// probe_neurons entries that name no neuron, are errors too.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include "tests/cli.h"

using namespace spiketlm::test;
namespace fs = std::filesystem;

namespace {
const std::string kDemo = "run platforms/memdemo/memdemo.yaml --quiet";
const std::string kCommands = "run, list, calibrate, map, import, export, sweep, merge, compare or plot";

void expect_line(const CliResult& r, int code, const std::string& line) {
  EXPECT_EQ(r.code, code) << r.err;
  EXPECT_EQ(r.err, line + "\n");
  EXPECT_EQ(r.out, "");
}

}  // namespace

TEST(Errors, UsageErrorsAreOneLineAndExitOne) {
  // Before: the message, then a 7- to 14-line usage, and exit code 2 (list --json was ignored).
  expect_line(cli(""), 1, "spiketlm: missing command, expected " + kCommands + " (see spiketlm --help)");
  expect_line(cli("frobnicate"), 1, "spiketlm: frobnicate: unknown command, expected " + kCommands + " (see spiketlm --help)");
  expect_line(cli("help frobnicate"), 1,
              "spiketlm: help: frobnicate: unknown command, expected " + kCommands + " (see spiketlm --help)");
  expect_line(cli("run"), 1, "spiketlm: run: missing CONFIG.yaml, expected spiketlm run CONFIG.yaml [options] (see spiketlm run --help)");
  expect_line(cli(kDemo + " --bogus"), 1, "spiketlm: run: --bogus: unknown option (see spiketlm run --help)");
  expect_line(cli(kDemo + " --tech x.yaml"), 1, "spiketlm: run: --tech: unknown option (see spiketlm run --help)");
  expect_line(cli(kDemo + " --json"), 1, "spiketlm: run: --json: missing value (see spiketlm run --help)");
  expect_line(cli(kDemo + " --nir"), 1, "spiketlm: run: --nir: missing value (see spiketlm run --help)");
  expect_line(cli(kDemo + " other.yaml"), 1,
              "spiketlm: run: other.yaml: unexpected argument, expected one CONFIG.yaml (got platforms/memdemo/memdemo.yaml "
              "already) (see spiketlm run --help)");
  expect_line(cli("list --json x"), 1, "spiketlm: list: --json: unknown option (see spiketlm list --help)");
  expect_line(cli("list a b"), 1, "spiketlm: list: b: unexpected argument, expected one KIND (got a already) (see spiketlm list --help)");
  expect_line(cli("calibrate platforms/spikeflow/spikeflow.yaml --trace traces/fmnist_snn"), 1,
              "spiketlm: calibrate: missing --out NEWDIR, expected spiketlm calibrate CONFIG.yaml --trace DIR --out NEWDIR "
              "[options] (see spiketlm calibrate --help)");
  expect_line(cli("import --bogus"), 1, "spiketlm: import: --bogus: unknown option (see spiketlm import --help)");
  expect_line(cli("import m.nir"), 1,
              "spiketlm: import: missing -o BUNDLE, expected spiketlm import MODEL.nir -o BUNDLE [options] (see spiketlm import --help)");
  expect_line(cli("import m.nir -o b --timesteps x"), 1,
              "spiketlm: import: --timesteps: expected an integer, got 'x' (see spiketlm import --help)");
  expect_line(cli("export --bogus"), 1, "spiketlm: export: --bogus: unknown option (see spiketlm export --help)");
  expect_line(cli("export -o m.nir"), 1,
              "spiketlm: export: missing --nir BUNDLE, expected spiketlm export --nir BUNDLE -o MODEL.nir [--dt SECONDS] (see "
              "spiketlm export --help)");
  expect_line(cli("compare --bogus"), 1, "spiketlm: compare: --bogus: unknown option (see spiketlm compare --help)");
  expect_line(cli("compare --samples 2"), 1,
              "spiketlm: compare: missing --trace SNN_DIR, expected spiketlm compare --trace SNN_DIR [options] (see spiketlm "
              "compare --help)");
  expect_line(cli("sweep --bogus"), 1, "spiketlm: sweep: --bogus: unknown option (see spiketlm sweep --help)");
  expect_line(cli("sweep -j 0 s.yaml"), 1, "spiketlm: sweep: -j 0: expected an integer >= 1 (see spiketlm sweep --help)");
  expect_line(cli("sweep"), 1, "spiketlm: sweep: missing SWEEP.yaml, expected spiketlm sweep SWEEP.yaml [options] (see spiketlm sweep --help)");
  expect_line(cli("map --bogus"), 1, "spiketlm: map: --bogus: unknown option (see spiketlm map --help)");
  expect_line(cli("map c.yaml --seed -1"), 1, "spiketlm: map: --seed: expected an integer >= 0, got '-1' (see spiketlm map --help)");
  expect_line(cli("map c.yaml --objective speed"), 1,
              "spiketlm: map: --objective: expected energy, latency, edp or offchip, got 'speed' (see spiketlm map --help)");
  expect_line(cli("map c.yaml"), 1,
              "spiketlm: map: missing --trace DIR, expected spiketlm map CONFIG.yaml --trace DIR [options] (see spiketlm map --help)");
  // --help still prints the usage on stdout with exit code 0.
  const CliResult h = cli("--help");
  EXPECT_EQ(h.code, 0);
  EXPECT_EQ(h.out.rfind("usage: spiketlm run CONFIG.yaml", 0), 0u) << h.out;
}

TEST(Errors, ControlCharactersAreEscapedIntoOneLine) {
  // Before: a newline in a -c value, a file name or an option split the message over lines,
  // and an escape sequence reached the terminal raw.
  expect_line(cli(kDemo + " -c 'memdemo.glb.banks=t\two\nlines'"), 1,
              "spiketlm: error: spiketlm/params: -c: memdemo.glb.banks: expected an integer in [1, 1024], got 't\\two\\nlines'");
  expect_line(cli(kDemo + " -c 'memdemo.glb.banks=\x1b[31mred'"), 1,
              "spiketlm: error: spiketlm/params: -c memdemo.glb.banks=\\x1b[31mred: expected UTF-8 text, got the control "
              "character U+001B (YAML text allows tab, line breaks and printable characters)");
  const std::string d = scratch("err_ctrl");
  expect_line(cli("run '" + d + "/no\nsuch.yaml'"), 1,
              "spiketlm: error: spiketlm/params: " + d +
                  "/no\\nsuch.yaml: file: expected a readable YAML file, got none (No such file or directory)");
  expect_line(cli(kDemo + " '--bo\ngus'"), 1, "spiketlm: run: --bo\\ngus: unknown option (see spiketlm run --help)");
}

TEST(Errors, APluginThatIsNoLibraryOrRegistersNothingIsAnError) {
  // Before: libm (loaded already, it registers no kind) was accepted, and a FIFO as plugin
  // waited for a writer forever.
  expect_line(cli(kDemo + " --plugin libm.so.6"), 1,
              "spiketlm: error: spiketlm/factory: libm.so.6: plugin registers nothing, expected at least one kind "
              "(SPIKETLM_REGISTER_KIND) or firmware model (SPIKETLM_REGISTER_FIRMWARE)");
  const std::string d = scratch("err_plugin");
  ASSERT_EQ(::mkfifo((d + "/p.so").c_str(), 0600), 0);
  const CliResult fifo = cli(kDemo + " --plugin " + d + "/p.so", 20);
  expect_line(fifo, 1, "spiketlm: error: spiketlm/factory: " + d +
                           "/p.so: plugin failed to load: expected a shared library (a regular file), got a FIFO");
  // The same library twice (flag and flag, or flag and a YAML plugins: list) loads once.
  const std::string so = binary_dir() + "/plugins/libspiketlm_if_neuron.so";
  const CliResult twice = cli(kDemo + " --plugin " + so + " --plugin " + so);
  EXPECT_EQ(twice.code, 0) << twice.err;
  EXPECT_EQ(twice.err, "");
}

TEST(Errors, BadProbeNeuronsAreErrorsAndNoWaveformIsWritten) {
  // Before: "-1" became layer 4294967295, " 3" and "+3" were read as 3, and a neuron that does
  // not exist was accepted (an empty waveform).
  const std::string d = scratch("err_probe");
  const std::string run = "run platforms/sata/sata.yaml --trace traces/fmnist_snn --samples 1 --quiet --vcd " + d + "/w.vcd";
  for (const std::string bad : {"-1:0:0", "0:+3:264", "0:3", "0:3:264:1", "0::264", "0:3:1234567890"})
    expect_line(cli(run + " -c 'sata.lif.probe_neurons=[\"" + bad + "\"]'"), 1,
                "spiketlm: error: spiketlm/lif: -c: sata.lif.probe_neurons: expected entries layer:channel:pixel "
                "(non-negative integers), got '" + bad + "'");
  expect_line(cli(run + " -c sata.lif.probe_neurons=[0:3:264,0:999:0]"), 1,
              "spiketlm: error: spiketlm/lif: -c: sata.lif.probe_neurons: entry '0:999:0' names no neuron the run updated, "
              "expected layer:channel:pixel of a firing layer as the accelerator runs it (layer = descriptor index, pixel = y * "
              "W + x)");
  expect_line(cli(run + " -c sata.lif.probe_neurons=[99:0:0]"), 1,
              "spiketlm: error: spiketlm/lif: -c: sata.lif.probe_neurons: entry '99:0:0' names no neuron the run updated, "
              "expected layer:channel:pixel of a firing layer as the accelerator runs it (layer = descriptor index, pixel = y * "
              "W + x)");
  EXPECT_FALSE(fs::exists(d + "/w.vcd"));
  EXPECT_FALSE(fs::exists(d + "/w.gtkw"));
  const CliResult ok = cli(run + " -c sata.lif.probe_neurons=[0:3:264]");
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_TRUE(fs::exists(d + "/w.vcd"));
}
