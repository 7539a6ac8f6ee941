#include "binlog/gtid_set.hpp"

#include <algorithm>
#include <charconv>

namespace dumpr::binlog {

namespace {

constexpr std::int64_t kMaxGno = INT64_MAX - 1;  // MySQL's GNO_END - 1
constexpr std::size_t kMaxTagLength = 32;        // mysql::gtid::tag_max_length

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool parse_uuid(std::string_view s, Uuid& out) {
  if (s.size() != 36) return false;
  std::size_t k = 0;
  for (std::size_t i = 0; i < s.size();) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return false;
      ++i;
      continue;
    }
    const int hi = hex_value(s[i]), lo = hex_value(s[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[k++] = static_cast<std::uint8_t>(hi * 16 + lo);
    i += 2;
  }
  return k == 16;
}

// A tag as MySQL accepts it (libs/mysql/gtid/tag.cpp): a letter or '_', then letters, digits or
// '_', at most 32; kept in lower case, as the server normalises it.
bool normalise_tag(std::string_view s, std::string& out) {
  if (s.empty() || s.size() > kMaxTagLength) return false;
  out.clear();
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    const bool digit = c >= '0' && c <= '9';
    if (!alpha && !(digit && i > 0)) return false;
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    out += c;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\n' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\n' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

void put_u64(std::string& s, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) s += static_cast<char>((v >> (8 * i)) & 0xFF);
}

}  // namespace

namespace {

void append_uuid(std::string& s, const Uuid& u) {
  static const char* hex = "0123456789abcdef";
  for (std::size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s += '-';
    s += hex[u[i] >> 4];
    s += hex[u[i] & 15];
  }
}

}  // namespace

std::string uuid_text(const Uuid& u) {
  std::string s;
  s.reserve(36);
  append_uuid(s, u);
  return s;
}

Result<GtidSet> GtidSet::parse(std::string_view text) {
  GtidSet set;
  const std::string whole(text);
  auto bad = [&](const std::string& why) -> Error {
    return make_error(ErrorKind::usage,
                      "GTID set \"" + whole + "\": " + why +
                          " (expected MySQL's form, e.g. "
                          "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:mytag:1-3, as "
                          "@@GLOBAL.gtid_executed prints it)");
  };
  std::string tag;
  while (!trim(text).empty()) {
    const std::size_t comma = text.find(',');
    std::string_view entry = trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    if (entry.empty()) return bad("an empty entry between commas");
    std::size_t colon = entry.find(':');
    Uuid uuid{};
    if (!parse_uuid(trim(entry.substr(0, colon)), uuid))
      return bad("\"" + std::string(trim(entry.substr(0, colon))) + "\" is not a UUID");
    tag.clear();
    while (colon != std::string_view::npos) {
      entry.remove_prefix(colon + 1);
      colon = entry.find(':');
      const std::string_view part = trim(entry.substr(0, colon));
      if (part.empty()) return bad("an empty part after ':'");
      if (hex_value(part[0]) >= 0 && part[0] <= '9') {
        Interval iv;
        const std::size_t dash = part.find('-');
        const std::string_view a = part.substr(0, dash);
        const std::string_view b = dash == std::string_view::npos ? a : part.substr(dash + 1);
        auto ra = std::from_chars(a.data(), a.data() + a.size(), iv.first);
        auto rb = std::from_chars(b.data(), b.data() + b.size(), iv.last);
        if (ra.ec != std::errc() || ra.ptr != a.data() + a.size() || rb.ec != std::errc() ||
            rb.ptr != b.data() + b.size() || iv.first < 1 || iv.last < iv.first ||
            iv.last > kMaxGno)
          return bad("\"" + std::string(part) + "\" is not an interval N or N-M (1 <= N <= M)");
        set.add_interval(set.sets_[Key(uuid, tag)], iv);
      } else if (!normalise_tag(part, tag)) {
        return bad("\"" + std::string(part) +
                   "\" is neither an interval nor a tag (a letter or '_', then letters, digits "
                   "or '_', at most 32)");
      }
    }
  }
  return set;
}

Result<GtidSet> GtidSet::decode(Bytes bytes) {
  auto corrupt = [](const std::string& why) -> Error {
    return make_error(ErrorKind::corrupt, "GTID set encoding: " + why);
  };
  ByteReader r(bytes);
  const std::uint64_t head = r.u64();
  const std::uint8_t format = static_cast<std::uint8_t>(head >> 56);
  if (format > 1) return corrupt("unknown format " + std::to_string(format));
  const bool tagged = format == 1;
  const std::uint64_t n =
      tagged ? (head & ((std::uint64_t{1} << 56) - 1)) >> 8 : head & ((std::uint64_t{1} << 56) - 1);
  GtidSet set;
  std::string tag;
  for (std::uint64_t i = 0; i < n && r.ok(); ++i) {
    Uuid uuid{};
    const Bytes u = r.bytes(16);
    if (!r.ok()) break;
    std::copy(u.begin(), u.end(), uuid.begin());
    tag.clear();
    if (tagged) {
      const std::uint64_t len = r.varlen();
      if (len > kMaxTagLength) return corrupt("a tag of " + std::to_string(len) + " bytes");
      const std::string_view t = r.chars(static_cast<std::size_t>(len));
      if (!t.empty() && !normalise_tag(t, tag)) return corrupt("an invalid tag");
    }
    const std::uint64_t count = r.u64();
    if (count > r.remaining() / 16) return corrupt("more intervals than bytes");
    std::vector<Interval>& v = set.sets_[Key(uuid, tag)];
    for (std::uint64_t k = 0; k < count; ++k) {
      const auto start = static_cast<std::int64_t>(r.u64());
      const auto end = static_cast<std::int64_t>(r.u64());
      if (start < 1 || end <= start) return corrupt("an empty or negative interval");
      set.add_interval(v, Interval{start, end - 1});
    }
    if (v.empty()) set.sets_.erase(Key(uuid, tag));
  }
  if (!r.ok()) return corrupt("truncated");
  return set;
}

void GtidSet::add_interval(std::vector<Interval>& v, Interval iv) {
  // In order (the common case): append or grow the last interval.
  if (v.empty() || iv.first > v.back().last + 1) {
    v.push_back(iv);
    return;
  }
  if (iv.first >= v.back().first) {
    v.back().last = std::max(v.back().last, iv.last);
    return;
  }
  // Anywhere else: insert, then merge the neighbours it touches.
  auto it = std::lower_bound(v.begin(), v.end(), iv.first,
                             [](const Interval& a, std::int64_t f) { return a.last + 1 < f; });
  if (it == v.end() || iv.last + 1 < it->first) {
    v.insert(it, iv);
    return;
  }
  it->first = std::min(it->first, iv.first);
  it->last = std::max(it->last, iv.last);
  auto next = it + 1;
  while (next != v.end() && next->first <= it->last + 1) {
    it->last = std::max(it->last, next->last);
    ++next;
  }
  v.erase(it + 1, next);
}

void GtidSet::add(const Uuid& uuid, std::string_view tag, std::int64_t gno) {
  if (gno < 1) return;
  auto it = sets_.find(std::pair<const Uuid&, std::string_view>(uuid, tag));
  if (it == sets_.end())
    it = sets_.emplace(Key(uuid, std::string(tag)), std::vector<Interval>{}).first;
  add_interval(it->second, Interval{gno, gno});
}

void GtidSet::add(const GtidSet& other) {
  for (const auto& [key, intervals] : other.sets_) {
    std::vector<Interval>& v = sets_[key];
    for (const Interval& iv : intervals) add_interval(v, iv);
  }
}

bool GtidSet::contains(const Uuid& uuid, std::string_view tag, std::int64_t gno) const {
  auto it = sets_.find(std::pair<const Uuid&, std::string_view>(uuid, tag));
  if (it == sets_.end()) return false;
  for (const Interval& iv : it->second)
    if (gno >= iv.first && gno <= iv.last) return true;
  return false;
}

bool GtidSet::has_tags() const {
  for (const auto& [key, intervals] : sets_)
    if (!key.second.empty()) return true;
  return false;
}

bool GtidSet::operator==(const GtidSet& o) const {
  if (sets_.size() != o.sets_.size()) return false;
  auto a = sets_.begin();
  for (auto b = o.sets_.begin(); b != o.sets_.end(); ++a, ++b) {
    if (a->first != b->first || a->second.size() != b->second.size()) return false;
    for (std::size_t i = 0; i < a->second.size(); ++i)
      if (a->second[i].first != b->second[i].first || a->second[i].last != b->second[i].last)
        return false;
  }
  return true;
}

void GtidSet::write_text(std::string& out) const {
  out.clear();
  const Uuid* current = nullptr;
  char num[24];
  for (const auto& [key, intervals] : sets_) {
    if (!current || *current != key.first) {
      if (current) out += ',';
      append_uuid(out, key.first);  // into the reused buffer: no string per commit
      current = &key.first;
    }
    if (!key.second.empty()) {
      out += ':';
      out += key.second;
    }
    for (const Interval& iv : intervals) {
      out += ':';
      out.append(num, std::to_chars(num, num + sizeof num, iv.first).ptr);
      if (iv.last != iv.first) {
        out += '-';
        out.append(num, std::to_chars(num, num + sizeof num, iv.last).ptr);
      }
    }
  }
}

std::string GtidSet::encode() const {
  const bool tagged = has_tags();
  std::string out;
  const std::uint64_t n = sets_.size();
  put_u64(out, tagged ? (std::uint64_t{1} << 56) | (n << 8) | 1 : n);
  for (const auto& [key, intervals] : sets_) {
    out.append(reinterpret_cast<const char*>(key.first.data()), 16);
    if (tagged) {
      // A varlen length below 128 is one byte, the length shifted left once; tags have 32 at most.
      out += static_cast<char>(key.second.size() << 1);
      out += key.second;
    }
    put_u64(out, intervals.size());
    for (const Interval& iv : intervals) {
      put_u64(out, static_cast<std::uint64_t>(iv.first));
      put_u64(out, static_cast<std::uint64_t>(iv.last) + 1);
    }
  }
  return out;
}

namespace {

// MariaDB GTID positions are one "domain-server-seq" per domain; a commit replaces its domain's.
void merge_maria_gtid(std::string& pos, std::string_view gtid) {
  const std::size_t dash = gtid.find('-');
  if (dash == std::string_view::npos) return;
  const std::string_view domain = gtid.substr(0, dash + 1);  // with its dash
  std::size_t start = 0;
  while (start < pos.size()) {
    std::size_t comma = pos.find(',', start);
    if (comma == std::string::npos) comma = pos.size();
    if (std::string_view(pos).substr(start, comma - start).starts_with(domain)) {
      pos.replace(start, comma - start, gtid);
      return;
    }
    start = comma + 1;
  }
  if (!pos.empty()) pos += ',';
  pos += gtid;
}

}  // namespace

Result<std::map<std::uint32_t, std::uint64_t>> parse_maria_position(std::string_view text) {
  std::map<std::uint32_t, std::uint64_t> out;
  if (text.empty()) return out;
  for (std::size_t start = 0;;) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    std::string_view part = text.substr(start, comma - start);
    while (!part.empty() && (part.front() == ' ' || part.front() == '\n')) part.remove_prefix(1);
    std::uint64_t n[3] = {0, 0, 0};
    const char* p = part.data();
    const char* const e = part.data() + part.size();
    bool ok = true;
    for (int k = 0; ok && k < 3; ++k) {
      auto [next, ec] = std::from_chars(p, e, n[k]);
      ok = ec == std::errc() && (k == 2 ? next == e : next != e && *next == '-');
      p = next + 1;
    }
    ok = ok && n[0] <= UINT32_MAX && n[1] <= UINT32_MAX;
    if (!ok || !out.emplace(static_cast<std::uint32_t>(n[0]), n[2]).second)
      return make_error(ErrorKind::usage,
                        "\"" + std::string(part) + "\" in the GTID position \"" +
                            std::string(text) +
                            "\" is not domain-server-seq, or repeats a domain (MariaDB's form: "
                            "0-1-5,1-2-9, one per domain)");
    if (comma == text.size()) return out;
    start = comma + 1;
  }
}

std::string maria_position_gap(const std::map<std::uint32_t, std::uint64_t>& pos,
                               const std::map<std::uint32_t, std::uint64_t>& oldest_start,
                               const std::map<std::uint32_t, std::uint64_t>& server_end) {
  std::string gone, ahead;
  auto add = [](std::string& list, std::uint32_t d) {
    list += (list.empty() ? "" : ", ") + std::to_string(d);
  };
  for (const auto& [domain, seq] : oldest_start) {
    auto it = pos.find(domain);
    if (it == pos.end() || it->second < seq) add(gone, domain);
  }
  for (const auto& [domain, seq] : pos) {
    auto it = server_end.find(domain);
    if (it == server_end.end() || it->second < seq) add(ahead, domain);
  }
  if (!gone.empty())
    return "the server purged binary logs holding transactions after the GTID position (domain " +
           gone + ")";
  if (!ahead.empty())
    return "the GTID position is ahead of this server's binary log in domain " + ahead +
           ": it is from another server, or the server's history was reset";
  return {};
}

void GtidPosition::become_mysql() {
  if (kind_ != Kind::unknown) return;
  kind_ = Kind::mysql;
  if (text_.empty()) return;
  auto parsed = GtidSet::parse(text_);
  if (!parsed) return;  // not a MySQL set: unknown until a file's start says
  set_ = std::move(parsed.value());
  set_known_ = true;
}

void GtidPosition::begin(const MysqlGtidEvent& g) {
  become_mysql();
  pending_ = !g.anonymous && g.gno > 0;
  if (!pending_) return;
  uuid_ = g.sid;
  tag_.assign(g.tag);
  gno_ = g.gno;
}

void GtidPosition::begin(const MariaGtidEvent& g) {
  kind_ = Kind::mariadb;
  pending_ = true;
  maria_gtid_ = g.to_string();
}

Status GtidPosition::file_start(const PreviousGtidsEvent& e) {
  become_mysql();
  if (kind_ != Kind::mysql) return {};
  auto previous = GtidSet::decode(e.raw);
  if (!previous) return previous.take_error();
  // Every GTID before this file is before the position: added to those already known (a
  // resumed set holds GTIDs later in the file than this event, skipped by the server).
  set_.add(previous.value());
  set_known_ = true;
  return {};
}

bool GtidPosition::commit() {
  if (!pending_) return false;
  pending_ = false;
  if (kind_ == Kind::mariadb) {
    merge_maria_gtid(text_, maria_gtid_);
    return true;
  }
  set_.add(uuid_, tag_, gno_);
  return set_known_;
}

void GtidPosition::write(std::string& out) const {
  if (kind_ == Kind::mysql) {
    if (set_known_)
      set_.write_text(out);
    else
      out.clear();
    return;
  }
  out.assign(text_);
}

}  // namespace dumpr::binlog
