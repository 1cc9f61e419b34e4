// V8 flags every `chain` process runs with (bin/chain passes the same on its command line).
//
// --max-semi-space-size=16: the young generation of each thread's heap (the node's, the
// contract sandbox's, the verify pool's) at most 2 x 16 MiB. V8 grows it to 2 x 64 MiB under a
// high allocation rate, as a sync's imports have, and keeps it: a node that had synced 20,000
// blocks held ~250 MiB more than after 2,000 (docs/benchmarks.md, "memory"), most of it
// young-generation and old-space pages its threads no longer used. Capped, that growth was
// 145-210 MiB (651 MiB at 20,000 blocks became 433-518), and blocks imported as fast.
export const V8_FLAGS = ['--max-semi-space-size=16']
