#include "itdd/host/whole_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

namespace itdd::host {
Checked<void> write_whole_file(const std::filesystem::path& path, std::string_view bytes,
                               mode_t mode) {
  const auto refuse = [](std::string message) {
    return Refusal{"", std::move(message), RefusalKind::kInvalidArgument};
  };
  if (path.empty() || !path.has_filename()) return refuse("give a file name, not a folder");
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return refuse("is a folder: name a file");
  const std::filesystem::path folder =
      path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
  if (!std::filesystem::is_directory(folder, ec)) {
    return refuse("its folder " + folder.string() + " does not exist: create it or name another");
  }
  // mkstemp's template: it replaces the six X's with a unique suffix.
  std::string temp = (folder / ("." + path.filename().string() + ".XXXXXX")).string();
  const int fd = ::mkstemp(temp.data());
  if (fd < 0) {
    return refuse("cannot write in " + folder.string() + " (" + std::strerror(errno) +
                  "): name a folder you may write to");
  }
  int error = 0;
  const char* what = "writing failed";
  std::size_t done = 0;
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
  // mkstemp makes the file 0600.
  if (error == 0 && ::fchmod(fd, mode) != 0) error = errno;
  if (::close(fd) != 0 && error == 0) error = errno;
  if (error == 0 && std::rename(temp.c_str(), path.c_str()) != 0) {
    error = errno;
    what = "cannot put the file in place";
  }
  if (error != 0) {
    ::unlink(temp.c_str());
    return refuse(std::string(what) + " (" + std::strerror(error) + "); nothing was written");
  }
  return {};
}

}  // namespace itdd::host
