#include "load/parallel_reader.hpp"

#include <cstring>

#include "common/signals_blocked.hpp"

namespace dumpr::load {

ParallelReader::ParallelReader(const std::vector<LoadTable>& tables, std::vector<Chunk> chunks,
                               std::vector<mysql::Connection> conns, const ValueOptions& values)
    : tables_(tables),
      chunks_(std::move(chunks)),
      conns_(std::move(conns)),
      values_(values),
      room_(std::make_unique<std::condition_variable[]>(conns_.size())),
      queues_(conns_.size()),
      queued_bytes_(conns_.size(), 0),
      owner_(chunks_.size(), -1),
      exited_(conns_.size(), 0),
      commit_error_(conns_.size()) {}

ParallelReader::~ParallelReader() {
  stop();
}

void ParallelReader::start() {
  AsyncSignalsBlocked blocked;
  threads_.reserve(conns_.size());
  for (std::size_t w = 0; w < conns_.size(); ++w) threads_.emplace_back([this, w] { work(w); });
}

std::string ParallelReader::take_buffer() {
  {
    std::lock_guard lk(mu_);
    if (!spare_.empty()) {
      std::string s = std::move(spare_.back());
      spare_.pop_back();
      return s;
    }
  }
  std::string s;
  s.reserve(kBlockBytes + kBlockBytes / 4);
  return s;
}

bool ParallelReader::push(std::size_t w, Block& b) {
  std::unique_lock lk(mu_);
  room_[w].wait(lk, [&] {
    return stopping_ || queues_[w].empty() || queued_bytes_[w] + b.text.size() <= kQueueBytes;
  });
  if (stopping_) return false;
  queued_bytes_[w] += b.text.size();
  // Only a block of the chunk being consumed can be what the consumer waits for; a block of a
  // later chunk is found when the consumer gets there (it looks before it waits).
  const bool wanted = b.chunk == head_;
  queues_[w].push_back(std::move(b));
  lk.unlock();
  if (wanted) data_cv_.notify_one();
  return true;
}

void ParallelReader::work(std::size_t w) {
  mysql::Connection& conn = conns_[w];
  row::TupleBuilder builder;
  std::vector<char> noted;
  bool failed = false;
  while (!failed) {
    std::size_t c = 0;
    {
      std::lock_guard lk(mu_);
      if (stopping_ || next_chunk_ >= chunks_.size()) break;
      c = next_chunk_++;
      owner_[c] = static_cast<int>(w);
    }
    const Chunk& chunk = chunks_[c];
    const LoadTable& t = tables_[chunk.table];
    Block b;
    b.chunk = c;
    auto fail = [&](Error e) {
      failed = true;
      b.text.clear();
      b.notes.clear();
      b.last = true;
      b.error = std::move(e);
      push(w, b);
    };
    auto res = conn.stream(chunk.sql);
    if (!res) {
      fail(res.take_error());
      break;
    }
    noted.assign(t.shape.columns.size(), 0);
    b.text = take_buffer();
    std::uint32_t rows = 0;  // in this block
    bool stopped = false;
    while (MYSQL_ROW cells = mysql_fetch_row(res->get())) {
      const std::string_view line =
          row_line(builder, t, values_, cells, mysql_fetch_lengths(res->get()));
      for (std::size_t col : builder.repaired()) {
        if (noted[col]) continue;
        noted[col] = 1;
        b.notes.push_back({rows, static_cast<std::uint32_t>(col)});
      }
      b.text.append(line);
      b.text.push_back('\n');
      ++rows;
      if (b.text.size() >= kBlockBytes) {
        if (!push(w, b)) {
          stopped = true;
          break;
        }
        b = Block{};
        b.chunk = c;
        b.text = take_buffer();
        rows = 0;
      }
    }
    if (stopped) break;
    if (mysql_errno(conn.get()) != 0) {
      fail(conn.last_error("reading table " + t.shape.table));
      break;
    }
    b.last = true;
    if (!push(w, b)) break;
  }
  // Every chunk taken: end the read-only transaction, as the one-connection path does.
  std::optional<Error> commit;
  bool stop_now;
  {
    std::lock_guard lk(mu_);
    stop_now = stopping_;
  }
  if (!failed && !stop_now) {
    if (Status s = conn.exec("COMMIT"); !s) commit = s.error();
  }
  {
    std::lock_guard lk(mu_);
    commit_error_[w] = std::move(commit);
    exited_[w] = 1;
  }
  data_cv_.notify_one();
}

void ParallelReader::stop() {
  std::vector<char> exited;
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
    exited = exited_;
  }
  if (threads_.empty()) return;
  for (std::size_t w = 0; w < conns_.size(); ++w) room_[w].notify_all();
  // A worker may be blocked reading from the server (a slow query, a stalled network): shutting
  // its socket down makes that read fail now, and the unread rest of a result is then not read
  // to the end when the result is freed. The connections are not used again.
  for (std::size_t w = 0; w < conns_.size(); ++w)
    if (!exited[w]) conns_[w].abandon();
  for (std::thread& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

Result<bool> ParallelReader::next_block() {
  std::unique_lock lk(mu_);
  if (have_cur_) {
    if (cur_.last) ++head_;
    have_cur_ = false;
    cur_.text.clear();
    cur_.notes.clear();
    // Keep ordinary buffers for the workers; one grown by a huge row goes back to the heap.
    if (cur_.text.capacity() <= 2 * kBlockBytes) spare_.push_back(std::move(cur_.text));
    cur_.text = std::string();
  }
  while (head_ < chunks_.size()) {
    const int w = owner_[head_];
    if (w >= 0 && !queues_[w].empty()) {
      cur_ = std::move(queues_[w].front());
      queues_[w].pop_front();
      queued_bytes_[w] -= cur_.text.size();
      lk.unlock();
      room_[w].notify_one();
      if (cur_.error) {
        Error e = std::move(*cur_.error);
        stop();
        return e;
      }
      have_cur_ = true;
      pos_ = row_in_block_ = next_note_ = 0;
      return true;
    }
    // Cannot happen (a worker that takes a chunk either finishes it or queues its error), but a
    // wait that nothing can end must not be possible either.
    bool all_exited = true;
    for (char e : exited_) all_exited = all_exited && e;
    if (all_exited)
      return make_error(ErrorKind::internal,
                        "load --jobs: every worker stopped before chunk " + std::to_string(head_));
    data_cv_.wait(lk);
  }
  lk.unlock();
  // Every chunk consumed: the workers commit and exit.
  for (std::thread& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
  for (auto& e : commit_error_)
    if (e) return *e;
  return false;
}

Result<const ParallelRow*> ParallelReader::next() {
  while (true) {
    if (have_cur_ && pos_ < cur_.text.size()) {
      const char* base = cur_.text.data();
      const char* start = base + pos_;
      const char* nl = static_cast<const char*>(std::memchr(start, '\n', cur_.text.size() - pos_));
      row_.table = chunks_[cur_.chunk].table;
      row_.line = std::string_view(start, static_cast<std::size_t>(nl - start));
      pos_ = static_cast<std::size_t>(nl - base) + 1;
      repaired_.clear();
      while (next_note_ < cur_.notes.size() && cur_.notes[next_note_].row == row_in_block_)
        repaired_.push_back(cur_.notes[next_note_++].column);
      row_.repaired = repaired_;
      ++row_in_block_;
      return &row_;
    }
    if (failure_) return *failure_;
    if (finished_) return static_cast<const ParallelRow*>(nullptr);
    auto more = next_block();
    if (!more) {
      failure_ = more.error();
      return more.take_error();
    }
    if (!*more) finished_ = true;
  }
}

}  // namespace dumpr::load
