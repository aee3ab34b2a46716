#include "itdd/therapy/flex_schedule.h"

namespace itdd::therapy {

FlexPosition locate(const FlexProgram& flex, Concentration concentration,
                    std::int64_t schedule_ms) {
  const std::int64_t day = floor_div(schedule_ms, kMillisPerDay);
  const std::int64_t time_of_day = schedule_ms - day * kMillisPerDay;
  const DayProgram& program = flex.day(weekday_of_day(day));
  std::size_t index = 0;
  const std::size_t count = program.step_count <= kMaxStepsPerDay ? program.step_count : 0;
  for (std::size_t i = 1; i < count; ++i) {
    if (program.steps[i].start_minute() * kMillisPerMinute > time_of_day) break;
    index = i;
  }
  FlexPosition position;
  position.step_index = static_cast<std::uint8_t>(index);
  position.flow =
      count == 0 ? FlowRate(0) : flow_for(program.steps[index].dose_rate(), concentration);
  position.next_boundary_ms =
      index + 1 < count
          ? day * kMillisPerDay + program.steps[index + 1].start_minute() * kMillisPerMinute
          : (day + 1) * kMillisPerDay;
  return position;
}

}  // namespace itdd::therapy
