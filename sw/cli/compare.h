// spiketlm compare: one network as SNN and as ANN on several platforms, one table
// (sw/cli/compare.md).
#pragma once

namespace spiketlm::cli {

// `spiketlm compare --trace SNN [--ann-trace ANN | --ann BITS] [options]`: argv as main() got
// it (argv[1] == "compare"). Returns the exit code (0 done, 1 a run failed or an error, 2 usage).
int compare_main(int argc, char** argv);

}  // namespace spiketlm::cli
