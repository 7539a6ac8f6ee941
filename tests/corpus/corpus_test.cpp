// Golden run over the shared binlog corpus (DUMPR_CORPUS_DIR/MANIFEST.tsv): every file is read to
// its end, or to a clean error where its caveat says it is damaged; every row image is decoded;
// where mariadb-binlog's -vv output (the oracle) has `### @N=value` lines, the values are compared
// with ours, type by type.
#include <doctest/doctest.h>
#include <simdjson.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "binlog/decoder.hpp"
#include "binlog/file.hpp"
#include "binlog/rows.hpp"
#include "row/tuple_builder.hpp"

namespace fs = std::filesystem;
using namespace dumpr;
using namespace dumpr::binlog;

namespace {

struct ManifestRow {
  std::string file, checksum, oracle, caveat;
};

std::vector<ManifestRow> read_manifest(const fs::path& dir) {
  std::vector<ManifestRow> rows;
  std::ifstream in(dir / "MANIFEST.tsv");
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, '\t')) f.push_back(cell);
    while (f.size() < 10) f.emplace_back();
    rows.push_back({f[0], f[5], f[8], f[9]});
  }
  return rows;
}

// Damage the manifest announces: a clean error is then an acceptable end.
bool may_fail(const ManifestRow& m) {
  for (const char* w : {"TRUNCATED", "CORRUPT", "BROKEN", "ENCRYPTED", "NO FDE", "PRE-GA",
                        "TOOL-WRITTEN", "RECONSTRUCTED", "CRC-mismatch", "padding"}) {
    if (m.caveat.find(w) != std::string::npos || m.checksum.find(w) != std::string::npos)
      return true;
  }
  return false;
}

std::string read_text(const fs::path& p) {
  std::string out;
  if (p.extension() == ".gz") {
    std::string cmd = "gzip -dc '" + p.string() + "'";
    std::unique_ptr<FILE, int (*)(FILE*)> f(popen(cmd.c_str(), "r"), pclose);
    if (!f) return out;
    char buf[65536];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f.get())) > 0) out.append(buf, n);
    return out;
  }
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// One row image from the oracle: @N -> value text ("NULL" for SQL NULL).
using OracleImage = std::map<std::size_t, std::string>;

std::vector<OracleImage> parse_oracle(const std::string& text) {
  std::vector<OracleImage> images;
  std::size_t pos = 0;
  bool open = false;
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    std::string_view line(text.data() + pos, eol - pos);
    pos = eol + 1;
    if (line.rfind("### ", 0) != 0) {
      open = false;
      continue;
    }
    std::string_view rest = line.substr(4);
    if (rest == "SET" || rest == "WHERE") {
      images.emplace_back();
      open = true;
      continue;
    }
    if (!open || rest.rfind("  @", 0) != 0) continue;
    std::size_t eq = rest.find('=');
    if (eq == std::string_view::npos) continue;
    std::size_t n = std::stoul(std::string(rest.substr(3, eq - 3)));
    std::string_view value = rest.substr(eq + 1);
    std::size_t c = value.rfind(" /* ");
    if (c != std::string_view::npos) value = value.substr(0, c);
    while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
    images.back()[n] = std::string(value);
  }
  return images;
}

// mysqlbinlog's quoted string: '...' with \xNN for control bytes.
std::string unquote(std::string_view v) {
  if (v.size() < 2 || v.front() != '\'' || v.back() != '\'') return std::string(v);
  v = v.substr(1, v.size() - 2);
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\\' && i + 3 < v.size() + 0 && v[i + 1] == 'x') {
      out += static_cast<char>(std::stoi(std::string(v.substr(i + 2, 2)), nullptr, 16));
      i += 3;
    } else {
      out += v[i];
    }
  }
  return out;
}

std::string from_base64(std::string_view s) {
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  unsigned buf = 0;
  int bits = 0;
  for (char c : s) {
    int v = val(c);
    if (v < 0) continue;
    buf = buf << 6 | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buf >> bits) & 0xFF);
    }
  }
  return out;
}

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Stats {
  std::size_t files = 0, events = 0, images = 0, compared = 0, mismatches = 0;
};

// Compares one value; returns an empty string when equal (or not comparable), else a message.
std::string compare_value(const row::Column& col, const std::string& oracle,
                          simdjson::dom::element ours) {
  using K = row::Kind;
  if (oracle == "NULL") return ours.is_null() ? "" : "expected NULL";
  if (ours.is_null()) return "got null, oracle " + oracle;
  switch (col.kind) {
    case K::signed_int:
    case K::unsigned_int:
    case K::year: {
      // "-1 (255)": signed view, then the unsigned one in parentheses.
      std::string want = oracle;
      std::size_t paren = oracle.find(" (");
      if (paren != std::string::npos) {
        want = col.kind == K::unsigned_int ? oracle.substr(paren + 2, oracle.size() - paren - 3)
                                           : oracle.substr(0, paren);
      }
      std::string got = col.kind == K::signed_int
                            ? std::to_string(ours.get_int64().value_unsafe())
                            : std::to_string(ours.get_uint64().value_unsafe());
      return got == want ? "" : "got " + got + ", oracle " + want;
    }
    case K::bit: {
      if (oracle.size() < 3) return "";
      std::uint64_t v = 0;
      for (char c : std::string_view(oracle).substr(2, oracle.size() - 3)) v = v * 2 + (c == '1');
      return ours.get_uint64().value_unsafe() == v ? "" : "bit value differs from " + oracle;
    }
    case K::float32: {
      float want = std::strtof(oracle.c_str(), nullptr);
      float got = static_cast<float>(ours.get_double().value_unsafe());
      return want == got ? "" : "float differs from " + oracle;
    }
    case K::float64: {
      double want = std::strtod(oracle.c_str(), nullptr);
      double got = ours.get_double().value_unsafe();
      return want == got ? "" : "double differs from " + oracle;
    }
    case K::decimal: {
      std::string got(ours.get_string().value_unsafe());
      return got == oracle ? "" : "got " + got + ", oracle " + oracle;
    }
    case K::date: {
      std::string want = unquote(oracle);
      for (char& c : want)
        if (c == ':') c = '-';
      std::string got(ours.get_string().value_unsafe());
      return got == want ? "" : "got " + got + ", oracle " + want;
    }
    case K::datetime: {
      std::string want = unquote(oracle);
      std::string got(ours.get_string().value_unsafe());
      for (char& c : got)
        if (c == 'T') c = ' ';
      return got == want ? "" : "got " + got + ", oracle " + want;
    }
    case K::time: {
      std::string want = unquote(oracle);
      std::string got(ours.get_string().value_unsafe());
      return got == want ? "" : "got " + got + ", oracle " + want;
    }
    case K::timestamp: {
      // Oracle: seconds since the epoch[.fraction]; ours "YYYY-MM-DDThh:mm:ss[.f]Z".
      std::string got(ours.get_string().value_unsafe());
      unsigned y, mo, d, h, mi, s;
      if (std::sscanf(got.c_str(), "%u-%u-%uT%u:%u:%u", &y, &mo, &d, &h, &mi, &s) != 6) {
        return "bad timestamp text " + got;
      }
      std::int64_t secs = y == 0 ? 0 : days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
      std::string want = oracle.substr(0, oracle.find('.'));
      return std::to_string(secs) == want ? "" : "got " + got + ", oracle " + oracle;
    }
    case K::text: {
      std::string want = unquote(oracle);
      std::string got(ours.get_string().value_unsafe());
      // Only UTF-8 and ASCII-safe comparisons: other charsets were converted to UTF-8.
      const bool utf8 = col.collation == 33 || col.collation == 45 || col.collation == 46 ||
                        col.collation == 83 || col.collation == 192 || col.collation == 224 ||
                        col.collation == 255 || (col.collation >= 245 && col.collation <= 309);
      bool ascii = true;
      for (unsigned char c : want) ascii = ascii && c < 0x80;
      if (!utf8 && !ascii) return "";
      return got == want ? "" : "text differs: got '" + got.substr(0, 60) + "'";
    }
    case K::binary:
    case K::geometry: {
      std::string want = unquote(oracle);
      std::string got = from_base64(ours.get_string().value_unsafe());
      // BINARY(n) is padded back with the zero bytes the binlog strips.
      while (!got.empty() && got.size() > want.size() && got.back() == '\0') got.pop_back();
      return got == want ? ""
                         : "binary differs (" + std::to_string(got.size()) + " vs " +
                               std::to_string(want.size()) + " bytes)";
    }
    case K::enumeration: {
      std::size_t idx = std::stoul(oracle);
      if (col.members.empty()) {
        // No member names in the binlog: the member number itself.
        if (!ours.is_uint64()) return "enum without members is not a number";
        return ours.get_uint64().value_unsafe() == idx ? "" : "enum number differs from " + oracle;
      }
      std::string got(ours.get_string().value_unsafe());
      std::string want = idx >= 1 && idx <= col.members.size() ? col.members[idx - 1] : "";
      return got == want ? "" : "enum got " + got + ", want " + want;
    }
    case K::set: {
      if (oracle.size() < 3) return "";
      // The oracle prints the stored bytes in order, each most significant bit first.
      std::string_view bits = std::string_view(oracle).substr(2, oracle.size() - 3);
      if (col.members.empty()) {
        // No member names in the binlog: the bitmask itself.
        std::uint64_t mask = 0;
        for (std::size_t i = 0; i < bits.size() && i < 64; ++i)
          if (bits[(i / 8) * 8 + 7 - i % 8] == '1') mask |= std::uint64_t{1} << i;
        if (!ours.is_uint64()) return "set without members is not a number";
        return ours.get_uint64().value_unsafe() == mask ? "" : "set bitmask differs from " + oracle;
      }
      std::string want;
      for (std::size_t i = 0; i < col.members.size() && i < bits.size(); ++i) {
        if (bits[(i / 8) * 8 + 7 - i % 8] == '1') {
          if (!want.empty()) want += ',';
          want += col.members[i];
        }
      }
      std::string got(ours.get_string().value_unsafe());
      return got == want ? "" : "set got " + got + ", want " + want;
    }
    default:
      return "";
  }
}

struct Table {
  std::shared_ptr<const TableMap> map;
  row::TableShape shape;
  std::unique_ptr<DecodePlan> plan;
};

// Walks one file; returns the error that ended it (empty if it reached the end cleanly).
std::string walk(const fs::path& path, const std::vector<OracleImage>* oracle, Stats& st,
                 std::vector<std::string>& mismatches) {
  auto file = BinlogFile::open(path.string());
  if (!file) return file.error().message;
  Decoder dec;
  std::map<std::uint64_t, Table> tables;
  row::TupleBuilder before, after;
  simdjson::dom::parser parser;
  std::size_t image_index = 0;

  auto check_image = [&](const row::TupleBuilder& b, const Table& t) {
    ++st.images;
    if (!oracle || image_index >= oracle->size()) {
      ++image_index;
      return;
    }
    const OracleImage& want = (*oracle)[image_index++];
    std::string content(b.content());
    content = content.empty() ? "{}" : content + "}";
    auto doc = parser.parse(content);
    if (doc.error()) {
      mismatches.push_back(path.string() + ": our row is not JSON: " + content.substr(0, 100));
      return;
    }
    auto obj = doc.value_unsafe().get_object();
    for (const auto& [n, text] : want) {
      if (n == 0 || n > t.shape.columns.size()) continue;
      const row::Column& col = t.shape.columns[n - 1];
      auto field = obj.value_unsafe()[col.name];
      if (field.error()) {
        mismatches.push_back(path.string() + ": image " + std::to_string(image_index) + " lacks @" +
                             std::to_string(n));
        continue;
      }
      ++st.compared;
      std::string diff = compare_value(col, text, field.value_unsafe());
      if (!diff.empty()) {
        ++st.mismatches;
        if (mismatches.size() < 40) {
          mismatches.push_back(path.string() + ": image " + std::to_string(image_index) + " @" +
                               std::to_string(n) + " (" + row::kind_name(col.kind) + "): " + diff);
        }
      }
    }
  };

  std::function<std::string(const Event&)> handle = [&](const Event& ev) -> std::string {
    ++st.events;
    if (auto* tm = ev.as<TableMapEvent>()) {
      Table& t = tables[tm->map->table_id];
      t.map = tm->map;
      t.shape.table = tm->map->table;
      t.shape.columns = columns_from_table_map(*tm->map);
      // Oracle columns are named @N; our names may be real names: keep unique keys.
      t.shape.id_columns.clear();
      t.shape.prepare();
      auto plan = DecodePlan::make(*tm->map, t.shape.columns);
      if (!plan) return plan.error().message;
      t.plan = std::make_unique<DecodePlan>(std::move(plan.value()));
    } else if (auto* rows = ev.as<RowsEvent>()) {
      auto it = tables.find(rows->table_id);
      if (it == tables.end() || !it->second.plan) return "rows event without its table map";
      Table& t = it->second;
      RowsReader reader(*rows, *t.plan);
      while (!reader.done()) {
        before.start(t.shape);
        after.start(t.shape);
        Status s = reader.next(&before, &after);
        if (!s.ok()) return s.error().message;
        if (rows->has_before()) check_image(before, t);
        if (rows->has_after()) check_image(after, t);
      }
    } else if (auto* p = ev.as<TransactionPayloadEvent>()) {
      std::vector<Bytes> inner = p->events;
      for (Bytes b : inner) {
        auto iev = dec.decode_inner(b);
        if (!iev) return "inner event: " + iev.error().message;
        std::string e = handle(*iev);
        if (!e.empty()) return e;
      }
    }
    return "";
  };

  RawEvent raw;
  while (true) {
    auto more = file->next(raw);
    if (!more) return more.error().message;
    if (!*more) break;
    auto ev = dec.decode(raw.bytes);
    if (!ev) return file->at(raw, ev.take_error()).message;
    std::string e = handle(*ev);
    if (!e.empty()) return file->at(raw, make_error(ErrorKind::corrupt, e)).message;
  }
  ++st.files;
  if (oracle && image_index < oracle->size()) {
    mismatches.push_back(path.string() + ": decoded " + std::to_string(image_index) +
                         " images, the oracle has " + std::to_string(oracle->size()));
  }
  return "";
}

}  // namespace

TEST_CASE("corpus: every binlog is read to its end and its rows match the oracle") {
  const fs::path dir = DUMPR_CORPUS_DIR;
  if (!fs::exists(dir / "MANIFEST.tsv")) {
    MESSAGE("corpus not found at " << dir.string() << "; skipped");
    return;
  }
  auto manifest = read_manifest(dir);
  REQUIRE(manifest.size() > 100);
  Stats st;
  std::size_t clean_errors = 0;
  for (const ManifestRow& m : manifest) {
    const fs::path path = dir / m.file;
    std::vector<OracleImage> oracle;
    bool have_oracle = false;
    for (const char* ext : {".mysqlbinlog.txt", ".mysqlbinlog.txt.gz"}) {
      fs::path o = path;
      o += ext;
      if (fs::exists(o)) {
        oracle = parse_oracle(read_text(o));
        have_oracle = true;
        break;
      }
    }
    std::vector<std::string> mismatches;
    std::string err = walk(path, have_oracle ? &oracle : nullptr, st, mismatches);
    CAPTURE(m.file);
    CAPTURE(m.caveat);
    if (!err.empty()) {
      // A damaged file must fail with a message naming the file and an offset.
      // Also acceptable: where the oracle itself gave up on the file's rows (a MariaDB 5.3-10.0
      // hires temporal column has no table-map metadata to size it).
#ifndef DUMPR_HAVE_ZLIB
      // MariaDB compressed events need zlib; without it they must fail clearly, never be skipped.
      if (err.find("no zlib support") != std::string::npos) {
        ++clean_errors;
        continue;
      }
#endif
      if (may_fail(m) || m.oracle.find("stops silently") != std::string::npos) {
        ++clean_errors;
        if (std::getenv("DUMPR_CORPUS_VERBOSE")) MESSAGE("clean error: " << err);
        CHECK(err.find(m.file.substr(m.file.rfind('/') + 1)) != std::string::npos);
      } else {
        FAIL_CHECK("unexpected error: " << err);
      }
    }
    for (const auto& mm : mismatches) FAIL_CHECK(mm);
  }
  MESSAGE("corpus: " << st.files << " files read to the end, " << clean_errors
                     << " stopped by a clean error, " << st.events << " events, " << st.images
                     << " row images, " << st.compared << " values compared with the oracle");
  CHECK(st.compared > 10000);
  CHECK(st.mismatches == 0);
}
