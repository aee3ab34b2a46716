// A PDF written whole or not at all (documents.h, write_pdf_file).
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "itdd/programmer/documents.h"

namespace itdd::programmer {
namespace {

host::Refusal cannot_write(const std::filesystem::path& path, int error) {
  return host::Refusal{"pdf",
                       fmt::format("cannot write {}: {}: give a file in a folder you can write "
                                   "to",
                                   path.string(), std::strerror(error)),
                       host::RefusalKind::kInvalidArgument};
}

}  // namespace

host::Checked<void> write_pdf_file(const std::filesystem::path& path, std::string_view bytes) {
  if (path.empty() || !path.has_filename()) {
    return host::Refusal{"pdf", "give a file name to write the PDF to (report.pdf)",
                         host::RefusalKind::kInvalidArgument};
  }
  const std::filesystem::path folder =
      path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
  // Beside the target, so the rename stays on one file system and is atomic.
  std::string temp = (folder / ("." + path.filename().string() + ".XXXXXX")).string();
  const int fd = mkstemp(temp.data());
  if (fd < 0) return cannot_write(path, errno);
  std::size_t done = 0;
  int error = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      error = errno;
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  if (error == 0 && ::fsync(fd) != 0) error = errno;
  // mkstemp makes the file 0600: a document is for the clinic's people, read like others there.
  if (error == 0 && ::fchmod(fd, 0644) != 0) error = errno;
  if (::close(fd) != 0 && error == 0) error = errno;
  if (error == 0 && std::rename(temp.c_str(), path.c_str()) != 0) error = errno;
  if (error != 0) {
    ::unlink(temp.c_str());
    return cannot_write(path, error);
  }
  return {};
}

}  // namespace itdd::programmer
