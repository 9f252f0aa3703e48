package main

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// keyboardWait bounds how long a press waits for the keyboard of a reply
// that arrives in several messages.
const keyboardWait = 2 * time.Second

// user walks the steps in one chat at a time.
type user struct {
	c     *chat
	kb    keyboard
	fresh bool // kb came with a reply to the last update sent
	next  int  // index of the next step
}

// latencies collects update→reply times from many goroutines.
type latencies struct {
	mu sync.Mutex
	ds []time.Duration
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	l.ds = append(l.ds, d)
	l.mu.Unlock()
}

// load runs the configured shape and returns the latencies of the walking
// users, how many of their updates were sent, and how many flood messages.
func (d *driver) load(ctx context.Context, walk []step) (lat []time.Duration, updates, flood int64) {
	rec := &latencies{}
	var sent atomic.Int64
	switch {
	case d.cfg.rate > 0:
		d.openLoop(ctx, walk, rec, &sent)
	case d.cfg.flood > 0:
		var done atomic.Bool
		var wg sync.WaitGroup
		wg.Go(func() {
			flood = d.flood(ctx, d.cfg.flood)
			done.Store(true)
		})
		d.closedLoop(ctx, walk, rec, &sent, done.Load)
		wg.Wait()
	default:
		var until func() bool
		if d.cfg.duration > 0 {
			deadline := time.Now().Add(d.cfg.duration)
			until = func() bool { return time.Now().After(deadline) }
		}
		d.closedLoop(ctx, walk, rec, &sent, until)
	}
	return rec.ds, sent.Load(), flood
}

// closedLoop runs every user's walk; with until, users start over as new
// chats until it reports true.
func (d *driver) closedLoop(ctx context.Context, walk []step, rec *latencies, sent *atomic.Int64, until func() bool) {
	var wg sync.WaitGroup
	for range d.cfg.users {
		wg.Go(func() {
			for ctx.Err() == nil {
				u := &user{c: d.newChat(false)}
				for u.next < len(walk) && d.step(ctx, u, walk, rec, sent) {
				}
				if until == nil || until() {
					return
				}
			}
		})
	}
	wg.Wait()
}

// openLoop sends cfg.rate updates per second for cfg.duration, each the
// next step of an idle user; an arrival finding no idle user is counted
// as behind.
func (d *driver) openLoop(ctx context.Context, walk []step, rec *latencies, sent *atomic.Int64) {
	idle := make(chan *user, d.cfg.users)
	for range d.cfg.users {
		idle <- &user{c: d.newChat(false)}
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	began := time.Now()
	interval := time.Duration(float64(time.Second) / d.cfg.rate)
	for n := 0; ctx.Err() == nil; n++ {
		due := began.Add(time.Duration(n) * interval)
		if due.Sub(began) >= d.cfg.duration {
			return
		}
		if wait := time.Until(due); wait > 0 {
			time.Sleep(wait)
		}
		select {
		case u := <-idle:
			wg.Go(func() {
				if !d.step(ctx, u, walk, rec, sent) || u.next == len(walk) {
					u = &user{c: d.newChat(false)}
				}
				idle <- u
			})
		default:
			d.behind.Add(1)
		}
	}
}

// step performs u's next step and waits for its reply. It reports false
// when the walk cannot go on (error or timeout, counted).
func (d *driver) step(ctx context.Context, u *user, walk []step, rec *latencies, sent *atomic.Int64) bool {
	s := walk[u.next]
	u.absorb()
	var data string
	if s.isPress() {
		if !u.fresh {
			u.await(ctx, time.Time{}, time.Now().Add(keyboardWait), true)
		}
		var err error
		if data, err = s.resolve(u.kb); err != nil {
			d.walkErrs.Add(1)
			return false
		}
		d.countPress(data)
	}
	at := time.Now()
	if err := d.send(ctx, u.c, s, data, u.kb.msgID); err != nil {
		d.webhookErrs.Add(1)
		return false
	}
	sent.Add(1)
	u.fresh = false
	u.next++
	r, ok := u.await(ctx, at, at.Add(d.cfg.timeout), false)
	if !ok {
		d.timeouts.Add(1)
		return false
	}
	rec.add(r.at.Sub(at))
	return true
}

// absorb applies replies that are already there (late parts of an earlier
// answer) without waiting.
func (u *user) absorb() {
	for {
		select {
		case r := <-u.c.events:
			u.apply(r)
		default:
			return
		}
	}
}

// await waits until deadline for a successful reply received at or after
// since (with wantKeyboard: one carrying a keyboard), applying every reply
// it reads.
func (u *user) await(ctx context.Context, since, deadline time.Time, wantKeyboard bool) (reply, bool) {
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	for {
		select {
		case r := <-u.c.events:
			u.apply(r)
			if r.ok && !r.at.Before(since) && (!wantKeyboard || len(r.kb) > 0) {
				return r, true
			}
		case <-t.C:
			return reply{}, false
		case <-ctx.Done():
			return reply{}, false
		}
	}
}

func (u *user) apply(r reply) {
	if r.ok && len(r.kb) > 0 && r.msgID != 0 {
		u.kb = keyboard{msgID: r.msgID, buttons: r.kb}
		u.fresh = true
	}
}

// flood sends n messages from one chat as fast as the platform lets one
// chat send (one webhook request at a time), and returns how many went.
func (d *driver) flood(ctx context.Context, n int) int64 {
	c := d.newChat(true)
	var sent int64
	for i := range n {
		if ctx.Err() != nil {
			break
		}
		if err := d.send(ctx, c, step{kind: typeText, arg: "flood " + strconv.Itoa(i)}, "", 0); err != nil {
			d.webhookErrs.Add(1)
			continue
		}
		sent++
	}
	return sent
}
