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

namespace {

std::string write_all(int fd, std::string_view contents) {
    while (!contents.empty()) {
        const ssize_t wrote = ::write(fd, contents.data(), contents.size());
        if (wrote < 0) {
            if (errno == EINTR) continue;
            return errno_text(errno);
        }
        contents.remove_prefix(static_cast<std::size_t>(wrote));
    }
    return {};
}

std::string directory_of(const std::string& path) {
    const std::size_t slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

std::string write_file_atomically(const std::string& path, std::string_view contents, unsigned mode) {
    const std::string temporary = path + ".tmp";
    {
        FileDescriptor fd{::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)};
        if (fd.get() < 0) return "cannot create " + temporary + ": " + errno_text(errno);
        // O_CREAT's mode applies only to a new file: a leftover from a crash keeps its own.
        if (::fchmod(fd.get(), mode) != 0) return "cannot chmod " + temporary + ": " + errno_text(errno);
        if (std::string error = write_all(fd.get(), contents); !error.empty()) {
            ::unlink(temporary.c_str());
            return "cannot write " + temporary + ": " + error;
        }
        if (::fsync(fd.get()) != 0) {
            const int error = errno;
            ::unlink(temporary.c_str());
            return "cannot sync " + temporary + ": " + errno_text(error);
        }
    }
    if (::rename(temporary.c_str(), path.c_str()) != 0) {
        const int error = errno;
        ::unlink(temporary.c_str());
        return "cannot rename " + temporary + " to " + path + ": " + errno_text(error);
    }
    FileDescriptor directory{::open(directory_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
    if (directory.get() < 0 || ::fsync(directory.get()) != 0) {
        return "cannot sync the directory of " + path + ": " + errno_text(errno);
    }
    return {};
}

std::string check_readable(const std::string& path) {
    FileDescriptor fd{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
    struct stat info {};
    return open_regular(fd, info);
}

}  // namespace infergate::config
