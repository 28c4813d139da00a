// spiketlm list: every registered kind with the parameters a unit of it declares, as aligned
// text (the default) or as the Markdown parameter reference (--format md; sw/doc/PARAMETERS.md
// is its output, checked by the test List.MarkdownReferenceIsCurrent).
#pragma once
#include <string>
#include <vector>

namespace spiketlm {

struct ListRequest {
  std::string kind;                   // one kind (every parameter), or empty for all
  std::string format = "text";        // text | md
  std::vector<std::string> plugins;   // plugin libraries to load first
  std::vector<std::string> tech;      // technology tables for describing kinds
};

int cmd_list(const ListRequest& r);

}  // namespace spiketlm
