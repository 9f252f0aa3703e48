// Package outbox delivers the durable outbox (a bot.Queue) to the channels'
// Senders: replies, consultant relays and reminders alike.
//
// # Delivery guarantee
//
// Everything is in the queue before it is sent. A Worker sends an item,
// then records its outcome (a bot.Mark: done, retry, drop, pause, blocked),
// and only once that mark is durable does it send the next item of the
// same chat. Marks are group-committed: one marking goroutine commits every
// mark that arrived while the previous commit ran, in one transaction
// (bot.MarkBatcher; the store shares it with concurrent updates through
// bbolt's Batch), so the fsync rate, not the send rate, bounds the commits,
// and sender goroutines never wait for a commit.
//
// After a crash (kill -9) the next Worker resumes from the queue. What is
// sent again is at most the sends in flight plus the sends that finished
// within one unflushed commit interval, and never more than one item per
// chat (each chat's next item waits for its predecessor's mark). The
// interval is one commit (bbolt's MaxBatchDelay of 1 ms, the marks that
// arrived during the previous commit, one fsync). Measured from a send's
// return to its durable mark: 2 ms p50, 15 ms p99 at 2,000 sends/s; 40 to
// 220 ms at the lifted maximum of about 30,000 sends/s, when one commit
// carries some 700 marks (BENCHMARKS.md, "Delivery (issue 8)").
//
// # Lanes, dispatch and fairness
//
// Items are grouped into per-chat FIFO lanes, sent strictly in Seq order,
// one at a time. Different chats are sent in parallel, up to
// Options.Concurrency per channel. A lane whose head must wait (its
// NotBefore, a retry backoff, a flood wait, its rate window) holds back the
// items behind it, and no other lane.
//
// Lanes that can send wait in a heap keyed by the time their head became
// (or becomes) sendable, then by its Seq: dispatch pops the lane that has
// waited longest, so a lane that just sent goes behind every lane already
// waiting, and starting a send costs O(log lanes) whether ten chats or
// 100,000 are pending. A chat flooding the bot holds one sender at a time
// and takes its turn like any other.
//
// Memory is bounded: at most Options.MaxBuffered items in all, and at most
// Options.MaxPerChat of one chat; a fuller chat's further items are read
// from the queue on their own (bot.ChatScanner) as its lane drains. When
// a backlog fills MaxBuffered, items committed afterwards are read first
// (into a reserve of MaxBuffered/8), so a new chat's reply goes out at once
// while, say, 100,000 reminders drain. The store refuses further plain
// answers to a chat that already has store.DefaultMaxPendingPerChat items
// pending (counted as dropped/flood).
//
// # Pacing
//
// Each channel is paced by Limits: a per-chat, a per-group and a global
// Rate, each enforced over a sliding window (at most N sends in any
// interval of length Per). A send counts from when it starts and is
// re-stamped when it finishes, so the platform, which receives it somewhere
// in between, never sees more than N in any interval. A window remembers
// exact finish times up to 64 sends per window, and counts per bucket
// (128 per window, rounding finish times up) beyond, so its memory does
// not grow with the rate. See DefaultLimits.
//
// # Coalescing
//
// Replies of one chat with the same non-empty Reply.Coalesce (and Thread
// and Track), queued back to back, go out as one message when more than one
// is pending: texts joined by a blank line, up to Options.MaxCoalesceBytes,
// all marked done in one commit. Only plain text merges (see
// bot.Reply.Coalesce). If the platform refuses a merged message, its items
// are sent one by one.
//
// # Failures
//
// Senders report failures as *bot.SendError; any other error counts as
// bot.SendRetry.
//
//   - SendRateLimited pauses the lane (with Global, the whole channel) until
//     RetryAfter has passed, and stores the pause; a new Worker restores
//     stored pauses (Queue.Pauses) before sending anything.
//   - SendRetry records the attempt and retries after a jittered
//     exponential Backoff, with no limit on attempts.
//   - SendBlocked drops the chat's items read before the blocked send
//     began, in memory and in the queue (bot.MarkBlocked). Items committed
//     after it are kept, since the user may have come back meanwhile; the
//     chat is marked inactive only if none are pending.
//   - SendPermanent drops the item with the error's Reason.
//
// Logs carry channels, sequence numbers and reasons, never message text,
// names or raw error strings from Senders.
//
// # Goroutines, shutdown and time
//
// One goroutine owns all lane state: it scans the queue (on Notify and
// every PollInterval), starts ready sends on a fixed pool of sender
// goroutines per channel, and applies their results; one more goroutine
// commits marks. When Run's context is done no new send starts; sends in
// flight may finish for Options.StopGrace, then are cancelled (their items
// stay queued); the outcomes of finished ones are committed before Run
// returns, after all goroutines have exited. Every decision reads
// Options.Now; timers only wake the scheduler, so tests with a fake clock
// call Notify after moving it.
package outbox
