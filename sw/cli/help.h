// spiketlm: per-command help (`spiketlm CMD --help`, `spiketlm help CMD`) with examples.
#pragma once
#include <string>

namespace spiketlm {

// The help text of a command of main's own parser (run, list, calibrate, export), or nullptr.
// map, import and sweep print their own usage (sw/map/map_command.cpp, sw/cli/nir_commands.cpp,
// sw/cli/sweep.cpp).
const char* command_help(const std::string& command);
// The examples printed after map's, import's and sweep's own usage, or nullptr.
const char* command_examples(const std::string& command);

}  // namespace spiketlm
