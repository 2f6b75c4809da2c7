// Keychain backends (security/keychain.h): memory, env, file (format, wrong
// passphrase, tampering, truncation, concurrent writer processes, modes) and
// the keychain_file fuzz corpus. The secret-service backend is tested against
// a real gnome-keyring-daemon by tests/integration/keychain_secret_service.sh.
#include "security/keychain.h"

#include <sodium.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <thread>

#include "security/keychain_file_format.h"
#include "security/keychain_internal.h"
#include "testing/test_util.h"

namespace worm::security {
namespace {

namespace fs = std::filesystem;
namespace kf = keychain_file;
using ::testing::ElementsAre;
using worm::testing::ReadFileOrDie;
using worm::testing::ScratchDir;
using worm::testing::StatusIs;
using worm::testing::StatusIsWithMessage;
using worm::testing::WriteFileOrDie;

// Sets an environment variable for one test.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    const char* old = std::getenv(name);
    if (old != nullptr) old_ = old;
    had_ = old != nullptr;
    if (value != nullptr) {
      setenv(name, value, 1);
    } else {
      unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (had_) {
      setenv(name_.c_str(), old_.c_str(), 1);
    } else {
      unsetenv(name_.c_str());
    }
  }

 private:
  std::string name_, old_;
  bool had_ = false;
};

// The contract every writable backend keeps.
void ExerciseReadWrite(Keychain& kc) {
  EXPECT_THAT(kc.Get("signing/k1"), StatusIsWithMessage(StatusCode::kNotFound, "signing/k1"));
  ASSERT_OK(kc.Put("signing/k1", std::string("\0\x01\xffsecret", 9)));
  ASSERT_OK(kc.Put("signing/k0", "zero"));
  ASSERT_OK(kc.Put("identity/alice/AKIA1", "s3-secret"));
  ASSERT_OK_AND_ASSIGN(std::string v, kc.Get("signing/k1"));
  EXPECT_EQ(v, std::string("\0\x01\xffsecret", 9));
  ASSERT_OK(kc.Put("signing/k1", "replaced"));
  ASSERT_OK_AND_ASSIGN(v, kc.Get("signing/k1"));
  EXPECT_EQ(v, "replaced");
  ASSERT_OK_AND_ASSIGN(auto names, kc.List(""));
  EXPECT_THAT(names, ElementsAre("identity/alice/AKIA1", "signing/k0", "signing/k1"));
  ASSERT_OK_AND_ASSIGN(names, kc.List("signing/"));
  EXPECT_THAT(names, ElementsAre("signing/k0", "signing/k1"));
  ASSERT_OK(kc.Remove("signing/k0"));
  EXPECT_THAT(kc.Remove("signing/k0"), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(kc.Get("signing/k0"), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(kc.Put("bad name", "x"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(kc.Put("", "x"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(kc.Put(std::string(256, 'a'), "x"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(kc.Put("big", std::string(internal::kMaxSecretSize + 1, 'x')),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST(KeychainTest, OpenRefusesUnknownSpecs) {
  EXPECT_THAT(OpenKeychain("vault"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(OpenKeychain("file:"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(OpenKeychain(""), StatusIs(StatusCode::kInvalidArgument));
}

TEST(KeychainTest, DefaultSpec) {
  {
    ScopedEnv env("WORM_KEYCHAIN", nullptr);
    EXPECT_EQ(DefaultKeychainSpec("/p"), "file:/p/.worm/keychain");
  }
  ScopedEnv env("WORM_KEYCHAIN", "env");
  EXPECT_EQ(DefaultKeychainSpec("/p"), "env");
}

TEST(KeychainTest, Memory) {
  ASSERT_OK_AND_ASSIGN(auto kc, OpenKeychain("memory"));
  EXPECT_EQ(kc->Describe(), "memory");
  ExerciseReadWrite(*kc);
}

TEST(KeychainTest, EnvIsReadOnly) {
  ScopedEnv a("WORM_SECRET_SIGNING_K1", "from-env");
  ScopedEnv b("WORM_SECRET_IDENTITY_ALICE_AKIA1", "s3");
  ASSERT_OK_AND_ASSIGN(auto kc, OpenKeychain("env"));
  EXPECT_EQ(kc->Describe(), "env");
  EXPECT_EQ(internal::EnvVariableFor("signing/k1"), "WORM_SECRET_SIGNING_K1");
  ASSERT_OK_AND_ASSIGN(std::string v, kc->Get("signing/k1"));
  EXPECT_EQ(v, "from-env");
  EXPECT_THAT(kc->Get("signing/k2"),
              StatusIsWithMessage(StatusCode::kNotFound, "WORM_SECRET_SIGNING_K2"));
  EXPECT_THAT(kc->Put("signing/k1", "x"), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(kc->Remove("signing/k1"), StatusIs(StatusCode::kFailedPrecondition));
  ASSERT_OK_AND_ASSIGN(auto names, kc->List("signing/"));
  EXPECT_THAT(names, ElementsAre("SIGNING_K1"));
  ASSERT_OK_AND_ASSIGN(v, kc->Get(names[0]));  // a listed name reads the same variable
  EXPECT_EQ(v, "from-env");
}

class FileKeychainTest : public ::testing::Test {
 protected:
  // Argon2id at libsodium's "interactive" cost keeps each derivation short.
  ScopedEnv kdf_{"WORM_KEYCHAIN_KDF", "interactive"};
  ScopedEnv pass_{"WORM_KEYCHAIN_PASSPHRASE", "correct horse"};
  ScratchDir dir_;
  fs::path path_ = dir_.path() / "sub" / "keychain";
  std::string spec_ = "file:" + path_.string();
};

TEST_F(FileKeychainTest, RoundTripAcrossObjects) {
  ASSERT_OK_AND_ASSIGN(auto kc, OpenKeychain(spec_));
  EXPECT_EQ(kc->Describe(), spec_);
  // Nothing exists before the first Put; reads see an empty keychain.
  ASSERT_OK_AND_ASSIGN(auto names, kc->List(""));
  EXPECT_TRUE(names.empty());
  EXPECT_FALSE(fs::exists(path_));
  ExerciseReadWrite(*kc);
  ASSERT_TRUE(fs::exists(path_));
  std::string bytes = ReadFileOrDie(path_);
  EXPECT_EQ(bytes.substr(0, 7), "WORMKC1");
  EXPECT_EQ(bytes.find("s3-secret"), std::string::npos);
  EXPECT_EQ(bytes.find("identity/alice"), std::string::npos);  // names are encrypted too

  ASSERT_OK_AND_ASSIGN(auto again, OpenKeychain(spec_));
  ASSERT_OK_AND_ASSIGN(std::string v, again->Get("identity/alice/AKIA1"));
  EXPECT_EQ(v, "s3-secret");
  ASSERT_OK_AND_ASSIGN(names, again->List(""));
  EXPECT_THAT(names, ElementsAre("identity/alice/AKIA1", "signing/k1"));
}

TEST_F(FileKeychainTest, EveryWriteHasAFreshNonce) {
  ASSERT_OK_AND_ASSIGN(auto kc, OpenKeychain(spec_));
  ASSERT_OK(kc->Put("a", "1"));
  ASSERT_OK_AND_ASSIGN(kf::Header h1, kf::ParseHeader(ReadFileOrDie(path_)));
  ASSERT_OK(kc->Put("a", "1"));
  ASSERT_OK_AND_ASSIGN(kf::Header h2, kf::ParseHeader(ReadFileOrDie(path_)));
  EXPECT_NE(h1.nonce, h2.nonce);
  EXPECT_EQ(h1.salt, h2.salt);
  ASSERT_OK_AND_ASSIGN(kf::KdfParams interactive, kf::KdfLevel("interactive"));
  EXPECT_EQ(h1.kdf, interactive);
}

TEST_F(FileKeychainTest, RaisingTheKdfCostRewritesWithNewParams) {
  ASSERT_OK_AND_ASSIGN(auto kc, OpenKeychain(spec_));
  ASSERT_OK(kc->Put("a", "1"));
  std::string bytes = ReadFileOrDie(path_);
  ASSERT_OK_AND_ASSIGN(kf::Header h, kf::ParseHeader(bytes));
  // A file written with other parameters (as a future default would) opens.
  kf::KdfParams cheap{crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN};
  kf::Key key;
  ASSERT_OK(kf::DeriveKey("correct horse", h.salt, cheap, &key));
  internal::SecretMap m;
  m.Set("a", "cheap");
  WriteFileOrDie(path_, kf::Seal(m, cheap, h.salt, key));
  ASSERT_OK_AND_ASSIGN(auto reader, OpenKeychain(spec_));
  ASSERT_OK_AND_ASSIGN(std::string v, reader->Get("a"));
  EXPECT_EQ(v, "cheap");
  // A write keeps the file's cost unless WORM_KEYCHAIN_KDF names one.
  {
    ScopedEnv unset("WORM_KEYCHAIN_KDF", nullptr);
    ASSERT_OK(reader->Put("b", "2"));
    ASSERT_OK_AND_ASSIGN(h, kf::ParseHeader(ReadFileOrDie(path_)));
    EXPECT_EQ(h.kdf, cheap);
  }
  ASSERT_OK(reader->Put("b", "3"));
  ASSERT_OK_AND_ASSIGN(kf::Header raised, kf::ParseHeader(ReadFileOrDie(path_)));
  EXPECT_EQ(raised.kdf, *kf::KdfLevel("interactive"));
  EXPECT_NE(raised.salt, h.salt);
  ASSERT_OK_AND_ASSIGN(auto fresh, OpenKeychain(spec_));
  ASSERT_OK_AND_ASSIGN(v, fresh->Get("b"));
  EXPECT_EQ(v, "3");
}

TEST_F(FileKeychainTest, WrongPassphraseIsPermissionDenied) {
  {
    ASSERT_OK_AND_ASSIGN(auto kc, OpenKeychain(spec_));
    ASSERT_OK(kc->Put("signing/k1", "top-secret-value"));
  }
  ScopedEnv wrong("WORM_KEYCHAIN_PASSPHRASE", "battery staple");
  ASSERT_OK_AND_ASSIGN(auto kc, OpenKeychain(spec_));
  auto got = kc->Get("signing/k1");
  ASSERT_THAT(got, StatusIs(StatusCode::kPermissionDenied));
  EXPECT_EQ(got.status().message(), "wrong passphrase for keychain keychain");
  EXPECT_THAT(kc->List(""), StatusIs(StatusCode::kPermissionDenied));
  EXPECT_THAT(kc->Put("x", "y"), StatusIs(StatusCode::kPermissionDenied));
  EXPECT_THAT(kc->Remove("signing/k1"), StatusIs(StatusCode::kPermissionDenied));
  // Nothing was rewritten by the refused calls.
  ScopedEnv right("WORM_KEYCHAIN_PASSPHRASE", "correct horse");
  ASSERT_OK_AND_ASSIGN(auto ok, OpenKeychain(spec_));
  ASSERT_OK_AND_ASSIGN(auto names, ok->List(""));
  EXPECT_THAT(names, ElementsAre("signing/k1"));
}

TEST_F(FileKeychainTest, NoPassphraseWithoutATerminalIsAClearError) {
  ScopedEnv unset("WORM_KEYCHAIN_PASSPHRASE", nullptr);
  if (isatty(STDIN_FILENO)) GTEST_SKIP() << "stdin is a terminal";
  ASSERT_OK_AND_ASSIGN(auto kc, OpenKeychain(spec_));
  EXPECT_THAT(kc->Put("a", "b"),
              StatusIsWithMessage(StatusCode::kFailedPrecondition, "WORM_KEYCHAIN_PASSPHRASE"));
  EXPECT_FALSE(fs::exists(path_));
  ScopedEnv empty("WORM_KEYCHAIN_PASSPHRASE", "");
  EXPECT_THAT(kc->Put("a", "b"), StatusIs(StatusCode::kInvalidArgument));
}

TEST_F(FileKeychainTest, RemoveOnAMissingFileIsNotFound) {
  ScopedEnv unset("WORM_KEYCHAIN_PASSPHRASE", nullptr);  // and no passphrase is asked
  ASSERT_OK_AND_ASSIGN(auto kc, OpenKeychain(spec_));
  EXPECT_THAT(kc->Remove("a"), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(kc->Get("a"), StatusIs(StatusCode::kNotFound));
  EXPECT_FALSE(fs::exists(path_));
}

TEST_F(FileKeychainTest, TamperedByteIsDataLoss) {
  {
    ASSERT_OK_AND_ASSIGN(auto kc, OpenKeychain(spec_));
    ASSERT_OK(kc->Put("signing/k1", "top-secret-value"));
  }
  const std::string good = ReadFileOrDie(path_);
  // Through the backend: one byte of the ciphertext, one of the header.
  for (size_t pos : {good.size() - 1, good.size() - 20, size_t{30}, size_t{70}}) {
    std::string bad = good;
    bad[pos] ^= 0x01;
    WriteFileOrDie(path_, bad);
    ASSERT_OK_AND_ASSIGN(auto kc, OpenKeychain(spec_));
    auto got = kc->Get("signing/k1");
    EXPECT_THAT(got, StatusIs(StatusCode::kDataLoss)) << "byte " << pos;
    EXPECT_EQ(got.status().message().find("top-secret"), std::string::npos);
    EXPECT_EQ(got.status().message().find(dir_.path().string()), std::string::npos);
  }
  // Every byte, through the format with one derived key.
  ASSERT_OK_AND_ASSIGN(kf::Header h, kf::ParseHeader(good));
  kf::Key key;
  ASSERT_OK(kf::DeriveKey("correct horse", h.salt, h.kdf, &key));
  ASSERT_OK(kf::Open(good, h, key));
  for (size_t pos = 0; pos < good.size(); ++pos) {
    std::string bad = good;
    bad[pos] ^= 0x40;
    auto header = kf::ParseHeader(bad);
    if (pos == 7) {  // the version byte
      EXPECT_THAT(header, StatusIs(StatusCode::kFailedPrecondition));
      continue;
    }
    if (!header.ok()) {
      EXPECT_THAT(header, StatusIs(StatusCode::kDataLoss)) << "byte " << pos;
      continue;
    }
    EXPECT_GE(pos, kf::kHeaderSize) << "a header byte changed unnoticed: " << pos;
    EXPECT_THAT(kf::Open(bad, *header, key), StatusIs(StatusCode::kDataLoss)) << "byte " << pos;
  }
}

TEST_F(FileKeychainTest, TruncatedFileIsDataLoss) {
  {
    ASSERT_OK_AND_ASSIGN(auto kc, OpenKeychain(spec_));
    ASSERT_OK(kc->Put("signing/k1", "v"));
  }
  const std::string good = ReadFileOrDie(path_);
  for (size_t len : {size_t{0}, size_t{3}, size_t{7}, size_t{8}, size_t{100}, kf::kHeaderSize,
                     kf::kHeaderSize + kf::kTagSize, good.size() - 1}) {
    WriteFileOrDie(path_, good.substr(0, len));
    ASSERT_OK_AND_ASSIGN(auto kc, OpenKeychain(spec_));
    EXPECT_THAT(kc->Get("signing/k1"), StatusIs(StatusCode::kDataLoss)) << "length " << len;
    // A damaged file is never replaced by a write that would drop its secrets.
    EXPECT_THAT(kc->Put("other", "x"), StatusIs(StatusCode::kDataLoss)) << "length " << len;
  }
}

TEST_F(FileKeychainTest, FileAndLockAre0600) {
  mode_t old = umask(0);
  ASSERT_OK_AND_ASSIGN(auto kc, OpenKeychain(spec_));
  Status st = kc->Put("a", "b");
  umask(old);
  ASSERT_OK(st);
  struct stat s {};
  ASSERT_EQ(stat(path_.c_str(), &s), 0);
  EXPECT_EQ(s.st_mode & 0777, 0600u);
  ASSERT_EQ(stat((path_.string() + ".lock").c_str(), &s), 0);
  EXPECT_EQ(s.st_mode & 0777, 0600u);
  // No temp files are left behind.
  int files = 0;
  for (const auto& e : fs::directory_iterator(path_.parent_path())) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 2);
}

// Several processes, each with its own keychain object, write distinct names
// at once: the lock makes every read-modify-write see the previous one.
TEST_F(FileKeychainTest, ConcurrentWriterProcessesLoseNothing) {
  constexpr int kProcs = 4;
  constexpr int kPuts = 8;
  std::vector<pid_t> pids;
  for (int p = 0; p < kProcs; ++p) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto kc = OpenKeychain(spec_);
      if (!kc.ok()) _exit(2);
      for (int i = 0; i < kPuts; ++i) {
        std::string name = "p" + std::to_string(p) + "/" + std::to_string(i);
        if (!(*kc)->Put(name, "v" + name).ok()) _exit(3);
      }
      _exit(0);
    }
    pids.push_back(pid);
  }
  // Threads of this process write too, on one shared object.
  ASSERT_OK_AND_ASSIGN(auto shared, OpenKeychain(spec_));
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPuts; ++i) {
        if (!shared->Put("t" + std::to_string(t) + "/" + std::to_string(i), "x").ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  for (pid_t pid : pids) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
  }
  ASSERT_OK_AND_ASSIGN(auto kc, OpenKeychain(spec_));
  ASSERT_OK_AND_ASSIGN(auto names, kc->List(""));
  EXPECT_EQ(names.size(), static_cast<size_t>((kProcs + 2) * kPuts));
  ASSERT_OK_AND_ASSIGN(std::string v, kc->Get("p3/7"));
  EXPECT_EQ(v, "vp3/7");
}

TEST(KeychainFormatTest, EntriesCodec) {
  internal::SecretMap m;
  m.Set("a", std::string("\0", 1));
  m.Set("b/c", "value");
  std::string plain = kf::EncodeEntries(m);
  EXPECT_EQ(plain.size() % kf::kPadTo, 0u);
  ASSERT_OK_AND_ASSIGN(internal::SecretMap back, kf::DecodeEntries(plain));
  EXPECT_EQ(back.entries(), m.entries());
  plain.back() = 'x';  // padding must be zero
  EXPECT_THAT(kf::DecodeEntries(plain), StatusIs(StatusCode::kDataLoss));
  EXPECT_THAT(kf::DecodeEntries("\x05\0\0\0"), StatusIs(StatusCode::kDataLoss));
  EXPECT_THAT(kf::DecodeEntries(std::string("\xff\xff\xff\xff", 4)),
              StatusIs(StatusCode::kDataLoss));
}

TEST(KeychainFormatTest, KdfLevels) {
  EXPECT_OK(kf::KdfLevel("interactive"));
  EXPECT_OK(kf::KdfLevel("moderate"));
  EXPECT_OK(kf::KdfLevel("sensitive"));
  EXPECT_THAT(kf::KdfLevel("fast"), StatusIs(StatusCode::kInvalidArgument));
  ScopedEnv env("WORM_KEYCHAIN_KDF", nullptr);
  bool from_env = true;
  ASSERT_OK_AND_ASSIGN(kf::KdfParams p, kf::KdfFromEnvironment(&from_env));
  EXPECT_FALSE(from_env);
  EXPECT_EQ(p, *kf::KdfLevel("moderate"));
}

// The seed corpus and mutations of it through FuzzKeychainFile (which aborts
// on a broken invariant), without libFuzzer.
TEST(KeychainFuzzTest, SeedCorpusAndMutations) {
  std::vector<std::string> seeds = worm::testing::ReadFuzzCorpus("keychain_file");
  ASSERT_GE(seeds.size(), 3u);
  static constexpr char kBytes[] =
      "\0\x01\x02\x10\x20\x7f\x80\xff"
      "WORMKC1";
  for (const std::string& s : seeds) {
    (void)kf::FuzzKeychainFile(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  }
  for (const std::string& s :
       worm::testing::MutateSeeds(seeds, std::string_view(kBytes, sizeof(kBytes) - 1),
                                  ::testing::UnitTest::GetInstance()->random_seed(), 2000)) {
    (void)kf::FuzzKeychainFile(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  }
}

}  // namespace
}  // namespace worm::security
