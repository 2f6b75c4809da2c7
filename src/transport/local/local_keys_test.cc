// The local backend's key model (local_keys.h): the name encoding, listings
// of odd keys checked against a model of S3's listing rules, and the races
// of deletes, PUTs and folder moves in one folder.
#include "transport/local/local_keys.h"

#include <atomic>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "testing/test_util.h"
#include "transport/local/local_keys_fuzz.h"
#include "worm/transport.h"

namespace worm {
namespace {

namespace fs = std::filesystem;
using testing::ScratchDir;
using transport_internal::DecodedName;
using transport_internal::DecodeEntryName;
using transport_internal::ObjectBesideFolderName;
using transport_internal::SegmentName;

std::optional<DecodedName> Decode(std::string_view name, bool at_root,
                                  std::optional<std::string> xattr = std::nullopt) {
  return DecodeEntryName(name, at_root, [&] { return xattr; });
}

TEST(LocalKeysTest, PlainSegmentsAreTheirOwnNames) {
  for (std::string seg : std::vector<std::string>{"users", "u1.json", ".worm", ".wormfsx",
                                                  "\xc3\xa9", std::string(255, 'n')}) {
    EXPECT_EQ(SegmentName(seg, true), seg);
    ASSERT_TRUE(Decode(seg, true));
    EXPECT_EQ(Decode(seg, true)->segment, seg);
  }
  EXPECT_EQ(SegmentName(".wormfs", false), ".wormfs");  // reserved only at the root
}

TEST(LocalKeysTest, PlainKeysAreTheirOwnPaths) {
  using transport_internal::IsPlainKey;
  for (std::string key : {"a", "a/b.json", "dir/.wormfs", ".worm/x", "u/\xc3\xa9"}) {
    EXPECT_TRUE(IsPlainKey(key)) << key;
  }
  for (std::string key :
       std::vector<std::string>{"", "a/", "/a", "a//b", "a/./b", "..", ".wormfs", ".wormfs/x",
                                "x/.wormfs.e", std::string(256, 'n')}) {
    EXPECT_FALSE(IsPlainKey(key)) << key;
  }
  const std::string seg(255, 'k');
  const std::string longest = seg + "/" + seg + "/" + seg + "/" + std::string(252, 'k') + "/xyz";
  ASSERT_EQ(longest.size(), 1024u);
  EXPECT_TRUE(IsPlainKey(longest));
  EXPECT_FALSE(IsPlainKey(longest + "z"));  // over S3's limit
  EXPECT_FALSE(IsPlainKey(std::string("nul\0", 4)));
}

TEST(LocalKeysTest, EveryOtherSegmentHasOneEncodedNameThatDecodesBack) {
  const std::vector<std::string> segments = {"",
                                             ".",
                                             "..",
                                             ".wormfs.e",
                                             ".wormfs.sx",
                                             ".wormfs.",
                                             "x",
                                             std::string(246, 'a'),
                                             std::string(247, 'b'),
                                             std::string(256, 'c')};
  for (bool at_root : {true, false}) {
    for (const std::string& seg : segments) {
      for (bool beside : {false, true}) {
        std::string name =
            beside ? ObjectBesideFolderName(seg, at_root) : SegmentName(seg, at_root);
        ASSERT_LE(name.size(), 255u) << seg.size();
        std::optional<DecodedName> back = Decode(name, at_root, seg);
        ASSERT_TRUE(back) << name;
        EXPECT_EQ(back->segment, seg);
        EXPECT_EQ(back->beside_folder, beside);
      }
    }
  }
  EXPECT_EQ(SegmentName("", false), ".wormfs.e");
  EXPECT_EQ(SegmentName(".", false), ".wormfs.s.");
  EXPECT_EQ(SegmentName(".wormfs", true), ".wormfs.s.wormfs");
  EXPECT_EQ(ObjectBesideFolderName("bar", false), ".wormfs.obar");
}

TEST(LocalKeysTest, NamesThatAreNotTheCanonicalFormAreNoKeys) {
  // ".wormfs.sabc" would mean "abc", whose name is "abc": two entries, one key.
  for (std::string_view name : {".wormfs.sabc", ".wormfs.", ".wormfs.tmp", ".wormfs.o.wormfs.sx",
                                ".wormfs.o", ".wormfs.o.wormfs.tmp", ".", ".."}) {
    EXPECT_FALSE(Decode(name, false)) << name;
  }
  EXPECT_FALSE(Decode(".wormfs", true));  // the backend's own folder
  // A hashed name needs the xattr, and the xattr must hash to the name.
  const std::string long_seg(300, 'z');
  const std::string hashed = SegmentName(long_seg, false);
  EXPECT_FALSE(Decode(hashed, false));
  EXPECT_FALSE(Decode(hashed, false, std::string(300, 'y')));
  EXPECT_FALSE(Decode(hashed, false, "a/b"));
  ASSERT_TRUE(Decode(hashed, false, long_seg));
}

// The fuzz target's seed corpus and mutations of it, under ctest: a broken
// invariant aborts (FuzzKeyNames).
TEST(LocalKeysFuzzTest, CorpusAndMutationsKeepTheEncodingInvariants) {
  std::vector<std::string> seeds = testing::ReadFuzzCorpus("key_names");
  ASSERT_FALSE(seeds.empty());
  static constexpr char kBytes[] = "/./\0.wormfs.eosh0aZ\x80\xff";
  std::vector<std::string> inputs =
      testing::MutateSeeds(seeds, std::string_view(kBytes, sizeof(kBytes) - 1),
                           ::testing::UnitTest::GetInstance()->random_seed(), 20000);
  inputs.insert(inputs.end(), seeds.begin(), seeds.end());
  int accepted = 0;
  for (const std::string& s : inputs) {
    accepted +=
        transport_internal::FuzzKeyNames(reinterpret_cast<const uint8_t*>(s.data()), s.size()).ok();
  }
  EXPECT_GT(accepted, 1000);  // the mutations reach the checks, not just the refusals
}

// ---- Listings against a model of S3's rules ----------------------------------

struct ModelPage {
  std::vector<std::string> keys;
  std::vector<std::string> prefixes;
};

// What S3 answers, page by page: keys in byte order under the prefix after
// start_after, rolled up at the first delimiter past the prefix; keys and
// prefixes both count toward max_keys.
std::vector<ModelPage> ModelListing(const std::set<std::string>& keys, const ListRequest& r) {
  std::vector<ModelPage> pages(1);
  int count = 0;
  std::string last_prefix;
  for (const std::string& key : keys) {
    if (key.compare(0, r.prefix.size(), r.prefix) != 0 || key <= r.start_after) continue;
    std::string rolled;
    if (!r.delimiter.empty()) {
      size_t at = key.find(r.delimiter, r.prefix.size());
      if (at != std::string::npos) rolled = key.substr(0, at + r.delimiter.size());
    }
    if (!rolled.empty() && rolled == last_prefix) continue;
    if (count == r.max_keys) {
      pages.emplace_back();
      count = 0;
    }
    if (rolled.empty()) {
      pages.back().keys.push_back(key);
    } else {
      pages.back().prefixes.push_back(rolled);
      last_prefix = rolled;
    }
    ++count;
  }
  return pages;
}

void ExpectListingMatches(Transport& t, const std::set<std::string>& keys, ListRequest r) {
  SCOPED_TRACE("prefix \"" + r.prefix + "\" delimiter \"" + r.delimiter + "\" start_after \"" +
               r.start_after.substr(0, 40) + "\" max_keys " + std::to_string(r.max_keys));
  std::vector<ModelPage> want = ModelListing(keys, r);
  for (size_t page = 0;; ++page) {
    ASSERT_LT(page, want.size()) << "more pages than S3 gives";
    ASSERT_OK_AND_ASSIGN(ListPage got, t.List(r));
    std::vector<std::string> got_keys;
    for (const ObjectMeta& m : got.objects) got_keys.push_back(m.key);
    EXPECT_EQ(got_keys, want[page].keys) << "page " << page;
    EXPECT_EQ(got.common_prefixes, want[page].prefixes) << "page " << page;
    if (got.next_token.empty()) {
      EXPECT_EQ(page + 1, want.size()) << "fewer pages than S3 gives";
      return;
    }
    r.token = got.next_token;
  }
}

// Random PUTs and DELETEs of keys made of the segments most likely to break
// an encoding, each listing compared with the model, also after a reopen.
TEST(LocalKeysListingTest, RandomOddKeysListExactlyAsS3Would) {
  ScratchDir dir;
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Transport> t, NewLocalTransport(dir.path().string()));
  const std::vector<std::string> segments = {"",
                                             ".",
                                             "..",
                                             "a",
                                             "a-",
                                             "a0",
                                             "b",
                                             ".wormfs",
                                             ".wormfs.e",
                                             ".wormfs.oa",
                                             ".wormfs.s..",
                                             "\xc3\xa9",
                                             std::string(250, 'L'),
                                             std::string(300, 'M')};
  std::mt19937 rng(20261202);
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  auto random_key = [&] {
    std::string key;
    size_t n = 1 + pick(4);
    for (size_t i = 0; i < n; ++i) {
      if (i > 0) key.push_back('/');
      key += segments[pick(segments.size())];
    }
    return key.size() <= 1024 && !key.empty() ? key : std::string("a");
  };
  std::set<std::string> model;
  for (int op = 1; op <= 360; ++op) {
    std::string key = random_key();
    if (!model.empty() && pick(10) < 4) {
      auto it = model.begin();
      std::advance(it, pick(model.size()));
      key = *it;
    }
    if (pick(10) < 6) {
      ASSERT_OK_MSG(t->Put(key, "v" + std::to_string(op), {}), key);
      model.insert(key);
    } else {
      ASSERT_OK_MSG(t->Delete(key, {}), key);
      model.erase(key);
    }
    if (op % 40 != 0) continue;
    if (op == 200) {  // another process over the same folder
      t.reset();
      ASSERT_OK_AND_ASSIGN(t, NewLocalTransport(dir.path().string()));
    }
    std::vector<std::string> prefixes = {"", "a", "a/", "/", random_key().substr(0, 1 + pick(8))};
    for (const std::string& prefix : prefixes) {
      for (const char* delimiter : {"", "/"}) {
        for (int max_keys : {1, 3, 1000}) {
          ListRequest r;
          r.prefix = prefix;
          r.delimiter = delimiter;
          r.max_keys = max_keys;
          ExpectListingMatches(*t, model, r);
          r.start_after = random_key();
          ExpectListingMatches(*t, model, r);
        }
      }
    }
    for (const std::string& key : model) {
      ASSERT_OK_MSG(t->Head(key, {}), key);
    }
    if (HasFailure()) return;
  }
}

// ---- Races in one folder -------------------------------------------------------

// A sync tool purging a tree with parallel deletes while others write into
// it: a delete never fails because a sibling's delete pruned the folder, and
// a PUT never fails because the folder it made was pruned before its rename.
TEST(LocalKeysRaceTest, ParallelDeletesAndPutsInOneFolderNeverFail) {
  ScratchDir dir;
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Transport> t, NewLocalTransport(dir.path().string()));
  constexpr int kRounds = 12, kKeys = 40, kDeleters = 6, kWriters = 2, kWrites = 6;
  for (int round = 0; round < kRounds; ++round) {
    const std::string folder = "tree/r" + std::to_string(round % 3) + "/deep/";
    std::vector<std::string> doomed;
    for (int i = 0; i < kKeys; ++i) {
      doomed.push_back(folder + "k" + std::to_string(i));
      ASSERT_OK(t->Put(doomed.back(), "x", {}));
    }
    std::atomic<int> next{0};
    std::atomic<int> failures{0};
    std::vector<std::string> errors(kDeleters + kWriters);
    std::vector<std::thread> threads;
    for (int d = 0; d < kDeleters; ++d) {
      threads.emplace_back([&, d] {
        for (int i; (i = next.fetch_add(1)) < kKeys;) {
          Status st = t->Delete(doomed[i], {});
          if (!st.ok()) {
            ++failures;
            errors[d] = st.ToString();
          }
          // A delete of a key already gone is fine too (idempotent).
          if (Status again = t->Delete(doomed[i], {}); !again.ok()) ++failures;
        }
      });
    }
    for (int w = 0; w < kWriters; ++w) {
      threads.emplace_back([&, w] {
        for (int i = 0; i < kWrites; ++i) {
          std::string key = folder + "new-" + std::to_string(round) + "-" + std::to_string(w) +
                            "-" + std::to_string(i);
          if (Status st = t->Put(key, "n", {}).status(); !st.ok()) {
            ++failures;
            errors[kDeleters + w] = st.ToString();
          }
        }
      });
    }
    for (std::thread& th : threads) th.join();
    ASSERT_EQ(failures.load(), 0) << ::testing::PrintToString(errors);
    for (int w = 0; w < kWriters; ++w) {
      for (int i = 0; i < kWrites; ++i) {
        std::string key = folder + "new-" + std::to_string(round) + "-" + std::to_string(w) + "-" +
                          std::to_string(i);
        ASSERT_OK_MSG(t->Head(key, {}), key);
        ASSERT_OK(t->Delete(key, {}));
      }
    }
  }
  ASSERT_OK_AND_ASSIGN(ListPage left, t->List(ListRequest{}));
  EXPECT_TRUE(left.objects.empty());
}

// "c/x" moves beside a folder when "c/x/y" is first written: a reader of
// "c/x" never finds it missing while it exists throughout.
TEST(LocalKeysRaceTest, AnObjectMovingBesideAFolderNeverSeemsMissing) {
  ScratchDir dir;
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Transport> t, NewLocalTransport(dir.path().string()));
  std::atomic<uint64_t> phase{0};  // odd: "c/x" exists
  std::atomic<bool> stop{false};
  std::atomic<int> missing{0}, checked{0};
  std::thread writer([&] {
    for (int i = 0; i < 300; ++i) {
      ASSERT_OK(t->Put("c/x", "x", {}));
      phase.fetch_add(1);
      ASSERT_OK(t->Put("c/x/y", "y", {}));  // the move
      ASSERT_OK(t->Delete("c/x/y", {}));
      phase.fetch_add(1);
      ASSERT_OK(t->Delete("c/x", {}));
    }
    stop = true;
  });
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&, r] {
      while (!stop) {
        uint64_t before = phase.load();
        Status st = r == 0 ? t->Get("c/x", {}).status() : t->Head("c/x", {}).status();
        if (before % 2 == 1 && phase.load() == before) {
          ++checked;
          if (!st.ok()) ++missing;
        }
      }
    });
  }
  writer.join();
  for (std::thread& th : readers) th.join();
  EXPECT_EQ(missing.load(), 0) << "of " << checked.load();
}

}  // namespace
}  // namespace worm
