// spiketlm: a NIR graph file (Neuromorphic Intermediate Representation, neuromorphs/NIR) as
// stored: the HDF5 layout the NIR specification's serialisation uses, read and written
// without interpretation (traces/nir/README.md):
//   version               string dataset (e.g. "1.0.7")
//   node/type             "NIRGraph"
//   node/nodes/<name>/    one group per node: `type` (string) and its fields as datasets;
//                         an optional `metadata` group (free-form, never needed to run)
//   node/edges            [E, 2] strings: (source, target) node names
//   node/metadata/        optional, free-form
// read_graph() checks this structure (a missing group, dataset or `type`, a wrong dataset
// type, a non-HDF5 or truncated file are one-line errors naming the file and the object);
// the meaning of each node's fields is checked by build_network() (network.h).
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "traces/nir/h5.h"

namespace spiketlm::nir {

using field_map = std::map<std::string, h5::value>;

struct node {
  std::string name, type;
  field_map fields;     // every dataset of the node's group except `type`
  field_map metadata;   // the node's `metadata` group (datasets only), if any
};

struct graph {
  std::string file;     // where it was read from (for error messages)
  std::string version;
  std::vector<node> nodes;                                  // in the file's (name) order
  std::vector<std::pair<std::string, std::string>> edges;   // in the file's order
  field_map metadata;   // node/metadata (datasets only)
  const node* find(const std::string& name) const;
};

// Reads `path` in a child process (graph_guard.md): libhdf5 can loop forever or crash on a
// corrupted file, so the reading runs where it can be stopped. The graph comes back through a
// pipe; the child's one-line error is raised as it was; a child that does not finish within
// `limit_s` seconds (<= 0: k_read_limit_s plus k_read_limit_s_per_mib per MiB of file) is
// killed, and a child that dies is reported, each as a one-line error naming the file.
graph read_graph(const std::string& path, double limit_s = 0);
// The same guard around another reading function (tests: a reader that hangs or dies).
graph read_graph_guarded(const std::string& path, double limit_s, graph (*read)(const std::string&));
// The reading itself, in this process (no guard): what the child runs.
graph read_graph_in_process(const std::string& path);
inline constexpr double k_read_limit_s = 30, k_read_limit_s_per_mib = 2;
// Caps this process's address space at its size now plus what reading a file of `file_bytes`
// needs, k_read_memory_base + k_read_memory_per_byte x file_bytes (graph_guard.md, "Memory"):
// the reader child calls it first, so an allocation sized by a corrupted field (libhdf5 asks
// for terabytes) fails as an error instead of taking the machine's memory. Returns the cap.
std::uint64_t limit_read_memory(std::uintmax_t file_bytes);
inline constexpr std::uint64_t k_read_memory_base = std::uint64_t(1) << 30, k_read_memory_per_byte = 16;
// Writes `g` in the same layout (version, node/type, nodes with their fields and metadata,
// edges, graph metadata); fields keep their value kind (strings, integers as int64, floats
// as float32 unless `float64` is set in a value by the caller's choice below).
void write_graph(const graph& g, const std::string& path);

// Field helpers for the writer: an array of float32 / float64 / int64 values, or a string.
h5::value float_array(std::vector<std::size_t> shape, std::vector<double> v, bool float64 = false);
h5::value int_array(std::vector<std::size_t> shape, std::vector<double> v);
h5::value string_value(const std::string& s);

}  // namespace spiketlm::nir
