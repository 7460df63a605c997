#include "yaml_documents.hpp"

#include <sstream>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>

namespace infergate::config {

namespace {

// Notes where each document starts and what its first node is; builds nothing.
class DocumentWatch final : public YAML::EventHandler {
public:
    YAML::Mark start;
    std::optional<YAML::Mark> root;
    bool root_is_null = false;

    void OnDocumentStart(const YAML::Mark& mark) override {
        start = mark;
        root.reset();
        root_is_null = false;
    }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { node(mark, true); }
    void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { node(mark); }
    void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  const std::string&) override {
        node(mark);
    }
    void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                         YAML::EmitterStyle::value) override {
        node(mark);
    }
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                    YAML::EmitterStyle::value) override {
        node(mark);
    }
    void OnMapEnd() override {}

private:
    void node(const YAML::Mark& mark, bool null = false) {
        if (root) return;
        root = mark;
        root_is_null = null;
    }
};

}  // namespace

DocumentCount count_documents(const std::string& yaml) {
    std::istringstream in(yaml);
    YAML::Parser parser(in);
    DocumentWatch watch;
    DocumentCount count;
    std::optional<std::size_t> previous_start;
    while (parser.HandleNextDocument(watch)) {
        // Every real document consumes input; one starting where the last one did did not.
        if (previous_start == static_cast<std::size_t>(watch.start.pos)) {
            count.stuck = watch.start;
            break;
        }
        previous_start = static_cast<std::size_t>(watch.start.pos);
        ++count.documents;
        if (count.documents == 1) count.first_is_null = watch.root_is_null;
        if (count.documents == 2) count.second = watch.root.value_or(watch.start);
    }
    return count;
}

}  // namespace infergate::config
