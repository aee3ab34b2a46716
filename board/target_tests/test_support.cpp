// What GoogleTest asks of an operating system that the emulated board's semihosting does not
// give: a file system for its XML/JSON reports (not used here; asked for, it is refused).
#include <sys/stat.h>

#include <cerrno>

extern "C" int stat(const char*, struct stat*) {
  errno = ENOSYS;
  return -1;
}
extern "C" int mkdir(const char*, mode_t) {
  errno = ENOSYS;
  return -1;
}
