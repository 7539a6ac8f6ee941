#include "row/kinds.hpp"

namespace dumpr::row {

namespace {

// ---- static checks: the table is complete and agrees with itself ----

static_assert(kKindCount <= 32, "kinds_detail::kReadableAs keeps a bit per kind");

constexpr bool rows_in_order() {
  for (std::size_t i = 0; i < kKinds.size(); ++i)
    if (static_cast<std::size_t>(kKinds[i].kind) != i) return false;
  return true;
}
static_assert(rows_in_order(), "every Kind has exactly one row in kKinds, in the enum's order");

constexpr bool names_and_ids_unique() {
  for (std::size_t i = 0; i < kKinds.size(); ++i) {
    if (kKinds[i].name.empty() || kKinds[i].id.empty()) return false;
    for (std::size_t j = 0; j < i; ++j)
      if (kKinds[i].name == kKinds[j].name || kKinds[i].id == kKinds[j].id) return false;
  }
  return true;
}
static_assert(names_and_ids_unique(), "every kind has its own name and checkpoint id");

constexpr bool lower_case(std::string_view s) {
  for (char c : s)
    if (c >= 'A' && c <= 'Z') return false;
  return !s.empty();
}

constexpr bool sql_types_unique() {
  // By index, not by address: a sanitizer build does not fold address comparisons of
  // different arrays into constants.
  for (std::size_t i = 0; i < kKinds.size(); ++i)
    for (std::size_t k = 0; k < kKinds[i].sql_types.size(); ++k) {
      const SqlType& a = kKinds[i].sql_types[k];
      if (!lower_case(a.name)) return false;
      for (std::size_t j = 0; j <= i; ++j)
        for (std::size_t l = 0; l < kKinds[j].sql_types.size(); ++l)
          if ((j != i || l != k) && a.name == kKinds[j].sql_types[l].name) return false;
    }
  return true;
}
static_assert(sql_types_unique(), "a SQL type name gives one kind, in lower case");

constexpr bool field_types_unique() {
  for (std::size_t i = 0; i < kKinds.size(); ++i)
    for (std::size_t a = 0; a < kKinds[i].field_types.size(); ++a)
      for (std::size_t j = 0; j <= i; ++j)
        for (std::size_t b = 0; b < kKinds[j].field_types.size(); ++b)
          if ((i != j || a != b) && kKinds[i].field_types[a] == kKinds[j].field_types[b])
            return false;
  return true;
}
static_assert(field_types_unique(), "a type code names at most one kind");

constexpr bool refinements_fit() {
  for (const KindInfo& k : kKinds)
    for (const SqlType& s : k.sql_types) {
      if (s.refine == SqlRefine::sign && !k.signedness) return false;
      if (s.refine == SqlRefine::charset && !k.by_charset) return false;
      if (s.refine == SqlRefine::precision && k.kind != Kind::float32) return false;
    }
  return true;
}
static_assert(refinements_fit(), "a SQL type's refinement leads to a kind of its pair");

constexpr int count_if(bool KindInfo::*flag) {
  int n = 0;
  for (const KindInfo& k : kKinds) n += k.*flag ? 1 : 0;
  return n;
}
static_assert(count_if(&KindInfo::signedness) == 2 && kind_info(Kind::signed_int).signedness &&
                  kind_info(Kind::unsigned_int).signedness,
              "with_sign chooses between signed_int and unsigned_int only");
static_assert(count_if(&KindInfo::by_charset) == 2 && kind_info(Kind::text).by_charset &&
                  kind_info(Kind::binary).by_charset,
              "with_charset chooses between text and binary only");

constexpr bool attributes_agree() {
  for (const KindInfo& k : kKinds) {
    if (k.charset && k.implied_collation) return false;  // the definition's charset or implied
    if (k.params == KindParams::members && !(k.charset && k.written == Written::members))
      return false;
    if ((k.params == KindParams::server_type) != (k.written == Written::server_text)) return false;
    if (k.binlog_types.empty()) return false;  // every kind can come from a binlog
    if (k.sql_types.empty()) return false;     // and from a definition
  }
  return true;
}
static_assert(attributes_agree(), "a kind's attributes, output and sources agree");

}  // namespace

const char* kind_name(Kind k) {
  // The names are string literals: their data() is terminated.
  return kind_info(k).name.data();
}

std::optional<Kind> kind_of_sql_type(std::string_view type, bool is_unsigned,
                                     std::uint16_t collation, unsigned float_precision) {
  for (const KindInfo& k : kKinds)
    for (const SqlType& s : k.sql_types) {
      if (s.name != type) continue;
      switch (s.refine) {
        case SqlRefine::none:
          return k.kind;
        case SqlRefine::sign:
          return with_sign(k.kind, is_unsigned);
        case SqlRefine::precision:
          return float_precision > 24 ? Kind::float64 : k.kind;
        case SqlRefine::charset:
          return with_charset(k.kind, collation);
      }
    }
  return std::nullopt;
}

std::optional<Kind> kind_of_id(std::string_view id) {
  for (const KindInfo& k : kKinds)
    if (k.id == id) return k.kind;
  return std::nullopt;
}

}  // namespace dumpr::row
