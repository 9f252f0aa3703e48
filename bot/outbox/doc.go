// Package outbox delivers the durable outbox (a bot.Queue) to the channels'
// Senders: replies, consultant relays and reminders alike.
//
// # Delivery guarantee
//
// Everything is in the queue before it is sent. A Worker sends an item, then
// marks it done (Queue.Done), and only then sends the next item of the same
// chat. After a crash the next Worker resumes from Queue.Scan, so at most
// the sends in flight at the crash (one per chat) are sent twice.
//
// # Lanes and pacing
//
// Items are grouped into per-chat FIFO lanes, sent strictly in Seq order,
// one at a time. Different chats are sent in parallel, up to
// Options.Concurrency per channel. A lane whose head must wait (its
// NotBefore, a retry backoff, a flood wait, its rate window) holds back the
// items behind it, and no other lane.
//
// Each channel is paced by Limits: a per-chat, a per-group and a global
// Rate, each enforced over a sliding window (at most N sends in any
// interval of length Per). A send counts from when it starts and is
// re-stamped when it finishes, so the platform, which receives it somewhere
// in between, never sees more than N in any interval. See DefaultLimits.
//
// # Failures
//
// Senders report failures as *bot.SendError; any other error counts as
// bot.SendRetry.
//
//   - SendRateLimited pauses the lane (with Global, the whole channel) until
//     RetryAfter has passed, and stores the pause with Queue.SetPause; a new
//     Worker restores stored pauses (Queue.Pauses) before sending anything.
//   - SendRetry records the attempt (Queue.Retry) and retries after a
//     jittered exponential Backoff, with no limit on attempts.
//   - SendBlocked marks the chat inactive (Queue.MarkInactive) and drops its
//     pending items, in the queue and in memory.
//   - SendPermanent drops the item (Queue.Drop) with the error's Reason.
//
// Logs carry channels, sequence numbers and reasons, never message text,
// names or raw error strings from Senders.
//
// # Goroutines and time
//
// One goroutine owns all lane state: it scans the queue (on Notify and
// every PollInterval), starts ready sends on a fixed pool of sender
// goroutines per channel, and applies their results. Run returns only after
// all of them have exited. Every decision reads Options.Now; timers only
// wake the scheduler, so tests with a fake clock call Notify after moving
// it.
package outbox
