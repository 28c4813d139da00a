#include "sw/cli/help.h"

namespace spiketlm {

namespace {

const char* kRun =
    "usage: spiketlm run CONFIG.yaml [--trace DIR] [options]\n"
    "  Runs the platform CONFIG.yaml on a trace bundle and prints the report (summary per inference,\n"
    "  then per layer, then per component; tlm/report.md).\n"
    "  --trace DIR               trace bundle (traces/FORMAT.md); default: the YAML's run.trace\n"
    "  --samples N               samples to run; default min(100, the trace's samples)\n"
    "  --timesteps T             timesteps per sample; default the trace's\n"
    "  --exit-threshold THETA    DT-SNN early exit once the softmax confidence reaches THETA\n"
    "  --ann BITS                run a workload trace as an ANN with BITS-bit activations\n"
    "  -c key=value              override any parameter (`spiketlm list KIND` shows them)\n"
    "  --json FILE, --csv FILE   the whole report as JSON / one long CSV table\n"
    "  --full                    print every column and the detail tables\n"
    "  --per-sample              add one row per sample\n"
    "  --quiet, -q               print no report (use with --json/--csv)\n"
    "  --progress, --no-progress samples done, rate and ETA on stderr; default: when stderr is a terminal\n"
    "                            and the run takes over 2 s (not with --quiet); never in an output file\n"
    "  --vcd FILE                waveforms (FILE.vcd and a GTKWave FILE.gtkw); --trace-filter GLOB selects signals\n"
    "  --dump-config FILE        the resolved configuration as YAML (runs unchanged with `spiketlm run FILE`)\n"
    "  --plugin LIB              load a plugin library with more kinds\n"
    "  --firmware NAME           runtime (default), example, polling or external\n"
    "  --txlog FILE              every register access and buffer transfer with its simulated time\n"
    "  --cosim ADDRESS, --cosim-exec PROGRAM   external firmware over a socket (sw/cosim/README.md)\n"
    "  --nir MODEL.nir           import a NIR model on the fly (spiketlm import --help)\n"
    "  --shards N [--shard-dir DIR]  split the samples into N processes on this machine's cores and merge\n"
    "                            them: the report is the unsharded one, byte for byte (spiketlm merge --help)\n"
    "  --shard-state FILE        also write this run's state for spiketlm merge\n"
    "  --shard-plan              with --shards N --shard-dir DIR: write the shard folders (each run.sh runs\n"
    "                            one shard, e.g. as a cluster task) and stop; then spiketlm merge DIR/shard_*\n"
    "examples:\n"
    "  spiketlm run platforms/sata/sata.yaml --trace traces/fmnist_snn --samples 20\n"
    "  spiketlm run platforms/sata/sata.yaml --trace traces/fmnist_snn -c sata.lif.membrane_bits=8 --json run.json\n"
    "  spiketlm run platforms/spikeflow/spikeflow.yaml --trace traces/fmnist_snn --samples 10 --exit-threshold 0.9\n"
    "  spiketlm run platforms/sata/sata.yaml --trace traces/fmnist_snn --samples 1 --vcd wave\n";

const char* kList =
    "usage: spiketlm list [KIND] [--format text|md] [--plugin LIB]... [--tech FILE]...\n"
    "  Every registered kind with the parameters a unit of it declares (key, type, default, unit,\n"
    "  range, doc); a platform shows its own keys and its units' slots. `list KIND` shows one kind\n"
    "  with every parameter. --format md writes the Markdown reference (sw/doc/PARAMETERS.md).\n"
    "examples:\n"
    "  spiketlm list\n"
    "  spiketlm list dram.lpddr4\n"
    "  spiketlm list --format md > PARAMETERS.md\n";

const char* kCalibrate =
    "usage: spiketlm calibrate CONFIG.yaml --trace DIR --out NEWDIR [--samples N] [run options]\n"
    "  Batch-norm adaptation: re-estimates every BN layer's running statistics through the\n"
    "  configured (non-ideal) platform, layer by layer, and writes the adapted bundle to NEWDIR\n"
    "  (later runs of NEWDIR skip the calibration samples). Prints the run's report.\n"
    "examples:\n"
    "  spiketlm calibrate platforms/spikeflow/spikeflow.yaml --trace traces/fmnist_snn --samples 20 --out adapted \\\n"
    "      -c spikeflow.tile.pe.column.kind=imc.column.nonideal\n"
    "  spiketlm run platforms/spikeflow/spikeflow.yaml --trace adapted --samples 20 -c spikeflow.tile.pe.column.kind=imc.column.nonideal\n";

const char* kExport =
    "usage: spiketlm export --nir BUNDLE -o MODEL.nir [--dt SECONDS]\n"
    "  Writes a functional trace bundle as a NIR graph (traces/nir/README.md); the bundle rides along,\n"
    "  so `spiketlm import MODEL.nir` gives it back exactly.\n"
    "examples:\n"
    "  spiketlm import MODEL.nir -o BUNDLE && spiketlm export --nir BUNDLE -o AGAIN.nir\n"
    "  (the bundled Fashion-MNIST traces use max pooling, which NIR has no node for)\n";

// Examples printed after map's, import's and sweep's own usage text.
const char* kCompare =
    "usage: spiketlm compare --trace SNN_DIR [--ann-trace ANN_DIR | --ann BITS] [--samples N]\n"
    "                        [--platform CONFIG.yaml]... [--json FILE] [--csv FILE] [--quiet]\n"
    "  Runs one network as SNN and as ANN on each platform (default: SATA, SpikeFlow, NorthPole)\n"
    "  and prints one table: energy, latency, EDP, accuracy and area per inference, and SNN/ANN\n"
    "  per platform (sw/cli/compare.md). Each cell is exactly `spiketlm run` of that pair.\n"
    "  --ann-trace ANN_DIR        the ANN twin; else --ann BITS (default 8) converts the SNN trace\n"
    "examples:\n"
    "  spiketlm compare --trace traces/fmnist_snn --ann-trace traces/fmnist_ann8 --samples 2\n"
    "  spiketlm compare --trace traces/fmnist_snn --ann 4 --samples 2 --platform platforms/northpole/northpole.yaml\n";

const char* kPlot =
    "usage: spiketlm plot REPORT.json [-o DIR] [--html FILE]\n"
    "  Draws a run's JSON report (spiketlm run ... --json FILE): energy by component (dynamic and\n"
    "  leakage), latency and energy per layer, memory traffic per level (PNG in DIR; default\n"
    "  REPORT_plots/), and with --html one self-contained page with the summary, the tables and\n"
    "  the figures (sw/plot/README.md). Needs Debian's python3-matplotlib.\n"
    "examples:\n"
    "  spiketlm run platforms/sata/sata.yaml --trace traces/fmnist_snn --samples 10 --json run.json\n"
    "  spiketlm plot run.json --html run.html\n"
    "  spiketlm plot run.json -o figures\n";

const char* kMapExamples =
    "examples:\n"
    "  spiketlm map platforms/sata/sata.yaml --trace traces/fmnist_snn --executable --out best.yaml\n"
    "  spiketlm run platforms/sata/sata.yaml --trace traces/fmnist_snn -c mapping=best.yaml --samples 10\n"
    "  spiketlm map platforms/sata/sata.yaml --trace traces/workloads/red_1mpx --objective edp\n";

const char* kSweepExamples =
    "examples:\n"
    "  spiketlm sweep sw/dse/examples/sata_demo.yaml --out demo.sweep -j 2\n"
    "  spiketlm sweep sw/dse/examples/sata_demo.yaml --out demo.sweep --collect\n"
    "  spiketlm sweep MY.yaml --backend slurm --time 00:10:00 --mem 1G --partition short\n"
    "  spiketlm sweep MY.yaml --backend external   # the points to run, one `/bin/sh task.sh DIR` line each\n";

const char* kMerge =
    "usage: spiketlm merge SHARD... [-o DIR] [--json FILE] [--csv FILE] [--plugin LIB]... [--quiet] [--full]\n"
    "  Merges the shards of one run (spiketlm run ... -c run.first_sample=F --samples K --shard-state FILE)\n"
    "  into the report of the unsharded run, byte for byte (sw/run/shard.md). SHARD: a state file or a\n"
    "  folder holding shard.json. The shards must share the configuration and trace and cover one\n"
    "  contiguous range of samples without overlap; anything else is a one-line error naming the file.\n"
    "  -o DIR                    write DIR/report.json and DIR/report.csv\n"
    "  --json FILE, --csv FILE   the merged report as JSON / CSV\n"
    "  --quiet, -q, --full       as for run\n"
    "  `spiketlm run ... --shards N` does all of it on this machine's cores.\n"
    "examples:\n"
    "  spiketlm run platforms/sata/sata.yaml --trace traces/fmnist_snn -c run.first_sample=0 --samples 10 --shard-state a.json -q\n"
    "  spiketlm run platforms/sata/sata.yaml --trace traces/fmnist_snn -c run.first_sample=10 --samples 10 --shard-state b.json -q\n"
    "  spiketlm merge a.json b.json --json merged.json\n"
    "  spiketlm run platforms/sata/sata.yaml --trace traces/fmnist_snn --samples 20 --shards 2 --json sharded.json\n";

const char* kImportExamples =
    "examples:\n"
    "  spiketlm import MODEL.nir -o BUNDLE --timesteps 8 --inputs X.npy --labels Y.npy\n"
    "  spiketlm run platforms/sata/sata.yaml --nir MODEL.nir --inputs X.npy --labels Y.npy --samples 20\n"
    "  (a model from snnTorch, Norse, Sinabs ...: traces/nir/README.md; from PyTorch: traces/EXPORT.md)\n";

}  // namespace

const char* command_help(const std::string& command) {
  if (command == "run") return kRun;
  if (command == "list") return kList;
  if (command == "calibrate") return kCalibrate;
  if (command == "export") return kExport;
  if (command == "compare") return kCompare;
  if (command == "plot") return kPlot;
  if (command == "merge") return kMerge;
  return nullptr;
}

const char* command_examples(const std::string& command) {
  if (command == "map") return kMapExamples;
  if (command == "import") return kImportExamples;
  if (command == "sweep") return kSweepExamples;
  return nullptr;
}

}  // namespace spiketlm
