#include "dumpr/server_watch.hpp"

#include "metrics/backlog.hpp"
#include "mysql/binlog_status.hpp"
#include "mysql/connection.hpp"

namespace dumpr {

struct ServerWatch::Impl {
  explicit Impl(mysql::Connection c) : conn(std::move(c)) {}
  mysql::Connection conn;
};

Result<ServerWatch> ServerWatch::open(const Config& cfg) {
  Config side = cfg;
  side.connect_timeout_s = 5;
  side.read_timeout_s = 5;
  auto conn = mysql::Connection::open(side);
  if (!conn) return conn.take_error();
  return ServerWatch(std::make_unique<Impl>(std::move(conn.value())));
}

ServerWatch::ServerWatch(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ServerWatch::ServerWatch(ServerWatch&&) noexcept = default;
ServerWatch& ServerWatch::operator=(ServerWatch&&) noexcept = default;
ServerWatch::~ServerWatch() = default;

Result<BinlogBacklog> ServerWatch::backlog(const std::string& file, std::uint64_t position) {
  auto listed = mysql::binary_logs(impl_->conn);
  if (!listed) return listed.take_error();
  std::vector<metrics::BinlogFileSize> sizes;
  sizes.reserve(listed->size());
  for (auto& f : *listed) sizes.push_back({std::move(f.name), f.size});
  const auto* files = &sizes;
  BinlogBacklog b;
  if (!files->empty()) {
    b.server_file = files->back().name;
    b.server_position = files->back().size;
  }
  b.bytes_behind = metrics::bytes_behind(*files, file, position);
  b.at_current_file = !files->empty() && files->back().name == file;
  return b;
}

Result<std::uint64_t> ServerWatch::expire_seconds() {
  return mysql::binlog_expire_seconds(impl_->conn);
}

}  // namespace dumpr
