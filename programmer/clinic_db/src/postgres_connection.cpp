// SqlConnection over libpqxx 6. pqxx exceptions never leave this file. Parameters travel as
// text (or NULL) and PostgreSQL casts them to the column's type; results come back as text.
#include <fmt/format.h>

#include <algorithm>
#include <pqxx/pqxx>

#include "sql_connection.h"

namespace itdd::programmer::detail {
namespace {

host::Refusal postgres_error(const std::exception& e) {
  std::string what = e.what();
  while (!what.empty() && (what.back() == '\n' || what.back() == ' ')) what.pop_back();
  if (dynamic_cast<const pqxx::unique_violation*>(&e) != nullptr) {
    return db_error(host::RefusalKind::kConflict, "", fmt::format("already recorded ({})", what));
  }
  if (dynamic_cast<const pqxx::foreign_key_violation*>(&e) != nullptr) {
    return db_error(host::RefusalKind::kNotFound, "",
                    "refers to a patient, pump or session that is not in the database");
  }
  if (dynamic_cast<const pqxx::integrity_constraint_violation*>(&e) != nullptr ||
      dynamic_cast<const pqxx::data_exception*>(&e) != nullptr) {
    return db_error(host::RefusalKind::kInvalidArgument, "",
                    fmt::format("the database refused the value ({})", what));
  }
  if (dynamic_cast<const pqxx::in_doubt_error*>(&e) != nullptr) {
    return db_error(host::RefusalKind::kUnavailable, "url",
                    "the connection broke while committing: the change may or may not be "
                    "recorded; look before repeating it");
  }
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr) {
    return db_error(host::RefusalKind::kUnavailable, "url",
                    fmt::format("lost the PostgreSQL server: {}", what));
  }
  return db_error(host::RefusalKind::kUnavailable, "",
                  fmt::format("the PostgreSQL database failed: {}", what));
}

std::vector<std::optional<std::string>> as_text(const SqlParams& params) {
  std::vector<std::optional<std::string>> out;
  out.reserve(params.size());
  for (const SqlValue& p : params) {
    if (std::holds_alternative<std::int64_t>(p)) {
      out.emplace_back(std::to_string(std::get<std::int64_t>(p)));
    } else if (std::holds_alternative<std::string>(p)) {
      out.emplace_back(std::get<std::string>(p));
    } else if (std::holds_alternative<bool>(p)) {
      out.emplace_back(std::get<bool>(p) ? "true" : "false");
    } else {
      out.emplace_back(std::nullopt);
    }
  }
  return out;
}

SqlRows rows_of(const pqxx::result& result) {
  SqlRows rows;
  rows.reserve(result.size());
  for (const pqxx::row& r : result) {
    std::vector<SqlValue> cells;
    cells.reserve(r.size());
    for (const pqxx::field& f : r) {
      if (f.is_null()) {
        cells.emplace_back(std::monostate{});
      } else {
        cells.emplace_back(std::string(f.c_str(), f.size()));
      }
    }
    rows.emplace_back(std::move(cells));
  }
  return rows;
}

class PostgresConnection final : public SqlConnection {
 public:
  explicit PostgresConnection(std::unique_ptr<pqxx::connection> c) : connection_(std::move(c)) {}
  ~PostgresConnection() override { rollback(); }

  Dialect dialect() const override { return Dialect::kPostgres; }

  host::Checked<SqlRows> query(std::string_view sql, const SqlParams& params = {}) override {
    try {
      const std::vector<std::optional<std::string>> text = as_text(params);
      const std::string statement(sql);
      if (work_) {
        return rows_of(work_->exec_params(statement, pqxx::prepare::make_dynamic_params(text)));
      }
      pqxx::nontransaction autocommit(*connection_);
      return rows_of(autocommit.exec_params(statement, pqxx::prepare::make_dynamic_params(text)));
    } catch (const std::exception& e) {
      return postgres_error(e);
    }
  }

  host::Checked<void> script(std::string_view sql) override {
    try {
      if (work_) {
        work_->exec(std::string(sql));
      } else {
        pqxx::nontransaction autocommit(*connection_);
        autocommit.exec(std::string(sql));
      }
      return host::Checked<void>::Ok();
    } catch (const std::exception& e) {
      return postgres_error(e);
    }
  }

  host::Checked<void> begin(bool /*write*/) override {
    try {
      work_ = std::make_unique<pqxx::work>(*connection_);
      return host::Checked<void>::Ok();
    } catch (const std::exception& e) {
      work_.reset();
      return postgres_error(e);
    }
  }

  host::Checked<void> commit() override {
    try {
      if (work_) work_->commit();
      work_.reset();
      return host::Checked<void>::Ok();
    } catch (const std::exception& e) {
      rollback();
      return postgres_error(e);
    }
  }

  void rollback() override {
    try {
      if (work_) work_->abort();
    } catch (const std::exception&) {
      // The server rolls back what the connection left unfinished.
    }
    work_.reset();
  }

  host::Checked<bool> table_exists(std::string_view table) override {
    const host::Checked<SqlRows> rows = query(
        "SELECT count(*) FROM information_schema.tables "
        "WHERE table_schema = current_schema() AND table_name = $1",
        {std::string(table)});
    if (!rows.ok()) return rows.error();
    return rows->at(0).integer(0) > 0;
  }

  host::Checked<std::vector<std::string>> describe_schema() override {
    std::vector<std::string> lines;
    const host::Checked<SqlRows> tables = query(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'");
    if (!tables.ok()) return tables.error();
    for (const SqlRow& t : *tables) lines.push_back("table " + t.text(0));

    const host::Checked<SqlRows> columns = query(
        "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns "
        "WHERE table_schema = current_schema()");
    if (!columns.ok()) return columns.error();
    for (const SqlRow& c : *columns) {
      lines.push_back(fmt::format("column {}.{} {}{}", c.text(0), c.text(1), c.text(2),
                                  c.text(3) == "NO" ? " not null" : ""));
    }

    const host::Checked<SqlRows> indexes = query(
        "SELECT t.relname, ix.indisprimary, ix.indisunique, "
        "       string_agg(a.attname, ',' ORDER BY k.n) "
        "FROM pg_index ix "
        "JOIN pg_class t ON t.oid = ix.indrelid "
        "JOIN pg_namespace ns ON ns.oid = t.relnamespace "
        "CROSS JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, n) "
        "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum "
        "WHERE ns.nspname = current_schema() "
        "GROUP BY ix.indexrelid, t.relname, ix.indisprimary, ix.indisunique");
    if (!indexes.ok()) return indexes.error();
    for (const SqlRow& ix : *indexes) {
      const char* kind = ix.boolean(1) ? "primary key" : (ix.boolean(2) ? "unique" : "index");
      lines.push_back(fmt::format("{} {}({})", kind, ix.text(0), ix.text(3)));
    }

    const host::Checked<SqlRows> fks = query(
        "SELECT cl.relname, a.attname, rf.relname, af.attname "
        "FROM pg_constraint c "
        "JOIN pg_class cl ON cl.oid = c.conrelid "
        "JOIN pg_namespace ns ON ns.oid = cl.relnamespace "
        "JOIN pg_class rf ON rf.oid = c.confrelid "
        "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
        "JOIN pg_attribute af ON af.attrelid = c.confrelid AND af.attnum = c.confkey[1] "
        "WHERE c.contype = 'f' AND ns.nspname = current_schema()");
    if (!fks.ok()) return fks.error();
    for (const SqlRow& fk : *fks) {
      lines.push_back(fmt::format("foreign key {}({}) references {}({})", fk.text(0), fk.text(1),
                                  fk.text(2), fk.text(3)));
    }
    std::sort(lines.begin(), lines.end());
    return lines;
  }

  host::Checked<void> lock_for_migration() override {
    const host::Checked<SqlRows> r = query(
        "SELECT pg_advisory_xact_lock(hashtext('itdd clinic migrate ' || current_schema()))", {});
    if (!r.ok()) return r.error();
    return host::Checked<void>::Ok();
  }

 private:
  std::unique_ptr<pqxx::connection> connection_;
  std::unique_ptr<pqxx::work> work_;
};

}  // namespace

host::Checked<std::unique_ptr<SqlConnection>> open_postgres(const std::string& url) {
  try {
    auto c = std::make_unique<pqxx::connection>(url);
    {
      // The server's notices ("relation already exists, skipping") are not for the clinic.
      pqxx::nontransaction setup(*c);
      setup.exec("SET client_min_messages TO warning");
    }
    return std::unique_ptr<SqlConnection>(std::make_unique<PostgresConnection>(std::move(c)));
  } catch (const std::exception& e) {
    std::string what = e.what();
    while (!what.empty() && (what.back() == '\n' || what.back() == ' ')) what.pop_back();
    // The URL may hold a password: the message names the server's answer, not the URL.
    return db_error(host::RefusalKind::kUnavailable, "url",
                    fmt::format("cannot connect to the PostgreSQL server: {}: check the URL, "
                                "that the server runs and that this user may log in",
                                what));
  }
}

}  // namespace itdd::programmer::detail
