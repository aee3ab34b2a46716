// itdd-fleet-mpi CAMPAIGN.json --out DIR: `itdd sim fleet` spread over MPI ranks
// (`mpirun -np N itdd-fleet-mpi ...`, docs/fleet.md). Every rank reads and checks the files; rank r
// runs items r, r + N, r + 2N, ...; the outcomes (whole numbers) are gathered to rank 0, which
// sorts them by item and writes the same report, byte for byte, as `itdd sim fleet` and as any
// other number of ranks. Rank 0 shows the progress of all ranks on stderr.
#include <fmt/format.h>
#include <mpi.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "itdd/sim/fleet/fleet.h"

namespace {

constexpr int kProgressTag = 17;
constexpr int kExitInvalidInput = 2;

std::string default_file(const char* env_name, const char* fallback) {
  const char* env = std::getenv(env_name);
  return env != nullptr && *env != '\0' ? std::string(env) : std::string(fallback);
}

int run(int argc, char** argv, int rank, int ranks) {
  using namespace itdd::sim::fleet;
  CLI::App app{"itdd-fleet-mpi: a fleet campaign (docs/fleet.md) spread over MPI ranks"};
  std::string campaign_file, out_dir, models_file, csf_file;
  bool quiet = false;
  bool timing = false;
  app.add_option("CAMPAIGN", campaign_file, "Campaign file (JSON, docs/fleet.md)")->required();
  app.add_option("--out", out_dir, "Directory for the report (written by rank 0)")->required();
  app.add_option("--pump-models", models_file,
                 "Pump model file (default: $ITDD_PUMP_MODELS, else the source tree's)");
  app.add_option("--csf-pk", csf_file,
                 "Virtual patient's population figures (default: $ITDD_CSF_PK, else the source "
                 "tree's)");
  app.add_flag("--quiet", quiet, "No progress and no summary");
  app.add_flag("--timing", timing,
               "Report each rank's CPU time on stderr, and the pump-years per second the ranks "
               "would give each on a core of its own (the slowest rank's CPU time)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (rank != 0) return e.get_exit_code() == 0 ? 0 : kExitInvalidInput;
    const int rc = app.exit(e);
    return rc == 0 ? 0 : kExitInvalidInput;
  }
  if (models_file.empty()) models_file = default_file("ITDD_PUMP_MODELS", ITDD_DEFAULT_PUMP_MODELS);
  if (csf_file.empty()) csf_file = default_file("ITDD_CSF_PK", ITDD_DEFAULT_CSF_PK);

  // Every rank reads the same files and so comes to the same verdict.
  const itdd::host::Checked<LoadedCampaign> loaded =
      load_campaign(campaign_file, models_file, csf_file);
  if (!loaded.ok()) {
    if (rank == 0) std::cerr << "error: " << loaded.error().text() << '\n';
    return kExitInvalidInput;
  }
  const FleetInputs in = loaded.value().inputs();
  // Rank 0 writes the report: its directory is checked before anything runs, and every rank
  // hears the verdict.
  int out_ok = 1;
  if (rank == 0) {
    const itdd::host::Checked<void> out = prepare_report_dir(out_dir);
    if (!out.ok()) {
      std::cerr << "error: " << out.error().text() << '\n';
      out_ok = 0;
    }
  }
  MPI_Bcast(&out_ok, 1, MPI_INT, 0, MPI_COMM_WORLD);
  if (out_ok == 0) return kExitInvalidInput;

  std::int64_t own = 0;
  for (std::int64_t item = rank; item < in.items(); item += ranks) ++own;
  std::optional<Progress> progress;
  if (rank == 0 && !quiet) progress.emplace(in);
  std::int64_t done = 0;      // rank 0: items done by every rank
  std::int64_t received = 0;  // rank 0: progress messages, one per item another rank runs
  const std::int64_t others = in.items() - own;
  const auto drain = [&](bool wait) {
    while (received < others) {
      if (!wait) {
        int waiting = 0;
        MPI_Iprobe(MPI_ANY_SOURCE, kProgressTag, MPI_COMM_WORLD, &waiting, MPI_STATUS_IGNORE);
        if (waiting == 0) return;
      }
      int one = 0;
      MPI_Recv(&one, 1, MPI_INT, MPI_ANY_SOURCE, kProgressTag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      ++received;
      ++done;
      if (progress) progress->update(done);
    }
  };
  const std::clock_t cpu_start = std::clock();
  std::vector<PumpOutcome> mine = run_items(in, rank, ranks, [&] {
    if (rank == 0) {
      ++done;
      if (progress) progress->update(done);
      drain(false);
    } else {
      int one = 1;
      MPI_Send(&one, 1, MPI_INT, 0, kProgressTag, MPI_COMM_WORLD);
    }
  });
  const double cpu_seconds = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  if (rank == 0) drain(true);
  if (timing) {
    std::vector<double> cpu(rank == 0 ? ranks : 0);
    MPI_Gather(&cpu_seconds, 1, MPI_DOUBLE, cpu.data(), 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    if (rank == 0) {
      double slowest = 0;
      for (int r = 0; r < ranks; ++r) {
        slowest = std::max(slowest, cpu[static_cast<std::size_t>(r)]);
        std::cerr << fmt::format("timing: rank {}: {:.2f} CPU-s\n", r,
                                 cpu[static_cast<std::size_t>(r)]);
      }
      const double years = static_cast<double>(in.items() * in.campaign.years);
      std::cerr << fmt::format(
          "timing: {:.0f} pump-years, slowest rank {:.2f} CPU-s: {:.1f} pump-years per second "
          "with a core per rank\n",
          years, slowest, slowest > 0 ? years / slowest : 0.0);
    }
  }

  // Gather the outcomes' words to rank 0.
  std::vector<std::int64_t> words;
  for (const PumpOutcome& o : mine) {
    const OutcomeWords w = to_words(o);
    words.insert(words.end(), w.begin(), w.end());
  }
  const int count = static_cast<int>(words.size());
  std::vector<int> counts(rank == 0 ? ranks : 0);
  MPI_Gather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
  std::vector<int> displacements(counts.size());
  std::vector<std::int64_t> all;
  if (rank == 0) {
    int at = 0;
    for (std::size_t r = 0; r < counts.size(); ++r) {
      displacements[r] = at;
      at += counts[r];
    }
    all.resize(static_cast<std::size_t>(at));
  }
  MPI_Gatherv(words.data(), count, MPI_INT64_T, all.data(), counts.data(), displacements.data(),
              MPI_INT64_T, 0, MPI_COMM_WORLD);
  if (rank != 0) return 0;

  std::vector<PumpOutcome> outcomes;
  for (std::size_t i = 0; i + kOutcomeFields <= all.size(); i += kOutcomeFields) {
    OutcomeWords w{};
    std::copy_n(all.begin() + static_cast<std::ptrdiff_t>(i), kOutcomeFields, w.begin());
    outcomes.push_back(from_words(w));
  }
  const itdd::host::Checked<std::string> report = write_report(in, std::move(outcomes), out_dir);
  if (!report.ok()) {
    std::cerr << "error: " << report.error().text() << '\n';
    return kExitInvalidInput;
  }
  if (!quiet) std::cout << report.value();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0;
  int ranks = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  int rc = 0;
  try {
    rc = run(argc, argv, rank, ranks);
  } catch (const std::exception& e) {
    // A planner's fault or the like on one rank: the others cannot finish the gather.
    std::cerr << "error: rank " << rank << ": " << e.what() << '\n';
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  MPI_Finalize();
  return rc;
}
