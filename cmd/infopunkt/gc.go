package main

import "runtime/debug"

// defaultGCPercent is the garbage collector's target when GOGC is not set.
// The bot's live heap is small (about 12 MB with the shipped content and
// thousands of active chats), so Go's default of 100 collects every few
// megabytes of allocation: about 9% of the CPU under load. At 200 the
// collector runs half as often for about 10 MB more resident memory
// (BENCHMARKS.md, issue 8); GOGC and GOMEMLIMIT, Go's own settings, still
// override it.
const defaultGCPercent = 200

// tuneGC applies defaultGCPercent unless the operator set GOGC.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
}
