#include "traces/nir/graph.h"

#include "tlm/error.h"

#include <algorithm>

namespace spiketlm::nir {

namespace {

[[noreturn]] void bad(const std::string& file, const std::string& where, const std::string& what) {
  fail("nir", file + ": " + where + ": " + what);
}

std::string one_string(const h5::reader& r, const std::string& path, const std::string& where) {
  if (!r.is_dataset(path)) bad(r.file(), where, "missing (required: a string dataset)");
  const h5::value v = r.read(path);
  if (v.type != h5::value::kind::string || v.strings.size() != 1)
    bad(r.file(), where, "expected one string, got " +
                             (v.type == h5::value::kind::string ? std::to_string(v.strings.size()) + " strings" : "numbers"));
  return v.strings[0];
}

// The datasets of a group (sub-groups other than `skip` are an error: NIR nodes hold arrays).
field_map datasets(const h5::reader& r, const std::string& group, const std::string& where, const std::string& skip) {
  field_map m;
  for (const std::string& k : r.members(group)) {
    const std::string p = group + "/" + k;
    if (r.is_dataset(p))
      m[k] = r.read(p);
    else if (k != skip)
      bad(r.file(), where + " field '" + k + "'", "expected a dataset, got a group");
  }
  return m;
}

node read_node(const h5::reader& r, const std::string& name) {
  const std::string g = "node/nodes/" + name, where = "node '" + name + "'";
  if (!r.is_group(g)) bad(r.file(), where, "expected a group (a NIR node), got a dataset");
  node n;
  n.name = name;
  n.type = one_string(r, g + "/type", where + " field 'type'");
  n.fields = datasets(r, g, where, "metadata");
  n.fields.erase("type");
  if (r.is_group(g + "/metadata")) {
    for (const std::string& k : r.members(g + "/metadata"))
      if (r.is_dataset(g + "/metadata/" + k)) n.metadata[k] = r.read(g + "/metadata/" + k);
  }
  return n;
}

}  // namespace

const node* graph::find(const std::string& name) const {
  for (const node& n : nodes)
    if (n.name == name) return &n;
  return nullptr;
}

graph read_graph_in_process(const std::string& path) {
  const h5::reader r(path);
  graph g;
  g.file = path;
  g.version = one_string(r, "version", "version");
  if (!r.is_group("node")) bad(path, "node", "missing (required: the graph's group)");
  const std::string type = one_string(r, "node/type", "node/type");
  if (type != "NIRGraph") bad(path, "node/type", "expected NIRGraph, got '" + type + "'");
  if (!r.is_group("node/nodes")) bad(path, "node/nodes", "missing (required: a group of nodes)");
  for (const std::string& name : r.members("node/nodes")) g.nodes.push_back(read_node(r, name));
  if (!r.is_dataset("node/edges")) bad(path, "node/edges", "missing (required: an [E, 2] dataset of node names)");
  const h5::value e = r.read("node/edges");
  const bool empty = e.size() == 0;
  if (!empty && (e.type != h5::value::kind::string || e.shape.size() != 2 || e.shape[1] != 2))
    bad(path, "node/edges", "expected an [E, 2] array of node names, got " +
                                std::string(e.type == h5::value::kind::string ? "strings" : "numbers") + " of shape [" +
                                [&] {
                                  std::string s;
                                  for (std::size_t d : e.shape) s += (s.empty() ? "" : ", ") + std::to_string(d);
                                  return s;
                                }() + "]");
  for (std::size_t i = 0; i + 1 < e.strings.size(); i += 2) g.edges.emplace_back(e.strings[i], e.strings[i + 1]);
  if (r.is_group("node/metadata"))
    for (const std::string& k : r.members("node/metadata"))
      if (r.is_dataset("node/metadata/" + k)) g.metadata[k] = r.read("node/metadata/" + k);
  return g;
}

namespace {
void write_value(h5::writer& w, const std::string& path, const h5::value& v) {
  if (v.type == h5::value::kind::string) {
    if (v.strings.size() != 1 || !v.shape.empty())
      fail("nir", path + ": expected one string to write, got " + std::to_string(v.strings.size()));
    w.string(path, v.strings[0]);
  } else if (v.uint8) {
    std::vector<std::uint8_t> b(v.numbers.begin(), v.numbers.end());
    w.uint8(path, v.shape, b);
  } else if (v.integer) {
    std::vector<std::int64_t> iv(v.numbers.begin(), v.numbers.end());
    w.int64(path, v.shape, iv);
  } else if (v.float64) {
    w.float64(path, v.shape, v.numbers);
  } else {
    w.float32(path, v.shape, std::vector<float>(v.numbers.begin(), v.numbers.end()));
  }
}

void write_fields(h5::writer& w, const std::string& group, const field_map& fields, const field_map& metadata) {
  for (const auto& [k, v] : fields) write_value(w, group + "/" + k, v);
  if (metadata.empty()) return;
  w.group(group + "/metadata");
  for (const auto& [k, v] : metadata) write_value(w, group + "/metadata/" + k, v);
}
}  // namespace

void write_graph(const graph& g, const std::string& path) {
  h5::writer w(path);
  w.string("version", g.version);
  w.group("node");
  w.string("node/type", "NIRGraph");
  w.group("node/nodes");
  for (const node& n : g.nodes) {
    const std::string p = "node/nodes/" + n.name;
    w.group(p);
    w.string(p + "/type", n.type);
    write_fields(w, p, n.fields, n.metadata);
  }
  w.string_pairs("node/edges", g.edges);
  if (!g.metadata.empty()) {
    w.group("node/metadata");
    for (const auto& [k, v] : g.metadata) write_value(w, "node/metadata/" + k, v);
  }
  w.close();
}

h5::value float_array(std::vector<std::size_t> shape, std::vector<double> v, bool float64) {
  h5::value x;
  x.shape = std::move(shape);
  x.numbers = std::move(v);
  x.float64 = float64;
  return x;
}

h5::value int_array(std::vector<std::size_t> shape, std::vector<double> v) {
  h5::value x = float_array(std::move(shape), std::move(v));
  x.integer = true;
  return x;
}

h5::value string_value(const std::string& s) {
  h5::value x;
  x.type = h5::value::kind::string;
  x.strings = {s};
  return x;
}

}  // namespace spiketlm::nir
