// The file backend: an encrypted file (keychain_file_format.h) read whole on
// every call and rewritten whole, atomically, under a lock on a sidecar file.
//
// Concurrency: reads need no lock (a write is temp + fsync + rename, so a
// reader sees the old file or the new one); writes hold flock(LOCK_EX) on
// "<path>.lock" across read-modify-write, so two processes never lose each
// other's writes. The sidecar is never deleted (deleting a lock file lets two
// writers lock different inodes). In-process calls serialize on a mutex.
#include <fcntl.h>
#include <sodium.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <mutex>

#include "core/random.h"
#include "security/keychain_file_format.h"
#include "security/keychain_internal.h"

namespace worm::security::internal {

namespace fs = std::filesystem;
namespace kf = keychain_file;

namespace {

// A descriptor closed when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

}  // namespace

Result<std::string> PromptHidden(const std::string& prompt) {
  termios old{};
  if (tcgetattr(STDIN_FILENO, &old) != 0) {
    return Status::FailedPrecondition("keychain: cannot read from the terminal (stdin is not one)");
  }
  termios quiet = old;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  quiet.c_lflag |= ECHONL;
  // Echo off before the prompt shows, and TCSANOW: TCSAFLUSH would drop
  // what was typed ahead.
  tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  (void)!::write(STDERR_FILENO, prompt.data(), prompt.size());
  std::string line;
  line.reserve(4096);  // no reallocation leaves a copy of what was typed
  char c = 0;
  bool eof = true;
  while (true) {
    ssize_t n = ::read(STDIN_FILENO, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (c == '\n') {
      eof = false;
      break;
    }
    if (line.size() >= 4096) continue;  // absurdly long: keep reading the line, drop the rest
    line += c;
  }
  tcsetattr(STDIN_FILENO, TCSANOW, &old);
  sodium_memzero(&c, 1);
  if (eof && line.empty()) {
    return Status::FailedPrecondition("keychain: nothing entered (end of input)");
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

namespace {

class FileKeychain final : public Keychain {
 public:
  explicit FileKeychain(std::string path)
      : spec_path_(std::move(path)), path_(spec_path_), lock_path_(spec_path_ + ".lock") {
    name_ = path_.filename().string();
    if (name_.empty()) name_ = spec_path_;
  }

  ~FileKeychain() override { WipeString(passphrase_); }

  std::string Describe() const override { return "file:" + spec_path_; }

  Result<std::string> Get(std::string_view name) override {
    RETURN_NOT_OK(ValidateSecretName(name));
    std::lock_guard<std::mutex> lock(mu_);
    SecretMap map;
    bool exists = false;
    RETURN_NOT_OK(Load(&map, &exists, nullptr));
    const std::string* s = map.Find(name);
    if (s == nullptr) return NoSecret(name);
    return *s;
  }

  Status Put(std::string_view name, std::string_view secret) override {
    RETURN_NOT_OK(ValidateSecretName(name));
    RETURN_NOT_OK(ValidateSecretValue(secret));
    return Mutate(/*create=*/true, [&](SecretMap& map) {
      map.Set(name, secret);
      return Status::OK();
    });
  }

  Status Remove(std::string_view name) override {
    RETURN_NOT_OK(ValidateSecretName(name));
    return Mutate(/*create=*/false,
                  [&](SecretMap& map) { return map.Erase(name) ? Status::OK() : NoSecret(name); });
  }

  Result<std::vector<std::string>> List(std::string_view prefix) override {
    std::lock_guard<std::mutex> lock(mu_);
    SecretMap map;
    bool exists = false;
    RETURN_NOT_OK(Load(&map, &exists, nullptr));
    std::vector<std::string> names;
    for (auto it = map.entries().lower_bound(prefix);
         it != map.entries().end() && it->first.starts_with(prefix); ++it) {
      names.push_back(it->first);
    }
    return names;
  }

 private:
  Status NoSecret(std::string_view name) const {
    return Status::NotFound("keychain " + name_ + ": no secret " + std::string(name));
  }

  // The format's "keychain file: ..." messages, naming this keychain instead.
  Status Named(const Status& st) const {
    static constexpr std::string_view kPrefix = "keychain file: ";
    std::string msg = st.message();
    if (std::string_view(msg).starts_with(kPrefix)) msg = msg.substr(kPrefix.size());
    return Status(st.code(), "keychain " + name_ + ": " + msg);
  }

  Status IoError(std::string_view what, int err) const {
    std::string msg =
        "keychain " + name_ + ": cannot " + std::string(what) + ": " + std::strerror(err);
    if (err == EACCES || err == EPERM) return Status::PermissionDenied(msg);
    if (err == ENOSPC || err == EDQUOT) return Status::ResourceExhausted(msg);
    return Status::Internal(msg);
  }

  // The whole file; *exists false (and `out` empty) when there is none.
  Status ReadFile(std::string* out, bool* exists) const {
    out->clear();
    Fd fd(::open(path_.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) {
      if (errno == ENOENT) {
        *exists = false;
        return Status::OK();
      }
      return IoError("read it", errno);
    }
    *exists = true;
    char buf[16384];
    while (true) {
      ssize_t n = ::read(fd.get(), buf, sizeof(buf));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return IoError("read it", errno);
      if (n == 0) break;
      out->append(buf, static_cast<size_t>(n));
      if (out->size() > kf::kMaxFileSize) break;  // ParseHeader refuses it
    }
    sodium_memzero(buf, sizeof(buf));
    return Status::OK();
  }

  // The passphrase: $WORM_KEYCHAIN_PASSPHRASE, else asked on the terminal
  // (twice for a new file). Kept for the object's life.
  Status EnsurePassphrase(bool creating) {
    if (have_passphrase_) return Status::OK();
    const char* env = std::getenv("WORM_KEYCHAIN_PASSPHRASE");
    if (env != nullptr) {
      if (*env == '\0') {
        return Status::InvalidArgument("keychain " + name_ +
                                       ": WORM_KEYCHAIN_PASSPHRASE is set but empty");
      }
      passphrase_ = env;
      have_passphrase_ = true;
      return Status::OK();
    }
    if (!::isatty(STDIN_FILENO)) {
      return Status::FailedPrecondition(
          "keychain " + name_ +
          ": needs a passphrase: set WORM_KEYCHAIN_PASSPHRASE, or run on a terminal to be asked");
    }
    std::string prompt =
        (creating ? "New passphrase for keychain " : "Passphrase for keychain ") + name_ + ": ";
    ASSIGN_OR_RETURN(std::string first, PromptHidden(prompt));
    if (first.empty()) {
      WipeString(first);
      return Status::InvalidArgument("keychain " + name_ + ": empty passphrase");
    }
    if (creating) {
      auto again = PromptHidden("Repeat the passphrase: ");
      if (!again.ok()) {
        WipeString(first);
        return again.status();
      }
      bool same = *again == first;
      WipeString(*again);
      if (!same) {
        WipeString(first);
        return Status::InvalidArgument("keychain " + name_ + ": the passphrases differ");
      }
    }
    passphrase_ = std::move(first);
    have_passphrase_ = true;
    return Status::OK();
  }

  // The key for `salt` and `kdf`, derived once per (salt, params).
  Result<const kf::Key*> KeyFor(std::string_view salt, const kf::KdfParams& kdf, bool creating) {
    if (key_ && key_salt_ == salt && key_kdf_ == kdf) return key_.get();
    RETURN_NOT_OK(EnsurePassphrase(creating));
    auto key = std::make_unique<kf::Key>();
    RETURN_NOT_OK(kf::DeriveKey(passphrase_, salt, kdf, key.get()));
    key_ = std::move(key);
    key_salt_ = std::string(salt);
    key_kdf_ = kdf;
    return key_.get();
  }

  // Reads and opens the file. *exists false and `map` empty when there is
  // none; `header` (when given) receives the file's header.
  Status Load(SecretMap* map, bool* exists, kf::Header* header_out) {
    std::string file;
    RETURN_NOT_OK(ReadFile(&file, exists));
    if (!*exists) return Status::OK();
    auto header = kf::ParseHeader(file);
    if (!header.ok()) return Named(header.status());
    ASSIGN_OR_RETURN(const kf::Key* key, KeyFor(header->salt, header->kdf, false));
    auto opened = kf::Open(file, *header, *key);
    if (!opened.ok()) {
      if (opened.status().code() == StatusCode::kPermissionDenied) {
        // Forget it, so a terminal user is asked again on the next call.
        key_.reset();
        WipeString(passphrase_);
        have_passphrase_ = false;
        return Status::PermissionDenied("wrong passphrase for keychain " + name_);
      }
      return Named(opened.status());
    }
    *map = std::move(*opened);
    if (header_out != nullptr) *header_out = std::move(*header);
    return Status::OK();
  }

  // Read-modify-write under the lock. Without `create`, a missing file is
  // NotFound from `change` on an empty map, before any passphrase is asked.
  Status Mutate(bool create, const std::function<Status(SecretMap&)>& change) {
    std::lock_guard<std::mutex> lock(mu_);
    std::error_code ec;
    if (path_.has_parent_path() && !fs::exists(path_.parent_path(), ec)) {
      if (!create) {
        SecretMap empty;
        return change(empty);
      }
      fs::create_directories(path_.parent_path(), ec);
      if (ec) return IoError("create its folder", ec.value());
    }
    Fd lock_fd(::open(lock_path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (lock_fd.get() < 0) return IoError("open its lock file", errno);
    while (::flock(lock_fd.get(), LOCK_EX) != 0) {
      if (errno != EINTR) return IoError("lock it", errno);
    }
    SecretMap map;
    bool exists = false;
    kf::Header header;
    RETURN_NOT_OK(Load(&map, &exists, &header));
    if (!exists && !create) return change(map);
    RETURN_NOT_OK(change(map));

    bool kdf_from_env = false;
    ASSIGN_OR_RETURN(kf::KdfParams wanted, kf::KdfFromEnvironment(&kdf_from_env));
    std::string salt;
    kf::KdfParams kdf;
    if (exists && (!kdf_from_env || header.kdf == wanted)) {
      // Keep the file's salt and cost (the key is cached); only the nonce is new.
      salt = header.salt;
      kdf = header.kdf;
    } else {
      // A new file, or WORM_KEYCHAIN_KDF asks for another cost: a new salt.
      salt = RandomBytes(kf::kSaltSize);
      kdf = wanted;
    }
    ASSIGN_OR_RETURN(const kf::Key* key, KeyFor(salt, kdf, !exists));
    std::string sealed = kf::Seal(map, kdf, salt, *key);
    return WriteAtomic(sealed);
  }

  // temp (0600) + fsync + rename + fsync of the folder.
  Status WriteAtomic(std::string_view data) const {
    fs::path dir = path_.has_parent_path() ? path_.parent_path() : fs::path(".");
    std::string tmp = spec_path_ + ".tmp." + std::to_string(::getpid()) + "." +
                      std::to_string(RandomU64() & 0xffffffffu);
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (fd.get() < 0) return IoError("write it", errno);
    auto fail = [&](int err) {
      ::unlink(tmp.c_str());
      return IoError("write it", err);
    };
    if (::fchmod(fd.get(), 0600) != 0) return fail(errno);
    size_t off = 0;
    while (off < data.size()) {
      ssize_t n = ::write(fd.get(), data.data() + off, data.size() - off);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return fail(errno);
      off += static_cast<size_t>(n);
    }
    if (::fsync(fd.get()) != 0) return fail(errno);
    if (::close(fd.release()) != 0) return fail(errno);
    if (::rename(tmp.c_str(), path_.c_str()) != 0) return fail(errno);
    Fd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir_fd.get() >= 0) (void)::fsync(dir_fd.get());
    return Status::OK();
  }

  const std::string spec_path_;
  const fs::path path_;
  const std::string lock_path_;
  std::string name_;  // the file's name, for messages (never the folder)

  std::mutex mu_;
  bool have_passphrase_ = false;
  std::string passphrase_;
  std::unique_ptr<kf::Key> key_;
  std::string key_salt_;
  kf::KdfParams key_kdf_;
};

}  // namespace

std::unique_ptr<Keychain> NewFileKeychain(std::string path) {
  return std::make_unique<FileKeychain>(std::move(path));
}

}  // namespace worm::security::internal
