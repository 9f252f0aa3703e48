package telegram

import (
	"errors"
	"hash/fnv"
	"strconv"
	"sync"

	"github.com/infopunkt/infopunkt/bot"
)

// progress remembers how many messages of a split reply were delivered to
// a chat, so that the outbox's retry of the same reply (after a 429, a 5xx
// or a timeout on a later part) sends only the parts still missing. It is
// in memory: after a restart a reply is sent from its first part again.
// The outbox sends one reply per chat at a time, so one entry per chat is
// enough, and any other reply to the chat replaces it.
type progress struct {
	mu sync.Mutex
	m  map[int64]partMark
}

// partMark is how far the reply identified by sum got.
type partMark struct {
	sum  uint64
	done int      // parts delivered
	refs []string // their message ids
}

// resume returns the parts of reply sum already delivered to chat.
func (p *progress) resume(chat int64, sum uint64) (done int, refs []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	m, ok := p.m[chat]
	if !ok || m.sum != sum {
		delete(p.m, chat)
		return 0, nil
	}
	return m.done, append([]string(nil), m.refs...)
}

// save records that done parts of reply sum reached chat.
func (p *progress) save(chat int64, sum uint64, done int, refs []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.m == nil {
		p.m = make(map[int64]partMark)
	}
	p.m[chat] = partMark{sum: sum, done: done, refs: append([]string(nil), refs...)}
}

// settle forgets the chat's progress unless err is one the outbox retries
// (the same reply comes back): after success, a drop or a block it would
// only mislead an identical later reply.
func (p *progress) settle(chat int64, err error) {
	var se *bot.SendError
	if err != nil && errors.As(err, &se) && (se.Kind == bot.SendRetry || se.Kind == bot.SendRateLimited) {
		return
	}
	if err != nil && !errors.As(err, &se) {
		return // unclassified errors are retried too
	}
	p.mu.Lock()
	delete(p.m, chat)
	p.mu.Unlock()
}

// partsSum identifies a rendered split reply: its target and its parts.
func partsSum(chat, thread int64, editRef string, parts []string) uint64 {
	h := fnv.New64a()
	h.Write(strconv.AppendInt(nil, chat, 10))
	h.Write([]byte{0})
	h.Write(strconv.AppendInt(nil, thread, 10))
	h.Write([]byte{0})
	h.Write([]byte(editRef))
	for _, p := range parts {
		h.Write([]byte{0})
		h.Write([]byte(p))
	}
	return h.Sum64() | 1 // never 0, which means "not tracked"
}
