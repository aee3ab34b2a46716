// A migrated SQLite clinic database in a temporary directory, removed at the end of the test.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>

#include "itdd/programmer/clinic_db.h"

namespace itdd::programmer::testing {

class TempClinic {
 public:
  TempClinic() {
    static std::atomic<int> counter{0};
    dir_ = std::filesystem::temp_directory_path() /
           ("itdd_clinic_view_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::create_directories(dir_);
    auto opened = open_clinic_db((dir_ / "clinic.db").string(), OpenMode::kCreate);
    EXPECT_TRUE(opened.ok()) << opened.error().text();
    if (!opened.ok()) return;
    db_ = std::move(opened.value());
    const host::Checked<int> v = db_->migrate();
    EXPECT_TRUE(v.ok()) << v.error().text();
  }
  ~TempClinic() {
    db_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  ClinicDb& db() { return *db_; }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<ClinicDb> db_;
};

}  // namespace itdd::programmer::testing
