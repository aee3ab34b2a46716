#include "snapshot_sql.h"

#include <fmt/format.h>

namespace itdd::programmer::detail {

std::string latest_per_pump_sql(Dialect dialect, const std::string& columns,
                                const std::string& table, const std::string& alias,
                                const std::string& at_column, const std::string& where) {
  if (dialect == Dialect::kPostgres) {
    return fmt::format(
        "SELECT {0} FROM pumps pu CROSS JOIN LATERAL (SELECT * FROM {1} x WHERE x.pump_id = "
        "pu.id ORDER BY x.{3} DESC, x.id DESC LIMIT 1) {2} WHERE {4}",
        columns, table, alias, at_column, where);
  }
  return fmt::format(
      "SELECT {0} FROM pumps pu JOIN {1} {2} ON {2}.id = (SELECT x.id FROM {1} x WHERE "
      "x.pump_id = pu.id ORDER BY x.{3} DESC, x.id DESC LIMIT 1) WHERE {4}",
      columns, table, alias, at_column, where);
}

std::string prescriptions_since_refill_sql(Dialect dialect, const std::string& columns,
                                           const std::string& where) {
  // The time of the prescription in force at the pump's last refill.
  constexpr const char* kCut =
      "SELECT MAX(p2.at_ms) FROM prescriptions p2 WHERE p2.pump_id = pu.id AND "
      "p2.at_ms <= COALESCE((SELECT MAX(r3.at_ms) FROM refills r3 WHERE r3.pump_id = pu.id), $2)";
  if (dialect == Dialect::kPostgres) {
    return fmt::format(
        "SELECT {0} FROM pumps pu CROSS JOIN LATERAL ({1}) AS cut (at_ms) "
        "JOIN prescriptions pr ON pr.pump_id = pu.id AND pr.at_ms >= COALESCE(cut.at_ms, $3) "
        "WHERE {2} ORDER BY pr.pump_id, pr.at_ms, pr.id",
        columns, kCut, where);
  }
  // SQLite: the cut once a pump (materialised), not once a prescription row.
  return fmt::format(
      "WITH cut AS MATERIALIZED (SELECT pu.id AS pump_id, ({1}) AS at_ms FROM pumps pu "
      "WHERE {2}) SELECT {0} FROM cut JOIN prescriptions pr ON pr.pump_id = cut.pump_id AND "
      "pr.at_ms >= COALESCE(cut.at_ms, $3) ORDER BY pr.pump_id, pr.at_ms, pr.id",
      columns, kCut, where);
}

}  // namespace itdd::programmer::detail
