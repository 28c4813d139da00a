// spiketlm: `spiketlm map` (the mapping explorer's command line). See map.md.
#pragma once

namespace spiketlm::map {

// argv[0] is "map". Returns the exit code (0, 1 for bad input, 2 for usage).
int map_main(int argc, char** argv);
// map's usage text (what `spiketlm map --help` prints).
const char* map_usage();

}  // namespace spiketlm::map
