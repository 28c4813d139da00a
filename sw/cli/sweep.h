// spiketlm sweep: the command line of a design-space sweep (sw/dse/README.md).
#pragma once

namespace spiketlm::cli {

// `spiketlm sweep SWEEP.yaml [options]`: argv as main() got it (argv[1] == "sweep").
// Returns the exit code (0 all done, 1 a point failed or an error, 2 a usage error).
int sweep_main(int argc, char** argv);

}  // namespace spiketlm::cli
