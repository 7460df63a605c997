#include "infergate/server/admin/admin_api.hpp"

#include "resources.hpp"

namespace infergate::server::admin {

LocalAnswer json_answer(std::string body, unsigned status) {
    LocalAnswer answer;
    answer.body = std::move(body);
    answer.status = status;
    return answer;
}

LocalAnswer error_answer(api::Error error) {
    LocalAnswer answer;
    answer.error = std::move(error);
    return answer;
}

net::awaitable<LocalAnswer> answer(const LocalRequest& request) {
    const bool is_get = request.headers.method() == http::verb::get || request.headers.method() == http::verb::head;
    switch (request.endpoint) {
        case api::Endpoint::admin_config: co_return show_config(request.snapshot);
        case api::Endpoint::admin_backends: co_return co_await show_backends(request);
        case api::Endpoint::admin_drain: co_return drain_target(request, true);
        case api::Endpoint::admin_undrain: co_return drain_target(request, false);
        case api::Endpoint::admin_keys:
            if (is_get) co_return list_keys(request.snapshot);
            co_return co_await create_key(request);
        case api::Endpoint::admin_key: co_return co_await revoke_key(request);
        default: break;
    }
    co_return error_answer(api::route_not_found(request.headers.target()));
}

}  // namespace infergate::server::admin
