package viber

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/infopunkt/infopunkt/bot"
)

// Back-off after Viber's tooManyRequests for one chat: 1 min, doubling per
// consecutive refusal, at most 1 h (the cap's own window).
const (
	throttleFirst = time.Minute
	throttleMax   = time.Hour
	capWindow     = time.Hour
	sweepEvery    = 10 * time.Minute
)

// chatLimit is what the adapter remembers in memory about sending to one
// chat. Losing it on restart is harmless: Viber still enforces its cap and
// we back off from its answer.
type chatLimit struct {
	sends     []time.Time // sends since the user last wrote, oldest first, within capWindow
	throttled int         // consecutive tooManyRequests answers
	last      time.Time   // last use, for sweeping idle entries
	resume    resumeMark
}

// resumeMark remembers how many parts of a split reply were delivered, so
// the outbox's retry of the same reply does not repeat them.
type resumeMark struct {
	sum  uint64 // identifies the rendered reply
	done int    // parts already delivered
}

// chat returns the chat's entry, creating it. a.mu must be held.
func (a *Adapter) chat(k bot.ChatKey, now time.Time) *chatLimit {
	if now.After(a.sweep) {
		for key, c := range a.chats {
			if now.Sub(c.last) > capWindow {
				delete(a.chats, key)
			}
		}
		a.sweep = now.Add(sweepEvery)
	}
	c := a.chats[k]
	if c == nil {
		c = &chatLimit{}
		a.chats[k] = c
	}
	c.last = now
	i := 0
	for i < len(c.sends) && now.Sub(c.sends[i]) >= capWindow {
		i++
	}
	c.sends = c.sends[i:]
	return c
}

// userReplied restarts the chat's hourly count: Viber's cap counts
// messages without a reply from the user.
func (a *Adapter) userReplied(k bot.ChatKey) {
	a.mu.Lock()
	held := false
	if c := a.chats[k]; c != nil {
		held = c.throttled > 0 || len(c.sends) >= a.cfg.UserHourlyCap
		c.sends, c.throttled = nil, 0
	}
	a.mu.Unlock()
	if held && a.cfg.OnUserActive != nil {
		a.cfg.OnUserActive(k)
	}
}

// hourlyWait returns how long until n more messages fit under
// UserHourlyCap for the chat; 0 if they fit now.
func (a *Adapter) hourlyWait(k bot.ChatKey, n int) time.Duration {
	now := a.cfg.Now()
	a.mu.Lock()
	defer a.mu.Unlock()
	c := a.chat(k, now)
	over := len(c.sends) + n - a.cfg.UserHourlyCap
	if over <= 0 {
		return 0
	}
	return max(c.sends[over-1].Add(capWindow).Sub(now), time.Second)
}

// sent records one delivered message.
func (a *Adapter) sent(k bot.ChatKey) {
	now := a.cfg.Now()
	a.mu.Lock()
	defer a.mu.Unlock()
	c := a.chat(k, now)
	c.sends = append(c.sends, now)
	c.throttled = 0
}

// throttle records a tooManyRequests answer and returns the back-off.
func (a *Adapter) throttle(k bot.ChatKey) time.Duration {
	now := a.cfg.Now()
	a.mu.Lock()
	defer a.mu.Unlock()
	c := a.chat(k, now)
	d := throttleFirst << min(c.throttled, 6)
	c.throttled++
	return min(d, throttleMax)
}

// resumeAt returns the first part of the reply identified by sum still to
// send.
func (a *Adapter) resumeAt(k bot.ChatKey, sum uint64) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	if c := a.chats[k]; c != nil && c.resume.sum == sum {
		return c.resume.done
	}
	return 0
}

func (a *Adapter) setResume(k bot.ChatKey, m resumeMark) {
	now := a.cfg.Now()
	a.mu.Lock()
	defer a.mu.Unlock()
	a.chat(k, now).resume = m
}

// reminderKey is the meta key counting reminders to chat in now's month.
func (a *Adapter) reminderKey(k bot.ChatKey) string {
	return "viber/reminders/" + a.cfg.Now().In(a.cfg.Location).Format("2006-01") + "/" + string(k)
}

// reserveReminders counts n bot-initiated messages against the chat's
// monthly cap before they are sent, so a crash can only under-send. The
// caller gives back what it did not send with refundReminders.
func (a *Adapter) reserveReminders(ctx context.Context, k bot.ChatKey, n int) (key string, err error) {
	if a.cfg.MonthlyReminderCap <= 0 {
		return "", &bot.SendError{Kind: bot.SendPermanent, Reason: "viber_reminder_cap",
			Err: errors.New("reminders are off on Viber")}
	}
	key = a.reminderKey(k)
	a.remindMu.Lock()
	defer a.remindMu.Unlock()
	count, err := a.reminderCount(ctx, key)
	if err != nil {
		return "", err
	}
	if count+n > a.cfg.MonthlyReminderCap {
		return "", &bot.SendError{Kind: bot.SendPermanent, Reason: "viber_reminder_cap",
			Err: fmt.Errorf("monthly cap of %d reached", a.cfg.MonthlyReminderCap)}
	}
	if err := a.meta.PutMeta(ctx, key, []byte(strconv.Itoa(count+n))); err != nil {
		return "", &bot.SendError{Kind: bot.SendRetry, Reason: "viber_meta", Err: err}
	}
	return key, nil
}

func (a *Adapter) refundReminders(ctx context.Context, key string, n int) {
	if key == "" || n <= 0 {
		return
	}
	a.remindMu.Lock()
	defer a.remindMu.Unlock()
	count, err := a.reminderCount(ctx, key)
	if err == nil {
		err = a.meta.PutMeta(ctx, key, []byte(strconv.Itoa(max(count-n, 0))))
	}
	if err != nil {
		a.log.Warn("viber: reminder count not refunded", "err", err)
	}
}

func (a *Adapter) reminderCount(ctx context.Context, key string) (int, error) {
	v, err := a.meta.GetMeta(ctx, key)
	if errors.Is(err, bot.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, &bot.SendError{Kind: bot.SendRetry, Reason: "viber_meta", Err: err}
	}
	n, err := strconv.Atoi(string(v))
	if err != nil {
		return 0, &bot.SendError{Kind: bot.SendRetry, Reason: "viber_meta", Err: fmt.Errorf("reminder count %q: %w", v, err)}
	}
	return n, nil
}
