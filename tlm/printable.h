// spiketlm: input text shown inside an error message (printable.md). Errors are one line
// (tlm/error.h), but they quote what the user gave, which may hold newlines, control
// characters or megabytes: printable() escapes control characters (\n, \t, \r, \xNN) and cuts
// the text at `max` characters, saying how long it was.
#pragma once
#include <cstdio>
#include <string>

namespace spiketlm {

inline std::string printable(const std::string& s, std::size_t max = 200) {
  std::string o;
  for (std::size_t i = 0; i < s.size() && i < max; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '\n') o += "\\n";
    else if (c == '\t') o += "\\t";
    else if (c == '\r') o += "\\r";
    else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      o += buf;
    } else {
      o += static_cast<char>(c);
    }
  }
  if (s.size() > max) o += "... (" + std::to_string(s.size()) + " characters)";
  return o;
}

}  // namespace spiketlm
