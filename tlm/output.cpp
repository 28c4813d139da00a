#include "tlm/output.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "tlm/cleanup.h"
#include "tlm/error.h"
#include "tlm/fdio.h"

namespace spiketlm {

namespace {

enum class Kind { file, special, descriptor, dir };

[[noreturn]] void bad(const std::string& path, const std::string& what, const std::string& problem,
                      const std::string& expected) {
  fail("output", path + ": " + what + ": " + problem + ", expected " + expected);
}

std::string err_text(int e) { return std::strerror(e); }

std::string parent_of(const std::string& p) {
  const auto slash = p.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : p.substr(0, slash);
}

std::string name_of(const std::string& p) {
  const auto slash = p.find_last_of('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

// /dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N: the descriptor, else -1.
int descriptor_of(const std::string& p) {
  if (p == "/dev/stdout") return 1;
  if (p == "/dev/stderr") return 2;
  for (const char* pre : {"/dev/fd/", "/proc/self/fd/"}) {
    const std::string s(pre);
    if (p.compare(0, s.size(), s) != 0 || p.size() == s.size() || p.size() > s.size() + 6) continue;
    const std::string n = p.substr(s.size());
    if (n.find_first_not_of("0123456789") == std::string::npos) return std::atoi(n.c_str());
  }
  return -1;
}

// Follow symbolic links of the last component: what the path finally names (which may not
// exist yet: a dangling link names the file it will create).
std::string resolve(const std::string& path, const std::string& what) {
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  for (int hop = 0; hop < 40; ++hop) {
    struct stat st;
    if (::lstat(p.c_str(), &st) != 0) {
      if (errno == ENOENT) return p;
      bad(path, what, "cannot be examined (" + err_text(errno) + ")", "an accessible path");
    }
    if (!S_ISLNK(st.st_mode)) return p;
    std::string t(size_t(st.st_size > 0 ? st.st_size : PATH_MAX), '\0');
    const ssize_t n = ::readlink(p.c_str(), t.data(), t.size());
    if (n < 0) bad(path, what, "symbolic link cannot be read (" + err_text(errno) + ")", "a readable link");
    t.resize(size_t(n));
    p = (t.empty() || t[0] == '/') ? t : parent_of(p) + "/" + t;
  }
  bad(path, what, "too many levels of symbolic links", "a link chain of at most 40 links");
}

// One spelling per file: the real path of its directory and its name.
std::string canonical(const std::string& target) {
  char buf[PATH_MAX];
  if (::realpath(target.c_str(), buf)) return buf;
  if (::realpath(parent_of(target).c_str(), buf)) return std::string(buf) + "/" + name_of(target);
  return target;
}

void check_parent(const std::string& path, const std::string& what, const std::string& target) {
  const std::string dir = parent_of(target);
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    bad(path, what, "directory '" + dir + "' does not exist", "an existing directory");
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    bad(path, what, "directory '" + dir + "' is not writable (" + err_text(errno) + ")",
        "a directory where a temporary file can be created beside the output");
}

// A name beside `target` for its temporary copy (mkstemp/mkdtemp template).
std::string temp_template(const std::string& target) {
  std::string n = name_of(target);
  if (n.size() > 180) n.resize(180);
  return parent_of(target) + "/." + n + ".spiketlm-XXXXXX";
}

bool has_entries(const std::string& dir) {
  std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), ::closedir);
  if (!d) return true;
  while (dirent* de = ::readdir(d.get()))
    if (std::strcmp(de->d_name, ".") != 0 && std::strcmp(de->d_name, "..") != 0) return true;
  return false;
}

mode_t process_umask() {
  static const mode_t m = [] {
    const mode_t u = ::umask(022);
    ::umask(u);
    return u;
  }();
  return m;
}

// Copy a staged unnamed file to `fd`; false with errno set on a write error.
bool copy_to(std::FILE* from, int fd) {
  std::rewind(from);
  char buf[65536];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, from)) > 0;)
    if (!write_full(fd, buf, n)) return false;
  return !std::ferror(from);
}

}  // namespace

struct OutputSet::Entry {
  std::string given, target, key, what;
  Kind kind = Kind::file;
  int fd = -1;                       // descriptor targets
  bool existed = false;              // a regular file (or an empty directory) was there
  mode_t mode = 0;
  uid_t uid = 0;
  gid_t gid = 0;
  std::string temp;                  // staged temporary file or directory beside the target
  std::vector<std::FILE*> chunks;    // staged content of in-place targets, in write order
  std::string backup;                // the previous version during commit()
  bool staged() const { return !temp.empty() || !chunks.empty(); }
};

OutputSet::OutputSet() { process_umask(); }
OutputSet::~OutputSet() { discard(); }

OutputSet& OutputSet::process() {
  static OutputSet s;
  return s;
}

std::string OutputSet::claim(const std::string& path, const std::string& what) {
  if (path.empty()) fail("output", what + ": expected a file path, got an empty string");
  auto e = std::make_unique<Entry>();
  e->given = path;
  e->what = what;
  const int fd = descriptor_of(path);
  if (fd >= 0) {
    const int fl = ::fcntl(fd, F_GETFL);
    if (fl < 0 || (fl & O_ACCMODE) == O_RDONLY)
      bad(path, what, "descriptor " + std::to_string(fd) + " is not open for writing", "an open output descriptor");
    e->kind = Kind::descriptor;
    e->fd = fd;
    e->target = path;
    e->key = "fd:" + std::to_string(fd);
  } else {
    e->target = resolve(path, what);
    struct stat st;
    if (::stat(e->target.c_str(), &st) == 0) {
      if (S_ISDIR(st.st_mode)) bad(path, what, "is a directory", "a file path");
      if (S_ISSOCK(st.st_mode)) bad(path, what, "is a socket", "a file, device or FIFO");
      if (::access(e->target.c_str(), W_OK) != 0) bad(path, what, "is not writable (" + err_text(errno) + ")", "a writable file");
      if (S_ISREG(st.st_mode)) {
        check_parent(path, what, e->target);
        e->existed = true;
        e->mode = st.st_mode & 07777;
        e->uid = st.st_uid;
        e->gid = st.st_gid;
      } else {
        e->kind = Kind::special;  // device or FIFO: written in place
      }
    } else if (errno == ENOENT) {
      check_parent(path, what, e->target);
    } else {
      bad(path, what, "cannot be examined (" + err_text(errno) + ")", "an accessible path");
    }
    e->key = canonical(e->target);
  }
  for (const auto& o : m_entries) {
    if (o->key != e->key) continue;
    if (o->what == what && o->kind == e->kind) return o->target;
    if (e->kind == Kind::special || e->kind == Kind::descriptor) continue;  // --json /dev/null --csv /dev/null
    bad(path, what, "is the same file as " + o->what + " (" + o->given + ")", "a different path for each output");
  }
  m_entries.push_back(std::move(e));
  return m_entries.back()->target;
}

std::string OutputSet::claim_dir(const std::string& path, const std::string& what) {
  if (path.empty()) fail("output", what + ": expected a directory path, got an empty string");
  auto e = std::make_unique<Entry>();
  e->given = path;
  e->what = what;
  e->kind = Kind::dir;
  e->target = resolve(path, what);
  struct stat st;
  if (::stat(e->target.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) bad(path, what, "exists and is not a directory", "a new path or an empty directory");
    if (has_entries(e->target)) bad(path, what, "is a directory that is not empty", "a new path or an empty directory");
    e->existed = true;
  } else if (errno != ENOENT) {
    bad(path, what, "cannot be examined (" + err_text(errno) + ")", "an accessible path");
  }
  check_parent(path, what, e->target);
  e->key = canonical(e->target);
  for (const auto& o : m_entries) {
    if (o->key != e->key) continue;
    if (o->what == what && o->kind == Kind::dir) return o->target;
    bad(path, what, "is the same path as " + o->what + " (" + o->given + ")", "a different path for each output");
  }
  m_entries.push_back(std::move(e));
  return m_entries.back()->target;
}

void OutputSet::refuse_input(const std::string& input, const std::string& what) const {
  if (input.empty()) return;
  std::string key = canonical(input);
  while (key.size() > 1 && key.back() == '/') key.pop_back();
  for (const auto& o : m_entries)
    if (o->key == key && o->kind != Kind::special && o->kind != Kind::descriptor)
      bad(o->given, o->what, "is the input " + what + " (" + input + ")", "an output path that is not an input");
}

bool OutputSet::claimed(const std::string& path) const {
  for (const auto& o : m_entries)
    if (o->given == path) return true;
  return false;
}

size_t OutputSet::staged() const {
  size_t n = 0;
  for (const auto& o : m_entries) n += o->staged();
  return n;
}

OutputSet::Entry& OutputSet::find_or_claim(const std::string& path, bool dir) {
  for (auto& o : m_entries)
    if (o->given == path && (o->kind == Kind::dir) == dir) return *o;
  const std::string target = dir ? claim_dir(path, "output") : claim(path, "output");
  for (auto& o : m_entries)
    if (o->target == target && (o->kind == Kind::dir) == dir) return *o;
  fail("output", path + ": output: lost after claim, expected a claimed path");
}

void OutputSet::write(const std::string& path, const std::string& content) {
  write(path, [&content](std::FILE* f) { std::fwrite(content.data(), 1, content.size(), f); });
}

void OutputSet::write(const std::string& path, const std::function<void(std::FILE*)>& fill) {
  stage_file(find_or_claim(path, false), fill);
}

void OutputSet::stage_file(Entry& e, const std::function<void(std::FILE*)>& fill) {
  std::FILE* f = nullptr;
  if (e.kind == Kind::file) {
    if (!e.temp.empty()) {  // staged again: the new content replaces the old
      ::unlink(e.temp.c_str());
      cleanup::forget(e.temp);
      e.temp.clear();
    }
    std::string t = temp_template(e.target);
    {
      cleanup::HoldSignals hold;
      const int fd = ::mkostemp(t.data(), O_CLOEXEC);
      if (fd < 0)
        bad(e.given, e.what, "cannot create a temporary file beside it (" + err_text(errno) + ")", "a writable directory");
      cleanup::add_file(t);
      e.temp = t;
      ::fchmod(fd, e.existed ? e.mode : (0666 & ~process_umask()));
      if (e.existed && ::geteuid() == 0) (void)!::fchown(fd, e.uid, e.gid);
      f = ::fdopen(fd, "wb");
      if (!f) ::close(fd);
    }
  } else {
    f = std::tmpfile();
  }
  if (!f) bad(e.given, e.what, "cannot stage the output (" + err_text(errno) + ")", "a writable temporary file");
  int err = 0;
  try {
    fill(f);
  } catch (...) {
    std::fclose(f);
    if (e.kind == Kind::file) {
      ::unlink(e.temp.c_str());
      cleanup::forget(e.temp);
      e.temp.clear();
    }
    throw;
  }
  bool ok = std::fflush(f) == 0 && !std::ferror(f);
  if (!ok) err = errno;
  if (e.kind == Kind::file) {
    if (std::fclose(f) != 0 && ok) {
      ok = false;
      err = errno;
    }
    if (!ok) {
      ::unlink(e.temp.c_str());
      cleanup::forget(e.temp);
      e.temp.clear();
    }
  } else if (ok) {
    e.chunks.push_back(f);
  } else {
    std::fclose(f);
  }
  if (!ok)
    bad(e.given, e.what, "write failed (" + err_text(err) + ")",
        "room for the whole output (disk space, file-size limit); the previous file is unchanged");
}

std::string OutputSet::stage_dir(const std::string& path) {
  Entry& e = find_or_claim(path, true);
  if (!e.temp.empty()) {
    cleanup::remove_tree(e.temp.c_str());
    cleanup::forget(e.temp);
    e.temp.clear();
  }
  std::string t = temp_template(e.target);
  cleanup::HoldSignals hold;
  if (!::mkdtemp(t.data()))
    bad(e.given, e.what, "cannot create a temporary directory beside it (" + err_text(errno) + ")", "a writable directory");
  cleanup::add_dir(t);
  ::chmod(t.c_str(), 0777 & ~process_umask());
  e.temp = t;
  return t;
}

std::string OutputSet::staged_dir(const std::string& path) const {
  for (const auto& o : m_entries)
    if (o->given == path && o->kind == Kind::dir) return o->temp;
  return "";
}

void OutputSet::rollback(const std::vector<Entry*>& done) {
  for (auto it = done.rbegin(); it != done.rend(); ++it) {
    Entry& e = **it;
    if (e.kind == Kind::dir) {
      cleanup::remove_tree(e.target.c_str());
      if (e.existed) ::mkdir(e.target.c_str(), 0777 & ~process_umask());
    } else if (!e.backup.empty()) {
      ::rename(e.backup.c_str(), e.target.c_str());
    } else {
      ::unlink(e.target.c_str());
    }
    cleanup::forget(e.backup);
    e.backup.clear();
  }
}

void OutputSet::commit() {
  std::vector<Entry*> done;
  {
    cleanup::HoldSignals hold;
    for (auto& up : m_entries) {
      Entry& e = *up;
      if (e.temp.empty()) continue;
      struct stat st;
      if (e.kind == Kind::file && ::lstat(e.target.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
        const std::string b = e.temp + ".old";  // unique: the temporary name is
        if (::link(e.target.c_str(), b.c_str()) == 0) {
          cleanup::add_file(b);
          e.backup = b;
        }
      }
      if (::rename(e.temp.c_str(), e.target.c_str()) != 0) {
        const int err = errno;
        if (!e.backup.empty()) {
          ::unlink(e.backup.c_str());
          cleanup::forget(e.backup);
          e.backup.clear();
        }
        rollback(done);
        discard();
        bad(e.given, e.what, "cannot be put in place (" + err_text(err) + ")",
            e.kind == Kind::dir ? "a new path or an empty directory" : "a replaceable file");
      }
      cleanup::forget(e.temp);
      e.temp.clear();
      done.push_back(&e);
    }
  }
  for (auto& up : m_entries) {
    Entry& e = *up;
    for (size_t i = 0; i < e.chunks.size(); ++i) {
      int fd = e.fd;
      if (e.kind == Kind::descriptor) {
        std::cout.flush();
        std::cerr.flush();
        std::fflush(nullptr);
      } else {
        fd = ::open(e.target.c_str(), O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd >= 0) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
      }
      const int err = fd < 0 ? errno : (copy_to(e.chunks[i], fd) ? 0 : errno ? errno : EIO);
      if (e.kind == Kind::special && fd >= 0) ::close(fd);
      if (err != 0) {
        {
          cleanup::HoldSignals hold;
          rollback(done);
        }
        discard();
        bad(e.given, e.what, (err == ENXIO ? std::string("is a FIFO with no reader") : "write failed (" + err_text(err) + ")"),
            "a writable target");
      }
    }
    for (std::FILE* f : e.chunks) std::fclose(f);
    e.chunks.clear();
  }
  for (Entry* e : done) {
    if (e->backup.empty()) continue;
    ::unlink(e->backup.c_str());
    cleanup::forget(e->backup);
    e->backup.clear();
  }
}

void OutputSet::discard() {
  for (auto& up : m_entries) {
    Entry& e = *up;
    if (!e.temp.empty()) {
      if (e.kind == Kind::dir) cleanup::remove_tree(e.temp.c_str());
      else ::unlink(e.temp.c_str());
      cleanup::forget(e.temp);
      e.temp.clear();
    }
    for (std::FILE* f : e.chunks) std::fclose(f);
    e.chunks.clear();
  }
}

}  // namespace spiketlm
