// Renaming the model of a request body (or adding a member after it) without copying the
// body: the result is three pieces, the client's bytes before the model's token, the new
// bytes, and the client's bytes after it. Sent in order (a gather write) they are the new
// body; joined, they are the same bytes as a string (replace_model()).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace infergate::api {

struct ModelSplice {
    std::string_view before;  // of `body`
    std::string middle;       // the model's token, or its new name, then the added member
    std::string_view after;   // of `body`
};

// `model_token` is the raw JSON string token of the top-level "model" inside `body`, as
// parse_proxy_request() found it. `new_model` (none: the token is kept) is quoted here;
// `member` (may be empty) is JSON text placed right after the model's value, starting with
// its comma.
ModelSplice splice_model(std::string_view body, std::string_view model_token,
                         std::optional<std::string_view> new_model, std::string_view member);

}  // namespace infergate::api
