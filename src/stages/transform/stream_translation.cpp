#include "infergate/stages/transform/stream_translation.hpp"

#include "infergate/stages/transform/anthropic_stream.hpp"
#include "infergate/stages/transform/gemini_stream.hpp"
#include "infergate/stages/transform/messages_ingress_stream.hpp"

namespace infergate::transform {
namespace {

using Wire = pipeline::UpstreamRequest::Wire;

template <class T>
concept EndsWithTheBody = requires(T translator, std::string& out) { translator.finish(out); };

// `Translator` writes the client's events. With `kObserveOnly` the client gets the upstream's
// own events (an Anthropic client of an Anthropic backend) and the translation, made aside,
// only tells how the stream ends and what it used.
template <class Translator, bool kObserveOnly = false>
class Translation final : public StreamTranslation {
public:
    explicit Translation(Translator translator) : translator_(std::move(translator)) {}

    void on_event(std::string_view raw_event, std::string& out) override {
        if constexpr (kObserveOnly) {
            aside_.clear();
            translator_.on_sse_event(raw_event, aside_);
            out.append(raw_event);
        } else {
            translator_.on_sse_event(raw_event, out);
        }
    }
    void on_body_end(std::string& out) override {
        if constexpr (EndsWithTheBody<Translator>) {
            if (!translator_.finished()) translator_.finish(out);
        }
    }
    bool finished() const noexcept override { return translator_.finished(); }
    const std::optional<api::Error>& error() const noexcept override { return translator_.error(); }
    bool started() const noexcept override { return translator_.started(); }
    std::optional<sse::Usage> usage() const noexcept override {
        const sse::Usage usage = translator_.usage();
        if (usage.prompt_tokens == 0 && usage.completion_tokens == 0) return std::nullopt;
        return usage;
    }

private:
    Translator translator_;
    std::string aside_;
};

}  // namespace

std::unique_ptr<StreamTranslation> make_stream_translation(Wire wire, StreamOptions options) {
    switch (wire) {
        case Wire::anthropic:
            return std::make_unique<Translation<anthropic::StreamTranslator>>(
                anthropic::StreamTranslator(std::move(options)));
        case Wire::gemini:
            return std::make_unique<Translation<gemini::StreamTranslator>>(
                gemini::StreamTranslator(std::move(options)));
        case Wire::messages_passthrough:
            return std::make_unique<Translation<anthropic::StreamTranslator, true>>(
                anthropic::StreamTranslator(std::move(options)));
        case Wire::messages_to_openai:
            return std::make_unique<Translation<messages_ingress::StreamTranslator>>(
                messages_ingress::StreamTranslator({.model = std::nullopt, .backend = std::move(options.backend)}));
        case Wire::openai:
            break;
    }
    return nullptr;
}

}  // namespace infergate::transform
