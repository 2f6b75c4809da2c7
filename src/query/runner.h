// Internal: how RunQuery (include/worm/query.h, contract) runs. Not public
// API; its one user is runner.cc.
//
// Pipeline, per listing page of up to kListPage keys:
//  - Unless the query may stop early, a lister thread lists up to
//    kPagesAhead pages ahead of use and a second thread reads each page's
//    cached rows (one range read per key-ordered page, else one lookup per
//    key), while the calling thread decodes and evaluates.
//  - Cache misses are read through Repository::ReadStored, `concurrency` at
//    a time (16 hides S3's ~20-50 ms per GET without approaching its
//    per-prefix request-rate limits). I/O only: decoding follows.
//  - Decoding runs on kDecodeThreads threads. A cached document (decoded by
//    the engine when it was stored) is parsed by simdjson, validating all
//    of it, into only the members the query reads (query/partial_json.h);
//    with a filter, the members "where" reads first and the rest only for
//    documents that pass. Fetched documents, and cached ones simdjson
//    refuses, are decoded by Repository::Decode; the few reduced documents
//    kept for the result are decoded in full by it at the end.
//  - Evaluation runs on the calling thread; populate (Repository::Populate)
//    and select on the final page.
// Memory: one page of documents, up to kPagesAhead listed pages ahead (keys
// and ETags), plus the evaluator's.
#pragma once

#include <cstddef>

namespace worm::query {

// Keys per listing page (S3's maximum per LIST request).
inline constexpr int kListPage = 1000;
// Listed pages read ahead of the one evaluated.
inline constexpr size_t kPagesAhead = 2;
// Threads decoding a page of documents, and the fewest documents worth a
// thread of their own.
inline constexpr int kDecodeThreads = 2;
inline constexpr size_t kMinSlotsPerThread = 64;

}  // namespace worm::query
