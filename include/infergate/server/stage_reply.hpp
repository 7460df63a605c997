// Writes the answer a pipeline stage gave itself (ctx.reply: a cache hit) as a 200: JSON with
// a Content-Length, or an SSE stream (chunked on HTTP/1.1), with the request's own headers.
#pragma once

#include "infergate/net.hpp"
#include "infergate/pipeline/request_context.hpp"
#include "infergate/server/client_connection.hpp"

namespace infergate::server {

net::awaitable<pipeline::Completion> write_stage_reply(ClientConnection& client, const pipeline::RequestContext& ctx);

}  // namespace infergate::server
