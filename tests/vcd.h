// Reading a VCD back in tests (tests/integration/test_vcd*.cpp): every signal by its full
// dotted name with its (time in VCD ticks, value) changes.
#pragma once
#include <cstdint>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace spiketlm::test {

// A VCD read back: every signal by its full dotted name, with its (time, value) changes.
struct Vcd {
  std::string timescale;
  std::map<std::string, std::string> id_of;                       // name -> id
  std::map<std::string, int> bits;                                 // name -> width
  std::map<std::string, std::vector<std::pair<uint64_t, double>>> changes;  // name -> changes
  const std::vector<std::pair<uint64_t, double>>& of(const std::string& n) const {
    static const std::vector<std::pair<uint64_t, double>> none;
    auto it = changes.find(n);
    return it == changes.end() ? none : it->second;
  }
  bool has(const std::string& n) const { return id_of.count(n) != 0; }
  std::set<double> values(const std::string& n) const {
    std::set<double> s;
    for (const auto& c : of(n)) s.insert(c.second);
    return s;
  }
};

inline Vcd read_vcd(const std::string& path, const std::string& strip_scope = "") {
  Vcd v;
  std::ifstream in(path);
  std::string tok;
  std::vector<std::string> scope;
  std::map<std::string, std::vector<std::string>> names_of;  // id -> names
  uint64_t t = 0;
  auto value = [](const std::string& s) {  // binary or real text
    if (s.empty()) return 0.0;
    if (s[0] == 'r' || s[0] == 'R') return std::stod(s.substr(1));
    double x = 0;
    for (char c : s.substr(s[0] == 'b' || s[0] == 'B' ? 1 : 0)) x = 2 * x + (c == '1');
    return x;
  };
  auto record = [&](const std::string& id, double x) {
    for (const auto& n : names_of[id]) v.changes[n].push_back({t, x});
  };
  while (in >> tok) {
    if (tok == "$timescale") {
      std::string w;
      while (in >> w && w != "$end") v.timescale += (v.timescale.empty() ? "" : " ") + w;
    } else if (tok == "$scope") {
      std::string kind, name, end;
      in >> kind >> name >> end;
      scope.push_back(name);
    } else if (tok == "$upscope") {
      in >> tok;
      scope.pop_back();
    } else if (tok == "$var") {
      std::string type, id, name, w;
      int width;
      in >> type >> width >> id >> name;
      while (in >> w && w != "$end") {}
      std::string full;
      for (const auto& s : scope)
        if (!(full.empty() && s == strip_scope)) full += s + ".";
      full += name;
      v.id_of[full] = id;
      v.bits[full] = width;
      names_of[id].push_back(full);
    } else if (tok[0] == '#') {
      t = std::stoull(tok.substr(1));
    } else if (tok[0] == 'b' || tok[0] == 'B' || tok[0] == 'r' || tok[0] == 'R') {
      std::string id;
      in >> id;
      record(id, value(tok));
    } else if (tok[0] == '0' || tok[0] == '1') {
      record(tok.substr(1), tok[0] == '1');
    } else if (tok == "$comment" || tok == "$date" || tok == "$version") {
      while (in >> tok && tok != "$end") {}
    }
  }
  return v;
}

}  // namespace spiketlm::test
