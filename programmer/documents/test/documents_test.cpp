// The documents read back as a reader would: pdftotext finds every field of the session report
// and the card, pdfinfo measures the card, qpdf --check passes each PDF, the summary's plots
// rendered by pdftoppm have their data drawn, UTF-8 names (accents, CJK) come back as typed,
// and bad input leaves no file behind.
#include "itdd/programmer/documents.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

namespace itdd::programmer {
namespace {

namespace fs = std::filesystem;

constexpr std::int64_t kDay = kMillisPerDay;
constexpr std::int64_t kHour = 3'600'000;
constexpr std::int64_t kStart = 1'780'272'000'000;                     // 2026-06-01 00:00 UTC
constexpr std::int64_t kSessionAt = kStart + 9 * kHour + 30 * 60'000;  // 11:30 in Paris
const char* const kPatientName = "Zoë Ñúñez 王小明";
const char* const kClinicName = "Clinique Saint-Éloi 疼痛科";

// A command's standard output and exit status.
struct CommandRun {
  int status = -1;
  std::string out;
};
CommandRun run(const std::string& command) {
  CommandRun r;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return r;
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) r.out.append(buf.data(), n);
  r.status = ::pclose(pipe);
  return r;
}

class DocumentsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    for (const char* tool : {"pdftotext", "pdfinfo", "pdftoppm", "qpdf"}) {
      ASSERT_EQ(run(fmt::format("command -v {}", tool)).status, 0)
          << tool << " is missing: scripts/install-deps.sh installs poppler-utils and qpdf";
    }
  }

  void SetUp() override {
    static std::atomic<int> counter{0};
    dir_ = fs::temp_directory_path() / fmt::format("itdd_documents_{}_{}", ::getpid(), counter++);
    fs::create_directories(dir_);
    auto opened = open_clinic_db((dir_ / "clinic.db").string(), OpenMode::kCreate);
    ASSERT_TRUE(opened.ok()) << opened.error().text();
    db_ = std::move(opened.value());
    ASSERT_TRUE(db_->migrate().ok());
    ASSERT_TRUE(db_->set_time_zone("Europe/Paris").ok());
    auto library = DrugLibrary::load(std::string(ITDD_SOURCE_DIR) + "/data/drug-library.json");
    ASSERT_TRUE(library.ok()) << library.error().text();
    library_ = std::make_unique<DrugLibrary>(std::move(library).value());
    auto catalog = host::PumpCatalog::load(std::string(ITDD_SOURCE_DIR) + "/data/pump-models.json");
    ASSERT_TRUE(catalog.ok()) << catalog.error().text();
    catalog_ = std::make_unique<host::PumpCatalog>(std::move(catalog).value());
    fill_clinic();
  }
  void TearDown() override {
    db_.reset();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  // A patient with a pump, a session that programmed, overrode a soft limit and refilled with an
  // acknowledged discrepancy; a delivery history, boluses, an alarm and a battery assessment.
  void fill_clinic() {
    ClinicDb& db = *db_;
    const auto patient =
        db.add_patient({0, "MRN-7", kPatientName, -100 * kDay, Indication::kSpasticity});
    ASSERT_TRUE(patient.ok()) << patient.error().text();
    PumpRecord pump;
    pump.patient_id = *patient;
    pump.model = "peristaltic-20";
    pump.serial = "SN-4242";
    pump.implant_date_ms = kStart - 100 * kDay;
    pump.catheter_length_mm = 450;
    pump.catheter_volume = Volume(170'000);
    pump.reservoir_capacity = Volume(20'000'000);
    const auto id = db.add_pump(pump, {100, 1100, Volume(26'000), Volume(286'000)});
    ASSERT_TRUE(id.ok()) << id.error().text();
    pump_ = *id;
    ASSERT_TRUE(db.set_catheter_tip(pump_, {"T10", kStart}).ok());
    const auto s = db.begin_session({0, pump_, "Dr Lee", "programmer-7", kSessionAt, {}, ""});
    ASSERT_TRUE(s.ok());
    session_ = *s;
    const nlohmann::json review = {{"review",
                                    {{{"item", "Daily dose"},
                                      {"now", "100 mcg/day"},
                                      {"new", "120 mcg/day"},
                                      {"changed", true}},
                                     {{"item", "Rate on that day"},
                                      {"now", "0.2 mL/day"},
                                      {"new", "0.24 mL/day"},
                                      {"changed", true}}}},
                                   {"findings",
                                    {{{"level", "soft"},
                                      {"field", "daily_dose"},
                                      {"message", "a daily dose above the usual maintenance range"},
                                      {"limit", "800 mcg/day"},
                                      {"source", "source: test library"}}}}};
    ASSERT_TRUE(db.record_prescription({0, pump_, session_, kSessionAt, 0xabcdef, "baclofen",
                                        Concentration(500'000), "continuous", DoseRate(120'000),
                                        review.dump()})
                    .ok());
    ASSERT_TRUE(db.record_override({0, session_, kSessionAt, "baclofen", "daily_dose",
                                    "above the usual range (800 mcg/day)",
                                    "titrating after surgery", "Dr Lee"})
                    .ok());
    RefillRecord r;
    r.pump_id = pump_;
    r.session_id = session_;
    r.at_ms = kSessionAt + 10 * 60'000;
    r.expected = Volume(5'640'000);
    r.withdrawn = Volume(4'200'000);
    r.acknowledged = true;
    r.acknowledgement_reason = "aspirated slowly, checked the needle";
    r.drug = "baclofen";
    r.concentration = Concentration(500'000);
    r.volume = Volume(18'000'000);
    r.low_reservoir_alarm = Volume(2'000'000);
    r.next_refill_ms = kSessionAt + 70 * kDay;
    r.next_refill_rule = "the reservoir reaches its low-reservoir alarm less a 5-day margin";
    const auto refill = db.record_refill(r);
    ASSERT_TRUE(refill.ok()) << refill.error().text();
    ASSERT_TRUE(db.end_session(session_, kSessionAt + 20 * 60'000, "dose up, refilled").ok());
    // The implant's hour 1000 is kStart; a month of delivery, two boluses, an alarm, and the
    // battery assessed with 3 years to ERI.
    ASSERT_TRUE(db.set_implant_clock_offset(pump_, {kStart - 1000 * kHour, kStart}).ok());
    std::vector<DeliveryHourRecord> hours;
    for (int h = 0; h < 30 * 24; ++h) hours.push_back({1000 + h, Volume(10'000), 10});
    ASSERT_TRUE(db.store_delivery_hours(pump_, hours).ok());
    ASSERT_TRUE(db.store_event_log(pump_, {{1, (1000 + 50) * kHour, 0x0008, 0, 10'000, 60'000},
                                           {2, (1000 + 60) * kHour, 0x0009, 1, 0, 0},
                                           {3, (1000 + 70) * kHour, 0x0100, 1, 0, 0},
                                           {4, (1000 + 80) * kHour, 0x0208, 0, 0, 3 * 365 * 24}})
                    .ok());
  }

  DocumentSources sources() { return DocumentSources{*db_, *library_, *catalog_, kNow}; }

  fs::path write(const std::string& name, const RenderedPdf& pdf) {
    const fs::path path = dir_ / name;
    const host::Checked<void> w = write_pdf_file(path, pdf.bytes);
    EXPECT_TRUE(w.ok()) << w.error().text();
    return path;
  }

  static std::string text_of(const fs::path& pdf) {
    const CommandRun r = run(fmt::format("pdftotext -enc UTF-8 '{}' -", pdf.string()));
    EXPECT_EQ(r.status, 0) << r.out;
    // One space for any run of white space: a field wrapped onto two lines still reads whole.
    return std::regex_replace(r.out, std::regex("\\s+"), " ");
  }

  static void expect_qpdf_check(const fs::path& pdf) {
    const CommandRun r = run(fmt::format("qpdf --check '{}'", pdf.string()));
    EXPECT_EQ(r.status, 0) << r.out;
    EXPECT_NE(r.out.find("No syntax or stream encoding errors"), std::string::npos) << r.out;
  }

  static constexpr std::int64_t kNow = kStart + 40 * kDay;
  fs::path dir_;
  std::unique_ptr<ClinicDb> db_;
  std::unique_ptr<DrugLibrary> library_;
  std::unique_ptr<host::PumpCatalog> catalog_;
  std::int64_t pump_ = 0;
  std::int64_t session_ = 0;
};

TEST_F(DocumentsTest, TheSessionReportSaysEveryFieldWithItsUnit) {
  ASSERT_TRUE(db_->set_clinic_contact({kClinicName, "+33 1 23 45 67 89"}).ok());
  const auto doc = session_report_document(sources(), session_);
  ASSERT_TRUE(doc.ok()) << doc.error().text();
  const auto pdf = render_session_report(*doc);
  ASSERT_TRUE(pdf.ok()) << pdf.error().text();
  const fs::path path = write("report.pdf", *pdf);
  expect_qpdf_check(path);
  const std::string text = text_of(path);
  for (const char* field : {kClinicName,
                            "Europe/Paris",  // the clinic
                            kPatientName,
                            "MRN-7",
                            "spasticity",  // the patient
                            "peristaltic-20",
                            "SN-4242",
                            "2026-02-21",
                            "tip at T10",  // the pump
                            "Dr Lee",
                            "programmer-7",
                            "2026-06-01 11:30",
                            "2026-06-01 11:50",  // who, when
                            "Daily dose",
                            "100 mcg/day",
                            "120 mcg/day",
                            "0.2 mL/day",
                            "0.24 mL/day",  // old, new
                            "500 mcg/mL",
                            "at most 120 mcg/day (0.24 mL/day)",
                            "above the usual maintenance range",
                            "800 mcg/day",              // the library's finding
                            "titrating after surgery",  // the override's reason
                            "4.2 mL",
                            "5.64 mL",
                            "less-than-expected",                    // withdrawn vs expected
                            "aspirated slowly, checked the needle",  // the acknowledgement
                            "18 mL of baclofen 500 mcg/mL",
                            "2 mL",  // refilled
                            "2026-08-10",
                            "low-reservoir alarm less a 5-day margin",  // the next refill, its rule
                            "low-reservoir",                            // the open alarm
                            "ERI projected",
                            "schedule the replacement by",  // battery and replacement
                            "182 days"}) {
    EXPECT_NE(text.find(field), std::string::npos) << "missing: " << field << "\n" << text;
  }
}

TEST_F(DocumentsTest, TheCardIsId1SizedWithEveryFieldFrontAndBack) {
  ASSERT_TRUE(db_->set_clinic_contact({kClinicName, "+33 1 23 45 67 89"}).ok());
  const auto doc = implant_card_document(sources(), "MRN-7");
  ASSERT_TRUE(doc.ok()) << doc.error().text();
  const auto pdf = render_implant_card(*doc);
  ASSERT_TRUE(pdf.ok()) << pdf.error().text();
  const fs::path path = write("card.pdf", *pdf);
  expect_qpdf_check(path);
  const CommandRun info = run(fmt::format("pdfinfo -f 1 -l 2 '{}'", path.string()));
  ASSERT_EQ(info.status, 0) << info.out;
  EXPECT_TRUE(std::regex_search(info.out, std::regex("Pages: +2\n"))) << info.out;
  const std::regex size_line("Page +([12]) size: +([0-9.]+) x ([0-9.]+) pts");
  int pages = 0;
  for (auto it = std::sregex_iterator(info.out.begin(), info.out.end(), size_line);
       it != std::sregex_iterator(); ++it) {
    ++pages;
    EXPECT_NEAR(std::stod((*it)[2]), 242.65, 0.5) << info.out;
    EXPECT_NEAR(std::stod((*it)[3]), 153.01, 0.5) << info.out;
  }
  EXPECT_EQ(pages, 2) << info.out;
  const std::string text = text_of(path);
  for (const char* field :
       {kPatientName, "peristaltic-20", "SN-4242", "2026-02-21", "baclofen 500 mcg/mL", "T10",
        "may set off metal detectors", "checked by the clinic after any MRI scan", "MR Conditional",
        "Low reservoir", "1000 Hz", "repeated every 60 min", "Critical", "880 Hz and 660 Hz",
        "repeated every 10 min", kClinicName, "+33 1 23 45 67 89"}) {
    EXPECT_NE(text.find(field), std::string::npos) << "missing: " << field << "\n" << text;
  }
}

// The count of pixels in a rendered page's rectangle that are coloured (not white, grey or
// black): what a plot's data is drawn in, and its axes, grid and labels are not.
int coloured_pixels(const fs::path& ppm, double dpi, const PlotArea& area) {
  std::ifstream in(ppm, std::ios::binary);
  std::string magic;
  int width = 0;
  int height = 0;
  int max = 0;
  in >> magic >> width >> height >> max;
  in.get();
  std::vector<unsigned char> pixels(static_cast<std::size_t>(width) * height * 3);
  in.read(reinterpret_cast<char*>(pixels.data()), static_cast<std::streamsize>(pixels.size()));
  const double scale = dpi / 72.0;
  int count = 0;
  for (int y = static_cast<int>(area.y * scale) + 2;
       y < static_cast<int>((area.y + area.height) * scale) - 2 && y < height; ++y) {
    for (int x = static_cast<int>(area.x * scale) + 2;
         x < static_cast<int>((area.x + area.width) * scale) - 2 && x < width; ++x) {
      const unsigned char* p = &pixels[(static_cast<std::size_t>(y) * width + x) * 3];
      const int hi = std::max({p[0], p[1], p[2]});
      const int lo = std::min({p[0], p[1], p[2]});
      if (hi - lo > 60) ++count;
    }
  }
  return count;
}

TEST_F(DocumentsTest, TheSummaryDrawsEachPlotWithItsDataAndListsTheSessions) {
  const auto doc =
      patient_summary_document(sources(), "MRN-7", kStart - 5 * kDay, kStart + 35 * kDay);
  ASSERT_TRUE(doc.ok()) << doc.error().text();
  const auto pdf = render_patient_summary(*doc);
  ASSERT_TRUE(pdf.ok()) << pdf.error().text();
  const fs::path path = write("summary.pdf", *pdf);
  expect_qpdf_check(path);
  ASSERT_EQ(pdf->plots.size(), 5u);
  const std::string text = text_of(path);
  for (const char* field : {kPatientName, "Delivered dose per day (mcg/day)", "Reservoir (mL)",
                            "Prescribed, most per day (mcg/day)", "Patient boluses (mcg)",
                            "Alarms and sessions", "Dr Lee", "SN-4242"}) {
    EXPECT_NE(text.find(field), std::string::npos) << "missing: " << field << "\n" << text;
  }
  constexpr double kDpi = 72;
  for (const PlotArea& area : pdf->plots) {
    const fs::path prefix = dir_ / fmt::format("page{}", area.page);
    const CommandRun r =
        run(fmt::format("pdftoppm -r {} -f {} -l {} -singlefile '{}' '{}'", kDpi, area.page + 1,
                        area.page + 1, path.string(), prefix.string()));
    ASSERT_EQ(r.status, 0) << r.out;
    EXPECT_GT(coloured_pixels(prefix.string() + ".ppm", kDpi, area), 10)
        << "the plot '" << area.title << "' has no data drawn";
  }
}

TEST_F(DocumentsTest, APlotWithoutDataIsBlankWhereTheDataWouldBe) {
  // A period before the pump delivered anything: the dose plot has no bar, and says so.
  const auto doc =
      patient_summary_document(sources(), "MRN-7", kStart - 60 * kDay, kStart - 50 * kDay);
  ASSERT_TRUE(doc.ok()) << doc.error().text();
  const auto pdf = render_patient_summary(*doc);
  ASSERT_TRUE(pdf.ok()) << pdf.error().text();
  const fs::path path = write("empty.pdf", *pdf);
  ASSERT_FALSE(pdf->plots.empty());
  const PlotArea& dose = pdf->plots.front();
  const fs::path prefix = dir_ / "empty";
  ASSERT_EQ(run(fmt::format("pdftoppm -r 50 -f {} -l {} -singlefile '{}' '{}'", dose.page + 1,
                            dose.page + 1, path.string(), prefix.string()))
                .status,
            0);
  EXPECT_EQ(coloured_pixels(prefix.string() + ".ppm", 50, dose), 0);
  EXPECT_NE(text_of(path).find("no delivery history uploaded for this period"), std::string::npos);
}

TEST_F(DocumentsTest, BadInputIsRefusedAndLeavesNoFile) {
  {
    const auto unknown = session_report_document(sources(), 999);
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.error().kind, host::RefusalKind::kNotFound);
    const auto patient = implant_card_document(sources(), "MRN-404");
    ASSERT_FALSE(patient.ok());
    EXPECT_EQ(patient.error().kind, host::RefusalKind::kNotFound);
    // No clinic name or emergency phone yet: the card would have nobody to call.
    const auto no_contact = implant_card_document(sources(), "MRN-7");
    ASSERT_FALSE(no_contact.ok());
    EXPECT_EQ(no_contact.error().field, "clinic_contact");
    EXPECT_NE(no_contact.error().message.find("itdd clinic settings"), std::string::npos);
    const auto backwards = patient_summary_document(sources(), "MRN-7", kStart, kStart - kDay);
    ASSERT_FALSE(backwards.ok());
    EXPECT_EQ(backwards.error().field, "from");
  }
  // A folder that does not exist, and one that cannot be written: refused, nothing left.
  const fs::path missing = dir_ / "no-such-folder" / "report.pdf";
  const host::Checked<void> w = write_pdf_file(missing, "%PDF-1.5\n");
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.error().message.find(missing.string()), std::string::npos) << w.error().text();
  const fs::path locked = dir_ / "locked";
  fs::create_directories(locked);
  fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec);
  if (::access(locked.c_str(), W_OK) != 0) {  // root writes anywhere: then this half says nothing
    EXPECT_FALSE(write_pdf_file(locked / "report.pdf", "%PDF-1.5\n").ok());
    EXPECT_TRUE(fs::is_empty(locked));
  }
  fs::permissions(locked, fs::perms::owner_all);
  // A target that is a folder: the rename fails, and the temporary file is removed.
  const fs::path folder = dir_ / "a-folder.pdf";
  fs::create_directories(folder / "inside");
  EXPECT_FALSE(write_pdf_file(folder, "%PDF-1.5\n").ok());
  for (const auto& entry : fs::directory_iterator(dir_)) {
    EXPECT_EQ(entry.path().filename().string().rfind(".a-folder.pdf", 0), std::string::npos)
        << "left behind: " << entry.path();
  }
  // An existing document is replaced whole.
  const fs::path good = dir_ / "good.pdf";
  ASSERT_TRUE(write_pdf_file(good, "first").ok());
  ASSERT_TRUE(write_pdf_file(good, "second").ok());
  std::ifstream in(good);
  std::stringstream content;
  content << in.rdbuf();
  EXPECT_EQ(content.str(), "second");
}

}  // namespace
}  // namespace itdd::programmer
