// Entry points: text in, Config or every error out. The schema itself is in sections.cpp.
#include "infergate/config/loader.hpp"

#include <cstdlib>

#include <fmt/format.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include "diagnostics.hpp"
#include "infergate/config/keys_file.hpp"
#include "infergate/stages/auth/api_key.hpp"
#include "file_io.hpp"
#include "sections.hpp"
#include "text_check.hpp"
#include "yaml_documents.hpp"
#include "yaml_reader.hpp"

namespace infergate::config {

namespace {

// yaml-cpp says "illegal map value" for a tab-indented line; name the real cause instead.
// Only consulted after a parse failure, on the lines up to the failing one.
std::optional<Location> find_indent_tab(std::string_view yaml, int last_line) {
    int line = 1;
    std::size_t start = 0;
    while (start <= yaml.size() && line <= last_line) {
        std::size_t end = yaml.find('\n', start);
        if (end == std::string_view::npos) end = yaml.size();
        const std::string_view text = yaml.substr(start, end - start);
        const std::size_t content = text.find_first_not_of(" \t");
        const std::size_t tab = text.find('\t');
        if (content != std::string_view::npos && text[content] != '#' && text[content] != '\r' &&
            tab < content) {
            return Location{line, static_cast<int>(tab) + 1};
        }
        start = end + 1;
        ++line;
    }
    return std::nullopt;
}

void report_parse_error(std::string_view yaml, const YAML::Exception& e, Diagnostics& diagnostics) {
    const Location at = location_of_mark(e.mark);
    if (const auto tab = find_indent_tab(yaml, at.line)) {
        diagnostics.add(*tab, "",
                        "invalid YAML: tab character in indentation (indent with spaces)");
    } else {
        diagnostics.add(at, "", "invalid YAML: " + e.msg);
    }
}

// Parses the YAML and checks the document's shape; nullopt once a problem is reported.
std::optional<YAML::Node> parse_document(std::string_view yaml, Diagnostics& diagnostics) {
    unsigned char bad = 0;
    if (const Location at = find_non_text(yaml, bad); at.line > 0) {
        diagnostics.add(at, "",
                        fmt::format("not a UTF-8 text file: unexpected byte 0x{:02X}", bad));
        return std::nullopt;
    }
    const std::string text{yaml};
    DocumentCount found;
    YAML::Node root;
    try {
        found = count_documents(text);  // never YAML::LoadAll: see yaml_documents.hpp
        if (!found.stuck && found.documents > 0) root = YAML::Load(text);  // the first document
    } catch (const YAML::DeepRecursion& e) {
        diagnostics.add(location_of_mark(e.mark), "", "invalid YAML: nesting is too deep");
        return std::nullopt;
    } catch (const YAML::Exception& e) {
        report_parse_error(yaml, e, diagnostics);
        return std::nullopt;
    }
    if (found.stuck) {
        diagnostics.add(location_of_mark(*found.stuck), "", "invalid YAML: unexpected character");
        return std::nullopt;
    }
    // Nothing at all, only comments, or a lone "---" or "~".
    if (found.documents == 0 || (found.documents == 1 && found.first_is_null)) {
        diagnostics.add({1, 1}, "",
                        "the document is empty: expected a mapping with backends and models");
        return std::nullopt;
    }
    if (found.documents > 1) {
        diagnostics.add(location_of_mark(found.second), "",
                        fmt::format("expected one YAML document, found {}", found.documents));
        return std::nullopt;
    }
    if (!root.IsMap()) {
        diagnostics.add(location_of(root), "",
                        fmt::format("expected a mapping at the top level, got {}", kind_of(root)));
        return std::nullopt;
    }
    return root;
}

}  // namespace

std::string content_hash(std::string_view bytes) { return auth::to_hex(auth::sha256_of(bytes)).substr(0, 16); }

std::optional<std::string> process_env(std::string_view name) {
    const std::string key{name};  // getenv needs the terminating NUL
    if (const char* value = std::getenv(key.c_str())) return std::string{value};
    return std::nullopt;
}

LoadResult load_from_string(std::string_view yaml, std::string_view source_name,
                            const EnvLookup& env) {
    Diagnostics diagnostics;
    Config config;
    config.source = std::string{source_name};
    config.source_hash = content_hash(yaml);
    if (const std::optional<YAML::Node> root = parse_document(yaml, diagnostics)) {
        const Context ctx{diagnostics, env};
        read_document(ctx, *root, config);
    }
    LoadResult result;
    if (!diagnostics.empty()) {
        result.errors = diagnostics.render(source_name);
        return result;
    }
    // Runtime keys join the config's own, checked against its tenants and models.
    result.errors = read_keys_file(config);
    if (result.errors.empty()) result.config = std::move(config);
    return result;
}

LoadResult load_from_file(const std::string& path, const EnvLookup& env) {
    std::string contents;
    if (std::string error = read_file(path, contents); !error.empty()) {
        LoadResult result;
        result.errors.push_back(path + ": " + error);
        return result;
    }
    return load_from_string(contents, path, env);
}

}  // namespace infergate::config
