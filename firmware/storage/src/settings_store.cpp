#include "itdd/storage/settings_store.h"

#include "itdd/storage/crc32.h"

namespace itdd::storage {
namespace {

constexpr std::uint32_t kMagic = 0x53445449u;  // "ITDS"
constexpr const char* kField = "settings";
constexpr std::uint32_t kChunk = 64;

// Trailer fields, in their order in flash (little-endian), then the CRC.
struct Trailer {
  std::uint32_t magic = 0;
  std::uint32_t format = 0;
  std::uint32_t size = 0;
  std::uint32_t seq = 0;
  std::uint32_t seq_check = 0;  // ~seq: lets a damaged copy still tell its sequence number
  std::uint32_t crc = 0;
};

void pack(const Trailer& t, std::uint8_t* p) {
  put_u32(p + 0, t.magic);
  put_u32(p + 4, t.format);
  put_u32(p + 8, t.size);
  put_u32(p + 12, t.seq);
  put_u32(p + 16, t.seq_check);
  put_u32(p + 20, t.crc);
}

Trailer unpack(const std::uint8_t* p) {
  return Trailer{get_u32(p),      get_u32(p + 4),  get_u32(p + 8),
                 get_u32(p + 12), get_u32(p + 16), get_u32(p + 20)};
}

// The CRC covers the data, then the trailer up to (not including) the CRC field.
std::uint32_t finish_crc(Crc32 crc, const std::uint8_t* trailer) {
  return crc.update(std::span<const std::uint8_t>(trailer, kSettingsTrailerBytes - 4)).value();
}

// A sequence number and its complement agree only if both were written whole and nothing changed
// them since: a cut program only clears bits, a cut erase only sets them, a flipped bit changes
// one side; none of these turns one agreeing pair into another (nor an erased or zeroed one into
// an agreeing one).
bool agrees(std::uint32_t seq, std::uint32_t check) {
  return check == ~seq;
}

// A page of data that spans two parts is programmed from this many bytes gathered at a time
// (the whole page on the implant's flash: the same page programs as from one buffer).
constexpr std::uint32_t kStagedBytes = 256;
static_assert(kStagedBytes % kMaxProgramUnit == 0, "staged programs are whole units");

template <class Parts>
std::size_t total_size(Parts parts) {
  std::size_t n = 0;
  for (const auto& part : parts) n += part.size();
  return n;
}

// Bytes [at, at + out.size()) of a blob held in parts. Bounded by the parts and the bytes.
void gather(BlobStore::ConstParts blob, std::size_t at, std::span<std::uint8_t> out) {
  std::size_t start = 0;
  std::size_t done = 0;
  for (const std::span<const std::uint8_t>& part : blob) {
    const std::size_t end = start + part.size();
    while (done < out.size() && at + done >= start && at + done < end) {
      out[done] = part[at + done - start];
      ++done;
    }
    start = end;
  }
}

// Bytes [at, at + n) of a blob where one part holds them all; empty where they span two.
std::span<const std::uint8_t> within_one_part(BlobStore::ConstParts blob, std::size_t at,
                                              std::size_t n) {
  std::size_t start = 0;
  for (const std::span<const std::uint8_t>& part : blob) {
    if (at >= start && at + n <= start + part.size()) return part.subspan(at - start, n);
    start += part.size();
  }
  return {};
}

}  // namespace

BlobStore::BlobStore(hal::Nvm& nvm, Region copy_a, Region copy_b, std::uint32_t format,
                     std::uint32_t size)
    : nvm_(nvm), regions_{copy_a, copy_b}, format_(format), size_(size) {}

std::uint32_t BlobStore::base(std::uint8_t copy) const {
  return nvm_.geometry().sector_address(regions_[copy].first_sector);
}

// The trailer and the commit word close the copy's region, whatever the blob's size, so a copy
// written by another firmware version is still recognised.
std::uint32_t BlobStore::commit_word_address(std::uint8_t copy) const {
  const hal::NvmGeometry g = nvm_.geometry();
  return base(copy) + regions_[copy].sector_count * g.sector_size -
         round_up(kSettingsCommitWordBytes, g.program_unit);
}

std::uint32_t BlobStore::trailer_address(std::uint8_t copy) const {
  return commit_word_address(copy) - round_up(kSettingsTrailerBytes, nvm_.geometry().program_unit);
}

Status BlobStore::check_layout() const {
  const hal::NvmGeometry g = nvm_.geometry();
  for (const Region& r : regions_) {
    if (Status s = check_region(g, r, 1, kField); !s) return s;
    if (static_cast<std::uint64_t>(r.sector_count) * g.sector_size <
        bytes_needed(size_, g.program_unit)) {
      return make_error(ErrorCode::kCapacity, kField, "settings do not fit their region");
    }
  }
  const Region& a = regions_[0];
  const Region& b = regions_[1];
  if (a.first_sector < b.first_sector + b.sector_count &&
      b.first_sector < a.first_sector + a.sector_count) {
    return make_error(ErrorCode::kInvalidArgument, kField, "settings copies share sectors");
  }
  return Status::Ok();
}

Result<BlobStore::CopyScan> BlobStore::scan(std::uint8_t copy) {
  const std::int32_t index = copy;
  // No commit word: this copy was never completed (blank, or a commit cut before its end).
  std::uint8_t word[kSettingsCommitWordBytes];
  if (Status s = read_bytes(nvm_, commit_word_address(copy), word, kField, index); !s) {
    return s.error();
  }
  if (all_erased(word)) return CopyScan{CopyState::kBlank, 0, 0};
  // A commit word is only written after the whole trailer: from here a bad CRC is damage (or an
  // erase cut while this copy, never the newest, was being overwritten).
  std::uint8_t raw[kSettingsTrailerBytes];
  if (Status s = read_bytes(nvm_, trailer_address(copy), raw, kField, index); !s) return s.error();
  const Trailer t = unpack(raw);
  // What a damaged copy still says about its age: one flipped bit spoils at most one of the two.
  CopyScan damaged{CopyState::kCorrupt, 0, 0};
  const std::uint32_t word_seq = get_u32(word);
  const std::uint32_t word_check = get_u32(word + 4);
  if (agrees(t.seq, t.seq_check)) {
    damaged.has_claim = true;
    damaged.claim = t.seq;
  }
  if (agrees(word_seq, word_check) && (!damaged.has_claim || word_seq > damaged.claim)) {
    damaged.has_claim = true;
    damaged.claim = word_seq;
  }
  const std::uint32_t room = trailer_address(copy) - base(copy);
  if (t.magic != kMagic || t.size > room) return damaged;
  Crc32 crc;
  std::uint8_t chunk[kChunk];
  // Bounded: size / 64 reads, size at most the region's bytes.
  for (std::uint32_t at = 0; at < t.size; at += kChunk) {
    const std::uint32_t n = t.size - at < kChunk ? t.size - at : kChunk;
    const std::span<std::uint8_t> part(chunk, n);
    if (Status s = read_bytes(nvm_, base(copy) + at, part, kField, index); !s) return s.error();
    crc.update(part);
  }
  if (finish_crc(crc, raw) != t.crc) return damaged;
  const CopyState state =
      t.format == format_ && t.size == size_ ? CopyState::kValid : CopyState::kOtherFormat;
  return CopyScan{state, t.seq, t.crc};
}

Result<SettingsLoad> BlobStore::load(std::span<std::uint8_t> out) {
  const std::span<std::uint8_t> whole[1] = {out};
  return load(Parts(whole), false);
}

Result<SettingsLoad> BlobStore::load_accepting_rollback(std::span<std::uint8_t> out) {
  const std::span<std::uint8_t> whole[1] = {out};
  return load(Parts(whole), true);
}

Result<SettingsLoad> BlobStore::load(Parts out) {
  return load(out, false);
}

Result<SettingsLoad> BlobStore::load(Parts out, bool accept_rollback) {
  if (Status s = check_layout(); !s) return s.error();
  if (total_size(out) != size_) {
    return make_error(ErrorCode::kInvalidArgument, kField, "buffer is not the settings' size");
  }
  CopyScan scans[2];
  for (std::uint8_t c = 0; c < 2; ++c) {
    Result<CopyScan> r = scan(c);
    if (!r) return r.error();
    scans[c] = r.value();
  }
  const bool valid[2] = {scans[0].state == CopyState::kValid, scans[1].state == CopyState::kValid};
  if (!valid[0] && !valid[1]) {
    if (scans[0].state == CopyState::kOtherFormat || scans[1].state == CopyState::kOtherFormat) {
      return make_error(ErrorCode::kMismatch, kField, kSettingsOtherFormat);
    }
    if (scans[0].state == CopyState::kBlank && scans[1].state == CopyState::kBlank) {
      return make_error(ErrorCode::kRefused, kField, kSettingsBlank);
    }
    return make_error(ErrorCode::kCorrupt, kField, kSettingsCorrupt);
  }
  const std::uint8_t pick = !valid[1] || (valid[0] && scans[0].seq > scans[1].seq) ? 0 : 1;
  const CopyScan& other = scans[1 - pick];
  // A commit never overwrites the newest valid copy, so a damaged copy that is not older than
  // the valid one held the newest value: returning the valid one would silently roll back.
  const bool newest_lost =
      other.state == CopyState::kCorrupt && other.has_claim && other.claim >= scans[pick].seq;
  if (newest_lost && !accept_rollback) {
    return make_error(ErrorCode::kCorrupt, kField, kSettingsNewestLost, 1 - pick);
  }
  // Read what the CRC was checked on, and check it again on the bytes actually returned.
  std::uint32_t at = base(pick);
  for (const std::span<std::uint8_t>& part : out) {
    if (Status s = read_bytes(nvm_, at, part, kField, pick); !s) return s.error();
    at += static_cast<std::uint32_t>(part.size());
  }
  std::uint8_t raw[kSettingsTrailerBytes];
  if (Status s = read_bytes(nvm_, trailer_address(pick), raw, kField, pick); !s) {
    return s.error();
  }
  Crc32 crc;
  for (const std::span<std::uint8_t>& part : out) crc.update(part);
  if (finish_crc(crc, raw) != scans[pick].crc || unpack(raw).crc != scans[pick].crc) {
    return make_error(ErrorCode::kCorrupt, kField, kSettingsCorrupt);
  }
  return SettingsLoad{scans[pick].seq, pick, valid[1 - pick], other.state == CopyState::kCorrupt,
                      newest_lost};
}

Result<std::uint32_t> BlobStore::commit(std::span<const std::uint8_t> blob) {
  const std::span<const std::uint8_t> whole[1] = {blob};
  return commit(ConstParts(whole));
}

// The data of a copy, in the page programs one buffer of it would take (program_bytes); the
// last partial program unit padded with 0xFF.
Status BlobStore::program_data(std::uint8_t target, ConstParts blob) {
  const hal::NvmGeometry g = nvm_.geometry();
  if (g.page_size == 0) return nvm_status(hal::NvmStatus::kMisaligned, kField, target);
  const std::uint32_t whole = size_ / g.program_unit * g.program_unit;
  std::uint8_t staged[kStagedBytes];
  // Bounded: one pass per page (per kStagedBytes of a page that spans two parts).
  for (std::uint32_t done = 0; done < whole;) {
    const std::uint32_t at = base(target) + done;
    const std::uint32_t room = g.page_size - at % g.page_size;
    std::uint32_t n = whole - done < room ? whole - done : room;
    std::span<const std::uint8_t> piece = within_one_part(blob, done, n);
    if (piece.empty()) {
      if (n > kStagedBytes) n = kStagedBytes;
      gather(blob, done, std::span<std::uint8_t>(staged, n));
      piece = std::span<const std::uint8_t>(staged, n);
    }
    if (Status s = program_bytes(nvm_, at, piece, kField, target); !s) return s;
    done += n;
  }
  if (whole < size_) {
    std::uint8_t unit[kMaxProgramUnit];
    for (std::uint32_t i = 0; i < g.program_unit; ++i) unit[i] = 0xFF;
    gather(blob, whole, std::span<std::uint8_t>(unit, size_ - whole));
    return program_bytes(nvm_, base(target) + whole,
                         std::span<const std::uint8_t>(unit, g.program_unit), kField, target);
  }
  return Status::Ok();
}

Result<std::uint32_t> BlobStore::commit(ConstParts blob) {
  if (Status s = check_layout(); !s) return s.error();
  if (total_size(blob) != size_) {
    return make_error(ErrorCode::kInvalidArgument, kField, "value is not the settings' size");
  }
  // Re-read both copies now rather than trusting what was seen at start-up: if the newest copy
  // has been corrupted since, it is the one to overwrite, never the last good one.
  CopyScan scans[2];
  for (std::uint8_t c = 0; c < 2; ++c) {
    Result<CopyScan> r = scan(c);
    if (!r) return r.error();
    scans[c] = r.value();
  }
  // Keep the better copy, overwrite the other: a valid copy beats one in another format (kept
  // for a firmware rollback), which beats a blank or corrupt one; then the higher seq wins.
  std::uint64_t keep[2];
  for (std::uint8_t c = 0; c < 2; ++c) {
    const std::uint64_t rank = scans[c].state == CopyState::kValid         ? 2
                               : scans[c].state == CopyState::kOtherFormat ? 1
                                                                           : 0;
    keep[c] = rank << 32 | (rank != 0 ? scans[c].seq : 0u);
  }
  std::uint8_t target = keep[0] <= keep[1] ? 0 : 1;
  // Except when a damaged copy is the newest (load() refuses to roll back past it): it is the
  // only thing that says the valid copy is outdated, so it is kept until this commit is whole,
  // and the outdated valid copy is overwritten. (Erasing the damaged copy first would leave, if
  // the power failed before the commit word, a blank copy beside the older valid one: a silent
  // rollback at the next load.)
  for (std::uint8_t c = 0; c < 2; ++c) {
    const CopyScan& other = scans[1 - c];
    if (scans[c].state == CopyState::kCorrupt && scans[c].has_claim &&
        other.state == CopyState::kValid && scans[c].claim >= other.seq) {
      target = static_cast<std::uint8_t>(1 - c);
    }
  }
  // The new sequence number is above every one still readable, a damaged copy's included:
  // otherwise that copy would look newer than the value committed now, and load() would refuse.
  std::uint32_t newest = 0;
  for (const CopyScan& s : scans) {
    if ((s.state == CopyState::kValid || s.state == CopyState::kOtherFormat) && s.seq > newest) {
      newest = s.seq;
    }
    if (s.state == CopyState::kCorrupt && s.has_claim && s.claim > newest) newest = s.claim;
  }
  if (newest == 0xFFFFFFFFu) {
    return make_error(ErrorCode::kCapacity, kField, "settings sequence number exhausted");
  }
  const std::uint32_t seq = newest + 1;

  // 1. Erase the sectors this commit programs (the data's and the trailer's, not any unused
  // sectors between them): the target copy is blank from the first erase on.
  const hal::NvmGeometry g = nvm_.geometry();
  const Region r = regions_[target];
  const std::uint32_t data_sectors =
      (round_up(size_, g.program_unit) + g.sector_size - 1) / g.sector_size;
  for (std::uint32_t i = 0; i < r.sector_count; ++i) {
    if (i >= data_sectors && i + 1 != r.sector_count) continue;
    const std::uint32_t sector = r.first_sector + i;
    if (Status s = nvm_status(nvm_.erase_sector(sector), kField, static_cast<std::int32_t>(sector));
        !s) {
      return s.error();
    }
  }
  // 2. The data, in page-sized programs; the last partial program unit padded with 0xFF.
  if (Status s = program_data(target, blob); !s) return s.error();
  // 3. The trailer: sequence number, format and the CRC over data and trailer.
  std::uint8_t trailer[round_up(kSettingsTrailerBytes, kMaxProgramUnit)];
  const std::uint32_t trailer_len = round_up(kSettingsTrailerBytes, g.program_unit);
  for (std::uint8_t& b : trailer) b = 0xFF;
  Trailer t{kMagic, format_, size_, seq, ~seq, 0};
  pack(t, trailer);
  Crc32 crc;
  for (const std::span<const std::uint8_t>& part : blob) crc.update(part);
  t.crc = finish_crc(crc, trailer);
  pack(t, trailer);
  if (Status s = program_bytes(nvm_, trailer_address(target),
                               std::span<const std::uint8_t>(trailer, trailer_len), kField, target);
      !s) {
    return s.error();
  }
  // 4. The commit word, the sequence number and its complement (never all 0xFF), in its own
  // program unit: the copy counts from here on. (If this write is cut, the data and trailer are
  // already whole: the copy is valid or blank.)
  std::uint8_t word[round_up(kSettingsCommitWordBytes, kMaxProgramUnit)];
  for (std::uint8_t& b : word) b = 0xFF;
  put_u32(word, seq);
  put_u32(word + 4, ~seq);
  if (Status s = program_bytes(
          nvm_, commit_word_address(target),
          std::span<const std::uint8_t>(word, round_up(kSettingsCommitWordBytes, g.program_unit)),
          kField, target);
      !s) {
    return s.error();
  }
  return seq;
}

}  // namespace itdd::storage
