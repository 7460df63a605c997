// One step of the request pipeline (auth -> routing -> policy -> quota -> cache -> transform) and
// its verdict.
// A stage is built from a snapshot and immutable; per-request state lives in RequestContext.
// It never sees a socket.
#pragma once

#include <memory>
#include <optional>
#include <string_view>

#include "infergate/api/error.hpp"
#include "infergate/net.hpp"
#include "infergate/pipeline/request_context.hpp"

namespace infergate::pipeline {

// Go on to the next stage, answer the client now with an OpenAI-format error, or answer it
// with the ctx.reply the stage filled (a cache hit): no later stage runs, nothing goes upstream.
class Outcome {
public:
    static Outcome next() noexcept { return Outcome{}; }
    static Outcome reject(api::Error error) { return Outcome{std::move(error)}; }
    static Outcome respond() noexcept {
        Outcome outcome;
        outcome.responded_ = true;
        return outcome;
    }
    bool rejected() const noexcept { return error_.has_value(); }
    bool responded() const noexcept { return responded_; }
    const api::Error& error() const { return *error_; }

private:
    Outcome() = default;
    explicit Outcome(api::Error error) : error_(std::move(error)) {}
    std::optional<api::Error> error_;
    bool responded_ = false;
};

class Stage {
public:
    virtual ~Stage() = default;
    virtual std::string_view name() const noexcept = 0;  // "routing": log and metric label

    // Runs in pipeline order on the connection's worker thread. May suspend (e.g. a Redis
    // round trip); must not block the thread.
    virtual net::awaitable<Outcome> on_request(RequestContext& ctx) const = 0;

    // Called once for every request that entered this stage, in reverse order, after the
    // response ended, failed or the client left. Settles reservations; never throws.
    virtual void on_finish(RequestContext&, const Completion&) const noexcept {}
};

using StagePtr = std::unique_ptr<const Stage>;

}  // namespace infergate::pipeline
