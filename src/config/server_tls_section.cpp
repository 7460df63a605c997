#include "server_tls_section.hpp"

#include "endpoints.hpp"
#include "file_io.hpp"
#include "infergate/tls/server_context.hpp"
#include "scalars.hpp"

namespace infergate::config {
namespace {

void read_listen(const Context& ctx, const Field& field, ListenerTls& tls) {
    const auto text = read_text(ctx, field);
    if (!text) return;
    Checked<ListenAddress> address = parse_listen(text->value, text->quote());
    if (!address.value) {
        ctx.error(field.value_at(), field.path, std::move(address.error));
        return;
    }
    tls.listen_host = std::move(address.value->host);
    tls.listen_port = address.value->port;
}

// Builds the context once, only to find the file at fault: the snapshot builds its own.
void check_files(const Context& ctx, const Field& cert, const Field& key, const std::optional<Field>& client_ca,
                 const ListenerTls& settings) {
    auto built = tls::make_server_context(settings);
    const auto* error = std::get_if<tls::FileError>(&built);
    if (error == nullptr) return;
    const Field& at = error->file == tls::FileError::File::cert ? cert
                      : error->file == tls::FileError::File::key ? key
                                                                  : *client_ca;
    ctx.error(at.value_at(), at.path, error->message);
}

}  // namespace

void read_server_tls(const Context& ctx, const Field& field, ListenerTls& tls) {
    MapReader map{ctx, field};
    if (const auto listen = map.take("listen")) read_listen(ctx, *listen, tls);
    const auto cert = map.require("cert_file");
    const auto key = map.require("key_file");
    const auto client_ca = map.take("client_ca_file");
    bool readable = cert && key;
    auto path_into = [&](const std::optional<Field>& file, std::string& out) {
        if (!file) return;
        if (auto path = read_file_path(ctx, *file)) out = std::move(*path);
    };
    path_into(cert, tls.cert_file);
    path_into(key, tls.key_file);
    path_into(client_ca, tls.client_ca_file);
    if (const auto auth = map.take("client_auth")) {
        if (const auto index = read_choice(ctx, *auth, "client_auth", {"none", "optional", "require"})) {
            tls.client_auth = static_cast<ClientAuth>(*index);
        }
        if (tls.client_auth != ClientAuth::none && !client_ca) {
            ctx.error(auth->value_at(), auth->path, "needs client_ca_file: the CAs client certificates must chain to");
            readable = false;
        }
    } else if (client_ca) {
        ctx.error(client_ca->key_at, client_ca->path,
                  "client certificates are asked for only with client_auth: optional or require");
    }
    if (const auto version = map.take("min_version")) {
        if (const auto index = read_choice(ctx, *version, "min_version", {"1.2", "1.3"})) {
            tls.min_version = static_cast<TlsVersion>(*index);
        }
    }
    map.reject_unknown();
    for (const std::string* path : {&tls.cert_file, &tls.key_file, &tls.client_ca_file}) {
        if (!path->empty() && !check_readable(*path).empty()) readable = false;
    }
    if (readable && !tls.cert_file.empty() && !tls.key_file.empty()) check_files(ctx, *cert, *key, client_ca, tls);
}

}  // namespace infergate::config
