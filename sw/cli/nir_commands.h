// spiketlm: the NIR commands of the command line (traces/nir/README.md):
//   spiketlm import MODEL.nir -o BUNDLE [--config PLATFORM.yaml] [--dt S] [--timesteps T]
//                   [--inputs X.npy] [--labels Y.npy] [--encoding poisson|rate|direct]
//                   [--input-scale S] [--samples N] [--seed S] [--membrane-bits B] [--per-tensor]
//                   [--calibration N] [--name NAME] [--json FILE] [--quiet]
//   spiketlm export --nir BUNDLE -o MODEL.nir [--dt S]
//   spiketlm run CONFIG.yaml --nir MODEL.nir [import options] [run options]
#pragma once
#include <string>
#include <vector>

namespace spiketlm {

int cmd_import(const std::vector<std::string>& args);
int cmd_export(const std::vector<std::string>& args);
// Arguments are the command line after the program name (args[0] is the command).
// `run ... --nir MODEL.nir ...`: imports the model (the import options are taken out of
// args; the membrane width is the platform's) into a temporary bundle, removed at exit, and
// returns the run's arguments with `--trace` naming it. Arguments without --nir come back as
// they are.
std::vector<std::string> nir_run_args(const std::vector<std::string>& args);

}  // namespace spiketlm
