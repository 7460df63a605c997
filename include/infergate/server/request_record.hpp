// The one place a finished request is accounted for: metrics observed once, one access-log
// line. Runs after the response ended, failed, or the client left (logged as status 499).
#pragma once

#include <string_view>

#include "infergate/net.hpp"
#include "infergate/pipeline/request_context.hpp"

namespace infergate::server {

class Worker;

// A request that went to the pipeline (it has a parsed body, maybe a route).
void record_proxied(Worker& worker, const pipeline::RequestContext& ctx, std::string_view peer,
                    std::uint64_t bytes_in, const pipeline::Completion& done,
                    pipeline::Clock::time_point ended_at);

// A request refused before the pipeline (unknown path, wrong method).
void record_unrouted(Worker& worker, const http::request<http::string_body>& request,
                     std::string_view request_id, std::string_view peer,
                     const pipeline::Completion& done, pipeline::Clock::time_point received_at,
                     pipeline::Clock::time_point ended_at);

}  // namespace infergate::server
