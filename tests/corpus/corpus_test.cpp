// The shared binlog corpus (DUMPR_CORPUS_DIR/MANIFEST.tsv) through the real tail: every file goes
// through `dumpr tail --binlog-file FILE --skip-statement-dml` (the built binary), which must read
// it to its end with exit 0, or stop with the documented error where its caveat says it is
// damaged. Where mariadb-binlog's -vv output (the oracle) shows the row images, the tail's tuples
// must be the oracle's changes in order (an upsert per INSERT and UPDATE, a delete per DELETE and
// per UPDATE that changed the key) with the values the oracle printed, compared by the column type
// the oracle names.
#include <doctest/doctest.h>
#include <simdjson.h>

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "corpus/corpus_support.hpp"

namespace fs = std::filesystem;
using namespace dumpr::corpus;

namespace {

// ---- the oracle
// ----------------------------------------------------------------------------------

struct OracleValue {
  std::size_t n = 0;  // @N
  std::string text;   // as printed, "NULL" for SQL NULL
  std::string type;   // the type name in its comment: INT, VARSTRING, TIMESTAMP, ...
};

struct OracleChange {
  char op = 'I';      // I(nsert), U(pdate), D(elete)
  std::string table;  // without the database
  std::vector<OracleValue> before, after;
};

// `### INSERT INTO `db`.`t``, `### SET`, `###   @1=5 /* INT meta=0 nullable=0 is_null=0 */`...
// XA transactions (man dumpr, XA TRANSACTIONS): the rows of an XA PREPARE group are the tail's
// at its XA COMMIT, and none at an XA ROLLBACK or without an outcome in the file. The oracle
// prints them where they are logged, so they are moved accordingly: `xa` holds the groups
// prepared and not resolved yet, by xid.
struct OracleXa {
  std::map<std::string, std::vector<OracleChange>> prepared;
  std::string current;   // the XA START's xid while in its group
  std::size_t from = 0;  // where its changes begin

  // The xid of "XA WORD X'..',X'..',1/*!*/;".
  static std::string xid_after(std::string_view line, std::string_view word) {
    std::string_view x = line.substr(word.size());
    x = x.substr(0, x.find("/*"));
    while (!x.empty() && (x.back() == ' ' || x.back() == ';')) x.remove_suffix(1);
    return std::string(x);
  }
  void line(std::string_view l, std::vector<OracleChange>& changes) {
    if (l.rfind("XA START ", 0) == 0) {
      current = xid_after(l, "XA START ");
      from = changes.size();
    } else if (l.rfind("XA PREPARE ", 0) == 0 && !current.empty()) {
      auto& kept = prepared[current];
      kept.assign(changes.begin() + static_cast<long>(from), changes.end());
      changes.resize(from);
      current.clear();
    } else if (l.rfind("XA COMMIT ", 0) == 0) {
      if (l.find(" ONE PHASE") != std::string_view::npos) {
        current.clear();  // an ordinary commit: its changes stay where they are
        return;
      }
      auto it = prepared.find(xid_after(l, "XA COMMIT "));
      if (it == prepared.end()) return;
      changes.insert(changes.end(), it->second.begin(), it->second.end());
      prepared.erase(it);
    } else if (l.rfind("XA ROLLBACK ", 0) == 0) {
      prepared.erase(xid_after(l, "XA ROLLBACK "));
    }
  }
};

std::vector<OracleChange> parse_oracle(const std::string& text) {
  std::vector<OracleChange> changes;
  std::vector<OracleValue>* image = nullptr;
  OracleXa xa;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    std::string_view line(text.data() + pos, eol - pos);
    pos = eol + 1;
    if (line.rfind("### ", 0) != 0) {
      image = nullptr;
      if (line.rfind("XA ", 0) == 0) xa.line(line, changes);
      continue;
    }
    std::string_view rest = line.substr(4);
    auto start = [&](char op, std::string_view prefix) {
      if (rest.rfind(prefix, 0) != 0) return false;
      OracleChange c;
      c.op = op;
      std::string_view name = rest.substr(prefix.size());
      std::size_t dot = name.find("`.`");
      if (dot != std::string_view::npos) name = name.substr(dot + 2);
      if (name.size() >= 2 && name.front() == '`') name = name.substr(1, name.size() - 2);
      c.table = std::string(name);
      changes.push_back(std::move(c));
      image = nullptr;
      return true;
    };
    if (start('I', "INSERT INTO ") || start('U', "UPDATE ") || start('D', "DELETE FROM ")) continue;
    if (changes.empty()) continue;
    OracleChange& c = changes.back();
    if (rest == "SET") {
      image = &c.after;
      continue;
    }
    if (rest == "WHERE") {
      image = &c.before;
      continue;
    }
    if (!image || rest.rfind("  @", 0) != 0) continue;
    std::size_t eq = rest.find('=');
    if (eq == std::string_view::npos) continue;
    OracleValue v;
    v.n = std::stoul(std::string(rest.substr(3, eq - 3)));
    std::string_view value = rest.substr(eq + 1);
    std::size_t c0 = value.rfind(" /* ");
    if (c0 != std::string_view::npos) {
      std::string_view comment = value.substr(c0 + 4);
      std::size_t end = 0;
      while (end < comment.size() && std::isalnum(static_cast<unsigned char>(comment[end]))) ++end;
      v.type = std::string(comment.substr(0, end));
      value = value.substr(0, c0);
    }
    while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
    v.text = std::string(value);
    image->push_back(std::move(v));
  }
  return changes;
}

// mysqlbinlog's quoted string: '...' with \xNN for control bytes.
std::string unquote(std::string_view v) {
  if (v.size() < 2 || v.front() != '\'' || v.back() != '\'') return std::string(v);
  v = v.substr(1, v.size() - 2);
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\\' && i + 3 < v.size() && v[i + 1] == 'x') {
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

bool is_ascii(std::string_view s) {
  for (unsigned char c : s)
    if (c >= 0x80) return false;
  return true;
}

enum class Verdict { equal, differs, not_comparable };

struct Compared {
  Verdict verdict = Verdict::not_comparable;
  std::string why;
};

Compared same(bool eq, std::string why = {}) {
  return {eq ? Verdict::equal : Verdict::differs, eq ? std::string() : std::move(why)};
}

// Compares one of our values with the oracle's, by the type the oracle names.
Compared compare_value(const OracleValue& o, simdjson::dom::element ours) {
  const std::string& t = o.type;
  if (o.text == "NULL") return same(ours.is_null(), "expected null");
  if (ours.is_null()) return same(false, "got null, oracle " + o.text);
  if (t == "TINYINT" || t == "SHORTINT" || t == "MEDIUMINT" || t == "INT" || t == "LONGINT" ||
      t == "YEAR") {
    // "-1 (255)": the signed view, then the unsigned one; which applies is the table map's
    // signedness (checked by the table-map tests), so either view is the value.
    std::string signed_view = o.text, unsigned_view = o.text;
    if (std::size_t paren = o.text.find(" ("); paren != std::string::npos) {
      signed_view = o.text.substr(0, paren);
      unsigned_view = o.text.substr(paren + 2, o.text.size() - paren - 3);
    }
    std::string got;
    if (ours.is_int64())
      got = std::to_string(ours.get_int64().value_unsafe());
    else if (ours.is_uint64())
      got = std::to_string(ours.get_uint64().value_unsafe());
    else
      return same(false, "not an integer, oracle " + o.text);
    return same(got == signed_view || got == unsigned_view, "got " + got + ", oracle " + o.text);
  }
  if (t == "BIT") {
    if (o.text.size() < 3 || !ours.is_uint64()) return same(false, "bit is not a number");
    std::uint64_t v = 0;
    for (char c : std::string_view(o.text).substr(2, o.text.size() - 3)) v = v * 2 + (c == '1');
    return same(ours.get_uint64().value_unsafe() == v, "bit value differs from " + o.text);
  }
  if (t == "FLOAT") {
    if (!ours.is_number()) return same(false, "float is not a number");
    return same(std::strtof(o.text.c_str(), nullptr) ==
                    static_cast<float>(ours.get_double().value_unsafe()),
                "float differs from " + o.text);
  }
  if (t == "DOUBLE") {
    if (!ours.is_number()) return same(false, "double is not a number");
    return same(std::strtod(o.text.c_str(), nullptr) == ours.get_double().value_unsafe(),
                "double differs from " + o.text);
  }
  if (!ours.is_string() &&
      (t == "DECIMAL" || t == "DATE" || t == "DATETIME" || t == "TIME" || t == "TIMESTAMP"))
    return same(false, t + " is not a string");
  if (t == "DECIMAL") {
    std::string got(ours.get_string().value_unsafe());
    return same(got == o.text, "got " + got + ", oracle " + o.text);
  }
  if (t == "DATE") {
    std::string want = unquote(o.text);
    for (char& c : want)
      if (c == ':') c = '-';
    std::string got(ours.get_string().value_unsafe());
    return same(got == want, "got " + got + ", oracle " + want);
  }
  if (t == "DATETIME") {
    std::string want = unquote(o.text);
    std::string got(ours.get_string().value_unsafe());
    for (char& c : got)
      if (c == 'T') c = ' ';
    return same(got == want, "got " + got + ", oracle " + want);
  }
  if (t == "TIME") {
    std::string want = unquote(o.text);
    std::string got(ours.get_string().value_unsafe());
    return same(got == want, "got " + got + ", oracle " + want);
  }
  if (t == "TIMESTAMP") {
    // Oracle: seconds since the epoch[.fraction]; ours "YYYY-MM-DDThh:mm:ss[.f]Z".
    std::string got(ours.get_string().value_unsafe());
    unsigned y, mo, d, h, mi, s;
    if (std::sscanf(got.c_str(), "%u-%u-%uT%u:%u:%u", &y, &mo, &d, &h, &mi, &s) != 6)
      return same(false, "bad timestamp text " + got);
    std::int64_t secs = y == 0 ? 0 : days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
    return same(std::to_string(secs) == o.text.substr(0, o.text.find('.')),
                "got " + got + ", oracle " + o.text);
  }
  if (t == "ENUM") {
    // Without member names in the binlog, the member number; with them, the name (which the
    // oracle does not print).
    if (!ours.is_uint64()) return {};
    return same(ours.get_uint64().value_unsafe() == std::stoull(o.text),
                "enum number differs from " + o.text);
  }
  if (t == "SET") {
    if (!ours.is_uint64() || o.text.size() < 3) return {};
    // The oracle prints the stored bytes in order, each most significant bit first.
    std::string_view bits = std::string_view(o.text).substr(2, o.text.size() - 3);
    std::uint64_t mask = 0;
    for (std::size_t i = 0; i < bits.size() && i < 64; ++i)
      if (bits[(i / 8) * 8 + 7 - i % 8] == '1') mask |= std::uint64_t{1} << i;
    return same(ours.get_uint64().value_unsafe() == mask, "set bitmask differs from " + o.text);
  }
  if (t == "STRING" || t == "VARSTRING" || t == "BLOB" || t == "TINYBLOB" || t == "MEDIUMBLOB" ||
      t == "LONGBLOB" || t == "GEOMETRY") {
    // MySQL JSON and VECTOR come as other JSON types: the oracle cannot read them.
    if (!ours.is_string()) return {};
    const std::string want = unquote(o.text);
    const std::string got(ours.get_string().value_unsafe());
    if (got == want) return same(true);
    // Binary, or text without a known character set: base64 of the bytes; BINARY(n) padded back
    // with the zero bytes the binlog strips.
    std::string bytes = from_base64(got);
    while (bytes.size() > want.size() && !bytes.empty() && bytes.back() == '\0') bytes.pop_back();
    if (bytes == want) return same(true);
    // Text in other character sets was converted to UTF-8 (invalid bytes to U+FFFD).
    if (!is_ascii(want)) return {};
    return same(false, "text differs: got '" + got.substr(0, 60) + "', oracle '" +
                           want.substr(0, 60) + "'");
  }
  return {};
}

struct Stats {
  std::size_t files = 0, clean_errors = 0, tuples = 0, with_oracle = 0, images = 0, compared = 0,
              mismatches = 0;
};

// Our tuples against the oracle's changes, in order. `complete`: the tail read the whole file, so
// every change must be there; otherwise ours must be a prefix of the oracle's. `oracle_whole`:
// the oracle read the whole file (MANIFEST: "yes"); otherwise it gave up somewhere (a MySQL type,
// event or character set it cannot read) and ours may go on after its last change.
void compare_with_oracle(const std::string& file, const std::vector<Tuple>& ours,
                         const std::vector<OracleChange>& oracle, bool complete, bool oracle_whole,
                         Stats& st, std::vector<std::string>& problems) {
  simdjson::dom::parser parser;
  auto problem = [&](std::size_t k, const std::string& what) {
    ++st.mismatches;
    if (problems.size() < 40)
      problems.push_back(file + ": tuple " + std::to_string(k + 1) + ": " + what);
  };
  auto compare_image = [&](std::size_t k, std::string_view content,
                           const std::vector<OracleValue>& want) {
    ++st.images;
    std::string text(content);
    auto doc = parser.parse(text);
    if (doc.error() || !doc.value_unsafe().is_object())
      return problem(k, "content is not a JSON object: " + text.substr(0, 100));
    auto obj = doc.value_unsafe().get_object().value_unsafe();
    if (obj.size() != want.size())
      return problem(k, "content has " + std::to_string(obj.size()) + " columns, the oracle " +
                            std::to_string(want.size()));
    std::size_t i = 0;
    for (auto field : obj) {
      const OracleValue& o = want[i++];
      Compared c = compare_value(o, field.value);
      if (c.verdict == Verdict::not_comparable) continue;
      ++st.compared;
      if (c.verdict == Verdict::differs)
        problem(k, "@" + std::to_string(o.n) + " `" + std::string(field.key) + "` (" + o.type +
                       "): " + c.why);
    }
  };
  std::size_t k = 0;
  auto skip_truncates = [&] {
    while (k < ours.size() && ours[k].op == "truncate") ++k;
  };
  for (const OracleChange& c : oracle) {
    skip_truncates();
    if (k == ours.size()) {
      if (complete) problem(k, "the oracle has more changes, next a change of " + c.table);
      return;
    }
    auto expect = [&](std::string_view op) {
      if (ours[k].op == op && ours[k].table == c.table) return true;
      problem(k, "expected " + std::string(op) + " of " + c.table + ", got " +
                     std::string(ours[k].op) + " of " + std::string(ours[k].table));
      return false;
    };
    if (c.op == 'I') {
      if (!expect("upsert")) return;
      compare_image(k, ours[k].content, c.after);
      ++k;
    } else if (c.op == 'D') {
      if (!expect("delete")) return;
      compare_image(k, ours[k].content, c.before);
      ++k;
    } else {
      // A key change: the delete of the old id (with the row before), then the upsert.
      if (ours[k].op == "delete" && ours[k].table == c.table) {
        compare_image(k, ours[k].content, c.before);
        ++k;
        if (k == ours.size()) {
          if (complete) problem(k, "a key change without its upsert");
          return;
        }
        if (ours[k].metadata.find("\"moved_from\":") == std::string_view::npos)
          problem(k, "the upsert after a key change has no moved_from");
      }
      if (!expect("upsert")) return;
      compare_image(k, ours[k].content, c.after);
      ++k;
    }
  }
  skip_truncates();
  if (k < ours.size() && oracle_whole)
    problem(k, "a tuple the oracle does not have: of " + std::string(ours[k].table));
}

}  // namespace

TEST_CASE(
    "corpus: every binlog through `dumpr tail --binlog-file`: read to its end, rows as the "
    "oracle") {
  const auto dir = corpus_or_skip();
  if (!dir) return;
  auto manifest = read_manifest(*dir);
  REQUIRE(manifest.size() > 100);
  Stats st;
  simdjson::dom::parser parser;
  for (const ManifestRow& m : manifest) {
    CAPTURE(m.file);
    CAPTURE(m.caveat);
    // The fixtures hold XA COMMITs of XAs prepared before them (recovery tests): skipped.
    const Run r = run_dumpr(
        *dir, {"tail", "--binlog-file", m.file, "--skip-statement-dml", "--skip-unknown-xa"});
    CAPTURE(r.err);
    const std::string base = m.file.substr(m.file.rfind('/') + 1);
    bool complete = r.exit == 0;
    if (complete) {
      ++st.files;
    } else if (r.exit == 8 && may_fail(m)) {
      // Damage the manifest announces: exit 8, naming the file (and the offset).
      ++st.clean_errors;
      CHECK(r.err.find("dumpr: " + m.file) != std::string::npos);
      if (r.err.find("an encrypted MySQL binlog") == std::string::npos)  // the whole file is
        CHECK(r.err.find(" at offset ") != std::string::npos);
    } else if (r.exit == 10 && m.oracle.find("stops silently") != std::string::npos) {
      // A column the binary log alone cannot size (MariaDB 5.3-10.0 fractional temporal types,
      // where the oracle gives up too): exit 10 naming the table and the column.
      ++st.clean_errors;
      CHECK(r.err.find("cannot be read from the binlog alone") != std::string::npos);
    } else {
      FAIL_CHECK("exit " << r.exit << ", not 0 (nor a documented stop for its caveat)");
      continue;
    }
    if (!r.err.empty() && std::getenv("DUMPR_CORPUS_VERBOSE")) MESSAGE(r.err);
    // Every line is a whole tuple `[op, table, id, content, metadata]` of valid JSON.
    std::vector<Tuple> tuples;
    for (std::string_view line : lines_of(r.out)) {
      auto t = tuple_of(line);
      std::string text(line);
      if (!t || parser.parse(text).error()) {
        FAIL_CHECK("not a tuple of valid JSON: " << text.substr(0, 200));
        break;
      }
      CHECK((t->op == "upsert" || t->op == "delete" || t->op == "truncate"));
      tuples.push_back(*t);
    }
    CHECK((r.out.empty() || r.out.back() == '\n'));
    st.tuples += tuples.size();
    std::string oracle_text;
    for (const char* ext : {".mysqlbinlog.txt", ".mysqlbinlog.txt.gz"}) {
      fs::path o = *dir / m.file;
      o += ext;
      if (fs::exists(o)) {
        oracle_text = read_text(o);
        break;
      }
    }
    if (oracle_text.empty()) continue;
    ++st.with_oracle;
    std::vector<std::string> problems;
    compare_with_oracle(m.file, tuples, parse_oracle(oracle_text), complete,
                        m.oracle.rfind("yes", 0) == 0, st, problems);
    for (const auto& p : problems) FAIL_CHECK(p);
  }
  MESSAGE("corpus through the tail: " << st.files << " files read to the end, " << st.clean_errors
                                      << " stopped by a documented error, " << st.tuples
                                      << " tuples; " << st.with_oracle << " files with an oracle, "
                                      << st.images << " row images and " << st.compared
                                      << " values compared with it");
  CHECK(st.files > 150);
  CHECK(st.images > 200000);
  CHECK(st.compared > 900000);
  CHECK(st.mismatches == 0);
}
