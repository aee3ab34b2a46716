// What the clinic database needs from a SQL engine, and no more: run a statement with
// positional parameters ($1, $2, ... in the text, as PostgreSQL writes them), run a script,
// transactions, and describe the schema. The two engines' exceptions stop here and become
// host::Refusal values. Internal to itdd_clinic_db (the tests use it to reach under the API).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "itdd/programmer/clinic_db.h"

namespace itdd::programmer::detail {

enum class Dialect : std::uint8_t { kSqlite, kPostgres };

using SqlValue = std::variant<std::monostate, std::int64_t, std::string, bool>;

// A value read back that is not what itdd wrote: a number that is not a whole number, a boolean
// or a name itdd does not know (a database edited by hand or by another program, or damaged).
// Thrown by the row accessors and the record readers; caught where every public call ends (its
// transaction), which returns it as a host::Refusal: nothing is used and nothing is written.
struct DamagedValue {
  std::string what;  // "'abc' where a whole number belongs"
};

// A result row. Cells hold what the engine gave (PostgreSQL: text); the accessors convert, and
// throw DamagedValue for a value they cannot read exactly (never a silent 0).
class SqlRow {
 public:
  explicit SqlRow(std::vector<SqlValue> cells) : cells_(std::move(cells)) {}
  bool is_null(std::size_t i) const;
  std::int64_t integer(std::size_t i) const;  // NULL reads as 0
  std::optional<std::int64_t> optional_integer(std::size_t i) const;
  std::string text(std::size_t i) const;  // NULL reads as ""
  bool boolean(std::size_t i) const;      // 1/0, t/f, true/false
  std::size_t size() const { return cells_.size(); }

 private:
  std::vector<SqlValue> cells_;
};

using SqlRows = std::vector<SqlRow>;
using SqlParams = std::vector<SqlValue>;

class SqlConnection {
 public:
  virtual ~SqlConnection() = default;
  virtual Dialect dialect() const = 0;

  // One statement; rows it returns (INSERT ... RETURNING included).
  virtual host::Checked<SqlRows> query(std::string_view sql, const SqlParams& params = {}) = 0;
  // Several statements without parameters (migrations).
  virtual host::Checked<void> script(std::string_view sql) = 0;

  // A transaction. For a writer SQLite takes the write lock at once (BEGIN IMMEDIATE) so two
  // writers queue instead of failing on lock upgrade; PostgreSQL runs READ COMMITTED either way.
  virtual host::Checked<void> begin(bool write) = 0;
  virtual host::Checked<void> commit() = 0;
  virtual void rollback() = 0;  // best effort, never fails

  virtual host::Checked<bool> table_exists(std::string_view table) = 0;
  virtual host::Checked<std::vector<std::string>> describe_schema() = 0;

  // PostgreSQL: an advisory lock held to the end of the transaction, so two programmers
  // migrating at once take turns. SQLite: BEGIN IMMEDIATE already serialises.
  virtual host::Checked<void> lock_for_migration() = 0;
};

host::Checked<std::unique_ptr<SqlConnection>> open_sqlite(const std::string& path, OpenMode mode);
host::Checked<std::unique_ptr<SqlConnection>> open_postgres(const std::string& url);

// The schema text for a dialect, with {id} replaced (see migrations.cpp).
struct Migration {
  int version;
  const char* description;
  const char* sql;
};
const std::vector<Migration>& migrations();
std::string migration_sql(const Migration& m, Dialect dialect);

// The ClinicDb over either connection.
std::unique_ptr<ClinicDb> make_sql_clinic_db(std::unique_ptr<SqlConnection> connection);

host::Refusal db_error(host::RefusalKind kind, std::string field, std::string message);

}  // namespace itdd::programmer::detail
