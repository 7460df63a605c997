// How many YAML documents a text holds, found without yaml-cpp's LoadAll: on some malformed
// input (a stray ",") yaml-cpp 0.7's parser hands out the same empty document forever without
// consuming anything, and LoadAll collects them until memory runs out (jbeder/yaml-cpp#1040,
// fixed upstream after the version Debian 12 ships).
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include <yaml-cpp/mark.h>

namespace infergate::config {

struct DocumentCount {
    std::size_t documents = 0;
    bool first_is_null = false;       // "", "---", "~": nothing in it
    YAML::Mark second;                // where the second document's content starts
    std::optional<YAML::Mark> stuck;  // the parser stopped making progress here
};

// Throws what yaml-cpp's parser throws (a YAML::Exception) on a syntax error.
DocumentCount count_documents(const std::string& yaml);

}  // namespace infergate::config
