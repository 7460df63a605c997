#include "file_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace infergate::config {

namespace {

std::string errno_text(int error) { return std::system_category().message(error); }

// Closes the descriptor on every path out.
class FileDescriptor {
public:
    explicit FileDescriptor(int fd) : fd_(fd) {}
    ~FileDescriptor() {
        if (fd_ >= 0) ::close(fd_);
    }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    int get() const noexcept { return fd_; }

private:
    int fd_;
};

// Opens `path` for reading and checks it is a regular file (a directory opens fine).
std::string open_regular(const FileDescriptor& out, struct stat& info) {
    if (out.get() < 0) return "cannot read file: " + errno_text(errno);
    if (::fstat(out.get(), &info) != 0) return "cannot read file: " + errno_text(errno);
    if (!S_ISREG(info.st_mode)) {
        return "cannot read file: " + errno_text(S_ISDIR(info.st_mode) ? EISDIR : EINVAL);
    }
    return {};
}

}  // namespace

std::string read_file(const std::string& path, std::string& contents) {
    FileDescriptor fd{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
    struct stat info {};
    if (std::string error = open_regular(fd, info); !error.empty()) return error;
    if (static_cast<std::size_t>(info.st_size) > max_config_file_bytes) {
        return "cannot read file: larger than 16 MiB, not a config file";
    }
    contents.clear();
    char buffer[64 * 1024];
    for (;;) {
        const ssize_t got = ::read(fd.get(), buffer, sizeof buffer);
        if (got == 0) break;
        if (got < 0) {
            if (errno == EINTR) continue;
            return "cannot read file: " + errno_text(errno);
        }
        contents.append(buffer, static_cast<std::size_t>(got));
        if (contents.size() > max_config_file_bytes) {
            return "cannot read file: larger than 16 MiB, not a config file";
        }
    }
    return {};
}

std::string check_readable(const std::string& path) {
    FileDescriptor fd{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
    struct stat info {};
    return open_regular(fd, info);
}

}  // namespace infergate::config
