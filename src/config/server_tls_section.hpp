// The schema of server.tls (the HTTPS listener). The certificate, key and client CA files are
// loaded once here, so that a key that does not match its certificate or a CA file without
// certificates is reported at its key, file:line:col, and refuses the start or the reload.
#pragma once

#include "infergate/config/config.hpp"
#include "yaml_reader.hpp"

namespace infergate::config {

void read_server_tls(const Context& ctx, const Field& field, ListenerTls& tls);

}  // namespace infergate::config
