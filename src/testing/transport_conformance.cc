#include "testing/transport_conformance.h"

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "core/hash.h"

namespace worm::testing {

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(TransportConformanceTest);

int LinkTransportConformanceTests() { return 0; }

std::string TransportFactoryName(const ::testing::TestParamInfo<TransportFactory>& info) {
  return info.param.name;
}

void TransportConformanceTest::SetUp() {
  transport_ = GetParam().make();
  ASSERT_NE(transport_, nullptr) << "factory " << GetParam().name << " returned null";
  caps_ = transport_->capabilities();
}

namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;

// Bulk setup writes skip fsync: these tests check semantics, not durability.
WriteOptions Fast() {
  WriteOptions o;
  o.sync = false;
  return o;
}

std::string Pattern(size_t n, uint32_t seed) {
  std::string s(n, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < n; ++i) {
    x = x * 1103515245u + 12345u;
    s[i] = static_cast<char>(x >> 24);
  }
  return s;
}

std::vector<std::string> Keys(const std::vector<ObjectMeta>& metas) {
  std::vector<std::string> keys;
  for (const ObjectMeta& m : metas) keys.push_back(m.key);
  return keys;
}

// Every page of `request`, keys and common prefixes concatenated; checks
// that no page is larger than max_keys and that tokens end.
void ListAllPages(Transport& t, ListRequest request, std::vector<std::string>* keys,
                  std::vector<std::string>* prefixes, int* pages) {
  *pages = 0;
  for (int guard = 0; guard < 100000; ++guard) {
    ASSERT_OK_AND_ASSIGN(ListPage page, t.List(request));
    ++*pages;
    ASSERT_LE(page.objects.size() + page.common_prefixes.size(),
              static_cast<size_t>(request.max_keys));
    for (const ObjectMeta& m : page.objects) keys->push_back(m.key);
    for (const std::string& p : page.common_prefixes) prefixes->push_back(p);
    if (page.next_token.empty()) return;
    request.token = page.next_token;
  }
  FAIL() << "listing never ended";
}

Result<std::string> ReadAll(ReadStream& in) {
  std::string out;
  char buf[65536];
  for (;;) {
    ASSIGN_OR_RETURN(size_t n, in.Read(buf, sizeof(buf)));
    if (n == 0) return out;
    out.append(buf, n);
  }
}

TEST_P(TransportConformanceTest, MissingKeyIsNotFound) {
  EXPECT_THAT(t().Head("missing.json", {}), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(t().Get("missing.json", {}), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(t().OpenRead("missing.json", {}), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(t().Get("dir/missing.json", {}), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(t().Copy("missing.json", "to.json", {}), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(t().Head("to.json", {}), StatusIs(StatusCode::kNotFound));
}

TEST_P(TransportConformanceTest, PutGetRoundTripWithMd5Etag) {
  const std::string body = "{\"name\":\"Ada\"}";
  ASSERT_OK_AND_ASSIGN(PutResult put, t().Put("people/ada.json", body, {}));
  EXPECT_EQ(put.etag, Md5Hex(body));
  ASSERT_OK_AND_ASSIGN(Object obj, t().Get("people/ada.json", {}));
  EXPECT_EQ(obj.data, body);
  EXPECT_EQ(obj.meta.key, "people/ada.json");
  EXPECT_EQ(obj.meta.size, body.size());
  EXPECT_EQ(obj.meta.etag, put.etag);
  ASSERT_OK_AND_ASSIGN(ObjectMeta head, t().Head("people/ada.json", {}));
  EXPECT_EQ(head.etag, put.etag);
  EXPECT_EQ(head.size, body.size());
  EXPECT_EQ(head.last_modified_ms, obj.meta.last_modified_ms);
}

TEST_P(TransportConformanceTest, EmptyAndBinaryObjects) {
  ASSERT_OK_AND_ASSIGN(PutResult empty, t().Put("empty", "", {}));
  EXPECT_EQ(empty.etag, "d41d8cd98f00b204e9800998ecf8427e");
  ASSERT_OK_AND_ASSIGN(Object e, t().Get("empty", {}));
  EXPECT_EQ(e.data, "");
  EXPECT_EQ(e.meta.size, 0u);
  std::string binary;
  for (int i = 0; i < 512; ++i) binary.push_back(static_cast<char>(i % 256));
  ASSERT_OK_AND_ASSIGN(PutResult put, t().Put("bin/all-bytes", binary, {}));
  EXPECT_EQ(put.etag, Md5Hex(binary));
  ASSERT_OK_AND_ASSIGN(Object b, t().Get("bin/all-bytes", {}));
  EXPECT_EQ(b.data, binary);
}

TEST_P(TransportConformanceTest, LargeObjectThroughStreams) {
  constexpr size_t kSize = 8 << 20;
  const std::string body = Pattern(kSize, 7);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<WriteStream> out, t().OpenWrite("big/blob.bin", {}));
  for (size_t off = 0; off < kSize; off += 100000) {
    ASSERT_OK(out->Append(std::string_view(body).substr(off, 100000)));
  }
  EXPECT_THAT(t().Head("big/blob.bin", {}), StatusIs(StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(PutResult put, out->Commit());
  // The MD5 of the bytes, or, when the stream went multipart (8 MiB is the
  // S3 client's part size), S3's "<hex MD5 of the part MD5s>-<parts>".
  EXPECT_THAT(put.etag,
              ::testing::AnyOf(Md5Hex(body), ::testing::MatchesRegex("[0-9a-f]{32}-[0-9]+")));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ReadStream> in, t().OpenRead("big/blob.bin", {}));
  EXPECT_EQ(in->meta().size, kSize);
  EXPECT_EQ(in->meta().etag, put.etag);
  ASSERT_OK_AND_ASSIGN(std::string back, ReadAll(*in));
  EXPECT_TRUE(back == body) << "streamed body differs";
  ReadOptions tail;
  tail.range = ByteRange{kSize - 10, std::nullopt};
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ReadStream> in2, t().OpenRead("big/blob.bin", tail));
  ASSERT_OK_AND_ASSIGN(std::string last, ReadAll(*in2));
  EXPECT_EQ(last, body.substr(kSize - 10));
}

TEST_P(TransportConformanceTest, OverwriteReplacesObject) {
  ASSERT_OK_AND_ASSIGN(PutResult a, t().Put("k", "one", {}));
  ASSERT_OK_AND_ASSIGN(PutResult b, t().Put("k", "two!", {}));
  EXPECT_NE(a.etag, b.etag);
  ASSERT_OK_AND_ASSIGN(Object obj, t().Get("k", {}));
  EXPECT_EQ(obj.data, "two!");
  EXPECT_EQ(obj.meta.etag, b.etag);
}

TEST_P(TransportConformanceTest, CreateModeRefusesExisting) {
  ASSERT_OK(t().Put("c/one", "first", WriteOptions::Create()));
  EXPECT_THAT(t().Put("c/one", "second", WriteOptions::Create()),
              StatusIs(StatusCode::kAlreadyExists));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<WriteStream> out,
                       t().OpenWrite("c/one", WriteOptions::Create()));
  ASSERT_OK(out->Append("third"));
  EXPECT_THAT(out->Commit(), StatusIs(StatusCode::kAlreadyExists));
  ASSERT_OK_AND_ASSIGN(Object obj, t().Get("c/one", {}));
  EXPECT_EQ(obj.data, "first");
}

TEST_P(TransportConformanceTest, UpdateModeChecksEtag) {
  EXPECT_THAT(t().Put("u", "x", WriteOptions::Update(Md5Hex("x"))),
              StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(t().Head("u", {}), StatusIs(StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(PutResult v1, t().Put("u", "v1", {}));
  EXPECT_THAT(t().Put("u", "v2", WriteOptions::Update(Md5Hex("other"))),
              StatusIs(StatusCode::kFailedPrecondition));
  ASSERT_OK_AND_ASSIGN(PutResult v2, t().Put("u", "v2", WriteOptions::Update(v1.etag)));
  EXPECT_THAT(t().Put("u", "v3", WriteOptions::Update(v1.etag)),
              StatusIs(StatusCode::kFailedPrecondition));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<WriteStream> out,
                       t().OpenWrite("u", WriteOptions::Update(v2.etag)));
  ASSERT_OK(out->Append("v3"));
  ASSERT_OK(out->Commit());
  ASSERT_OK_AND_ASSIGN(Object obj, t().Get("u", {}));
  EXPECT_EQ(obj.data, "v3");
}

TEST_P(TransportConformanceTest, ConditionalReads) {
  ASSERT_OK_AND_ASSIGN(PutResult put, t().Put("cond", "body", {}));
  ReadOptions match;
  match.if_match = put.etag;
  ReadOptions mismatch;
  mismatch.if_match = Md5Hex("nope");
  ReadOptions none_same;
  none_same.if_none_match = put.etag;
  ReadOptions none_star;
  none_star.if_none_match = "*";
  ReadOptions none_other;
  none_other.if_none_match = Md5Hex("nope");
  EXPECT_OK(t().Head("cond", match));
  EXPECT_OK(t().Get("cond", match));
  EXPECT_OK(t().OpenRead("cond", match));
  EXPECT_OK(t().Get("cond", none_other));
  for (const ReadOptions* o : {&mismatch, &none_same, &none_star}) {
    EXPECT_THAT(t().Head("cond", *o), StatusIs(StatusCode::kFailedPrecondition));
    EXPECT_THAT(t().Get("cond", *o), StatusIs(StatusCode::kFailedPrecondition));
    EXPECT_THAT(t().OpenRead("cond", *o), StatusIs(StatusCode::kFailedPrecondition));
  }
}

TEST_P(TransportConformanceTest, ByteRanges) {
  ASSERT_OK(t().Put("r", "0123456789", {}));
  auto get = [&](uint64_t off, std::optional<uint64_t> len) {
    ReadOptions o;
    o.range = ByteRange{off, len};
    return t().Get("r", o);
  };
  ASSERT_OK_AND_ASSIGN(Object mid, get(2, 3));
  EXPECT_EQ(mid.data, "234");
  EXPECT_EQ(mid.meta.size, 10u);
  ASSERT_OK_AND_ASSIGN(Object tail, get(7, std::nullopt));
  EXPECT_EQ(tail.data, "789");
  ASSERT_OK_AND_ASSIGN(Object clamped, get(8, 100));
  EXPECT_EQ(clamped.data, "89");
  EXPECT_THAT(get(10, std::nullopt), StatusIs(StatusCode::kOutOfRange));
  EXPECT_THAT(get(11, 1), StatusIs(StatusCode::kOutOfRange));
  ReadOptions o;
  o.range = ByteRange{4, 2};
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ReadStream> in, t().OpenRead("r", o));
  ASSERT_OK_AND_ASSIGN(std::string part, ReadAll(*in));
  EXPECT_EQ(part, "45");
  o.range = ByteRange{10, std::nullopt};
  EXPECT_THAT(t().OpenRead("r", o), StatusIs(StatusCode::kOutOfRange));
}

TEST_P(TransportConformanceTest, DeleteIsIdempotentAndConditional) {
  EXPECT_OK(t().Delete("never-existed", {}));
  ASSERT_OK_AND_ASSIGN(PutResult put, t().Put("d/x", "x", {}));
  DeleteOptions wrong;
  wrong.if_match = Md5Hex("y");
  EXPECT_THAT(t().Delete("d/x", wrong), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_OK(t().Head("d/x", {}));
  DeleteOptions right;
  right.if_match = put.etag;
  EXPECT_OK(t().Delete("d/x", right));
  EXPECT_THAT(t().Head("d/x", {}), StatusIs(StatusCode::kNotFound));
  EXPECT_OK(t().Delete("d/x", {}));
  EXPECT_THAT(t().Delete("d/x", right), StatusIs(StatusCode::kFailedPrecondition));
  ASSERT_OK_AND_ASSIGN(std::vector<ObjectMeta> all, t().ListAll(""));
  EXPECT_THAT(all, IsEmpty());
  ASSERT_OK_AND_ASSIGN(ListPage root, t().List(ListRequest{"", "/", "", "", 1000}));
  EXPECT_THAT(root.common_prefixes, IsEmpty()) << "a deleted key left a ghost prefix";
}

TEST_P(TransportConformanceTest, ListSortsByBytes) {
  // Chosen to catch locale or case-insensitive sorting and folder-first
  // walks: '-' (0x2D) < '.' (0x2E) < '/' (0x2F) < '0' < 'A' < '_' < 'a'
  // < '~' < UTF-8 lead bytes.
  std::vector<std::string> keys = {
      "a-b",        "a.b", "a/b", "a/c/d", "a0",   "aB",
      "Ab",         "B",   "b",   "_x",    "~t",   "\xC3\xA9t\xC3\xA9.json",
      "\xC3\xBC/x", "Z/y", "z",   "a/b-c", "a/b.c"};
  for (const std::string& k : keys) ASSERT_OK(t().Put(k, k, Fast()));
  std::vector<std::string> expected = keys;
  std::sort(expected.begin(), expected.end());
  ASSERT_OK_AND_ASSIGN(std::vector<ObjectMeta> all, t().ListAll(""));
  EXPECT_THAT(Keys(all), ElementsAreArray(expected));
  for (const ObjectMeta& m : all) EXPECT_EQ(m.etag, Md5Hex(m.key)) << m.key;
  for (const ObjectMeta& m : all) EXPECT_EQ(m.size, m.key.size()) << m.key;
  std::vector<std::string> listed, prefixes;
  int pages = 0;
  ListAllPages(t(), ListRequest{"", "", "", "", 2}, &listed, &prefixes, &pages);
  EXPECT_THAT(listed, ElementsAreArray(expected));
}

TEST_P(TransportConformanceTest, DelimiterRollsUpCommonPrefixes) {
  for (const char* k :
       {"docs/a.txt", "docs/b/c.txt", "docs/b/d.txt", "docs-x", "docs0", "img/1.png", "root.txt"}) {
    ASSERT_OK(t().Put(k, "v", Fast()));
  }
  ASSERT_OK_AND_ASSIGN(ListPage root, t().List(ListRequest{"", "/", "", "", 1000}));
  EXPECT_THAT(Keys(root.objects), ElementsAre("docs-x", "docs0", "root.txt"));
  EXPECT_THAT(root.common_prefixes, ElementsAre("docs/", "img/"));
  EXPECT_TRUE(root.next_token.empty());
  ASSERT_OK_AND_ASSIGN(ListPage docs, t().List(ListRequest{"docs/", "/", "", "", 1000}));
  EXPECT_THAT(Keys(docs.objects), ElementsAre("docs/a.txt"));
  EXPECT_THAT(docs.common_prefixes, ElementsAre("docs/b/"));
  ASSERT_OK_AND_ASSIGN(ListPage partial, t().List(ListRequest{"docs", "/", "", "", 1000}));
  EXPECT_THAT(Keys(partial.objects), ElementsAre("docs-x", "docs0"));
  EXPECT_THAT(partial.common_prefixes, ElementsAre("docs/"));
  ASSERT_OK_AND_ASSIGN(ListPage flat, t().List(ListRequest{"docs/b", "", "", "", 1000}));
  EXPECT_THAT(Keys(flat.objects), ElementsAre("docs/b/c.txt", "docs/b/d.txt"));
  ASSERT_OK_AND_ASSIGN(ListPage none, t().List(ListRequest{"nothing/", "/", "", "", 1000}));
  EXPECT_THAT(none.objects, IsEmpty());
  EXPECT_THAT(none.common_prefixes, IsEmpty());
  EXPECT_TRUE(none.next_token.empty());
}

TEST_P(TransportConformanceTest, PaginatesManyKeys) {
  std::vector<std::string> expected;
  for (int i = 0; i < 2500; ++i) {
    char key[32];
    std::snprintf(key, sizeof(key), "many/%02d/%05d", i % 40, i);
    expected.push_back(key);
  }
  // Four writers at once: also exercises concurrent puts into shared folders.
  std::atomic<int> failures{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      for (size_t i = w; i < expected.size(); i += 4) {
        if (!t().Put(expected[i], "x", Fast()).ok()) ++failures;
      }
    });
  }
  for (std::thread& th : writers) th.join();
  ASSERT_EQ(failures.load(), 0);
  ASSERT_OK(t().Put("many-after", "x", Fast()));
  std::sort(expected.begin(), expected.end());
  std::vector<std::string> keys, prefixes;
  int pages = 0;
  ListAllPages(t(), ListRequest{"many/", "", "", "", 97}, &keys, &prefixes, &pages);
  EXPECT_THAT(keys, ElementsAreArray(expected));
  EXPECT_EQ(pages, (2500 + 96) / 97);
  ASSERT_OK_AND_ASSIGN(std::vector<ObjectMeta> all, t().ListAll("many/"));
  EXPECT_EQ(all.size(), 2500u);
  // With a delimiter, 40 folders over pages of 7: no duplicates, no gaps.
  keys.clear();
  ListAllPages(t(), ListRequest{"many/", "/", "", "", 7}, &keys, &prefixes, &pages);
  EXPECT_THAT(keys, IsEmpty());
  ASSERT_EQ(prefixes.size(), 40u);
  for (int i = 0; i < 40; ++i) {
    char p[16];
    std::snprintf(p, sizeof(p), "many/%02d/", i);
    EXPECT_EQ(prefixes[i], p);
  }
  EXPECT_EQ(pages, 6);
}

TEST_P(TransportConformanceTest, StartAfterIsExclusive) {
  for (const char* k : {"s/a", "s/b", "s/c/1", "s/c/2", "s/d"}) ASSERT_OK(t().Put(k, "v", Fast()));
  ASSERT_OK_AND_ASSIGN(ListPage p, t().List(ListRequest{"s/", "", "s/b", "", 1000}));
  EXPECT_THAT(Keys(p.objects), ElementsAre("s/c/1", "s/c/2", "s/d"));
  ASSERT_OK_AND_ASSIGN(ListPage q, t().List(ListRequest{"s/", "", "s/c/1", "", 1000}));
  EXPECT_THAT(Keys(q.objects), ElementsAre("s/c/2", "s/d"));
  ASSERT_OK_AND_ASSIGN(ListPage r, t().List(ListRequest{"s/", "/", "s/bb", "", 1000}));
  EXPECT_THAT(Keys(r.objects), ElementsAre("s/d"));
  EXPECT_THAT(r.common_prefixes, ElementsAre("s/c/"));
  ASSERT_OK_AND_ASSIGN(ListPage s, t().List(ListRequest{"s/", "", "s/z", "", 1000}));
  EXPECT_THAT(s.objects, IsEmpty());
}

TEST_P(TransportConformanceTest, InvalidListRequests) {
  EXPECT_THAT(t().List(ListRequest{"", "", "", "", 0}), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(t().List(ListRequest{"", "", "", "", 1001}), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(t().List(ListRequest{"", "", "", "", -5}), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(t().List(ListRequest{"", "", "", "not a token!", 10}),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST_P(TransportConformanceTest, CopyDuplicatesObject) {
  ASSERT_OK_AND_ASSIGN(PutResult src, t().Put("src/a.json", "{\"a\":1}", {}));
  ASSERT_OK_AND_ASSIGN(PutResult dst, t().Copy("src/a.json", "dst/a.json", {}));
  EXPECT_EQ(dst.etag, src.etag);
  ASSERT_OK_AND_ASSIGN(Object obj, t().Get("dst/a.json", {}));
  EXPECT_EQ(obj.data, "{\"a\":1}");
  EXPECT_THAT(t().Copy("src/a.json", "dst/a.json", WriteOptions::Create()),
              StatusIs(StatusCode::kAlreadyExists));
  ASSERT_OK(t().Copy("src/a.json", "dst/a.json", WriteOptions::Update(dst.etag)));
}

TEST_P(TransportConformanceTest, MetadataRoundTrip) {
  WriteOptions o;
  o.content_type = "application/json";
  o.user_metadata = {{"owner", "ada"}, {"model", "Customer"}};
  ASSERT_OK(t().Put("meta.json", "{}", o));
  ASSERT_OK_AND_ASSIGN(ObjectMeta head, t().Head("meta.json", {}));
  ASSERT_OK_AND_ASSIGN(Object obj, t().Get("meta.json", {}));
  EXPECT_EQ(obj.data, "{}");
  if (!caps_.user_metadata) return;  // the write still succeeded
  EXPECT_EQ(head.content_type, "application/json");
  EXPECT_EQ(head.user_metadata, o.user_metadata);
  EXPECT_EQ(obj.meta.user_metadata, o.user_metadata);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ReadStream> in, t().OpenRead("meta.json", {}));
  EXPECT_EQ(in->meta().content_type, "application/json");
  ASSERT_OK(t().Copy("meta.json", "meta-copy.json", {}));
  ASSERT_OK_AND_ASSIGN(ObjectMeta copied, t().Head("meta-copy.json", {}));
  EXPECT_EQ(copied.user_metadata, o.user_metadata);
  EXPECT_EQ(copied.content_type, "application/json");
}

TEST_P(TransportConformanceTest, AbortedWriteLeavesNothing) {
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<WriteStream> out, t().OpenWrite("w/aborted", {}));
    ASSERT_OK(out->Append("partial"));
    EXPECT_THAT(t().Head("w/aborted", {}), StatusIs(StatusCode::kNotFound));
    out->Abort();
  }
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<WriteStream> out, t().OpenWrite("w/dropped", {}));
    ASSERT_OK(out->Append("partial"));
  }  // destroyed without Commit
  EXPECT_THAT(t().Head("w/aborted", {}), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(t().Head("w/dropped", {}), StatusIs(StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(ListPage page, t().List(ListRequest{"", "/", "", "", 1000}));
  EXPECT_THAT(page.objects, IsEmpty());
  EXPECT_THAT(page.common_prefixes, IsEmpty());
}

TEST_P(TransportConformanceTest, KeysWithSpecialCharacters) {
  for (const std::string& k :
       std::vector<std::string>{"with space.json", "plus+sign", "percent%20", "q?uery&x=1",
                                "unicode/\xE6\x97\xA5\xE6\x9C\xAC.json", ".hidden/.worm"}) {
    ASSERT_OK(t().Put(k, k, {}));
    ASSERT_OK_AND_ASSIGN(Object obj, t().Get(k, {}));
    EXPECT_EQ(obj.data, k);
  }
  ASSERT_OK_AND_ASSIGN(std::vector<ObjectMeta> all, t().ListAll(""));
  EXPECT_EQ(all.size(), 6u);
}

TEST_P(TransportConformanceTest, KeyLengthLimit) {
  std::string key;
  while (key.size() < caps_.max_key_size) {
    if (!key.empty()) key.push_back('/');
    key += std::string(std::min<size_t>(100, caps_.max_key_size - key.size()), 'k');
  }
  key.resize(caps_.max_key_size);
  if (key.back() == '/') key.back() = 'k';
  ASSERT_OK(t().Put(key, "long", {}));
  ASSERT_OK_AND_ASSIGN(Object obj, t().Get(key, {}));
  EXPECT_EQ(obj.data, "long");
  EXPECT_THAT(t().Put(key + "x", "too long", {}), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(t().Put("", "empty key", {}), StatusIs(StatusCode::kInvalidArgument));
}

TEST_P(TransportConformanceTest, ConcurrentCreatesExactlyOneWins) {
  if (!caps_.conditional_create) return;
  constexpr int kThreads = 8;
  std::atomic<int> wins{0}, exists{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      Result<PutResult> r =
          t().Put("race/create", "writer " + std::to_string(i), WriteOptions::Create());
      if (r.ok()) ++wins;
      if (r.status().IsAlreadyExists()) ++exists;
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(wins.load(), 1);
  EXPECT_EQ(exists.load(), kThreads - 1);
}

// object_store's compare-and-swap race: 5 writers x 10 increments, each a
// read-modify-write retried on a lost precondition, must end at exactly 50.
TEST_P(TransportConformanceTest, CompareAndSwapCounterRace) {
  if (!caps_.conditional_update) return;
  ASSERT_OK(t().Put("counter", "0", WriteOptions::Create()));
  constexpr int kWriters = 5, kIncrements = 10;
  std::atomic<int> failures{0}, conflicts{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIncrements; ++i) {
        for (int attempt = 0;; ++attempt) {
          Result<Object> cur = t().Get("counter", {});
          if (!cur.ok() || attempt > 10000) {
            ++failures;
            return;
          }
          std::string next = std::to_string(std::stoi(cur->data) + 1);
          Result<PutResult> r = t().Put("counter", next, WriteOptions::Update(cur->meta.etag));
          if (r.ok()) break;
          // A lost race: the ETag moved on (FailedPrecondition), or the
          // server cut the loser off mid-write (Aborted: AWS's 409
          // ConditionalRequestConflict, RGW's 500 ECANCELED).
          if (!r.status().IsFailedPrecondition() && !r.status().IsAborted()) {
            ++failures;
            return;
          }
          ++conflicts;
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  ASSERT_OK_AND_ASSIGN(Object obj, t().Get("counter", {}));
  EXPECT_EQ(obj.data, std::to_string(kWriters * kIncrements));
}

}  // namespace
}  // namespace worm::testing
