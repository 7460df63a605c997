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
// Or, from a stage that cannot decide without I/O: wait (see Stage::on_request_async).
class Outcome {
public:
    static Outcome next() noexcept { return Outcome{}; }
    static Outcome wait() noexcept {
        Outcome outcome;
        outcome.waits_ = true;
        return outcome;
    }
    static Outcome reject(api::Error error) { return Outcome{std::move(error)}; }
    static Outcome respond() noexcept {
        Outcome outcome;
        outcome.responded_ = true;
        return outcome;
    }
    bool rejected() const noexcept { return error_.has_value(); }
    bool responded() const noexcept { return responded_; }
    bool waits() const noexcept { return waits_; }
    const api::Error& error() const { return *error_; }

private:
    Outcome() = default;
    explicit Outcome(api::Error error) : error_(std::move(error)) {}
    std::optional<api::Error> error_;
    bool responded_ = false;
    bool waits_ = false;
};

class Stage {
public:
    virtual ~Stage() = default;
    virtual std::string_view name() const noexcept = 0;  // "routing": log and metric label

    // Runs in pipeline order on the connection's worker thread and decides at once: every
    // stage here can (the quota store is in memory, the cache is local), and a coroutine
    // frame per stage and request is cost with no use. A stage whose verdict needs I/O (a
    // remote quota store) returns Outcome::wait(); the pipeline then co_awaits
    // on_request_async(), which may suspend but must not block the thread.
    virtual Outcome on_request(RequestContext& ctx) const = 0;
    virtual net::awaitable<Outcome> on_request_async(RequestContext& ctx) const { co_return on_request(ctx); }

    // Called once for every request that entered this stage, in reverse order, after the
    // response ended, failed or the client left. Settles reservations; never throws.
    virtual void on_finish(RequestContext&, const Completion&) const noexcept {}
};

using StagePtr = std::unique_ptr<const Stage>;

}  // namespace infergate::pipeline
