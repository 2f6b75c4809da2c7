// Default implementations on Transport: Copy (streamed Get + Put) and ListAll.
#include "worm/transport.h"

#include <vector>

namespace worm {

namespace {
// Copy buffer: large enough to amortize calls, small enough to keep memory
// bounded by concurrency rather than object size.
constexpr size_t kCopyChunk = 1 << 20;
}  // namespace

// Streams `from` into `to`. When `options` carries no content type and no
// user metadata, the source's are kept (S3's MetadataDirective COPY);
// otherwise the given ones replace them (REPLACE).
Result<PutResult> Transport::Copy(const Key& from, const Key& to, const WriteOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<ReadStream> in, OpenRead(from, ReadOptions{}));
  WriteOptions write = options;
  if (write.content_type.empty() && write.user_metadata.empty()) {
    write.content_type = in->meta().content_type;
    write.user_metadata = in->meta().user_metadata;
  }
  ASSIGN_OR_RETURN(std::unique_ptr<WriteStream> out, OpenWrite(to, write));
  std::vector<char> buf(std::min<uint64_t>(kCopyChunk, std::max<uint64_t>(in->meta().size, 1)));
  for (;;) {
    Result<size_t> n = in->Read(buf.data(), buf.size());
    if (!n.ok()) {
      out->Abort();
      return n.status().WithContext("copy " + from + " -> " + to);
    }
    if (*n == 0) break;
    Status st = out->Append(ByteView(buf.data(), *n));
    if (!st.ok()) {
      out->Abort();
      return st;
    }
  }
  return out->Commit();
}

Result<std::vector<ObjectMeta>> Transport::ListAll(const std::string& prefix) {
  std::vector<ObjectMeta> all;
  ListRequest request;
  request.prefix = prefix;
  request.max_keys = 1000;
  for (;;) {
    ASSIGN_OR_RETURN(ListPage page, List(request));
    for (ObjectMeta& m : page.objects) all.push_back(std::move(m));
    if (page.next_token.empty()) break;
    request.token = std::move(page.next_token);
  }
  return all;
}

}  // namespace worm
