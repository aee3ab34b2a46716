// SqlConnection over SQLiteCpp. SQLite::Exception never leaves this file.
#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <system_error>

#include "sql_connection.h"

namespace itdd::programmer::detail {
namespace {

// How long a writer waits for another programmer's transaction before giving up. Transactions
// here are a few statements, so waiting is almost never needed; a long wait means a stuck peer.
constexpr int kBusyTimeoutMs = 10'000;

host::Refusal sqlite_error(const SQLite::Exception& e) {
  switch (e.getExtendedErrorCode()) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return db_error(host::RefusalKind::kConflict, "",
                      fmt::format("already recorded ({})", e.what()));
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      return db_error(host::RefusalKind::kNotFound, "",
                      "refers to a patient, pump or session that is not in the database");
    case SQLITE_CONSTRAINT_CHECK:
    case SQLITE_CONSTRAINT_NOTNULL:
      return db_error(host::RefusalKind::kInvalidArgument, "",
                      fmt::format("the database refused the value ({})", e.what()));
    default:
      break;
  }
  switch (e.getErrorCode()) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return db_error(host::RefusalKind::kUnavailable, "url",
                      "the clinic database stayed locked by another programmer; try again");
    // The path was found and opened: "check the path" would send the clinician the wrong way
    // when the clinic's own database is damaged.
    case SQLITE_NOTADB:
      return db_error(host::RefusalKind::kUnavailable, "url",
                      fmt::format("the file is not a SQLite database, or its first page is "
                                  "damaged ({}): if it is the clinic's database, write nothing "
                                  "to it and restore it from the clinic's backup; otherwise "
                                  "give the clinic database's file",
                                  e.what()));
    case SQLITE_CORRUPT:
      return db_error(host::RefusalKind::kUnavailable, "url",
                      fmt::format("the clinic database is damaged ({}): write nothing to it and "
                                  "restore it from the clinic's backup (sqlite3 FILE .recover "
                                  "saves what can be read, for the records since)",
                                  e.what()));
    default:
      return db_error(host::RefusalKind::kUnavailable, "",
                      fmt::format("the SQLite database failed: {}", e.what()));
  }
}

// $1, $2 ... (PostgreSQL's spelling, which the shared SQL uses) become ?1, ?2 (SQLite's
// numbered parameters: same index, any order, any repetition).
std::string numbered_parameters(std::string_view sql) {
  std::string out(sql);
  for (std::size_t i = 0; i + 1 < out.size(); ++i) {
    if (out[i] == '$' && std::isdigit(static_cast<unsigned char>(out[i + 1])) != 0) out[i] = '?';
  }
  return out;
}

class SqliteConnection final : public SqlConnection {
 public:
  explicit SqliteConnection(std::unique_ptr<SQLite::Database> db) : db_(std::move(db)) {}

  Dialect dialect() const override { return Dialect::kSqlite; }

  host::Checked<SqlRows> query(std::string_view sql, const SqlParams& params = {}) override {
    try {
      SQLite::Statement statement(*db_, numbered_parameters(sql));
      for (std::size_t i = 0; i < params.size(); ++i) {
        const int index = static_cast<int>(i) + 1;
        const SqlValue& p = params[i];
        if (std::holds_alternative<std::int64_t>(p)) {
          statement.bind(index, static_cast<int64_t>(std::get<std::int64_t>(p)));
        } else if (std::holds_alternative<std::string>(p)) {
          statement.bind(index, std::get<std::string>(p));
        } else if (std::holds_alternative<bool>(p)) {
          statement.bind(index, static_cast<int64_t>(std::get<bool>(p) ? 1 : 0));
        } else {
          statement.bind(index);
        }
      }
      SqlRows rows;
      while (statement.executeStep()) {
        std::vector<SqlValue> cells;
        const int n = statement.getColumnCount();
        cells.reserve(static_cast<std::size_t>(n));
        for (int c = 0; c < n; ++c) {
          const SQLite::Column column = statement.getColumn(c);
          if (column.isNull()) {
            cells.emplace_back(std::monostate{});
          } else if (column.isInteger()) {
            cells.emplace_back(static_cast<std::int64_t>(column.getInt64()));
          } else {
            cells.emplace_back(column.getString());
          }
        }
        rows.emplace_back(std::move(cells));
      }
      return rows;
    } catch (const SQLite::Exception& e) {
      return sqlite_error(e);
    } catch (const std::exception& e) {
      return db_error(host::RefusalKind::kUnavailable, "", e.what());
    }
  }

  host::Checked<void> script(std::string_view sql) override {
    try {
      db_->exec(std::string(sql));
      return host::Checked<void>::Ok();
    } catch (const SQLite::Exception& e) {
      return sqlite_error(e);
    }
  }

  host::Checked<void> begin(bool write) override {
    return script(write ? "BEGIN IMMEDIATE" : "BEGIN");
  }
  host::Checked<void> commit() override { return script("COMMIT"); }
  void rollback() override {
    try {
      if (sqlite3_get_autocommit(db_->getHandle()) == 0) db_->exec("ROLLBACK");
    } catch (const SQLite::Exception&) {
      // Nothing more to do: SQLite rolls back an unfinished transaction when the file closes.
    }
  }

  host::Checked<bool> table_exists(std::string_view table) override {
    const host::Checked<SqlRows> rows =
        query("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $1",
              {std::string(table)});
    if (!rows.ok()) return rows.error();
    return rows->at(0).integer(0) > 0;
  }

  host::Checked<std::vector<std::string>> describe_schema() override {
    std::vector<std::string> lines;
    const host::Checked<SqlRows> tables = query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'", {});
    if (!tables.ok()) return tables.error();
    for (const SqlRow& t : *tables) {
      const std::string table = t.text(0);
      lines.push_back("table " + table);
      const host::Checked<SqlRows> columns = query(
          "SELECT name, type, \"notnull\", pk FROM pragma_table_info($1) ORDER BY cid", {table});
      if (!columns.ok()) return columns.error();
      std::vector<std::string> pk;
      for (const SqlRow& c : *columns) {
        std::string type = c.text(1);
        std::transform(type.begin(), type.end(), type.begin(),
                       [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
        const bool is_pk = c.integer(3) > 0;
        if (is_pk) pk.push_back(c.text(0));
        // The rowid key is SQLite's INTEGER, 64 bits like PostgreSQL's BIGINT, and never NULL.
        if (is_pk && type == "integer") type = "bigint";
        lines.push_back(fmt::format("column {}.{} {}{}", table, c.text(0), type,
                                    (c.integer(2) != 0 || is_pk) ? " not null" : ""));
      }
      if (!pk.empty())
        lines.push_back(fmt::format("primary key {}({})", table, fmt::join(pk, ",")));
      const host::Checked<SqlRows> indexes =
          query("SELECT name, \"unique\", origin FROM pragma_index_list($1)", {table});
      if (!indexes.ok()) return indexes.error();
      for (const SqlRow& ix : *indexes) {
        if (ix.text(2) == "pk") continue;
        const host::Checked<SqlRows> cols =
            query("SELECT name FROM pragma_index_info($1) ORDER BY seqno", {ix.text(0)});
        if (!cols.ok()) return cols.error();
        std::vector<std::string> names;
        for (const SqlRow& c : *cols) names.push_back(c.text(0));
        lines.push_back(fmt::format("{} {}({})", ix.integer(1) != 0 ? "unique" : "index", table,
                                    fmt::join(names, ",")));
      }
      const host::Checked<SqlRows> fks =
          query("SELECT \"from\", \"table\", \"to\" FROM pragma_foreign_key_list($1)", {table});
      if (!fks.ok()) return fks.error();
      for (const SqlRow& fk : *fks) {
        lines.push_back(fmt::format("foreign key {}({}) references {}({})", table, fk.text(0),
                                    fk.text(1), fk.text(2)));
      }
    }
    std::sort(lines.begin(), lines.end());
    return lines;
  }

  host::Checked<void> lock_for_migration() override { return host::Checked<void>::Ok(); }

 private:
  std::unique_ptr<SQLite::Database> db_;
};

}  // namespace

host::Checked<std::unique_ptr<SqlConnection>> open_sqlite(const std::string& path, OpenMode mode) {
  if (path.empty()) {
    return db_error(host::RefusalKind::kInvalidArgument, "url",
                    "empty SQLite path: give a file such as clinic.db or sqlite:/path/clinic.db");
  }
  std::error_code ec;
  if (mode == OpenMode::kExisting && !std::filesystem::exists(path, ec)) {
    return db_error(
        host::RefusalKind::kNotInitialised, "url",
        fmt::format("no clinic database at {}: create it with `itdd clinic init`", path));
  }
  try {
    int flags = SQLite::OPEN_READWRITE;
    if (mode == OpenMode::kCreate) flags |= SQLite::OPEN_CREATE;
    // A connection is used by one thread at a time (the command line's; the server takes the
    // database under its lock), so SQLite's own mutex on every call is not needed: a lock and
    // an unlock per step and per column, 7 % of a large clinic's overview.
    flags |= SQLITE_OPEN_NOMUTEX;
    auto db = std::make_unique<SQLite::Database>(path, flags, kBusyTimeoutMs);
    // Reading the schema makes SQLite look at the file: a file that is not a database fails
    // here, at open, instead of at the first write.
    db->exec("PRAGMA foreign_keys = ON");
    // A clinic's overview reads every pump's latest records at once: a 64 MiB page cache (the
    // default is 2 MiB) keeps a large clinic's indexes in memory between requests.
    db->exec("PRAGMA cache_size = -65536");
    SQLite::Statement check(*db, "SELECT count(*) FROM sqlite_master");
    check.executeStep();
    return std::unique_ptr<SqlConnection>(std::make_unique<SqliteConnection>(std::move(db)));
  } catch (const SQLite::Exception& e) {
    host::Refusal error = sqlite_error(e);
    error.field = "url";
    if (e.getErrorCode() == SQLITE_CANTOPEN) {
      error.message =
          fmt::format("cannot open {}: check that the directory exists and is writable", path);
    } else {
      error.message = fmt::format("{}: {}", path, error.message);
    }
    return error;
  }
}

}  // namespace itdd::programmer::detail
