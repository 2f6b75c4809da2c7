// Local filesystem transport specifics: the on-disk layout, xattr metadata,
// hand edits, key/folder clashes, crash leftovers and cross-process races.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "core/hash.h"
#include "testing/test_util.h"
#include "transport/local/list_summary.h"
#include "transport/local/local_fs.h"
#include "transport/local/local_list.h"
#include "worm/transport.h"

namespace worm {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::ReadFileOrDie;
using testing::ScratchDir;
using testing::StatusIs;
using testing::StatusIsWithMessage;
using testing::WriteFileOrDie;

// Rewrites the metadata record of `key`'s file by hand: a record that matches
// the file (inode, size, mtime, key) but claims `etag`. True on success.
bool ForgeRecord(const fs::path& root, const std::string& key, const std::string& etag) {
  std::string path = (root / key).string();
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return false;
  transport_internal::MetaRecord forged;
  forged.etag = etag;
  forged.size = static_cast<uint64_t>(st.st_size);
  forged.mtime_ns = transport_internal::MtimeNanos(st);
  forged.ino = static_cast<uint64_t>(st.st_ino);
  forged.key_hash = transport_internal::RecordKeyHash(key);
  std::string blob = transport_internal::EncodeMetaRecord(forged);
  return ::setxattr(path.c_str(), transport_internal::kMetaXattr, blob.data(), blob.size(), 0) == 0;
}

class LocalTransportTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }
  void Open() {
    transport_.reset();
    ASSERT_OK_AND_ASSIGN(transport_, NewLocalTransport(dir_.path().string()));
  }
  Transport& t() { return *transport_; }
  fs::path root() const { return dir_.path(); }

  ScratchDir dir_;
  std::shared_ptr<Transport> transport_;
};

std::vector<std::string> ListKeys(Transport& t, const std::string& prefix = "") {
  std::vector<std::string> keys;
  Result<std::vector<ObjectMeta>> all = t.ListAll(prefix);
  EXPECT_OK(all.status());
  if (all.ok()) {
    for (const ObjectMeta& m : *all) keys.push_back(m.key);
  }
  return keys;
}

TEST_F(LocalTransportTest, ObjectsArePlainFiles) {
  ASSERT_OK(t().Put("org/customers/42/profile.json", "{\"id\":42}", {}));
  EXPECT_EQ(ReadFileOrDie(root() / "org/customers/42/profile.json"), "{\"id\":42}");
  WriteFileOrDie(root() / "org/notes.txt", "written by hand");
  ASSERT_OK_AND_ASSIGN(Object obj, t().Get("org/notes.txt", {}));
  EXPECT_EQ(obj.data, "written by hand");
  EXPECT_EQ(obj.meta.etag, Md5Hex("written by hand"));
  EXPECT_THAT(ListKeys(t()), ElementsAre("org/customers/42/profile.json", "org/notes.txt"));
}

TEST_F(LocalTransportTest, MetadataLivesInXattrAndSurvivesReopen) {
  ASSERT_TRUE(t().capabilities().user_metadata) << "this test needs a filesystem with xattrs";
  WriteOptions o;
  o.content_type = "application/json";
  o.user_metadata = {{"owner", "ada"}};
  ASSERT_OK_AND_ASSIGN(PutResult put, t().Put("m.json", "{}", o));
  char buf[512];
  ssize_t n = ::getxattr((root() / "m.json").c_str(), "user.worm.meta", buf, sizeof(buf));
  ASSERT_GT(n, 0);
  transport_internal::MetaRecord record;
  ASSERT_TRUE(transport_internal::DecodeMetaRecord(std::string_view(buf, n), &record));
  EXPECT_EQ(record.etag, put.etag);
  EXPECT_EQ(record.key_hash, transport_internal::RecordKeyHash("m.json"));
  Open();
  ASSERT_OK_AND_ASSIGN(ObjectMeta head, t().Head("m.json", {}));
  EXPECT_EQ(head.etag, put.etag);
  EXPECT_EQ(head.content_type, "application/json");
  EXPECT_EQ(head.user_metadata, o.user_metadata);
}

TEST(MetaRecordTest, RoundTripsAndFitsInTheInodeForPlainDocuments) {
  transport_internal::MetaRecord r;
  r.etag = Md5Hex("{\"id\":1}");
  r.size = 123456789;
  r.mtime_ns = 1764600000123456789;
  r.ino = 987654321;
  r.key_hash = transport_internal::RecordKeyHash("org/customers/1/profile.json");
  r.content_type = "application/json";
  std::string blob = transport_internal::EncodeMetaRecord(r);
  // ext4 keeps xattr values up to about 60 bytes inside a 256-byte inode.
  EXPECT_LE(blob.size(), 48u);
  r.content_type = "image/svg+xml; charset=utf-8";  // not one of the one-byte types
  r.user_metadata = {{"owner", "ada"}, {"note", std::string(300, 'x')}, {"empty", ""}};
  blob = transport_internal::EncodeMetaRecord(r);
  transport_internal::MetaRecord back;
  ASSERT_TRUE(transport_internal::DecodeMetaRecord(blob, &back));
  EXPECT_EQ(back.etag, r.etag);
  EXPECT_EQ(back.size, r.size);
  EXPECT_EQ(back.mtime_ns, r.mtime_ns);
  EXPECT_EQ(back.ino, r.ino);
  EXPECT_EQ(back.key_hash, r.key_hash);
  EXPECT_EQ(back.content_type, r.content_type);
  EXPECT_EQ(back.user_metadata, r.user_metadata);
  for (size_t cut = 0; cut < blob.size(); ++cut) {
    EXPECT_FALSE(transport_internal::DecodeMetaRecord(blob.substr(0, cut), &back)) << cut;
  }
  EXPECT_FALSE(transport_internal::DecodeMetaRecord(blob + "x", &back));
}

TEST_F(LocalTransportTest, HandEditedFileGetsFreshEtag) {
  ASSERT_OK(t().Put("doc.json", "{\"v\":1}", {}));
  // An editor that replaces the file (new inode, no xattr).
  WriteFileOrDie(root() / "tmp-edit", "{\"v\":2}");
  fs::rename(root() / "tmp-edit", root() / "doc.json");
  ASSERT_OK_AND_ASSIGN(ObjectMeta a, t().Head("doc.json", {}));
  EXPECT_EQ(a.etag, Md5Hex("{\"v\":2}"));
  // An in-place edit of the same size, later in time (same inode, old xattr).
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  {
    std::fstream f(root() / "doc.json", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(5);
    f.write("3", 1);
  }
  ASSERT_OK_AND_ASSIGN(ObjectMeta b, t().Head("doc.json", {}));
  EXPECT_EQ(b.etag, Md5Hex("{\"v\":3}"));
  ASSERT_OK_AND_ASSIGN(ListPage page, t().List(ListRequest{}));
  ASSERT_EQ(page.objects.size(), 1u);
  EXPECT_EQ(page.objects[0].etag, b.etag);
  // A conditional update against the edited content works.
  EXPECT_OK(t().Put("doc.json", "{\"v\":4}", WriteOptions::Update(b.etag)));
  // A corrupt xattr is ignored, not trusted.
  ASSERT_EQ(::setxattr((root() / "doc.json").c_str(), "user.worm.meta", "garbage", 7, 0), 0);
  ASSERT_OK_AND_ASSIGN(ObjectMeta c, t().Head("doc.json", {}));
  EXPECT_EQ(c.etag, Md5Hex("{\"v\":4}"));
}

// Every key S3 stores, the local backend stores (local_keys.h); the common
// key keeps its plain path, the others get encoded names.
TEST_F(LocalTransportTest, KeysThatAreAlsoFoldersAndOddSegmentsAreStored) {
  ASSERT_OK(t().Put("a/b/c", "deep", {}));
  ASSERT_OK(t().Put("a/b", "beside", {}));
  ASSERT_OK(t().Put("x", "file", {}));
  ASSERT_OK(t().Put("x/y", "under", {}));  // moves "x" beside the new folder
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<WriteStream> w, t().OpenWrite("x/y/z", {}));
  ASSERT_OK(w->Append("streamed"));
  ASSERT_OK(w->Commit());
  EXPECT_THAT(t().Put("a/b", "again", WriteOptions::Create()),
              StatusIs(StatusCode::kAlreadyExists));
  for (auto [key, want] : std::vector<std::pair<std::string, std::string>>{{"a/b/c", "deep"},
                                                                           {"a/b", "beside"},
                                                                           {"x", "file"},
                                                                           {"x/y", "under"},
                                                                           {"x/y/z", "streamed"}}) {
    ASSERT_OK_AND_ASSIGN(Object obj, t().Get(key, {}));
    EXPECT_EQ(obj.data, want) << key;
  }
  EXPECT_THAT(ListKeys(t()), ElementsAre("a/b", "a/b/c", "x", "x/y", "x/y/z"));
  // The folders keep their plain names; other tools still read a/b/c.
  EXPECT_EQ(ReadFileOrDie(root() / "a/b/c"), "deep");
  EXPECT_EQ(ReadFileOrDie(root() / "a/.wormfs.ob"), "beside");
  EXPECT_EQ(ReadFileOrDie(root() / ".wormfs.ox"), "file");
  ASSERT_OK(t().Delete("x/y/z", {}));
  ASSERT_OK(t().Delete("x/y", {}));
  EXPECT_THAT(ListKeys(t()), ElementsAre("a/b", "a/b/c", "x"));
  ASSERT_OK(t().Put("x", "rewritten", {}));  // where it is: beside, never twice
  EXPECT_THAT(ListKeys(t()), ElementsAre("a/b", "a/b/c", "x"));
  ASSERT_OK_AND_ASSIGN(Object x, t().Get("x", {}));
  EXPECT_EQ(x.data, "rewritten");
}

TEST_F(LocalTransportTest, EveryKeyS3AcceptsIsStoredAndOnlyThose) {
  const std::vector<std::string> keys = {"a//b",
                                         "/a",
                                         "a/",
                                         "/",
                                         "//",
                                         "./a",
                                         "a/./b",
                                         "a/../b",
                                         "..",
                                         ".wormfs/tmp/x",
                                         ".wormfs",
                                         ".wormfs.e",
                                         "d/.wormfs.e",
                                         ".wormfs.s.",
                                         ".wormfs.oa",
                                         std::string(256, 'n'),
                                         std::string(255, 'n'),
                                         std::string(1024, 'k'),
                                         std::string(1024, '/'),
                                         "seg/" + std::string(300, 's') + "/x",
                                         "dir/.wormfs",
                                         ".wormfs-not-reserved/x"};
  for (const std::string& key : keys) {
    ASSERT_OK_MSG(t().Put(key, "v:" + key, {}), key);
  }
  std::vector<std::string> sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(ListKeys(t()), sorted);
  Open();  // another process sees the same keys
  EXPECT_EQ(ListKeys(t()), sorted);
  for (const std::string& key : keys) {
    ASSERT_OK_AND_ASSIGN(Object obj, t().Get(key, {}));
    EXPECT_EQ(obj.data, "v:" + key);
  }
  EXPECT_EQ(ReadFileOrDie(root() / std::string(255, 'n')), "v:" + std::string(255, 'n'));
  for (const std::string& key : std::vector<std::string>{
           std::string(1025, 'k'), std::string("nul\0byte", 8), std::string()}) {
    EXPECT_THAT(t().Put(key, "x", {}), StatusIs(StatusCode::kInvalidArgument)) << key.size();
    EXPECT_THAT(t().Get(key, {}), StatusIs(StatusCode::kInvalidArgument)) << key.size();
  }
  for (const std::string& key : keys) ASSERT_OK_MSG(t().Delete(key, {}), key);
  EXPECT_THAT(ListKeys(t()), IsEmpty());
  // Deletes prune the folders they emptied, encoded or not.
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(root())) left.push_back(e.path().filename());
  EXPECT_THAT(left, ElementsAre(".wormfs"));
}

// The same resolution one segment at a time (kernels without openat2): long
// encoded paths are opened piece by piece there too.
TEST_F(LocalTransportTest, OddKeysWithoutOpenat2) {
  transport_internal::TEST_SetOpenat2Enabled(false);
  const std::vector<std::string> keys = {std::string(1024, '/'), "a//b/",
                                         "x/" + std::string(300, 's'), ".wormfs/k"};
  for (const std::string& key : keys) ASSERT_OK_MSG(t().Put(key, "v", {}), key.size());
  ASSERT_OK(t().Put("x", "beside", {}));
  std::vector<std::string> sorted = keys;
  sorted.push_back("x");
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(ListKeys(t()), sorted);
  for (const std::string& key : sorted) ASSERT_OK_MSG(t().Get(key, {}), key.size());
  for (const std::string& key : sorted) ASSERT_OK_MSG(t().Delete(key, {}), key.size());
  EXPECT_THAT(ListKeys(t()), IsEmpty());
  transport_internal::TEST_SetOpenat2Enabled(true);
}

TEST_F(LocalTransportTest, ReservedFolderAndTempFilesAreInvisible) {
  ASSERT_OK(t().Put("visible", "x", {}));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<WriteStream> pending, t().OpenWrite("pending", {}));
  ASSERT_OK(pending->Append("not yet"));
  EXPECT_TRUE(fs::exists(root() / ".wormfs/tmp"));
  EXPECT_THAT(ListKeys(t()), ElementsAre("visible"));
  EXPECT_THAT(ListKeys(t(), ".wormfs"), IsEmpty());
  ASSERT_OK_AND_ASSIGN(ListPage page, t().List(ListRequest{"", "/", "", "", 1000}));
  EXPECT_THAT(page.common_prefixes, IsEmpty());
  ASSERT_OK(pending->Commit());
  EXPECT_THAT(ListKeys(t()), ElementsAre("pending", "visible"));
}

TEST_F(LocalTransportTest, CrashMidWriteLeavesNoPartialObject) {
  ASSERT_OK(t().Put("kept", "committed", {}));
  // What a writer killed mid-Put leaves: a temp file named after a dead pid.
  const fs::path stale = root() / ".wormfs/tmp/999999999-0-deadbeef.tmp";
  WriteFileOrDie(stale, "half a docu");
  const fs::path live = root() / ".wormfs/tmp" / (std::to_string(::getpid()) + "-9-live.tmp");
  WriteFileOrDie(live, "another writer in flight");
  Open();  // the restart
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_TRUE(fs::exists(live)) << "a live writer's temp file must not be swept";
  EXPECT_THAT(ListKeys(t()), ElementsAre("kept"));
  ASSERT_OK_AND_ASSIGN(Object obj, t().Get("kept", {}));
  EXPECT_EQ(obj.data, "committed");
}

// Overwrites hand the replaced inode to the next write (SparePool) where the
// filesystem grants file leases.
bool LeasesWork(const fs::path& dir) {
  const fs::path probe = dir / "lease-probe";
  WriteFileOrDie(probe, "x");
  int fd = ::open(probe.c_str(), O_WRONLY | O_CLOEXEC);
  bool ok = fd >= 0 && ::fcntl(fd, F_SETSIG, SIGURG) == 0 && ::fcntl(fd, F_SETLEASE, F_WRLCK) == 0;
  if (fd >= 0) ::close(fd);
  fs::remove(probe);
  return ok;
}

ino_t InodeOf(const fs::path& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_ino;
}

std::string ReadAll(ReadStream& stream) {
  std::string out;
  char buf[4096];
  for (;;) {
    Result<size_t> n = stream.Read(buf, sizeof(buf));
    EXPECT_OK(n.status());
    if (!n.ok() || *n == 0) return out;
    out.append(buf, *n);
  }
}

TEST_F(LocalTransportTest, OverwritesReuseTheReplacedInode) {
  if (!LeasesWork(root())) GTEST_SKIP() << "no file leases here: every write takes a new inode";
  ASSERT_OK(t().Put("k", std::string(8192, 'a'), {}));
  const ino_t first = InodeOf(root() / "k");
  ASSERT_OK(t().Put("k", std::string(8192, 'b'), {}));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<WriteStream> w, t().OpenWrite("other", {}));
  ASSERT_OK(w->Append("short"));
  ASSERT_OK_AND_ASSIGN(PutResult put, w->Commit());
  EXPECT_EQ(InodeOf(root() / "other"), first) << "the first version's inode was not reused";
  EXPECT_EQ(put.etag, Md5Hex("short"));
  Open();  // what a later process sees
  ASSERT_OK_AND_ASSIGN(Object other, t().Get("other", {}));
  EXPECT_EQ(other.data, "short") << "the old 8 KiB must be cut to the new size";
  EXPECT_EQ(other.meta.etag, Md5Hex("short"));
  ASSERT_OK_AND_ASSIGN(Object k, t().Get("k", {}));
  EXPECT_EQ(k.data, std::string(8192, 'b'));
  EXPECT_THAT(ListKeys(t()), ElementsAre("k", "other"));
}

TEST_F(LocalTransportTest, AReaderOfAnOldVersionReadsItWhole) {
  const std::string v1(64 * 1024, '1');
  ASSERT_OK(t().Put("k", v1, {}));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ReadStream> reader, t().OpenRead("k", {}));
  for (int i = 0; i < 100; ++i) {  // enough writes to cycle every spare
    ASSERT_OK(t().Put("k", std::string(64 * 1024, static_cast<char>('a' + i % 26)), {}));
    ASSERT_OK(t().Put("o" + std::to_string(i % 7), std::string(100 + i, 'z'), {}));
  }
  EXPECT_EQ(ReadAll(*reader), v1);
  ASSERT_OK_AND_ASSIGN(Object now, t().Get("k", {}));
  EXPECT_EQ(now.data, std::string(64 * 1024, static_cast<char>('a' + 99 % 26)));
}

TEST_F(LocalTransportTest, AFileLinkedElsewhereIsNeverRewritten) {
  ASSERT_OK(t().Put("k", "original", {}));
  fs::create_hard_link(root() / "k", root() / "kept-link");
  for (int i = 0; i < 100; ++i) {
    ASSERT_OK(t().Put("k", "new " + std::to_string(i), {}));
    ASSERT_OK(t().Put("o" + std::to_string(i % 7), "other " + std::to_string(i), {}));
  }
  EXPECT_EQ(ReadFileOrDie(root() / "kept-link"), "original");
}

TEST_F(LocalTransportTest, AFileMovedByHandKeepsItsEtag) {
  ASSERT_OK_AND_ASSIGN(PutResult put, t().Put("from", "moved content", {}));
  fs::rename(root() / "from", root() / "to");
  ASSERT_OK_AND_ASSIGN(ObjectMeta head, t().Head("to", {}));
  EXPECT_EQ(head.etag, put.etag);
  ASSERT_OK_AND_ASSIGN(Object obj, t().Get("to", {}));
  EXPECT_EQ(obj.data, "moved content");
  EXPECT_EQ(obj.meta.etag, put.etag);
}

TEST_F(LocalTransportTest, DeletePrunesEmptyFolders) {
  ASSERT_OK(t().Put("a/b/c/d.json", "x", {}));
  ASSERT_OK(t().Put("a/keep.json", "x", {}));
  ASSERT_OK(t().Delete("a/b/c/d.json", {}));
  EXPECT_FALSE(fs::exists(root() / "a/b"));
  EXPECT_TRUE(fs::exists(root() / "a/keep.json"));
  ASSERT_OK(t().Delete("a/keep.json", {}));
  EXPECT_FALSE(fs::exists(root() / "a"));
  EXPECT_TRUE(fs::exists(root()));
  // An empty folder made by hand is not a prefix either.
  fs::create_directories(root() / "empty/inner");
  ASSERT_OK_AND_ASSIGN(ListPage page, t().List(ListRequest{"", "/", "", "", 1000}));
  EXPECT_THAT(page.common_prefixes, IsEmpty());
}

TEST_F(LocalTransportTest, ListPagesThroughABigFolderInOrder) {
  std::vector<std::string> expected;
  WriteOptions fast;
  fast.sync = false;
  for (int i = 299; i >= 0; --i) {
    std::string key = "big/" + std::to_string(i * 7919 % 1000);
    if (std::find(expected.begin(), expected.end(), key) != expected.end()) continue;
    ASSERT_OK(t().Put(key, "x", fast));
    expected.push_back(key);
  }
  ASSERT_OK(t().Put("big0", "x", fast));
  ASSERT_OK(t().Put("big-", "x", fast));
  std::sort(expected.begin(), expected.end());
  std::vector<std::string> keys;
  ListRequest r{"big/", "", "", "", 10};
  for (;;) {
    ASSERT_OK_AND_ASSIGN(ListPage page, t().List(r));
    for (const ObjectMeta& m : page.objects) keys.push_back(m.key);
    if (page.next_token.empty()) break;
    r.token = page.next_token;
  }
  EXPECT_EQ(keys, expected);
  EXPECT_THAT(ListKeys(t(), "big"), ::testing::Contains("big-"));
}

// Big folders are listed once and paged from a cache (DirListingCache); any
// entry added or removed afterwards must show up on the very next listing.
TEST_F(LocalTransportTest, CachedBigFolderListingSeesEveryChange) {
  WriteOptions fast;
  fast.sync = false;
  std::set<std::string> expected;
  for (int i = 0; i < 1200; ++i) {
    char id[16];
    std::snprintf(id, sizeof(id), "%05d", i * 37 % 100000);
    std::string key = std::string("col/") + id + "/doc.json";
    ASSERT_OK(t().Put(key, "x", fast));
    expected.insert(key);
  }
  ASSERT_OK(t().Put("col-sibling", "x", fast));
  // Only folders unchanged for DirListingCache::kSettleSeconds are cached.
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));

  auto list_all = [&](const std::string& start_after, const std::string& delimiter) {
    std::vector<std::string> keys;
    ListRequest r{"col/", delimiter, start_after, "", 100};
    for (;;) {
      auto page = t().List(r);
      EXPECT_OK(page.status());
      if (!page.ok()) break;
      for (const ObjectMeta& m : page->objects) keys.push_back(m.key);
      for (const std::string& p : page->common_prefixes) keys.push_back(p);
      if (page->next_token.empty()) break;
      r.token = page->next_token;
    }
    return keys;
  };
  std::vector<std::string> want(expected.begin(), expected.end());
  EXPECT_EQ(list_all("", ""), want);  // fills the cache
  EXPECT_EQ(list_all("", ""), want);  // served from it

  // start_after inside a folder's subtree keeps that folder's later keys.
  std::string mid = *std::next(expected.begin(), 600);
  std::vector<std::string> after(std::next(expected.begin(), 601), expected.end());
  EXPECT_EQ(list_all(mid, ""), after);
  after.insert(after.begin(), mid);
  EXPECT_EQ(list_all(mid.substr(0, mid.rfind('/')) + "/a", ""), after);

  std::vector<std::string> folders;
  for (const std::string& k : expected) folders.push_back(k.substr(0, k.rfind('/') + 1));
  EXPECT_EQ(list_all("", "/"), folders);

  // Changes right after a cached read are seen.
  ASSERT_OK(t().Put("col/00001x/doc.json", "x", fast));
  expected.insert("col/00001x/doc.json");
  ASSERT_OK(t().Delete(*expected.rbegin(), {}));
  expected.erase(std::prev(expected.end()));
  want.assign(expected.begin(), expected.end());
  EXPECT_EQ(list_all("", ""), want);

  // Entity folders are cached too: a file added to one shows on the next
  // listing, and so does a file edited in place (its folder unchanged).
  std::string first = *expected.begin(), untouched = *std::next(expected.begin(), 100);
  std::string sibling = first.substr(0, first.rfind('/') + 1) + "extra.json";
  ASSERT_OK(t().Put(sibling, "x", fast));
  expected.insert(sibling);
  want.assign(expected.begin(), expected.end());
  EXPECT_EQ(list_all("", ""), want);
  WriteFileOrDie(root() / untouched, "edited in place");
  ASSERT_OK_AND_ASSIGN(ListPage edited, t().List(ListRequest{untouched, "", "", "", 1}));
  ASSERT_EQ(edited.objects.size(), 1u);
  EXPECT_EQ(edited.objects[0].etag, Md5Hex("edited in place"));

  // File records are cached too (FileRecordCache): an edit that keeps the
  // size is seen...
  auto etag_of = [&](const std::string& key) {
    auto page = t().List(ListRequest{key, "", "", "", 1});
    EXPECT_OK(page.status());
    return page.ok() && page->objects.size() == 1 ? page->objects[0].etag : "";
  };
  std::string same_size = *std::next(expected.begin(), 150);
  EXPECT_EQ(etag_of(same_size), Md5Hex("x"));
  WriteFileOrDie(root() / same_size, "y");
  EXPECT_EQ(etag_of(same_size), Md5Hex("y"));
  // ...and so is a record rewritten by hand (which moves only the ctime):
  // a forged record that matches the file is believed, so it shows.
  std::string other = *std::next(expected.begin(), 200);
  EXPECT_EQ(etag_of(other), Md5Hex("x"));
  ASSERT_TRUE(ForgeRecord(root(), other, std::string(32, 'f')));
  EXPECT_EQ(etag_of(other), std::string(32, 'f'));
}

// A cached folder's entries are chosen once per folder (SelectFrom), not
// checked one by one: a delimiter that rolls a folder up must still skip its
// other files, and a start_after past a whole folder must skip all of it.
TEST_F(LocalTransportTest, CachedFoldersHonourDelimiterAndStartAfter) {
  WriteOptions fast;
  fast.sync = false;
  for (const char* key : {"d/a/1", "d/a/2", "d/a/3", "d/b/1", "d/b/2", "d/c", "e/x"}) {
    ASSERT_OK(t().Put(key, "x", fast));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));  // settle: cached from now on
  auto names = [&](ListRequest r) {
    std::vector<std::string> out;
    auto page = t().List(r);
    EXPECT_OK(page.status());
    if (page.ok()) {
      for (const ObjectMeta& m : page->objects) out.push_back(m.key);
      for (const std::string& p : page->common_prefixes) out.push_back(p);
    }
    return out;
  };
  for (int pass = 0; pass < 3; ++pass) {  // uncached, cached, trusted
    EXPECT_THAT(names(ListRequest{"d/", "/", "", "", 100}), ElementsAre("d/c", "d/a/", "d/b/"));
    EXPECT_THAT(names(ListRequest{"d/a/", "", "d/b", "", 100}), IsEmpty());
    EXPECT_THAT(names(ListRequest{"d/", "", "d/a/2", "", 100}),
                ElementsAre("d/a/3", "d/b/1", "d/b/2", "d/c"));
  }
}

// A folder listed twice gets an inotify watch (FolderWatch); from then on it
// and its files are listed without a stat while no event arrives. Every
// kind of change must still show on the very next listing, including ones
// that leave the folder's own times alone and ones whose events were lost.
// Lists "col/" in pages of `page_keys`, resuming by token or by start_after.
std::map<std::string, std::string> EtagsUnder(Transport& t, int page_keys, bool by_token) {
  std::map<std::string, std::string> etags;
  ListRequest r{"col/", "", "", "", page_keys};
  for (;;) {
    auto page = t.List(r);
    EXPECT_OK(page.status());
    if (!page.ok()) return etags;
    for (const ObjectMeta& m : page->objects) etags[m.key] = m.etag;
    if (page->next_token.empty()) return etags;
    if (by_token) {
      r.token = page->next_token;
    } else {
      r.start_after = page->objects.back().key;
    }
  }
}

// Every change a listing of watched folders must see, one after another,
// each listed twice: the second listing may use what the first one learned
// (trusted folders and records, and a summary of the whole prefix).
// `link_outside`: one file also has a link outside the root, so its record is
// never trusted (a write through the other link raises no event in the
// watched folder) and no summary is ever built.
void WatchedListingsSeeEveryChange(Transport& t, const fs::path& root, bool link_outside,
                                   int page_keys, bool by_token) {
  WriteOptions fast;
  fast.sync = false;
  constexpr int kEntities = 40;
  auto key_of = [](int i) { return "col/" + std::to_string(1000 + i) + "/doc.json"; };
  for (int i = 0; i < kEntities; ++i) ASSERT_OK(t.Put(key_of(i), "x", fast));
  ScratchDir outside;
  std::string linked = key_of(7);
  if (link_outside) {
    ASSERT_EQ(::link((root / linked).c_str(), (outside.path() / "link").c_str()), 0);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));  // settle

  auto listing = [&] { return EtagsUnder(t, page_keys, by_token); };
  std::map<std::string, std::string> want;
  for (int i = 0; i < kEntities; ++i) want[key_of(i)] = Md5Hex("x");
  EXPECT_EQ(listing(), want);  // caches the folders
  EXPECT_EQ(listing(), want);  // listed again: watched
  uint64_t before = transport_internal::TrustedListingHits();
  EXPECT_EQ(listing(), want);
  // Each entity's folder and file, less the linked file.
  EXPECT_GE(transport_internal::TrustedListingHits() - before, 2u * kEntities - 1);
  // The next listing comes from the summary the last one built: no folder
  // is visited, one summary hit per page.
  before = transport_internal::TrustedListingHits();
  uint64_t summary_before = transport_internal::ListSummaryHits();
  EXPECT_EQ(listing(), want);
  uint64_t pages = (kEntities + page_keys - 1) / page_keys;
  if (link_outside) {
    EXPECT_EQ(transport_internal::ListSummaryHits(), summary_before);
  } else {
    EXPECT_EQ(transport_internal::TrustedListingHits(), before);
    EXPECT_EQ(transport_internal::ListSummaryHits() - summary_before, pages);
  }

  auto expect_next_listing = [&](const char* what) {
    EXPECT_EQ(listing(), want) << what;
    EXPECT_EQ(listing(), want) << what << ", listed again";
    EXPECT_EQ(listing(), want) << what << ", listed a third time";
  };
  // Written in place, same size: its folder is untouched.
  WriteFileOrDie(root / key_of(1), "y");
  want[key_of(1)] = Md5Hex("y");
  expect_next_listing("edited in place");
  // Its metadata record rewritten by hand (an xattr: only the ctime moves).
  ASSERT_TRUE(ForgeRecord(root, key_of(2), std::string(32, 'e')));
  want[key_of(2)] = std::string(32, 'e');
  expect_next_listing("record rewritten");
  // Truncated.
  ASSERT_EQ(::truncate((root / key_of(3)).c_str(), 0), 0);
  want[key_of(3)] = Md5Hex("");
  expect_next_listing("truncated");
  // A file added beside an entity's, one removed, a folder replaced whole.
  std::string extra = "col/" + std::to_string(1000 + 4) + "/extra.json";
  WriteFileOrDie(root / extra, "z");
  want[extra] = Md5Hex("z");
  expect_next_listing("file added");
  ASSERT_EQ(::unlink((root / key_of(5)).c_str()), 0);
  want.erase(key_of(5));
  expect_next_listing("file removed");
  fs::path folder = root / "col" / std::to_string(1000 + 6);
  fs::rename(folder, outside.path() / "moved");
  fs::create_directories(folder);
  WriteFileOrDie(folder / "doc.json", "new folder");
  want[key_of(6)] = Md5Hex("new folder");
  expect_next_listing("folder replaced");
  if (link_outside) {  // written through its other link
    WriteFileOrDie(outside.path() / "link", "through the other link");
    want[linked] = Md5Hex("through the other link");
    expect_next_listing("written through another link");
  }
  // Through the transport itself.
  ASSERT_OK(t.Put(key_of(8), "put", fast));
  want[key_of(8)] = Md5Hex("put");
  expect_next_listing("overwritten by Put");
  ASSERT_OK(t.Delete(key_of(9), {}));
  want.erase(key_of(9));
  expect_next_listing("removed by Delete");

  // Events lost: more than the kernel queues (two files take turns, or
  // equal events would merge), then one more change whose event is dropped.
  long max_queued = 16384;
  std::ifstream("/proc/sys/fs/inotify/max_queued_events") >> max_queued;
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));  // settle again
  EXPECT_EQ(listing(), want);
  EXPECT_EQ(listing(), want);  // every folder watched and trusted again
  EXPECT_EQ(listing(), want);  // (and summarized, without the link)
  {
    std::string a = (root / key_of(10)).string(), b = (root / key_of(11)).string();
    transport_internal::UniqueFd fa(::open(a.c_str(), O_WRONLY));
    transport_internal::UniqueFd fb(::open(b.c_str(), O_WRONLY));
    ASSERT_TRUE(fa.valid() && fb.valid());
    for (long i = 0; i <= max_queued; ++i) {
      ASSERT_EQ(::pwrite(fa.get(), "x", 1, 0), 1);
      ASSERT_EQ(::pwrite(fb.get(), "x", 1, 0), 1);
    }
  }
  WriteFileOrDie(root / key_of(12), "w");
  want[key_of(12)] = Md5Hex("w");
  expect_next_listing("after lost events");
}

TEST_F(LocalTransportTest, WatchedFoldersAreListedWithoutStatsAndSeeEveryChange) {
  WatchedListingsSeeEveryChange(t(), root(), /*link_outside=*/true, 1000, /*by_token=*/true);
}

TEST_F(LocalTransportTest, SummarizedListingsSeeEveryChangeByTokenPages) {
  WatchedListingsSeeEveryChange(t(), root(), /*link_outside=*/false, 7, /*by_token=*/true);
}

TEST_F(LocalTransportTest, SummarizedListingsSeeEveryChangeByStartAfterPages) {
  WatchedListingsSeeEveryChange(t(), root(), /*link_outside=*/false, 1000, /*by_token=*/false);
}

// A prefix whose folder does not exist yet has nothing watched to tell when
// it appears: its empty listings are never summarized.
TEST_F(LocalTransportTest, AFolderThatDoesNotExistYetIsNeverSummarized) {
  WriteOptions fast;
  fast.sync = false;
  ASSERT_OK(t().Put("elsewhere/a.json", "a", fast));
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));  // settle
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(EtagsUnder(t(), 1000, /*by_token=*/true).empty());
  fs::create_directories(root() / "col" / "1");
  WriteFileOrDie(root() / "col" / "1" / "doc.json", "appeared");
  EXPECT_EQ(EtagsUnder(t(), 1000, /*by_token=*/true),
            (std::map<std::string, std::string>{{"col/1/doc.json", Md5Hex("appeared")}}));
}

// Renaming a folder above the prefix's (not watched: the listing starts
// below it) puts another folder at the same path with no event: the summary
// of the old one must not answer for it.
TEST_F(LocalTransportTest, ASummaryAnswersOnlyForTheFolderItWasBuiltFrom) {
  WriteOptions fast;
  fast.sync = false;
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK(t().Put("app/col/" + std::to_string(i) + "/doc.json", "old", fast));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));  // settle
  auto listing = [&] {
    std::map<std::string, std::string> etags;
    auto page = t().List(ListRequest{"app/col/", "", "", "", 1000});
    EXPECT_OK(page.status());
    if (page.ok()) {
      for (const ObjectMeta& m : page->objects) etags[m.key] = m.etag;
    }
    return etags;
  };
  for (int i = 0; i < 3; ++i) EXPECT_EQ(listing().size(), 5u);  // cache, watch, summarize
  uint64_t before = transport_internal::ListSummaryHits();
  EXPECT_EQ(listing().size(), 5u);
  EXPECT_EQ(transport_internal::ListSummaryHits() - before, 1u);
  fs::rename(root() / "app", root() / "app-old");
  fs::create_directories(root() / "app" / "col" / "9");
  WriteFileOrDie(root() / "app" / "col" / "9" / "doc.json", "new");
  EXPECT_EQ(listing(), (std::map<std::string, std::string>{{"app/col/9/doc.json", Md5Hex("new")}}));
}

// A client that keeps only part of each page (the engine drops keys that
// are not entities and lists on from the last one it kept) resumes inside
// the page before: its scan still covers every key and is summarized. One
// that skips keys is not: a summary of it would hide them.
TEST_F(LocalTransportTest, ScansThatResumeInsideTheirLastPageAreSummarizedGapsAreNot) {
  WriteOptions fast;
  fast.sync = false;
  std::map<std::string, std::string> want;
  for (int i = 0; i < 30; ++i) {
    std::string key = "col/" + std::to_string(100 + i) + "/doc.json";
    ASSERT_OK(t().Put(key, std::to_string(i), fast));
    want[key] = Md5Hex(std::to_string(i));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));  // settle
  // Pages of 4, each resumed after its second key; or, with `gap`, the
  // first page resumed two keys past its end.
  auto scan = [&](bool gap) {
    ListRequest r{"col/", "", "", "", 4};
    for (int page = 0;; ++page) {
      ASSERT_OK_AND_ASSIGN(ListPage got, t().List(r));
      if (got.next_token.empty()) return;
      ASSERT_EQ(got.objects.size(), 4u);
      r.start_after = got.objects[1].key;
      if (gap && page == 0) {
        r.start_after = "col/105/doc.json";  // the page ended at col/103/doc.json
      }
    }
  };
  for (int i = 0; i < 3; ++i) scan(/*gap=*/false);  // cache, watch, summarize
  uint64_t before = transport_internal::ListSummaryHits();
  EXPECT_EQ(EtagsUnder(t(), 1000, /*by_token=*/true), want);
  EXPECT_EQ(transport_internal::ListSummaryHits() - before, 1u);

  // Any event ends that summary; a scan with a gap must not build another.
  ASSERT_OK(t().Put("col/100/doc.json", "changed", fast));
  want["col/100/doc.json"] = Md5Hex("changed");
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));  // settle
  for (int i = 0; i < 3; ++i) scan(/*gap=*/true);
  EXPECT_EQ(EtagsUnder(t(), 1000, /*by_token=*/true), want);
}

// A listing served from a summary is the page a walk of the folders gives:
// for other prefixes, resume points and page sizes too.
TEST_F(LocalTransportTest, SummarizedListingsEqualWalkedOnes) {
  WriteOptions fast;
  fast.sync = false;
  for (int i = 0; i < 30; ++i) {
    ASSERT_OK(t().Put("col/" + std::to_string(100 + i) + "/doc.json", std::to_string(i), fast));
  }
  ASSERT_OK(t().Put("col/105/b.json", "b", fast));
  ASSERT_OK(t().Put("col-other/x.json", "o", fast));
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));       // settle
  for (int i = 0; i < 3; ++i) EtagsUnder(t(), 4, /*by_token=*/true);  // cache, watch, summarize
  uint64_t before = transport_internal::ListSummaryHits();
  std::vector<ListRequest> requests = {
      {"col/", "", "", "", 1000},
      {"col/", "", "", "", 1},
      {"col/", "", "col/105/", "", 3},
      {"col/", "", "col/105/b.json", "", 2},
      {"col/", "", "col/129/doc.json", "", 5},
      {"col/", "", "col/2", "", 5},
      {"col/", "", "a", "", 2},
      {"col/1", "", "", "", 4},
      {"col", "", "", "", 1000},
      {"col/", "/", "", "", 1000},
  };
  uint64_t summarized_pages = 0;
  for (const ListRequest& r : requests) {
    ListRequest next = r;
    for (int page = 0; page < 40; ++page) {
      ASSERT_OK_AND_ASSIGN(ListPage got, t().List(next));
      // A transport of its own per page: no caches, a plain walk.
      ASSERT_OK_AND_ASSIGN(auto walked, NewLocalTransport(root().string()));
      ASSERT_OK_AND_ASSIGN(ListPage want, walked->List(next));
      if (r.prefix == "col/" && r.delimiter.empty()) ++summarized_pages;
      std::string what =
          "prefix " + r.prefix + " after " + r.start_after + " page " + std::to_string(page);
      ASSERT_EQ(got.objects.size(), want.objects.size()) << what;
      for (size_t i = 0; i < got.objects.size(); ++i) {
        EXPECT_EQ(got.objects[i].key, want.objects[i].key) << what;
        EXPECT_EQ(got.objects[i].etag, want.objects[i].etag) << what;
        EXPECT_EQ(got.objects[i].size, want.objects[i].size) << what;
        EXPECT_EQ(got.objects[i].last_modified_ms, want.objects[i].last_modified_ms) << what;
      }
      EXPECT_EQ(got.common_prefixes, want.common_prefixes) << what;
      EXPECT_EQ(got.next_token, want.next_token) << what;
      if (got.next_token.empty()) break;
      next.token = got.next_token;
    }
  }
  // Only prefix "col/" without a delimiter has a summary.
  EXPECT_GT(summarized_pages, 40u);
  EXPECT_EQ(transport_internal::ListSummaryHits() - before, summarized_pages);
}

// Runs in a forked child: conditional creates on shared keys, then counter
// increments, against its own transport on the shared root. Exits with the
// number of unexpected errors.
int RaceChild(const std::string& root, int id, int start_fd, const std::string& wins_file) {
  char go;
  if (::read(start_fd, &go, 1) < 0) return 100;
  Result<std::shared_ptr<Transport>> opened = NewLocalTransport(root);
  if (!opened.ok()) return 101;
  Transport& t = **opened;
  int errors = 0;
  std::string wins;
  for (int k = 0; k < 30; ++k) {
    std::string key = "race/" + std::to_string(k);
    Result<PutResult> r = t.Put(key, "child " + std::to_string(id), WriteOptions::Create());
    if (r.ok()) wins += key + "\n";
    if (!r.ok() && !r.status().IsAlreadyExists()) ++errors;
  }
  for (int i = 0; i < 25; ++i) {
    for (;;) {
      Result<Object> cur = t.Get("counter", {});
      if (!cur.ok()) return 102;
      Result<PutResult> r = t.Put("counter", std::to_string(std::stoi(cur->data) + 1),
                                  WriteOptions::Update(cur->meta.etag));
      if (r.ok()) break;
      if (!r.status().IsFailedPrecondition()) return 103;
    }
  }
  std::ofstream(wins_file) << wins;
  return errors;
}

TEST_F(LocalTransportTest, ConditionalWritesHoldAcrossProcesses) {
  constexpr int kChildren = 4;
  ASSERT_OK(t().Put("counter", "0", {}));
  int start[2];
  ASSERT_EQ(::pipe(start), 0);
  ScratchDir results;
  std::vector<pid_t> children;
  for (int id = 0; id < kChildren; ++id) {
    std::string wins_file = (results.path() / std::to_string(id)).string();
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(start[1]);
      ::_exit(RaceChild(root().string(), id, start[0], wins_file));
    }
    children.push_back(pid);
  }
  ::close(start[0]);
  ::close(start[1]);  // EOF releases every child at once
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }
  std::set<std::string> won;
  for (int id = 0; id < kChildren; ++id) {
    std::ifstream in(results.path() / std::to_string(id));
    for (std::string key; std::getline(in, key);) {
      EXPECT_TRUE(won.insert(key).second) << key << " created twice";
      ASSERT_OK_AND_ASSIGN(Object obj, t().Get(key, {}));
      EXPECT_EQ(obj.data, "child " + std::to_string(id)) << key;
    }
  }
  EXPECT_EQ(won.size(), 30u);
  ASSERT_OK_AND_ASSIGN(Object counter, t().Get("counter", {}));
  EXPECT_EQ(counter.data, std::to_string(kChildren * 25));
}

// ---- Symlinks in the root are never followed -------------------------------------------
//
// A symlink in a local root is neither an object nor a folder of keys: reads
// through or at one are NotFound, listings skip it, writes through or onto it
// are refused (the link and what it points at are left alone), deletes of
// such keys do nothing. Each test runs with openat2 and with the per-segment
// fallback (kernels without openat2).

class LocalSymlinkTest : public LocalTransportTest, public ::testing::WithParamInterface<bool> {
 protected:
  void SetUp() override {
    transport_internal::TEST_SetOpenat2Enabled(GetParam());
    LocalTransportTest::SetUp();
    WriteFileOrDie(outside_.path() / "secret.txt", "outside the root");
    fs::create_directories(outside_.path() / "sub");
    WriteFileOrDie(outside_.path() / "sub" / "deep.txt", "deep outside");
    ASSERT_OK(t().Put("real/doc.json", "{}", {}));
    fs::create_directory_symlink(outside_.path(), root() / "ext");           // folder
    fs::create_symlink(outside_.path() / "secret.txt", root() / "extfile");  // file
    fs::create_directory_symlink(outside_.path(), root() / "real" / "ext");  // nested
    fs::create_directory_symlink(root() / "real", root() / "inside");        // stays in the root
  }
  void TearDown() override { transport_internal::TEST_SetOpenat2Enabled(true); }

  // The outside folder's entries, recursively: unchanged by anything the
  // transport does.
  std::set<std::string> OutsideFiles() const {
    std::set<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(outside_.path())) {
      out.insert(fs::relative(e.path(), outside_.path()).string());
    }
    return out;
  }
  const std::set<std::string> kOutside = {"secret.txt", "sub", "sub/deep.txt"};

  ScratchDir outside_;
};

TEST_P(LocalSymlinkTest, ReadsThroughOrAtASymlinkAreNotFound) {
  for (const char* key : {"ext/secret.txt", "ext/sub/deep.txt", "extfile", "real/ext/secret.txt",
                          "inside/doc.json"}) {
    SCOPED_TRACE(key);
    EXPECT_THAT(t().Get(key, {}).status(), StatusIs(StatusCode::kNotFound));
    EXPECT_THAT(t().Head(key, {}).status(), StatusIs(StatusCode::kNotFound));
    EXPECT_THAT(t().OpenRead(key, {}).status(), StatusIs(StatusCode::kNotFound));
  }
  ASSERT_OK_AND_ASSIGN(Object real, t().Get("real/doc.json", {}));
  EXPECT_EQ(real.data, "{}");
}

TEST_P(LocalSymlinkTest, ListingsNeitherShowNorFollowSymlinks) {
  for (int round = 0; round < 3; ++round) {  // later rounds list from the caches
    EXPECT_THAT(ListKeys(t()), ElementsAre("real/doc.json"));
    EXPECT_THAT(ListKeys(t(), "ext/"), IsEmpty());
    EXPECT_THAT(ListKeys(t(), "real/ext/"), IsEmpty());
    EXPECT_THAT(ListKeys(t(), "inside/"), IsEmpty());
    ASSERT_OK_AND_ASSIGN(ListPage page, t().List(ListRequest{"", "/", "", "", 1000}));
    EXPECT_THAT(page.common_prefixes, ElementsAre("real/"));
    EXPECT_THAT(page.objects, IsEmpty());
  }
}

TEST_P(LocalSymlinkTest, WritesThroughOrOntoASymlinkAreRefusedAndTouchNothing) {
  for (const char* key : {"ext/new.txt", "ext/newdir/new.txt", "ext/sub/new.txt", "extfile",
                          "ext/secret.txt", "real/ext/new.txt", "inside/new.txt"}) {
    SCOPED_TRACE(key);
    EXPECT_THAT(t().Put(key, "attack", {}),
                StatusIsWithMessage(StatusCode::kInvalidArgument, "symbolic link"));
    EXPECT_THAT(t().Put(key, "attack", WriteOptions::Create()),
                StatusIs(StatusCode::kInvalidArgument));
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<WriteStream> w, t().OpenWrite(key, {}));
    ASSERT_OK(w->Append("attack"));
    EXPECT_THAT(w->Commit().status(), StatusIs(StatusCode::kInvalidArgument));
  }
  EXPECT_EQ(OutsideFiles(), kOutside);
  EXPECT_EQ(ReadFileOrDie(outside_.path() / "secret.txt"), "outside the root");
  EXPECT_TRUE(fs::is_symlink(root() / "extfile"));
  EXPECT_TRUE(fs::is_symlink(root() / "ext"));
  EXPECT_THAT(ListKeys(t()), ElementsAre("real/doc.json"));
}

TEST_P(LocalSymlinkTest, DeletesThroughOrOfASymlinkDoNothing) {
  for (const char* key : {"ext/secret.txt", "ext/sub/deep.txt", "extfile", "real/ext/secret.txt",
                          "ext", "inside/doc.json"}) {
    SCOPED_TRACE(key);
    EXPECT_OK(t().Delete(key, {}));
  }
  EXPECT_EQ(OutsideFiles(), kOutside);
  EXPECT_TRUE(fs::is_symlink(root() / "extfile"));
  EXPECT_TRUE(fs::is_symlink(root() / "ext"));
  EXPECT_TRUE(fs::is_symlink(root() / "real" / "ext"));
  EXPECT_TRUE(fs::exists(root() / "real" / "doc.json"));
  // A real key's delete prunes only real folders.
  ASSERT_OK(t().Put("real/x/y.json", "1", {}));
  ASSERT_OK(t().Delete("real/x/y.json", {}));
  EXPECT_FALSE(fs::exists(root() / "real" / "x"));
  EXPECT_TRUE(fs::is_symlink(root() / "real" / "ext"));
}

TEST_P(LocalSymlinkTest, CopiesFromOrToASymlinkFail) {
  EXPECT_THAT(t().Copy("ext/secret.txt", "stolen", {}).status(), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(t().Copy("extfile", "stolen", {}).status(), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(t().Head("stolen", {}).status(), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(t().Copy("real/doc.json", "ext/planted.json", {}).status(),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(t().Copy("real/doc.json", "extfile", {}).status(),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_EQ(OutsideFiles(), kOutside);
  EXPECT_EQ(ReadFileOrDie(outside_.path() / "secret.txt"), "outside the root");
}

// A folder the transport listed (cached, then watched) and later replaced by
// a symlink is not followed by the cached walk either.
TEST_P(LocalSymlinkTest, AListedFolderSwappedForASymlinkIsNotFollowed) {
  ASSERT_OK(t().Put("col/a/doc.json", "1", {}));
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));  // settle: cached from now on
  for (int i = 0; i < 3; ++i) EXPECT_THAT(ListKeys(t(), "col/"), ElementsAre("col/a/doc.json"));
  fs::rename(root() / "col" / "a", root() / "col-a-moved");
  fs::create_directory_symlink(outside_.path(), root() / "col" / "a");
  EXPECT_THAT(ListKeys(t(), "col/"), IsEmpty());
  EXPECT_THAT(t().Get("col/a/secret.txt", {}).status(), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(t().Put("col/a/new.txt", "x", {}).status(), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_EQ(OutsideFiles(), kOutside);
}

TEST_P(LocalSymlinkTest, AReservedFolderThatIsASymlinkIsRefused) {
  ScratchDir other;
  fs::create_directory_symlink(outside_.path(), other.path() / std::string(kLocalReservedDir));
  EXPECT_THAT(NewLocalTransport(other.path().string()).status(),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "not a folder"));
  EXPECT_EQ(OutsideFiles(), kOutside);
}

INSTANTIATE_TEST_SUITE_P(Openat2AndFallback, LocalSymlinkTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "openat2" : "per_segment";
                         });

}  // namespace
}  // namespace worm
