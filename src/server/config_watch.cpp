#include "infergate/server/config_watch.hpp"

#include <sys/inotify.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>

#include <spdlog/spdlog.h>

#include "config/file_io.hpp"
#include "infergate/config/referenced_files.hpp"
#include "infergate/server/config_reloader.hpp"

namespace infergate::server {
namespace {

namespace fs = std::filesystem;

// What replaces, edits, removes or re-permissions a file in a directory, and the directory's
// own end (a ConfigMap's old timestamped directory is deleted after the swap).
constexpr std::uint32_t kMask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE |
                                IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;

// The content's hash, or why there is none: a file that goes missing and comes back the
// same is no change, and one that comes back different is.
std::string hash_of(const std::string& path) {
    std::string bytes;
    if (std::string error = config::read_file(path, bytes); !error.empty()) return error;
    return config_hash(bytes);
}

// Where to look for changes to `file`: its own directory (a rename over it, a `..data`
// symlink swap beside it) and, through symlinks, the directory of the file it resolves to
// (an edit in place of the real file).
void add_directories_of(const std::string& file, std::set<std::string>& directories) {
    std::error_code ec;
    const fs::path given = fs::absolute(file, ec);
    if (ec) return;
    directories.insert(given.parent_path().lexically_normal().string());
    const fs::path real = fs::canonical(given, ec);
    if (!ec) directories.insert(real.parent_path().string());
}

}  // namespace

ConfigWatch::ConfigWatch(net::io_context& control, ConfigReloader& reloader)
    : reloader_(reloader), events_(control), debounce_(control) {
    fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd_ < 0) {
        spdlog::warn("config file watch unavailable ({}): reload with SIGHUP or POST /admin/reload",
                     std::strerror(errno));
        return;
    }
    events_.assign(fd_);  // owns and closes it from here
    read_events();
}

ConfigWatch::~ConfigWatch() { stop(); }

void ConfigWatch::stop() {
    debounce_.cancel();
    beast::error_code ignored;
    events_.close(ignored);
    fd_ = -1;
}

void ConfigWatch::watch(const config::Config& config) {
    files_.clear();
    if (config.server.watch_config) {
        files_.push_back(reloader_.path());
        for (std::string& file : config::referenced_files(config)) files_.push_back(std::move(file));
    }
    // What is there now is what was just loaded: only a later change reloads.
    hashes_.clear();
    for (const std::string& file : files_) hashes_[file] = hash_of(file);
    watch_directories();
}

void ConfigWatch::watch_directories() {
    if (fd_ < 0) return;
    std::set<std::string> wanted;
    for (const std::string& file : files_) add_directories_of(file, wanted);
    for (auto it = directories_.begin(); it != directories_.end();) {
        if (wanted.count(it->first) != 0) {
            ++it;
            continue;
        }
        ::inotify_rm_watch(fd_, it->second);  // fails harmlessly if the directory is gone
        it = directories_.erase(it);
    }
    // Adding a directory already watched returns its descriptor again; a directory that was
    // deleted and made anew gets a new one.
    for (const std::string& directory : wanted) {
        const int descriptor = ::inotify_add_watch(fd_, directory.c_str(), kMask);
        if (descriptor >= 0) {
            directories_[directory] = descriptor;
        } else if (directories_.erase(directory) == 0) {
            spdlog::warn("config file watch: cannot watch {}: {}", directory, std::strerror(errno));
        }
    }
}

void ConfigWatch::read_events() {
    events_.async_read_some(net::buffer(buffer_), [this](const beast::error_code& ec, std::size_t) {
        if (ec) {
            if (ec != net::error::operation_aborted) spdlog::warn("config file watch stopped: {}", ec.message());
            return;
        }
        schedule_check();
        read_events();
    });
}

// Waits for kQuiet without events, but no longer than kMaxDelay after the first one.
void ConfigWatch::schedule_check() {
    const auto now = std::chrono::steady_clock::now();
    if (!pending_) {
        pending_ = true;
        first_event_ = now;
    }
    debounce_.expires_at(std::min(now + kQuiet, first_event_ + kMaxDelay));
    debounce_.async_wait([this](const beast::error_code& ec) {
        if (!ec) check();
    });
}

void ConfigWatch::check() {
    if (!pending_) return;  // a wait that expired just as it was moved: already checked
    pending_ = false;
    watch_directories();  // a ConfigMap swap moved the real files to a new directory
    std::string changed;
    for (const std::string& file : files_) {
        std::string hash = hash_of(file);
        if (hash == hashes_[file]) continue;
        hashes_[file] = std::move(hash);
        if (changed.empty()) changed = file;
    }
    if (changed.empty()) return;
    // A failed reload leaves the hashes at the rejected content: the next edit retries.
    spdlog::info("config file changed, reloading ({})", changed);
    reloader_.reload();
}

}  // namespace infergate::server
