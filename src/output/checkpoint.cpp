// Checkpoint files: read with simdjson, written with RapidJSON, replaced atomically.
#include <fcntl.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <simdjson.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "dumpr/position.hpp"

namespace dumpr {

std::string to_checkpoint_json(const Position& pos) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.StartObject();
  w.Key("file");
  w.String(pos.file.c_str(), static_cast<rapidjson::SizeType>(pos.file.size()));
  w.Key("position");
  w.Uint64(pos.position);
  if (!pos.gtid.empty()) {
    w.Key("gtid");
    w.String(pos.gtid.c_str(), static_cast<rapidjson::SizeType>(pos.gtid.size()));
  }
  w.Key("server_id");
  w.Uint(pos.server_id);
  if (!pos.server_uuid.empty()) {
    w.Key("server_uuid");
    w.String(pos.server_uuid.c_str(), static_cast<rapidjson::SizeType>(pos.server_uuid.size()));
  }
  if (!pos.flavor.empty()) {
    w.Key("flavor");
    w.String(pos.flavor.c_str(), static_cast<rapidjson::SizeType>(pos.flavor.size()));
  }
  if (!pos.tables_json.empty()) {
    w.Key("tables");
    w.RawValue(pos.tables_json.c_str(), pos.tables_json.size(), rapidjson::kObjectType);
  }
  w.EndObject();
  std::string s(sb.GetString(), sb.GetSize());
  s += '\n';
  return s;
}

Result<Position> parse_checkpoint_json(std::string_view text, std::string_view origin) {
  auto bad = [&](const std::string& why) {
    return make_error(ErrorKind::usage,
                      std::string(origin) + " is not a dumpr checkpoint: " + why +
                          " (expected {\"file\": \"mariadb-bin.000001\", \"position\": 4, ...}, "
                          "as written by `dumpr load --checkpoint` or `dumpr position`)");
  };
  simdjson::dom::parser parser;
  simdjson::padded_string padded(text);
  simdjson::dom::element root;
  if (auto e = parser.parse(padded).get(root)) return bad(simdjson::error_message(e));
  simdjson::dom::object obj;
  if (root.get_object().get(obj)) return bad("not a JSON object");
  Position pos;
  std::string_view file;
  if (obj["file"].get_string().get(file) || file.empty()) return bad("no \"file\" string");
  pos.file = std::string(file);
  if (file.find('/') != std::string_view::npos || file.find('\'') != std::string_view::npos)
    return bad("\"file\" must be a binlog file name, not a path");
  std::uint64_t p;
  if (obj["position"].get_uint64().get(p)) return bad("no \"position\" number");
  pos.position = p;
  std::string_view s;
  if (!obj["gtid"].get_string().get(s)) pos.gtid = std::string(s);
  std::uint64_t id;
  if (!obj["server_id"].get_uint64().get(id)) pos.server_id = static_cast<std::uint32_t>(id);
  if (!obj["server_uuid"].get_string().get(s)) pos.server_uuid = std::string(s);
  if (!obj["flavor"].get_string().get(s)) pos.flavor = std::string(s);
  simdjson::dom::object tables;
  if (!obj["tables"].get_object().get(tables)) pos.tables_json = simdjson::minify(tables);
  return pos;
}

Result<Position> read_checkpoint(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return make_error(ErrorKind::usage, "cannot read checkpoint " + path + ": " +
                                            std::strerror(errno) +
                                            " (create one with `dumpr load --checkpoint " + path +
                                            "` or `dumpr position --checkpoint " + path + "`)");
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_checkpoint_json(ss.str(), "checkpoint " + path);
}

namespace {

Status io_error(const std::string& what, const std::string& path, int err) {
  return make_error(ErrorKind::io,
                    what + " " + path + ": " + std::strerror(err) +
                        (err == ENOSPC ? " (the disk is full; free space and retry)" : ""));
}

}  // namespace

Status write_checkpoint(const std::string& path, const Position& pos) {
  const std::string text = to_checkpoint_json(pos);
  std::string dir = ".";
  if (auto slash = path.rfind('/'); slash != std::string::npos)
    dir = slash == 0 ? "/" : path.substr(0, slash);
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return io_error("cannot create checkpoint temp file", tmp, errno);
  const char* p = text.data();
  std::size_t left = text.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return io_error("cannot write checkpoint", tmp, err);
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    int err = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    return io_error("cannot sync checkpoint", tmp, err);
  }
  if (::close(fd) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return io_error("cannot write checkpoint", tmp, err);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return io_error("cannot replace checkpoint", path, err);
  }
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return {};
}

}  // namespace dumpr
