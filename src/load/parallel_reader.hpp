// ParallelReader: `load --jobs N`. N worker threads, each with its own connection (already inside
// the shared snapshot) and its own TupleBuilder, take chunks (a table, or a key range of one) in
// output order from a shared counter, stream their rows and append the tuple lines to blocks of
// about 256 KiB, queued per worker (up to kQueueBytes each; a block of a huge row alone may be
// larger). The consumer, next() in the
// caller's thread, drains the chunks strictly in chunk order: it reads from the worker that owns
// the first chunk not yet consumed. That worker is always drained, so nothing waits in a cycle;
// memory is bounded by N queues; and the bytes are those of one connection reading the chunks
// one after the other.
//
// Stopping (an error, the end, or the caller leaving early): the destructor wakes workers that
// wait for room, shuts down the sockets of workers still reading (a read blocked on the server
// returns at once, and an unread result is not drained), and joins them.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "dumpr/config.hpp"
#include "dumpr/error.hpp"
#include "load/load_table.hpp"
#include "mysql/connection.hpp"

namespace dumpr::load {

// One unit of work: a query over one table whose rows come in output order.
struct Chunk {
  std::size_t table = 0;  // index into the tables
  std::string sql;
};

// A row as the consumer sees it.
struct ParallelRow {
  std::size_t table = 0;
  std::string_view line;  // no trailing newline
  // Columns whose first repaired value of this chunk is in this row (for the once-per-column
  // warning, which the caller words and counts as the one-connection path does).
  std::span<const std::uint32_t> repaired;
};

class ParallelReader {
 public:
  static constexpr std::size_t kBlockBytes = 256 * 1024;
  static constexpr std::size_t kQueueBytes = 8 * kBlockBytes;

  // `tables` must outlive the reader; each connection is already in its snapshot.
  ParallelReader(const std::vector<LoadTable>& tables, std::vector<Chunk> chunks,
                 std::vector<mysql::Connection> conns, const ValueOptions& values);
  ~ParallelReader();
  ParallelReader(const ParallelReader&) = delete;
  ParallelReader& operator=(const ParallelReader&) = delete;

  // Starts the workers (with every asynchronous signal blocked in them: SIGINT and SIGTERM stay
  // with the caller's thread, and never interrupt a worker's read).
  void start();

  // The next row in chunk order, or nullptr after the last chunk (each worker's transaction then
  // committed). A worker's error comes out here when its chunk is reached; it stops the others.
  // The view is valid until the next call.
  Result<const ParallelRow*> next();

 private:
  struct Note {
    std::uint32_t row;     // row index within the block
    std::uint32_t column;  // column with its first repaired value of the chunk in that row
  };
  struct Block {
    std::size_t chunk = 0;
    bool last = false;  // the chunk's final block
    std::string text;   // whole lines, each ending in '\n'
    std::vector<Note> notes;
    std::optional<Error> error;  // the worker failed on this chunk (text then empty)
  };

  void work(std::size_t w);
  bool push(std::size_t w, Block& b);  // false: stopping
  std::string take_buffer();
  void stop();
  Result<bool> next_block();  // false: every chunk consumed

  const std::vector<LoadTable>& tables_;
  const std::vector<Chunk> chunks_;
  std::vector<mysql::Connection> conns_;
  const ValueOptions values_;
  std::vector<std::thread> threads_;

  // Shared state, under mu_.
  std::mutex mu_;
  std::condition_variable data_cv_;                  // the consumer: a block of head_ arrived
  std::unique_ptr<std::condition_variable[]> room_;  // worker w: room in its queue, or stop
  std::vector<std::deque<Block>> queues_;
  std::vector<std::size_t> queued_bytes_;  // per worker: text bytes in its queue
  std::vector<int> owner_;                 // chunk -> the worker that took it, -1 before
  std::vector<char> exited_;
  std::vector<std::optional<Error>> commit_error_;
  std::vector<std::string> spare_;  // emptied block buffers, reused
  std::size_t next_chunk_ = 0;
  std::size_t head_ = 0;  // the first chunk not yet consumed
  bool stopping_ = false;

  // Consumer-only state.
  Block cur_;
  bool have_cur_ = false;
  std::size_t pos_ = 0, row_in_block_ = 0, next_note_ = 0;
  std::vector<std::uint32_t> repaired_;
  ParallelRow row_;
  bool finished_ = false;
  std::optional<Error> failure_;  // returned again by every later call
};

}  // namespace dumpr::load
