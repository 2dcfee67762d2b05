#include "storage/file_store.h"

#include <cerrno>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>
#include <vector>
#include <algorithm>

namespace radnode::storage {

namespace {

[[noreturn]] void fail(const std::string& what, const std::filesystem::path& path) {
    throw std::system_error(errno, std::generic_category(), what + " " + path.string());
}

} // namespace

void syncFile(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail("cannot open for fsync", path);
    if (::fsync(fd) != 0) {
        const int saved = errno;
        ::close(fd);
        errno = saved;
        fail("cannot fsync", path);
    }
    ::close(fd);
}

namespace {

void createPrivateDirectories(const std::filesystem::path& directory) {
    std::error_code error;
    std::filesystem::create_directories(directory, error);
    if (error) throw std::system_error(error, "cannot create directory " + directory.string());
}

} // namespace

void syncDirectory(const std::filesystem::path& directory) {
    const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) fail("cannot open directory for fsync", directory);
    const int rc = ::fsync(fd);
    ::close(fd);
    if (rc != 0) fail("cannot fsync directory", directory);
}

void writeFileDurably(const std::filesystem::path& path, std::string_view bytes) {
    createPrivateDirectories(path.parent_path());
    const std::filesystem::path temporary = path.string() + std::string(kPartialSuffix);
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) fail("cannot create", temporary);
    std::size_t written = 0;
    while (written < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
        if (n < 0) {
            if (errno == EINTR) continue;
            const int saved = errno;
            ::close(fd);
            ::unlink(temporary.c_str());
            errno = saved;
            fail("cannot write", temporary);
        }
        written += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        const int saved = errno;
        ::unlink(temporary.c_str());
        errno = saved;
        fail("cannot fsync", temporary);
    }
    if (::rename(temporary.c_str(), path.c_str()) != 0) {
        const int saved = errno;
        ::unlink(temporary.c_str());
        errno = saved;
        fail("cannot rename into place", path);
    }
    syncDirectory(path.parent_path());
}

void commitFileDurably(const std::filesystem::path& temporary, const std::filesystem::path& path) {
    syncFile(temporary);
    renameDurably(temporary, path);
}

void renameDurably(const std::filesystem::path& synced, const std::filesystem::path& path) {
    createPrivateDirectories(path.parent_path());
    if (::rename(synced.c_str(), path.c_str()) != 0) fail("cannot rename into place", path);
    syncDirectory(path.parent_path());
}

} // namespace radnode::storage

#include <fstream>

namespace radnode::storage {

bool sameFileContent(const std::filesystem::path& a, const std::filesystem::path& b) {
    std::error_code error;
    const auto sizeA = std::filesystem::file_size(a, error);
    if (error) return false;
    const auto sizeB = std::filesystem::file_size(b, error);
    if (error || sizeA != sizeB) return false;
    std::ifstream streamA(a, std::ios::binary), streamB(b, std::ios::binary);
    std::vector<char> bufferA(1 << 16), bufferB(1 << 16);
    while (streamA && streamB) {
        streamA.read(bufferA.data(), static_cast<std::streamsize>(bufferA.size()));
        streamB.read(bufferB.data(), static_cast<std::streamsize>(bufferB.size()));
        if (streamA.gcount() != streamB.gcount()) return false;
        if (!std::equal(bufferA.begin(), bufferA.begin() + streamA.gcount(), bufferB.begin())) return false;
    }
    return true;
}

} // namespace radnode::storage
