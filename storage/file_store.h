// Durable files: written under a temporary name, fsynced, renamed into place, and the
// directory fsynced, so a crash leaves either the whole file or none of it.
#pragma once

#include <filesystem>
#include <string_view>

namespace radnode::storage {

// Suffix of files being written; startup reconciliation deletes leftovers with it.
inline constexpr std::string_view kPartialSuffix = ".partial";

// Writes `bytes` to `path` atomically and durably. Creates parent directories (0700).
// Throws std::system_error naming the path on any failure (e.g. a full disk); on failure
// the temporary file is removed and `path` is untouched.
void writeFileDurably(const std::filesystem::path& path, std::string_view bytes);

// Moves an already written temporary file into place durably (fsync file, rename,
// fsync directory).
void commitFileDurably(const std::filesystem::path& temporary, const std::filesystem::path& path);

// fsync a directory so that a rename inside it survives a power cut.
void syncDirectory(const std::filesystem::path& directory);

// fsync a file's contents (before it is renamed into place).
void syncFile(const std::filesystem::path& path);

// commitFileDurably for a file already fsynced with syncFile: rename, fsync directory.
void renameDurably(const std::filesystem::path& synced, const std::filesystem::path& path);

} // namespace radnode::storage

namespace radnode::storage {
// True when both files exist and hold the same bytes.
bool sameFileContent(const std::filesystem::path& a, const std::filesystem::path& b);
} // namespace radnode::storage
