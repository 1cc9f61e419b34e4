// V8 flags every `chain` process runs with (bin/chain passes the same on its command line).
//
// --max-semi-space-size=16: the young generation of each thread's heap (the node's, the
// contract sandbox's, the verify pool's) at most 2 x 16 MiB. V8 grows it to 2 x 64 MiB under a
// high allocation rate, as a sync's imports have, and keeps it: a node that had synced 20,000
// blocks held ~250 MiB more than after 2,000 (docs/benchmarks.md, "memory"), most of it
// young-generation and old-space pages its threads no longer used. Capped, that growth was
// 145-210 MiB (651 MiB at 20,000 blocks became 433-518), and blocks imported as fast.
//
// --heap-growing-percent=50: the old generation is collected once it has grown 50% past what
// the last full collection kept. V8 otherwise picks that factor from its collector's speed
// against the program's, up to 4, and under a sync's imports let the node's heap reach ~190
// MiB around ~64 MiB of live objects; the pages and the ArrayBuffer memory of that garbage
// stayed resident after it was collected. With it, a node after 20,000 blocks held ~90 MiB
// more than after 2,000, not ~170-200. 30% saved no more memory and cost admission ~10% (more
// full collections under a burst of transactions); 50% cost neither import nor bulk admission
// anything measurable (A/B in turns, docs/benchmarks.md).
export const V8_FLAGS = ['--max-semi-space-size=16', '--heap-growing-percent=50']
