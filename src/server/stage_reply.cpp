#include "infergate/server/stage_reply.hpp"

#include <array>

#include "infergate/config/snapshot.hpp"
#include "infergate/server/responses.hpp"
#include "infergate/stages/routing/route_table.hpp"

namespace infergate::server {

net::awaitable<pipeline::Completion> write_stage_reply(ClientConnection& client, const pipeline::RequestContext& ctx) {
    const pipeline::Reply& reply = *ctx.reply;
    const std::string& body = *reply.body;
    const bool chunked = reply.event_stream && client.version >= 11;
    if (reply.event_stream && !chunked) client.keep_alive = false;  // HTTP/1.0: ends with the connection

    // The same head a proxied answer gets, built from a head of our own in place of the upstream's.
    http::response_header<> own;
    own.result(http::status::ok);
    own.set(http::field::content_type, reply.event_stream ? "text/event-stream" : "application/json");
    const std::string_view model = ctx.route->passthrough ? std::string_view(ctx.request.model)
                                                          : std::string_view(ctx.route->model);
    std::string& head = client.head_buffer;
    head.clear();
    append_proxied_head(head, {own, client, ctx.request_id,
                               reply.event_stream ? std::nullopt : std::optional<std::size_t>(body.size()),
                               reply.event_stream, ctx.response_headers, model, {}});

    const auto timeout = ctx.snapshot.config.server.write_timeout;
    beast::error_code ec;
    if (chunked) {
        ec = co_await write_bytes(client,
                                  beast::buffers_cat(net::buffer(head), http::make_chunk(net::buffer(body)),
                                                     http::make_chunk_last()),
                                  timeout);
    } else {
        const std::array<net::const_buffer, 2> whole{net::buffer(head), net::buffer(body)};
        ec = co_await write_bytes(client, whole, timeout);
    }
    pipeline::Completion done;
    done.status = 200;
    done.bytes_out = body.size();
    if (reply.event_stream) done.first_event_at = pipeline::Clock::now();
    if (ec) {
        done.client_disconnected = true;
        client.keep_alive = false;
    }
    co_return done;
}

}  // namespace infergate::server
