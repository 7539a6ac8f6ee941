// Checkpoint files: read with simdjson, written with RapidJSON, replaced atomically.
#include <fcntl.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <simdjson.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "dumpr/position.hpp"
#include "output/checkpoint_file.hpp"

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
  if (!pos.snapshot_json.empty()) {
    w.Key("snapshot");
    w.RawValue(pos.snapshot_json.c_str(), pos.snapshot_json.size(), rapidjson::kArrayType);
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
  // Optional (older checkpoints have none): tail --snapshot's progress.
  simdjson::dom::array snapshot;
  if (!obj["snapshot"].get_array().get(snapshot)) pos.snapshot_json = simdjson::minify(snapshot);
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

Error io_error(const std::string& what, const std::string& path, int err) {
  return make_error(ErrorKind::io,
                    what + " " + path + ": " + std::strerror(err) +
                        (err == ENOSPC ? " (the disk is full; free space and retry)" : ""));
}

std::string dir_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

namespace output {

Result<std::string> checkpoint_target(const std::string& path) {
  // Follows the links the way open() would, but by hand: the checkpoint is replaced by a rename,
  // and a rename onto a link replaces the link, not its target.
  std::string p = path;
  for (int depth = 0; depth < 40; ++depth) {
    struct stat st;
    if (::lstat(p.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return p;
    std::string link(static_cast<std::size_t>(st.st_size > 0 ? st.st_size : 255) + 1, '\0');
    ssize_t n = ::readlink(p.c_str(), link.data(), link.size());
    if (n < 0) return io_error("cannot read the symbolic link", p, errno);
    link.resize(static_cast<std::size_t>(n));
    if (link.empty()) return io_error("cannot follow the symbolic link", p, ENOENT);
    p = link[0] == '/' ? link : dir_of(p) + "/" + link;
  }
  return io_error("cannot follow the symbolic link", path, ELOOP);
}

Status check_checkpoint_writable(const std::string& path) {
  auto target = checkpoint_target(path);
  if (!target) return target.take_error();
  struct stat st;
  if (::stat(target->c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    return io_error("cannot use as a checkpoint", *target, EISDIR);
  // The way a rewrite starts: a new file beside the checkpoint (later renamed over it).
  const std::string probe = *target + ".tmp." + std::to_string(::getpid());
  int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    const int err = errno;
    return make_error(ErrorKind::io,
                      "cannot write checkpoint " + path + ": cannot create a file in " +
                          dir_of(*target) + ": " + std::strerror(err) +
                          " (each rewrite creates a temporary file beside the checkpoint and "
                          "renames it over it: the directory must exist and be writable)");
  }
  ::close(fd);
  ::unlink(probe.c_str());
  return {};
}

}  // namespace output

Status write_checkpoint(const std::string& path, const Position& pos) {
  const std::string text = to_checkpoint_json(pos);
  // A symlinked checkpoint stays a link: its target is replaced, in the target's directory.
  auto target_r = output::checkpoint_target(path);
  if (!target_r) return target_r.take_error();
  const std::string& target = *target_r;
  const std::string dir = dir_of(target);
  // The old file's mode and owner carry over to its replacement.
  struct stat old {};
  const bool had_old = ::stat(target.c_str(), &old) == 0 && S_ISREG(old.st_mode);
  std::string tmp = target + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return io_error("cannot create checkpoint temp file", tmp, errno);
  auto fail = [&](const char* what, const std::string& where, int err) {
    ::close(fd);
    ::unlink(tmp.c_str());
    return io_error(what, where, err);
  };
  if (had_old) {
    if (::fchmod(fd, old.st_mode & 07777) != 0)
      return fail("cannot set the mode of checkpoint", tmp, errno);
    struct stat mine {};
    if (::fstat(fd, &mine) == 0 && (mine.st_uid != old.st_uid || mine.st_gid != old.st_gid)) {
      // Only root (or the owner, for a group it belongs to) may give a file away: keep what can
      // be kept, and the new file is this user's otherwise.
      if (::fchown(fd, old.st_uid, old.st_gid) != 0)
        (void)::fchown(fd, static_cast<uid_t>(-1), old.st_gid);
    }
  }
  const char* p = text.data();
  std::size_t left = text.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("cannot write checkpoint", tmp, errno);
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) return fail("cannot sync checkpoint", tmp, errno);
  if (::close(fd) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return io_error("cannot write checkpoint", tmp, err);
  }
  if (::rename(tmp.c_str(), target.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return io_error("cannot replace checkpoint", target, err);
  }
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return {};
}

}  // namespace dumpr
