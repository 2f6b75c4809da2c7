// The local backend's API for other layers (local_object.h): an object's file
// opened with the metadata of those very bytes, also while writers replace
// the object; transports over folders the caller opened; and the watch
// budget as an option (LocalTransportOptions::max_watches), not the
// environment.
#include "transport/local/local_object.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/hash.h"
#include "testing/test_util.h"
#include "transport/local/folder_watch.h"
#include "transport/local/local_list.h"
#include "worm/transport.h"

namespace worm {
namespace {

namespace fs = std::filesystem;
using testing::ScratchDir;
using testing::StatusIs;

std::shared_ptr<Transport> OpenLocal(const fs::path& root, LocalTransportOptions o = {}) {
  o.sync = false;
  Result<std::shared_ptr<Transport>> t = NewLocalTransport(root.string(), o);
  EXPECT_OK(t.status());
  return t.ok() ? *t : nullptr;
}

// All `size` bytes `fd` reads from its start.
std::string ReadAllAt(int fd, uint64_t size) {
  std::string out(size, '\0');
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::pread(fd, out.data() + done, size - done, static_cast<off_t>(done));
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  out.resize(done);
  return out;
}

TEST(LocalObjectFileTest, OpensTheFileWithItsMetadata) {
  ScratchDir dir;
  std::shared_ptr<Transport> t = OpenLocal(dir.path());
  WriteOptions o;
  o.content_type = "text/plain";
  o.user_metadata["color"] = "blue";
  const std::string small = "hello", large(local::kMaxCopiedBytes + 1, 'x');
  ASSERT_OK(t->Put("a/small.txt", small, o));
  ASSERT_OK(t->Put("a/large.bin", large, {}));

  ASSERT_OK_AND_ASSIGN(local::ObjectFile f, local::OpenObjectFile(t.get(), "a/small.txt"));
  ASSERT_OK_AND_ASSIGN(ObjectMeta head, t->Head("a/small.txt", {}));
  EXPECT_EQ(ReadAllAt(f.fd.get(), f.meta.size), small);
  EXPECT_EQ(f.meta.key, "a/small.txt");
  EXPECT_EQ(f.meta.etag, Md5Hex(small));
  EXPECT_EQ(f.meta.size, small.size());
  EXPECT_EQ(f.meta.content_type, "text/plain");
  EXPECT_EQ(f.meta.user_metadata, head.user_metadata);
  EXPECT_EQ(f.meta.last_modified_ms, head.last_modified_ms);
  EXPECT_FALSE(f.zero_copy);  // small enough for its inode to be reused

  ASSERT_OK_AND_ASSIGN(local::ObjectFile g, local::OpenObjectFile(t.get(), "a/large.bin"));
  EXPECT_EQ(g.meta.etag, Md5Hex(large));
  EXPECT_TRUE(g.zero_copy);

  EXPECT_THAT(local::OpenObjectFile(t.get(), "a/missing").status(),
              StatusIs(StatusCode::kNotFound));
  ReadOptions wrong;
  wrong.if_match = "0123";
  EXPECT_THAT(local::OpenObjectFile(t.get(), "a/small.txt", wrong).status(),
              StatusIs(StatusCode::kFailedPrecondition));
  ReadOptions ranged;  // the range is the caller's to apply
  ranged.range = ByteRange{1, 2};
  ASSERT_OK_AND_ASSIGN(local::ObjectFile r, local::OpenObjectFile(t.get(), "a/small.txt", ranged));
  EXPECT_EQ(r.meta.size, small.size());
  std::shared_ptr<Transport> memory = NewMemoryTransport();
  ASSERT_OK(memory->Put("k", "v", {}));
  EXPECT_THAT(local::OpenObjectFile(memory.get(), "k").status(),
              StatusIs(StatusCode::kInvalidArgument));
}

// A writer replaces one object over and over (sizes on both sides of
// kMaxCopiedBytes, so small versions go through reused inodes) while readers
// open it: every open's metadata describes the bytes of its descriptor, and
// those bytes stay the same while the descriptor is held across later
// writes. Bounded by the number of writes.
TEST(LocalObjectFileTest, MetadataAlwaysBelongsToTheBytesOfTheDescriptor) {
  ScratchDir dir;
  std::shared_ptr<Transport> t = OpenLocal(dir.path());
  const std::string key = "hot/object.bin";
  auto version = [](int i) {
    static constexpr uint64_t kSizes[] = {1, 700, 4096, local::kMaxCopiedBytes,
                                          local::kMaxCopiedBytes + 4096};
    std::string v(kSizes[i % 5], static_cast<char>('a' + i % 26));
    v += std::to_string(i);
    return v;
  };
  ASSERT_OK(t->Put(key, version(0), {}));
  constexpr int kWrites = 1500;
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 1; i <= kWrites; ++i) EXPECT_OK(t->Put(key, version(i), {}));
    done = true;
  });
  std::atomic<int> opens{0};
  auto reader = [&] {
    std::vector<local::ObjectFile> held;  // kept open across later writes
    while (!done) {
      Result<local::ObjectFile> f = local::OpenObjectFile(t.get(), key);
      // A writer's lease on the inode being broken: retryable, try again.
      if (f.status().code() == StatusCode::kUnavailable) continue;
      ASSERT_OK(f.status());
      ++opens;
      struct stat st;
      ASSERT_EQ(::fstat(f->fd.get(), &st), 0);
      EXPECT_EQ(static_cast<uint64_t>(st.st_size), f->meta.size);
      EXPECT_EQ(Md5Hex(ReadAllAt(f->fd.get(), f->meta.size)), f->meta.etag);
      if (!f->zero_copy) {
        EXPECT_LE(f->meta.size, local::kMaxCopiedBytes);
      }
      if (held.size() < 8 && opens % 16 == 0) held.push_back(std::move(*f));
    }
    for (const local::ObjectFile& h : held) {
      EXPECT_EQ(Md5Hex(ReadAllAt(h.fd.get(), h.meta.size)), h.meta.etag)
          << "the bytes of a held descriptor changed";
    }
  };
  std::thread r1(reader), r2(reader);
  writer.join();
  r1.join();
  r2.join();
  EXPECT_GT(opens.load(), 0);
  ASSERT_OK_AND_ASSIGN(local::ObjectFile last, local::OpenObjectFile(t.get(), key));
  EXPECT_EQ(ReadAllAt(last.fd.get(), last.meta.size), version(kWrites));
}

TEST(LocalTransportBeneathTest, MakesTheFolderAndFollowsNoSymlink) {
  ScratchDir dir, outside;
  local::UniqueFd base(::open(dir.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  ASSERT_TRUE(base.valid());
  ASSERT_OK_AND_ASSIGN(
      std::shared_ptr<Transport> t,
      local::NewTransportBeneath(base.get(), "a/b", (dir.path() / "a/b").string(), {}));
  ASSERT_OK(t->Put("k.txt", "v", {}));
  EXPECT_TRUE(fs::is_regular_file(dir.path() / "a/b/k.txt"));

  fs::create_directory_symlink(outside.path(), dir.path() / "link");
  EXPECT_THAT(local::NewTransportBeneath(base.get(), "link/c", (dir.path() / "link/c").string(), {})
                  .status(),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_TRUE(fs::is_empty(outside.path()));
  EXPECT_THAT(local::NewTransportAt(local::UniqueFd(), dir.path().string(), {}).status(),
              StatusIs(StatusCode::kInvalidArgument));

  local::UniqueFd root(::open(dir.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Transport> at,
                       local::NewTransportAt(std::move(root), dir.path().string(), {}));
  ASSERT_OK_AND_ASSIGN(Object got, at->Get("a/b/k.txt", {}));
  EXPECT_EQ(got.data, "v");
}

// FolderWatch's events, as `worm dev` reads them: what happened to which
// entry, a folder's end, and the budget as an option.
TEST(FolderWatchTest, ReportsWhatHappenedToWhichEntry) {
  ScratchDir dir;
  local::FolderWatch watch(local::FolderWatchOptions{1 << 20, /*local_only=*/false});
  local::UniqueFd fd(::open(dir.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  const int wd = watch.Add(fd.get());
  if (wd < 0) GTEST_SKIP() << "no inotify watches here";
  EXPECT_GE(watch.fd(), 0);
  fd.Reset();  // the watch outlives the descriptor it was added through
  using Event = local::FolderWatch::Event;
  std::vector<std::pair<std::string, uint32_t>> seen;
  bool folder_created = false, gone = false;
  auto drain = [&] {
    watch.DrainEvents([&](const Event& e) {
      if (e.gone) {
        gone = true;
        return;
      }
      EXPECT_EQ(e.wd, wd);
      EXPECT_FALSE(e.lost);
      if (e.is_folder && (e.what & Event::kCreated)) folder_created = true;
      if (!e.is_folder && !e.name.empty()) seen.emplace_back(std::string(e.name), e.what);
    });
  };
  testing::WriteFileOrDie(dir.path() / "a.json", "{}");
  fs::rename(dir.path() / "a.json", dir.path() / "b.json");
  fs::remove(dir.path() / "b.json");
  fs::create_directory(dir.path() / "sub");
  drain();
  auto saw = [&](const std::string& name, uint32_t what) {
    for (const auto& [n, w] : seen) {
      if (n == name && (w & what) != 0) return true;
    }
    return false;
  };
  EXPECT_TRUE(saw("a.json", Event::kCreated));
  EXPECT_TRUE(saw("a.json", Event::kWritten));
  EXPECT_TRUE(saw("a.json", Event::kMovedOut));
  EXPECT_TRUE(saw("b.json", Event::kMovedIn));
  EXPECT_TRUE(saw("b.json", Event::kDeleted));
  EXPECT_TRUE(folder_created);
  fs::remove_all(dir.path());
  drain();
  EXPECT_TRUE(gone);
  watch.Forget(wd);

  local::FolderWatch none(local::FolderWatchOptions{0, false});
  local::UniqueFd again(::open(fs::temp_directory_path().c_str(), O_RDONLY | O_DIRECTORY));
  errno = 0;
  EXPECT_EQ(none.Add(again.get()), -1);
  EXPECT_EQ(errno, ENOSPC);
}

// Lists "col/" a few times after its folders settled: how many entries the
// last listing took from watched folders without a stat.
uint64_t TrustedHitsOfThirdListing(Transport& t) {
  for (int pass = 0; pass < 2; ++pass) EXPECT_OK(t.ListAll("col/").status());
  uint64_t before = transport_internal::TrustedListingHits();
  EXPECT_OK(t.ListAll("col/").status());
  return transport_internal::TrustedListingHits() - before;
}

// The watch budget is the caller's option; the library reads no environment.
TEST(LocalWatchLimitTest, MaxWatchesIsAnOptionAndTheEnvironmentIsNotRead) {
  ScratchDir a, b;
  LocalTransportOptions off;
  off.max_watches = 0;
  std::shared_ptr<Transport> unwatched = OpenLocal(a.path(), off);
  ::setenv("WORM_WATCH_LIMIT", "0", 1);  // what turned watching off before
  std::shared_ptr<Transport> watched = OpenLocal(b.path());
  for (Transport* t : {unwatched.get(), watched.get()}) {
    for (int i = 0; i < 5; ++i) ASSERT_OK(t->Put("col/" + std::to_string(i) + "/d.json", "x", {}));
  }
  std::this_thread::sleep_for(
      std::chrono::milliseconds(1000 * transport_internal::DirListingCache::kSettleSeconds + 100));
  const uint64_t watched_hits = TrustedHitsOfThirdListing(*watched);
  const uint64_t unwatched_hits = TrustedHitsOfThirdListing(*unwatched);
  ::unsetenv("WORM_WATCH_LIMIT");
  EXPECT_EQ(unwatched_hits, 0u);
  if (watched_hits == 0 && local::FolderWatch::DefaultBudget() > 0) {
    // Either inotify is unavailable here or the env var is still read.
    local::FolderWatch probe;
    local::UniqueFd fd(::open(b.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (probe.Add(fd.get()) < 0) GTEST_SKIP() << "no inotify watches here";
  }
  EXPECT_GT(watched_hits, 0u) << "WORM_WATCH_LIMIT=0 in the environment turned watching off";
}

}  // namespace
}  // namespace worm
