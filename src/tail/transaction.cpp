#include "tail/transaction.hpp"

#include <cctype>
#include <charconv>

namespace dumpr::tail {

namespace {

std::string_view skip_blanks(std::string_view q) {
  while (!q.empty() && (q.front() == ' ' || q.front() == '\n' || q.front() == '\t'))
    q.remove_prefix(1);
  return q;
}

// A savepoint's name as the statement writes it, without quotes, blanks or a final ';'.
std::string_view savepoint_name(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '`')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '`' || v.back() == ';')) v.remove_suffix(1);
  return v;
}

}  // namespace

bool starts_with_word(std::string_view q, std::string_view word) {
  q = skip_blanks(q);
  if (q.size() < word.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i)
    if (std::toupper(static_cast<unsigned char>(q[i])) != word[i]) return false;
  return q.size() == word.size() || !std::isalnum(static_cast<unsigned char>(q[word.size()]));
}

TxnStatement classify_statement(std::string_view q) {
  using Kind = TxnStatement::Kind;
  // What follows `word`, which `q` starts with.
  auto after = [](std::string_view q, std::string_view word) {
    return skip_blanks(q).substr(word.size());
  };
  if (starts_with_word(q, "BEGIN")) return {Kind::begin, {}};
  if (starts_with_word(q, "XA START")) return {Kind::xa_start, {}, after(q, "XA START")};
  if (starts_with_word(q, "XA BEGIN")) return {Kind::xa_start, {}, after(q, "XA BEGIN")};
  if (starts_with_word(q, "XA COMMIT")) return {Kind::xa_commit, {}, after(q, "XA COMMIT")};
  if (starts_with_word(q, "XA ROLLBACK")) return {Kind::xa_rollback, {}, after(q, "XA ROLLBACK")};
  if (starts_with_word(q, "SAVEPOINT")) return {Kind::savepoint, after(q, "SAVEPOINT")};
  if (starts_with_word(q, "ROLLBACK TO")) {
    std::string_view name = after(q, "ROLLBACK TO");
    if (starts_with_word(name, "SAVEPOINT")) name = after(name, "SAVEPOINT");
    return {Kind::rollback_to, name};
  }
  if (starts_with_word(q, "RELEASE")) return {Kind::release, {}};
  if (starts_with_word(q, "COMMIT") || starts_with_word(q, "ROLLBACK")) return {Kind::commit, {}};
  if (starts_with_word(q, "XA")) return {Kind::xa, {}};  // XA END and other bookkeeping
  return {};
}

std::uint64_t file_number(const std::string& f) {
  auto dot = f.rfind('.');
  std::uint64_t n = 0;
  if (dot != std::string::npos) std::from_chars(f.data() + dot + 1, f.data() + f.size(), n);
  return n;
}

bool at_or_after(const std::string& file, std::uint64_t pos, const Position& target) {
  if (file == target.file) return pos >= target.position;
  return file_number(file) > file_number(target.file);
}

void TransactionTracker::begin(const std::string& file, std::uint64_t event_start) {
  if (in_txn_) return;
  in_txn_ = true;
  seen_begin_ = false;
  file_ = file;
  start_ = event_start;
  gtid_.clear();
  released_ = 0;
}

std::size_t TransactionTracker::find_savepoint(std::string_view name) const {
  name = savepoint_name(name);
  for (std::size_t k = savepoints_.size(); k-- > 0;)
    if (savepoint_name(savepoints_[k].first) == name) return k;
  return savepoints_.size();
}

void TransactionTracker::start_over() {
  in_txn_ = seen_begin_ = false;
  savepoints_.clear();
  skip_ += released_;
  released_ = 0;
}

void TransactionTracker::commit(const std::string& file, std::uint64_t pos,
                                const std::string& tables_json) {
  committed_.file = file;
  committed_.position = pos;
  committed_.tables_json = tables_json;
  if (gtid_position_.commit()) gtid_position_.write(committed_.gtid);
  in_txn_ = seen_begin_ = false;
  released_ = 0;
  skip_ = 0;
  savepoints_.clear();
}

}  // namespace dumpr::tail
