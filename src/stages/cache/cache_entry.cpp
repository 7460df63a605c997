#include "infergate/stages/cache/cache_entry.hpp"

#include "infergate/api/response_body.hpp"

namespace infergate::cache {

std::optional<Entry> make_entry(std::string&& body) {
    const api::ResponseBody inspected = api::inspect_response_body(body);
    if (!inspected.valid_json) return std::nullopt;
    Entry entry;
    entry.usage = inspected.usage;
    entry.body = std::move(body);
    return entry;
}

}  // namespace infergate::cache
