#include "itdd/host/whole_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace itdd::host {
namespace {

namespace fs = std::filesystem;

struct TempFolder {
  fs::path path;
  TempFolder() {
    // mkdtemp's template: it replaces the six X's with a unique suffix.
    std::string pattern = (fs::temp_directory_path() / "itdd-whole-file-XXXXXX").string();
    path = ::mkdtemp(pattern.data());
  }
  ~TempFolder() {
    std::error_code ec;
    fs::permissions(path, fs::perms::owner_all, ec);
    fs::remove_all(path, ec);
  }
  std::size_t entries() const {
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(path), {}));
  }
};

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(WholeFile, WritesTheBytesWithTheModeAndReplacesAnOldFileWhole) {
  TempFolder dir;
  const fs::path file = dir.path / "export.json";
  ASSERT_TRUE(write_whole_file(file, "first\n").ok());
  ASSERT_TRUE(write_whole_file(file, "second\n", 0640).ok());
  EXPECT_EQ(read(file), "second\n");
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  EXPECT_EQ(dir.entries(), 1u);  // no temporary file left
}

TEST(WholeFile, ATargetThatIsAFolderIsRefusedAndNothingIsLeft) {
  // The CLI's old `write_json` wrote FILE.tmp, failed to rename it over the folder and left it.
  TempFolder dir;
  fs::create_directories(dir.path / "out" / "inside");
  const Checked<void> w = write_whole_file(dir.path / "out", "x");
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().message, "is a folder: name a file");
  EXPECT_EQ(dir.entries(), 1u) << "a temporary file was left behind";
}

TEST(WholeFile, AFolderThatIsMissingOrLockedIsRefusedAndNothingIsLeft) {
  TempFolder dir;
  const Checked<void> missing = write_whole_file(dir.path / "missing" / "a.json", "x");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("does not exist: create it or name another"),
            std::string::npos)
      << missing.error().message;
  if (::geteuid() != 0) {  // root writes anywhere
    fs::create_directory(dir.path / "locked");
    fs::permissions(dir.path / "locked", fs::perms::owner_read | fs::perms::owner_exec);
    const Checked<void> w = write_whole_file(dir.path / "locked" / "a.json", "x");
    ASSERT_FALSE(w.ok());
    EXPECT_NE(w.error().message.find("Permission denied"), std::string::npos);
  }
  EXPECT_FALSE(fs::exists(dir.path / "missing"));
}

}  // namespace
}  // namespace itdd::host
