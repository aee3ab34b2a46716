// The overview's "latest of each pump" queries, in the form each engine runs fast. At a
// clinic's scale (2,500 pumps; bench/clinic_bench.cpp) PostgreSQL evaluated a correlated
// subquery in a join condition for every pump and every row of a hash join (5,000 seeks and a
// hash of every session: 60-80 ms a query); as a LATERAL join it is one backward index seek a
// pump (about 5 ms). SQLite has no LATERAL, and runs the correlated subquery as the same seek.
#pragma once

#include <string>

#include "sql_connection.h"

namespace itdd::programmer::detail {

// `columns` of the row of `table` (named `alias`) with the greatest (`at_column`, id) of each
// pump `pu` that `where` keeps (it may name pu and $1).
std::string latest_per_pump_sql(Dialect dialect, const std::string& columns,
                                const std::string& table, const std::string& alias,
                                const std::string& at_column, const std::string& where);

// `columns` of each pump's prescriptions (`pr`) from the one in force at its last refill on
// (its latest when never refilled; all of them when none precedes the refill), ordered by pump,
// time and id. $2 and $3 are the int64 maximum and minimum.
std::string prescriptions_since_refill_sql(Dialect dialect, const std::string& columns,
                                           const std::string& where);

}  // namespace itdd::programmer::detail
