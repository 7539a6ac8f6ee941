#include <doctest/doctest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "dumpr/position.hpp"
#include "output/checkpoint_file.hpp"

using namespace dumpr;

TEST_CASE("checkpoint JSON round-trips") {
  Position p;
  p.file = "mariadb-bin.000042";
  p.position = 1234;
  p.gtid = "0-1-77,1-2-3";
  p.server_id = 7;
  p.flavor = "mariadb";
  std::string text = to_checkpoint_json(p);
  CHECK(text ==
        "{\"file\":\"mariadb-bin.000042\",\"position\":1234,\"gtid\":\"0-1-77,1-2-3\","
        "\"server_id\":7,\"flavor\":\"mariadb\"}\n");
  auto back = parse_checkpoint_json(text, "test");
  REQUIRE(back.ok());
  CHECK(back->file == p.file);
  CHECK(back->position == p.position);
  CHECK(back->gtid == p.gtid);
  CHECK(back->server_id == 7);
  CHECK(back->flavor == "mariadb");
}

TEST_CASE("bad checkpoints are usage errors that say what is wrong") {
  for (const char* bad :
       {"", "[]", "{\"position\": 4}", "{\"file\": \"x\"}",
        "{\"file\": \"../etc/x\", \"position\": 4}", "{\"file\": \"x\", \"position\": -1}",
        "{\"file\": 3, \"position\": 4}"}) {
    auto r = parse_checkpoint_json(bad, "checkpoint t.json");
    CHECK_FALSE(r.ok());
    if (!r.ok()) {
      CHECK(r.error().kind == ErrorKind::usage);
      CHECK(r.error().message.find("checkpoint t.json") != std::string::npos);
    }
  }
}

TEST_CASE("checkpoint files are replaced whole, and left alone on failure") {
  char dir[] = "/tmp/dumpr-cp-XXXXXX";
  REQUIRE(mkdtemp(dir) != nullptr);
  std::string path = std::string(dir) + "/pos.json";
  Position p;
  p.file = "bin.000001";
  p.position = 4;
  REQUIRE(write_checkpoint(path, p).ok());
  p.position = 99;
  REQUIRE(write_checkpoint(path, p).ok());
  auto back = read_checkpoint(path);
  REQUIRE(back.ok());
  CHECK(back->position == 99);
  // No temp files are left behind.
  std::string ls = std::string("ls -A ") + dir + " | wc -l > " + dir + "/../dumpr-cp-count";
  REQUIRE(std::system(ls.c_str()) == 0);
  std::ifstream cnt(std::string(dir) + "/../dumpr-cp-count");
  int n = 0;
  cnt >> n;
  CHECK(n == 1);

  // A directory that does not exist: an io error naming the path; nothing is written.
  auto s = write_checkpoint(std::string(dir) + "/missing/pos.json", p);
  CHECK_FALSE(s.ok());
  if (!s.ok()) {
    CHECK(s.error().kind == ErrorKind::io);
    CHECK(s.error().message.find("missing/pos.json") != std::string::npos);
  }
  CHECK(read_checkpoint(path)->position == 99);  // the existing checkpoint is untouched
  std::string rm = std::string("rm -rf ") + dir;
  CHECK(std::system(rm.c_str()) == 0);
}

namespace {

struct ScratchDir {
  std::string path;
  ScratchDir() {
    char t[] = "/tmp/dumpr-cp-XXXXXX";
    REQUIRE(mkdtemp(t) != nullptr);
    path = t;
  }
  ~ScratchDir() { std::system(("rm -rf " + path).c_str()); }
  std::string operator/(const std::string& name) const { return path + "/" + name; }
};

std::string entries(const std::string& dir) {
  std::string out;
  std::string cmd = "ls -A " + dir;
  FILE* p = popen(cmd.c_str(), "r");
  char buf[256];
  while (p && fgets(buf, sizeof buf, p)) out += buf;
  if (p) pclose(p);
  return out;
}

}  // namespace

TEST_CASE("a symlinked checkpoint stays a link; the target keeps its mode and owner") {
  ScratchDir a, b;
  const std::string target = b / "real.json", link = a / "pos.json";
  Position p;
  p.file = "bin.000001";
  p.position = 4;
  REQUIRE(write_checkpoint(target, p).ok());
  REQUIRE(::chmod(target.c_str(), 0640) == 0);
  const bool root = ::geteuid() == 0;
  if (root) REQUIRE(::chown(target.c_str(), 4321, 4322) == 0);
  // A relative link into another directory.
  REQUIRE(::symlink(("../" + b.path.substr(b.path.rfind('/') + 1) + "/real.json").c_str(),
                    link.c_str()) == 0);

  p.position = 777;
  REQUIRE(write_checkpoint(link, p).ok());

  struct stat ls {};
  REQUIRE(::lstat(link.c_str(), &ls) == 0);
  CHECK(S_ISLNK(ls.st_mode));  // still a link
  struct stat ts {};
  REQUIRE(::stat(target.c_str(), &ts) == 0);
  CHECK((ts.st_mode & 07777) == 0640);
  if (root) {
    CHECK(ts.st_uid == 4321);
    CHECK(ts.st_gid == 4322);
  }
  CHECK(read_checkpoint(target)->position == 777);
  CHECK(read_checkpoint(link)->position == 777);
  // The temporary file was made beside the target and renamed: nothing is left anywhere.
  CHECK(entries(a.path) == "pos.json\n");
  CHECK(entries(b.path) == "real.json\n");

  // A dangling link: the first write creates the target, the link stays.
  const std::string dangling = a / "new.json";
  REQUIRE(::symlink((b / "created.json").c_str(), dangling.c_str()) == 0);
  REQUIRE(write_checkpoint(dangling, p).ok());
  REQUIRE(::lstat(dangling.c_str(), &ls) == 0);
  CHECK(S_ISLNK(ls.st_mode));
  CHECK(read_checkpoint(b / "created.json")->position == 777);
}

TEST_CASE("the checkpoint's directory is checked before any output") {
  ScratchDir d;
  CHECK(output::check_checkpoint_writable(d / "pos.json").ok());
  CHECK(entries(d.path).empty());  // the probe file is gone

  auto missing = output::check_checkpoint_writable(d / "missing/pos.json");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().kind == ErrorKind::io);
  CHECK(missing.error().message.find(d / "missing") != std::string::npos);
  CHECK(missing.error().message.find("must exist and be writable") != std::string::npos);

  REQUIRE(::mkdir((d / "dir.json").c_str(), 0755) == 0);
  CHECK_FALSE(output::check_checkpoint_writable(d / "dir.json").ok());

  if (::geteuid() != 0) {  // root writes anywhere: the mode test needs another user
    REQUIRE(::mkdir((d / "ro").c_str(), 0555) == 0);
    auto ro = output::check_checkpoint_writable(d / "ro/pos.json");
    CHECK_FALSE(ro.ok());
  }
}

TEST_CASE("one process at a time holds a checkpoint's lock, and the refusal names it") {
  ScratchDir d;
  const std::string path = d / "pos.json";
  int ready[2];
  REQUIRE(::pipe(ready) == 0);
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    auto held = output::CheckpointLock::acquire(path);
    char c = held.ok() ? 'y' : 'n';
    (void)!::write(ready[1], &c, 1);
    while (true) ::pause();  // hold it until killed
  }
  char c = 0;
  REQUIRE(::read(ready[0], &c, 1) == 1);
  REQUIRE(c == 'y');

  auto second = output::CheckpointLock::acquire(path);
  REQUIRE_FALSE(second.ok());
  CHECK(second.error().kind == ErrorKind::usage);  // exit status 2
  CHECK(second.error().message.find("process " + std::to_string(child)) != std::string::npos);
  CHECK(second.error().message.find(path + ".lock") != std::string::npos);

  // Through a symlink to the same file: the same lock.
  REQUIRE(::symlink(path.c_str(), (d / "link.json").c_str()) == 0);
  CHECK_FALSE(output::CheckpointLock::acquire(d / "link.json").ok());

  // A holder killed outright leaves its lock file; the kernel released the lock, and the next
  // process takes it over.
  REQUIRE(::kill(child, SIGKILL) == 0);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  CHECK(std::ifstream(path + ".lock").good());
  {
    auto third = output::CheckpointLock::acquire(path);
    CHECK(third.ok());
    std::ifstream in(path + ".lock");
    long pid = 0;
    in >> pid;
    CHECK(pid == ::getpid());
  }
  // Let go: the lock file is removed (nothing is left beside the checkpoint).
  CHECK_FALSE(std::ifstream(path + ".lock").good());
}
