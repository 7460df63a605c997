// Reloads the config file into a new snapshot and publishes it. A config with any error
// changes nothing: every error is logged and returned, and the old snapshot keeps serving.
// One reload at a time (SIGHUP, the file watch and POST /admin/reload may race).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace prometheus {
class Gauge;
}

namespace infergate::server {

class Gateway;

struct ReloadResult {
    bool ok = false;
    std::uint64_t generation = 0;     // the generation serving after the attempt
    std::string hash;                 // config_hash() of the file read (empty if unreadable)
    std::vector<std::string> errors;  // "file:line:col: key.path: message" each
};

// The first 16 hex digits of the SHA-256 of the file's bytes: names a config in metrics.
std::string config_hash(std::string_view bytes);

class ConfigReloader {
public:
    // `path`: the file the running snapshot was loaded from (hashed now for the info metric).
    ConfigReloader(Gateway& gateway, std::string path);

    ReloadResult reload();

private:
    void show_hash(const std::string& hash);  // infergate_config_info{hash} 1

    Gateway& gateway_;
    const std::string path_;
    std::mutex mutex_;
    prometheus::Gauge* info_ = nullptr;
};

}  // namespace infergate::server
