#include "itdd/sim/fleet/fleet.h"

#include <fmt/format.h>

#include <cmath>
#include <iostream>

#include "itdd/sim/fleet/pump_plan.h"

namespace itdd::sim::fleet {

namespace {
host::Refusal in_file(const std::filesystem::path& file, host::Refusal r) {
  r.field = r.field.empty() ? file.string() : file.string() + ": " + r.field;
  return r;
}
}  // namespace

host::Checked<LoadedCampaign> load_campaign(const std::filesystem::path& campaign_file,
                                            const std::filesystem::path& models_file,
                                            const std::filesystem::path& csf_file) {
  host::Checked<host::PumpCatalog> models = host::PumpCatalog::load(models_file);
  if (!models.ok()) return in_file(models_file, models.error());
  host::Checked<CsfCatalog> csf = CsfCatalog::load(csf_file);
  if (!csf.ok()) return in_file(csf_file, csf.error());
  host::Checked<Campaign> campaign = load_campaign_file(campaign_file, models.value(), csf.value());
  if (!campaign.ok()) return in_file(campaign_file, campaign.error());
  return LoadedCampaign{std::move(models).value(), std::move(csf).value(),
                        std::move(campaign).value()};
}

PumpOutcome run_item(const FleetInputs& in, std::int64_t item) {
  const auto practice = static_cast<std::size_t>(item / in.campaign.pumps);
  const std::int64_t pump = item % in.campaign.pumps;
  const PumpPlan plan = plan_pump(in.campaign, practice, pump, in.models, in.csf);
  return run_pump(plan, practice, in.models, in.csf);
}

std::vector<PumpOutcome> run_items(const FleetInputs& in, std::int64_t first, std::int64_t step,
                                   const std::function<void()>& after_each) {
  std::vector<PumpOutcome> out;
  for (std::int64_t item = first; item < in.items(); item += step) {
    out.push_back(run_item(in, item));
    if (after_each) after_each();
  }
  return out;
}

namespace {

// P(X <= k) for X ~ Poisson(mean), summed in log space.
double poisson_cdf(std::int64_t k, double mean) {
  if (mean <= 0) return 1.0;
  double sum = 0;
  const double log_mean = std::log(mean);
  for (std::int64_t i = 0; i <= k; ++i) {
    sum += std::exp(-mean + static_cast<double>(i) * log_mean -
                    std::lgamma(static_cast<double>(i) + 1));
  }
  return std::min(sum, 1.0);
}

// The mean at which P(X <= k) = p (the CDF falls as the mean rises).
double mean_where_cdf_is(std::int64_t k, double p) {
  double lo = 0;
  double hi = static_cast<double>(k) + 20 + 20 * std::sqrt(static_cast<double>(k) + 1);
  for (int i = 0; i < 200; ++i) {
    const double mid = (lo + hi) / 2;
    if (poisson_cdf(k, mid) > p) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return (lo + hi) / 2;
}

}  // namespace

std::pair<double, double> garwood_interval(std::int64_t count, double confidence) {
  const double alpha = 1 - confidence;
  const double upper = mean_where_cdf_is(count, alpha / 2);
  const double lower = count == 0 ? 0.0 : mean_where_cdf_is(count - 1, 1 - alpha / 2);
  return {lower, upper};
}

Progress::Progress(const FleetInputs& in)
    : total_(in.items()),
      years_per_item_(static_cast<double>(in.campaign.years)),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

void Progress::update(std::int64_t done) {
  const auto now = std::chrono::steady_clock::now();
  if (done < total_ && now - last_ < std::chrono::seconds(1)) return;
  last_ = now;
  const double seconds = std::chrono::duration<double>(now - start_).count();
  const double rate = seconds > 0 ? static_cast<double>(done) * years_per_item_ / seconds : 0;
  const double left = rate > 0 ? static_cast<double>(total_ - done) * years_per_item_ / rate : 0;
  std::cerr << fmt::format("fleet: {} of {} pumps done, {:.1f} pump-years/s, {:.0f} s left\n", done,
                           total_, rate, left);
}

}  // namespace itdd::sim::fleet
