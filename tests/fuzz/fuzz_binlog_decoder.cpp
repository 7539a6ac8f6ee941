// libFuzzer target: arbitrary bytes as a binlog file (magic prepended when absent) through the
// file reader, the decoder and the row decoder into a TupleBuilder; and the same bytes as one
// event for a decoder that already has a FORMAT_DESCRIPTION (the network path).
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "binlog/decoder.hpp"
#include "binlog/file.hpp"
#include "binlog/rows.hpp"
#include "row/tuple_builder.hpp"

using namespace dumpr;
using namespace dumpr::binlog;

namespace {

struct Table {
  row::TableShape shape;
  std::unique_ptr<DecodePlan> plan;
};

struct Session {
  Decoder dec;
  std::map<std::uint64_t, Table> tables;
  row::TupleBuilder before, after;

  void handle(const Event& ev, int depth) {
    if (const auto* tm = ev.as<TableMapEvent>()) {
      Table& t = tables[tm->map->table_id];
      t.shape.table = tm->map->table;
      t.shape.columns = columns_from_table_map(*tm->map);
      t.shape.id_columns.clear();
      if (!tm->map->primary_key.empty() && tm->map->primary_key[0] < t.shape.columns.size())
        t.shape.id_columns.push_back(tm->map->primary_key[0]);
      t.shape.prepare();
      auto plan = DecodePlan::make(*tm->map, t.shape.columns);
      t.plan = plan.ok() ? std::make_unique<DecodePlan>(std::move(plan.value())) : nullptr;
    } else if (const auto* rows = ev.as<RowsEvent>()) {
      auto it = tables.find(rows->table_id);
      if (it == tables.end() || !it->second.plan) return;
      Table& t = it->second;
      RowsReader reader(*rows, *t.plan);
      while (!reader.done()) {
        before.start(t.shape);
        after.start(t.shape);
        if (!reader.next(&before, &after).ok()) break;
        if (rows->has_after()) (void)after.finish(row::Op::upsert, "null");
        if (rows->has_before()) (void)before.finish(row::Op::erase, "null");
      }
    } else if (const auto* p = ev.as<TransactionPayloadEvent>()) {
      if (depth > 0) return;
      const std::vector<Bytes> inner = p->events;
      for (Bytes b : inner) {
        auto iev = dec.decode_inner(b);
        if (!iev.ok()) break;
        handle(*iev, depth + 1);
      }
    }
  }
};

FormatDescription mysql8_format() {
  FormatDescription f;
  f.server_version = "8.0.36";
  f.flavor = Flavor::mysql;
  f.checksum = ChecksumAlg::off;
  f.post_header_len.assign(kMariaDeleteRowsCompressed, 0);
  f.post_header_len[kQuery - 1] = 13;
  f.post_header_len[kRotate - 1] = 8;
  f.post_header_len[kTableMap - 1] = 8;
  for (std::uint8_t t : {kWriteRowsV1, kUpdateRowsV1, kDeleteRowsV1}) f.post_header_len[t - 1] = 8;
  for (std::uint8_t t : {kWriteRowsV2, kUpdateRowsV2, kDeleteRowsV2, kPartialUpdateRows})
    f.post_header_len[t - 1] = 10;
  for (std::uint8_t t :
       {kMariaWriteRowsCompressedV1, kMariaUpdateRowsCompressedV1, kMariaDeleteRowsCompressedV1})
    f.post_header_len[t - 1] = 8;
  for (std::uint8_t t :
       {kMariaWriteRowsCompressed, kMariaUpdateRowsCompressed, kMariaDeleteRowsCompressed})
    f.post_header_len[t - 1] = 10;
  f.post_header_len[kGtid - 1] = 42;
  return f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // 1. As a file.
  {
    std::vector<std::uint8_t> file;
    const bool has_magic =
        size >= 4 && data[0] == 0xFE && data[1] == 'b' && data[2] == 'i' && data[3] == 'n';
    if (!has_magic) file.assign(kBinlogMagic, kBinlogMagic + 4);
    file.insert(file.end(), data, data + size);
    auto f = BinlogFile::from_memory(Bytes(file), "fuzz");
    if (f.ok()) {
      Session s;
      RawEvent raw;
      for (int n = 0; n < 10000; ++n) {
        auto more = f->next(raw);
        if (!more.ok() || !*more) break;
        auto ev = s.dec.decode(raw.bytes);
        if (!ev.ok()) continue;  // keep going: later events exercise more code
        s.handle(*ev, 0);
      }
    }
  }
  // 2. As events of a stream whose FORMAT_DESCRIPTION is known: the input is split into events
  // by their own size fields, the way a dump connection delivers them.
  {
    Session s;
    s.dec.set_format(mysql8_format());
    std::size_t at = 0;
    while (at + 19 <= size) {
      std::uint32_t len = static_cast<std::uint32_t>(data[at + 9]) |
                          static_cast<std::uint32_t>(data[at + 10]) << 8 |
                          static_cast<std::uint32_t>(data[at + 11]) << 16 |
                          static_cast<std::uint32_t>(data[at + 12]) << 24;
      if (len < 19 || len > size - at) len = static_cast<std::uint32_t>(size - at);
      auto ev = s.dec.decode(Bytes(data + at, len));
      if (ev.ok()) s.handle(*ev, 0);
      at += len;
    }
  }
  return 0;
}
