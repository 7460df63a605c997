// Reloads the config when its file, or a file it names, changes. Watches the directories
// that hold them (inotify), not the files: editors and atomic writers replace a file by
// rename, and a Kubernetes ConfigMap swaps a `..data` symlink, and neither is an event on
// the old file. Events are debounced (an editor's save is several writes), and a reload
// happens only when some file's content hash changed: `touch` and unrelated files in the
// same directory cost a hash of a few small files, never a reload. Control thread only.
#pragma once

#include <array>
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "infergate/config/config.hpp"
#include "infergate/net.hpp"

namespace infergate::server {

class ConfigReloader;

class ConfigWatch {
public:
    static constexpr std::chrono::milliseconds kQuiet{250};  // a save is over after this much calm
    static constexpr std::chrono::milliseconds kMaxDelay{1000};  // a busy directory still gets checked

    ConfigWatch(net::io_context& control, ConfigReloader& reloader);
    ~ConfigWatch();
    ConfigWatch(const ConfigWatch&) = delete;
    ConfigWatch& operator=(const ConfigWatch&) = delete;

    // Watches `config`'s file and the files it names (nothing if server.watch_config is off),
    // hashing them as they are now. Called at start and after every successful reload.
    void watch(const config::Config& config);
    void stop();

private:
    void read_events();
    void schedule_check();
    void check();
    void watch_directories();

    ConfigReloader& reloader_;
    int fd_ = -1;
    net::posix::stream_descriptor events_;
    net::steady_timer debounce_;
    std::chrono::steady_clock::time_point first_event_{};
    bool pending_ = false;
    std::vector<std::string> files_;
    std::map<std::string, std::string> hashes_;  // by file: what the last check saw
    std::map<std::string, int> directories_;     // watched, by path: the watch descriptor
    std::array<char, 4096> buffer_{};  // events are only a cue to check: never parsed
};

}  // namespace infergate::server
