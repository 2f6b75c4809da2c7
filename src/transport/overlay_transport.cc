// OverlayTransport: copy-on-write `upper` over a read-only `lower` (OANIX
// CowFs). See NewOverlayTransport in worm/transport.h for the contract.
//
// Whiteouts: deleting key k (when lower has k) writes the empty object
// kOverlayWhiteoutPrefix + k in upper. Whiteout keys sort like the keys they
// hide, so List merges three sorted streams: upper, lower and whiteouts.
//
// Thread-safety: thread-safe. A stripe of shared_mutexes (by key) makes each
// read see, and each write change, the merged view atomically within this
// process; upper's own conditional writes guard against other writers.
#include <array>
#include <mutex>
#include <shared_mutex>

#include "transport/transport_util.h"
#include "worm/transport.h"

namespace worm {

namespace {

using namespace transport_internal;  // NOLINT

constexpr size_t kStripes = 64;

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

// One entry of a listing: an object or a common prefix.
struct ListItem {
  std::string name;
  bool is_prefix = false;
  ObjectMeta meta;
};

// A sorted stream of ListItems read page by page from one transport.
// `strip` is removed from the front of every name (for whiteouts).
class PagedSource {
 public:
  PagedSource(Transport* transport, ListRequest request, size_t strip)
      : transport_(transport), request_(std::move(request)), strip_(strip) {}

  // The next item, or null at the end.
  Result<const ListItem*> Peek() {
    while (pos_ == items_.size() && !done_) RETURN_NOT_OK(Fetch());
    if (pos_ == items_.size()) return static_cast<const ListItem*>(nullptr);
    return &items_[pos_];
  }
  void Pop() { ++pos_; }

 private:
  Status Fetch() {
    ASSIGN_OR_RETURN(ListPage page, transport_->List(request_));
    items_.clear();
    pos_ = 0;
    size_t p = 0;
    for (ObjectMeta& m : page.objects) {
      while (p < page.common_prefixes.size() && page.common_prefixes[p] < m.key) {
        items_.push_back(ListItem{page.common_prefixes[p++].substr(strip_), true, {}});
      }
      std::string name = m.key.substr(strip_);
      m.key = name;
      items_.push_back(ListItem{std::move(name), false, std::move(m)});
    }
    while (p < page.common_prefixes.size()) {
      items_.push_back(ListItem{page.common_prefixes[p++].substr(strip_), true, {}});
    }
    request_.token = std::move(page.next_token);
    done_ = request_.token.empty();
    return Status::OK();
  }

  Transport* transport_;
  ListRequest request_;
  size_t strip_;
  std::vector<ListItem> items_;
  size_t pos_ = 0;
  bool done_ = false;
};

// What lower holds for a key, as the overlay sees it.
struct LowerState {
  bool whiteout = false;
  std::optional<ObjectMeta> meta;  // lower's object, whether or not whited out
  const ObjectMeta* visible() const { return !whiteout && meta ? &*meta : nullptr; }
};

// How a write reaches upper, decided from the merged view.
struct WritePlan {
  WriteOptions upper_options;
  bool lower_must_be_absent = false;  // kCreate: lower must not show the key
  std::string lower_etag;             // kUpdate copied up: lower must still show this
};

class OverlayTransport final : public Transport {
 public:
  OverlayTransport(std::shared_ptr<Transport> upper, std::shared_ptr<Transport> lower)
      : upper_(std::move(upper)), lower_(std::move(lower)) {}

  Capabilities capabilities() const override {
    Capabilities up = upper_->capabilities();
    Capabilities caps = up;
    caps.name = "overlay";
    caps.list_after_write = up.list_after_write && lower_->capabilities().list_after_write;
    caps.object_lock = false;
    caps.max_key_size = up.max_key_size - kOverlayWhiteoutPrefix.size();
    return caps;
  }

  Result<ObjectMeta> Head(const Key& key, const ReadOptions& options) override {
    RETURN_NOT_OK(CheckKey("head", key));
    std::shared_lock lock(StripeOf(key));
    return Read<ObjectMeta>(key, [&](Transport* t) { return t->Head(key, options); });
  }
  Result<Object> Get(const Key& key, const ReadOptions& options) override {
    RETURN_NOT_OK(CheckKey("get", key));
    std::shared_lock lock(StripeOf(key));
    return Read<Object>(key, [&](Transport* t) { return t->Get(key, options); });
  }
  Result<std::unique_ptr<ReadStream>> OpenRead(const Key& key,
                                               const ReadOptions& options) override {
    RETURN_NOT_OK(CheckKey("get", key));
    std::shared_lock lock(StripeOf(key));
    return Read<std::unique_ptr<ReadStream>>(
        key, [&](Transport* t) { return t->OpenRead(key, options); });
  }

  Result<PutResult> Put(const Key& key, ByteView data, const WriteOptions& options) override {
    RETURN_NOT_OK(CheckKey("put", key));
    RETURN_NOT_OK(ValidateWriteOptions("put", key, options));
    std::unique_lock lock(StripeOf(key));
    ASSIGN_OR_RETURN(WritePlan plan, PlanWrite(key, options));
    RETURN_NOT_OK(VerifyLower(key, plan));
    return FinishWrite(key, plan, upper_->Put(key, data, plan.upper_options));
  }

  Result<std::unique_ptr<WriteStream>> OpenWrite(const Key& key,
                                                 const WriteOptions& options) override;

  Status Delete(const Key& key, const DeleteOptions& options) override;
  Result<ListPage> List(const ListRequest& request) override;

  // The write stream's Commit: verifies the plan and commits `upper_stream`.
  Result<PutResult> CommitStream(const Key& key, const WritePlan& plan, WriteStream* upper_stream) {
    std::unique_lock lock(StripeOf(key));
    Status st = VerifyLower(key, plan);
    if (!st.ok()) {
      upper_stream->Abort();
      return st;
    }
    return FinishWrite(key, plan, upper_stream->Commit());
  }

  Result<WritePlan> PlanWrite(const Key& key, const WriteOptions& options);

 private:
  std::shared_mutex& StripeOf(const Key& key) {
    return stripes_[std::hash<std::string>()(key) % kStripes];
  }
  static std::string WhiteoutKey(const Key& key) {
    return std::string(kOverlayWhiteoutPrefix) + key;
  }

  Status CheckKey(std::string_view op, const Key& key) const {
    if (key.starts_with(kOverlayWhiteoutPrefix)) {
      return Status::InvalidArgument(std::string(op) + " " + Quote(key) + ": keys under " +
                                     Quote(kOverlayWhiteoutPrefix) +
                                     " are reserved for the overlay's whiteouts");
    }
    return ValidateKey(op, key, capabilities().max_key_size);
  }

  // Upper, else (unless whited out) lower.
  template <typename T, typename Fn>
  Result<T> Read(const Key& key, Fn fn) {
    Result<T> up = fn(upper_.get());
    if (up.ok() || !up.status().IsNotFound()) return up;
    Result<ObjectMeta> wh = upper_->Head(WhiteoutKey(key), ReadOptions{});
    if (wh.ok()) return Status::NotFound("read " + Quote(key) + ": no such key (deleted)");
    if (!wh.status().IsNotFound()) return wh.status();
    return fn(lower_.get());
  }

  Result<LowerState> GetLowerState(const Key& key) {
    LowerState state;
    Result<ObjectMeta> wh = upper_->Head(WhiteoutKey(key), ReadOptions{});
    if (!wh.ok() && !wh.status().IsNotFound()) return wh.status();
    state.whiteout = wh.ok();
    Result<ObjectMeta> low = lower_->Head(key, ReadOptions{});
    if (low.ok()) {
      state.meta = std::move(*low);
    } else if (!low.status().IsNotFound()) {
      return low.status();
    }
    return state;
  }

  Status VerifyLower(const Key& key, const WritePlan& plan) {
    if (!plan.lower_must_be_absent && plan.lower_etag.empty()) return Status::OK();
    ASSIGN_OR_RETURN(LowerState lower, GetLowerState(key));
    const ObjectMeta* visible = lower.visible();
    if (plan.lower_must_be_absent && visible != nullptr) {
      return Status::AlreadyExists("put " + Quote(key) +
                                   ": create-only write found an existing object (etag " +
                                   visible->etag + ")");
    }
    if (!plan.lower_etag.empty() && (visible == nullptr || visible->etag != plan.lower_etag)) {
      return Status::FailedPrecondition("put " + Quote(key) + ": update expected etag " +
                                        plan.lower_etag + " but the object changed");
    }
    return Status::OK();
  }

  Result<PutResult> FinishWrite(const Key& key, const WritePlan& plan, Result<PutResult> put) {
    if (!put.ok()) {
      if (!plan.lower_etag.empty() && put.status().IsAlreadyExists()) {
        return Status::FailedPrecondition("put " + Quote(key) + ": update expected etag " +
                                          plan.lower_etag + " but the object changed");
      }
      return put;
    }
    RETURN_NOT_OK(upper_->Delete(WhiteoutKey(key), DeleteOptions{}));
    return put;
  }

  Result<std::optional<ListItem>> NextVisible(const ListPlan& plan, PagedSource* up,
                                              PagedSource* low, PagedSource* wh);
  Result<bool> AnyVisibleUnder(const std::string& prefix);
  Result<bool> WhiteoutsUnder(PagedSource* wh, const std::string& prefix);

  std::shared_ptr<Transport> upper_;
  std::shared_ptr<Transport> lower_;
  std::array<std::shared_mutex, kStripes> stripes_;
};

Result<WritePlan> OverlayTransport::PlanWrite(const Key& key, const WriteOptions& options) {
  WritePlan plan;
  plan.upper_options = options;
  if (options.mode == PutMode::kCreate) plan.lower_must_be_absent = true;
  if (options.mode != PutMode::kUpdate) return plan;
  Result<ObjectMeta> up = upper_->Head(key, ReadOptions{});
  if (up.ok()) return plan;  // upper holds the key: its own If-Match decides
  if (!up.status().IsNotFound()) return up.status();
  // Copy-up: create in upper, provided lower still shows the expected ETag.
  plan.upper_options.mode = PutMode::kCreate;
  plan.upper_options.if_match.clear();
  plan.lower_etag = options.if_match;
  return plan;
}

class OverlayWriteStream final : public WriteStream {
 public:
  OverlayWriteStream(OverlayTransport* owner, Key key, WritePlan plan,
                     std::unique_ptr<WriteStream> upper)
      : owner_(owner), key_(std::move(key)), plan_(std::move(plan)), upper_(std::move(upper)) {}
  Status Append(ByteView data) override { return upper_->Append(data); }
  Result<PutResult> Commit() override { return owner_->CommitStream(key_, plan_, upper_.get()); }
  void Abort() override { upper_->Abort(); }

 private:
  OverlayTransport* owner_;
  Key key_;
  WritePlan plan_;
  std::unique_ptr<WriteStream> upper_;
};

Result<std::unique_ptr<WriteStream>> OverlayTransport::OpenWrite(const Key& key,
                                                                 const WriteOptions& options) {
  RETURN_NOT_OK(CheckKey("put", key));
  RETURN_NOT_OK(ValidateWriteOptions("put", key, options));
  WritePlan plan;
  {
    std::shared_lock lock(StripeOf(key));
    ASSIGN_OR_RETURN(plan, PlanWrite(key, options));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<WriteStream> upper, upper_->OpenWrite(key, plan.upper_options));
  return std::unique_ptr<WriteStream>(
      std::make_unique<OverlayWriteStream>(this, key, std::move(plan), std::move(upper)));
}

Status OverlayTransport::Delete(const Key& key, const DeleteOptions& options) {
  RETURN_NOT_OK(CheckKey("delete", key));
  std::unique_lock lock(StripeOf(key));
  Result<ObjectMeta> up = upper_->Head(key, ReadOptions{});
  if (!up.ok() && !up.status().IsNotFound()) return up.status();
  ASSIGN_OR_RETURN(LowerState lower, GetLowerState(key));
  const ObjectMeta* current = up.ok() ? &*up : lower.visible();
  RETURN_NOT_OK(CheckDeleteCondition(key, current, options));
  if (lower.meta && !lower.whiteout) {
    // Whiteout first: a crash before the upper delete leaves upper's copy
    // visible (the delete simply did not happen).
    ASSIGN_OR_RETURN(PutResult ignored, upper_->Put(WhiteoutKey(key), "", WriteOptions{}));
    (void)ignored;
  }
  if (up.ok()) {
    DeleteOptions upper_options;
    upper_options.if_match = options.if_match.empty() ? "" : up->etag;
    RETURN_NOT_OK(upper_->Delete(key, upper_options));
  }
  return Status::OK();
}

Result<bool> OverlayTransport::AnyVisibleUnder(const std::string& prefix) {
  ListRequest request;
  request.prefix = prefix;
  request.max_keys = 1;
  ASSIGN_OR_RETURN(ListPage page, List(request));
  return !page.objects.empty();
}

// Advances the whiteout stream to `prefix` and reports whether any whiteout
// lies under it.
Result<bool> OverlayTransport::WhiteoutsUnder(PagedSource* wh, const std::string& prefix) {
  for (;;) {
    ASSIGN_OR_RETURN(const ListItem* w, wh->Peek());
    if (w == nullptr) return false;
    if (w->name >= prefix) return w->name.starts_with(prefix);
    wh->Pop();
  }
}

Result<std::optional<ListItem>> OverlayTransport::NextVisible(const ListPlan& plan, PagedSource* up,
                                                              PagedSource* low, PagedSource* wh) {
  for (;;) {
    ASSIGN_OR_RETURN(const ListItem* u, up->Peek());
    ASSIGN_OR_RETURN(const ListItem* l, low->Peek());
    if (u != nullptr && u->name.starts_with(kOverlayWhiteoutPrefix)) {
      up->Pop();  // the whiteout area itself is never listed
      continue;
    }
    if (u == nullptr && l == nullptr) return std::optional<ListItem>();
    bool take_upper = u != nullptr && (l == nullptr || u->name <= l->name);
    ListItem item = take_upper ? *u : *l;
    if (take_upper) {
      up->Pop();
      if (l != nullptr && l->name == item.name) low->Pop();  // upper shadows lower
    } else {
      low->Pop();
    }
    bool visible = true;
    if (item.is_prefix) {
      std::optional<std::string> end = PrefixSuccessor(item.name);
      if (plan.exhausted || (end && *end <= plan.seek)) continue;
      if (take_upper && kOverlayWhiteoutPrefix.starts_with(item.name)) {
        ASSIGN_OR_RETURN(visible, AnyVisibleUnder(item.name));  // may hold only whiteouts
      } else if (!take_upper) {
        ASSIGN_OR_RETURN(bool hidden_some, WhiteoutsUnder(wh, item.name));
        if (hidden_some) {
          ASSIGN_OR_RETURN(visible, AnyVisibleUnder(item.name));
        }
      }
    } else {
      if (!plan.Passes(item.name)) continue;
      if (!take_upper) {
        ASSIGN_OR_RETURN(bool hidden_some, WhiteoutsUnder(wh, item.name));
        ASSIGN_OR_RETURN(const ListItem* w, wh->Peek());
        visible = !(hidden_some && w != nullptr && w->name == item.name);
      }
    }
    if (visible) return std::optional<ListItem>(std::move(item));
  }
}

Result<ListPage> OverlayTransport::List(const ListRequest& request) {
  ASSIGN_OR_RETURN(ListPlan plan, PlanList(request));
  std::string after = request.start_after;
  if (!request.token.empty()) {
    ASSIGN_OR_RETURN(ListCursor cursor, DecodeListToken(request.token));
    after = std::max(after, cursor.name);
  }
  ListRequest sub;
  sub.prefix = request.prefix;
  sub.delimiter = request.delimiter;
  sub.start_after = after;
  sub.max_keys = std::min(1000, request.max_keys + 1);
  PagedSource up(upper_.get(), sub, 0);
  PagedSource low(lower_.get(), sub, 0);
  ListRequest whiteouts;
  whiteouts.prefix = std::string(kOverlayWhiteoutPrefix) + request.prefix;
  whiteouts.start_after = after.empty() ? "" : std::string(kOverlayWhiteoutPrefix) + after;
  whiteouts.max_keys = 1000;
  PagedSource wh(upper_.get(), whiteouts, kOverlayWhiteoutPrefix.size());

  ListPage page;
  int count = 0;
  for (;;) {
    ASSIGN_OR_RETURN(std::optional<ListItem> item, NextVisible(plan, &up, &low, &wh));
    if (!item) break;
    if (count == plan.max_keys) {
      bool last_is_prefix =
          page.objects.empty() ||
          (!page.common_prefixes.empty() && page.common_prefixes.back() > page.objects.back().key);
      page.next_token = EncodeListToken(
          last_is_prefix ? page.common_prefixes.back() : page.objects.back().key, last_is_prefix);
      break;
    }
    ++count;
    if (item->is_prefix) {
      page.common_prefixes.push_back(std::move(item->name));
    } else {
      item->meta.content_type.clear();
      item->meta.user_metadata.clear();
      page.objects.push_back(std::move(item->meta));
    }
  }
  return page;
}

}  // namespace

std::shared_ptr<Transport> NewOverlayTransport(std::shared_ptr<Transport> upper,
                                               std::shared_ptr<Transport> lower) {
  return std::make_shared<OverlayTransport>(std::move(upper), std::move(lower));
}

}  // namespace worm
