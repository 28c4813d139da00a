// The bundle an exported NIR file carries in its graph metadata (export.h), and the check that
// the graph still is its export.
#include "traces/nir/export.h"

#include "tlm/error.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <unistd.h>

namespace spiketlm::nir {

namespace fs = std::filesystem;

namespace {

const char* const k_format = "spiketlm-trace 1";

std::vector<std::uint8_t> slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

bool same_value(const h5::value& a, const h5::value& b) {
  return a.type == b.type && a.shape == b.shape && a.numbers == b.numbers && a.strings == b.strings &&
         a.integer == b.integer;
}

bool same_fields(const field_map& a, const field_map& b) {
  if (a.size() != b.size()) return false;
  for (const auto& [k, v] : a) {
    const auto it = b.find(k);
    if (it == b.end() || !same_value(v, it->second)) return false;
  }
  return true;
}

// Whether g has exactly the nodes, fields and edges of `want` (metadata of the graph aside).
bool same_graph(const graph& g, const graph& want) {
  if (g.nodes.size() != want.nodes.size()) return false;
  for (const node& n : want.nodes) {
    const node* m = g.find(n.name);
    if (!m || m->type != n.type || !same_fields(m->fields, n.fields) || !same_fields(m->metadata, n.metadata)) return false;
  }
  auto e1 = g.edges, e2 = want.edges;
  std::sort(e1.begin(), e1.end());
  std::sort(e2.begin(), e2.end());
  return e1 == e2;
}

}  // namespace

void export_nir(const bundle& b, const std::string& path, double dt) {
  graph g = export_graph(b, dt);
  const std::string tmp = path + ".partial-" + std::to_string(::getpid());
  std::error_code ec;
  fs::remove_all(tmp, ec);
  try {
    write_bundle(b, tmp + ".bundle");
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(tmp + ".bundle")) files.push_back(e.path().filename().string());
    std::sort(files.begin(), files.end());
    std::string list;
    for (std::size_t i = 0; i < files.size(); ++i) {
      list += (i ? "\n" : "") + files[i];
      const std::vector<std::uint8_t> bytes = slurp(fs::path(tmp + ".bundle") / files[i]);
      h5::value v = int_array({bytes.size()}, std::vector<double>(bytes.begin(), bytes.end()));
      v.uint8 = true;
      g.metadata["spiketlm_file_" + std::to_string(i)] = std::move(v);
    }
    g.metadata["spiketlm_format"] = string_value(k_format);
    g.metadata["spiketlm_files"] = string_value(list);
    g.metadata["spiketlm_dt"] = float_array({}, {dt}, true);
    write_graph(g, tmp);
    fs::rename(tmp, path, ec);
    if (ec) fail("nir", path + ": output: expected to move the written file into place, got " + ec.message());
  } catch (...) {
    fs::remove_all(tmp, ec);
    fs::remove_all(tmp + ".bundle", ec);
    throw;
  }
  fs::remove_all(tmp + ".bundle", ec);
}

bool embedded_bundle(const graph& g, const std::string& dir, double& dt) {
  const auto f = g.metadata.find("spiketlm_format"), l = g.metadata.find("spiketlm_files"), d = g.metadata.find("spiketlm_dt");
  if (f == g.metadata.end() || l == g.metadata.end() || d == g.metadata.end()) return false;
  if (f->second.strings != std::vector<std::string>{k_format} || l->second.strings.size() != 1 || d->second.numbers.size() != 1)
    return false;
  std::istringstream names(l->second.strings[0]);
  std::string name;
  for (int i = 0; std::getline(names, name); ++i) {
    const auto v = g.metadata.find("spiketlm_file_" + std::to_string(i));
    if (v == g.metadata.end() || name.empty() || name.find('/') != std::string::npos) return false;
    std::ofstream out(fs::path(dir) / name, std::ios::binary);
    for (const double x : v->second.numbers) out.put(char(static_cast<unsigned char>(x)));
  }
  dt = d->second.numbers[0];
  try {
    return same_graph(g, export_graph(read_bundle(dir), dt));
  } catch (const std::exception&) {
    return false;  // an embedded bundle that does not read: quantize the graph instead
  }
}

}  // namespace spiketlm::nir
