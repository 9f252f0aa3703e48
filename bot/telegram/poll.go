package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/infopunkt/infopunkt/bot"
)

// Poll receives updates by long polling until ctx is canceled or Close is
// called (it returns nil then). It deletes any webhook first. It returns
// ErrConflict when another process polls the same token, ErrUnauthorized
// when the token is rejected, ErrClosed after Close, and meta read errors
// for the stored offset. Other errors are retried with backoff.
func (a *Adapter) Poll(ctx context.Context) error {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return ErrClosed
	}
	a.wg.Add(1)
	a.mu.Unlock()
	defer a.wg.Done()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(a.done, cancel)()

	if err := a.deleteWebhook(ctx); err != nil || ctx.Err() != nil {
		return err
	}
	offset, err := a.loadOffset(ctx)
	if err != nil {
		return err
	}
	failures := 0
	// Right after a restart Telegram may still hold the previous process's
	// long poll for up to its timeout and answer 409; only a conflict that
	// outlasts that is another live poller.
	grace := a.cfg.Now().Add(a.cfg.ConflictGrace)
	for ctx.Err() == nil {
		next, err := a.pollOnce(ctx, offset)
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, ErrConflict) && a.cfg.Now().Before(grace):
			failures++
			wait := a.backoff(failures, err)
			a.log.Warn("telegram poll conflict just after start; waiting for the previous poll to expire", "retry_in", wait)
			sleep(ctx, wait)
			continue
		case errors.Is(err, ErrConflict), errors.Is(err, ErrUnauthorized):
			return err
		case err != nil:
			failures++
			wait := a.backoff(failures, err)
			a.log.Warn("telegram poll failed", "err", err, "failures", failures, "retry_in", wait)
			sleep(ctx, wait)
			continue
		}
		failures = 0
		if next > offset {
			offset = next
			a.saveOffset(ctx, offset)
		}
	}
	return nil
}

// pollOnce fetches one batch and handles it, returning the offset after
// the batch.
func (a *Adapter) pollOnce(ctx context.Context, offset int64) (int64, error) {
	raws, err := a.getUpdates(ctx, offset)
	if err != nil {
		return offset, classifyPollErr(err, "get updates")
	}
	return a.handleBatch(ctx, offset, raws)
}

// deleteWebhook switches the bot to polling, retrying transient failures.
func (a *Adapter) deleteWebhook(ctx context.Context) error {
	for n := 1; ; n++ {
		var p params
		p.boolean("drop_pending_updates", false)
		_, err := a.call(ctx, "deleteWebhook", &p)
		if err == nil || ctx.Err() != nil {
			return nil
		}
		if err := classifyPollErr(err, "delete webhook"); errors.Is(err, ErrUnauthorized) {
			return err
		}
		wait := a.backoff(n, err)
		a.log.Warn("telegram deleteWebhook failed", "err", err, "retry_in", wait)
		sleep(ctx, wait)
	}
}

func classifyPollErr(err error, op string) error {
	if te, ok := apiError(err); ok {
		switch {
		case te.Code == http.StatusConflict:
			return fmt.Errorf("%w: %s", ErrConflict, te.Message)
		case te.Code == http.StatusUnauthorized || te.Code == http.StatusNotFound:
			return ErrUnauthorized
		}
	}
	return fmt.Errorf("%s: %w", op, err)
}

// getUpdates fetches a batch and splits it into its updates, which share
// one buffer.
func (a *Adapter) getUpdates(ctx context.Context, offset int64) ([]json.RawMessage, error) {
	var p params
	p.int("timeout", int64(a.cfg.PollTimeout/time.Second))
	p.int("limit", 100)
	p.intNonZero("offset", offset)
	p.raw("allowed_updates", allowedUpdatesJSON)
	ans, err := a.do(ctx, a.pollClient, "getUpdates", &p, maxUpdatesAnswer, false)
	if err != nil {
		return nil, err
	}
	raws, err := splitArray(ans.result)
	if err != nil {
		return nil, fmt.Errorf("decode updates: %w", err)
	}
	return raws, nil
}

// handleBatch handles a batch: chats concurrently, each chat's updates in
// order. It returns the offset past the batch, or an error if any update
// was not handled (the batch will then be fetched again).
func (a *Adapter) handleBatch(ctx context.Context, offset int64, raws []json.RawMessage) (int64, error) {
	next := offset
	lanes := map[bot.ChatKey][]inbound{}
	var order []bot.ChatKey
	for _, raw := range raws {
		in, ok, id := a.decode(ctx, raw)
		next = max(next, id+1)
		if !ok {
			continue
		}
		if _, seen := lanes[in.upd.Chat]; !seen {
			order = append(order, in.upd.Chat)
		}
		lanes[in.upd.Chat] = append(lanes[in.upd.Chat], in)
	}
	errs := make([]error, len(order))
	var wg sync.WaitGroup
	for i, chat := range order {
		wg.Go(func() { errs[i] = a.handleLane(ctx, lanes[chat]) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return offset, err
	}
	return next, nil
}

// decode parses and maps one raw update; ignored and undecodable updates
// report ok false (an ignored callback query is answered here). id is the
// update_id, or -1 when even that cannot be read.
func (a *Adapter) decode(ctx context.Context, raw json.RawMessage) (in inbound, ok bool, id int64) {
	u, err := decodeUpdate(raw)
	if err != nil {
		var idOnly struct {
			UpdateID int64 `json:"update_id"`
		}
		if json.Unmarshal(raw, &idOnly) != nil {
			idOnly.UpdateID = -1
		}
		a.log.Warn("telegram update undecodable, skipped", "update_id", idOnly.UpdateID, "bytes", len(raw))
		return in, false, idOnly.UpdateID
	}
	in, ok = a.mapper().mapUpdate(u)
	if !ok && in.callbackID != "" {
		a.answerCallback(ctx, in.callbackID)
	}
	return in, ok, u.UpdateID
}

func (a *Adapter) mapper() mapper { return mapper{username: a.username, desk: a.cfg.DeskChatID} }

// handleLane handles one chat's updates in order, stopping at the first
// failure so later updates are not applied before it.
func (a *Adapter) handleLane(ctx context.Context, ins []inbound) error {
	for _, in := range ins {
		if err := a.handle(ctx, in); err != nil {
			return fmt.Errorf("update %d: %w", in.id, err)
		}
		if in.callbackID != "" {
			a.answerCallback(ctx, in.callbackID)
		}
	}
	return nil
}

// handle resolves short button keys and passes the update to the Handler.
func (a *Adapter) handle(ctx context.Context, in inbound) error {
	if in.upd.Kind == bot.UpdateButton {
		data, err := a.resolveData(ctx, in.upd.Data)
		if err != nil {
			return err
		}
		in.upd.Data = data
	}
	return a.h.Handle(ctx, in.upd)
}

// answerCallback stops the client's progress indicator. Best effort: a
// failure is logged and does not fail the update.
func (a *Adapter) answerCallback(ctx context.Context, id string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	var p params
	p.str("callback_query_id", id)
	if _, err := a.send(ctx, "answerCallbackQuery", &p); err != nil { // send: the result (true) is not kept
		a.log.Info("telegram answerCallbackQuery failed", "err", err)
	}
}

func (a *Adapter) loadOffset(ctx context.Context) (int64, error) {
	b, err := a.meta.GetMeta(ctx, metaOffset)
	if errors.Is(err, bot.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("load telegram offset: %w", err)
	}
	off, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		a.log.Warn("telegram offset in meta unreadable, starting from 0")
		return 0, nil
	}
	return off, nil
}

// saveOffset persists the offset. A failure only costs replays after a
// restart (deduplicated by the store), so it is logged, not returned.
func (a *Adapter) saveOffset(ctx context.Context, off int64) {
	if err := a.meta.PutMeta(ctx, metaOffset, []byte(strconv.FormatInt(off, 10))); err != nil {
		a.log.Warn("telegram offset not saved", "err", err)
	}
}

// backoff returns the wait after the n-th consecutive failure: exponential
// between RetryMin and RetryMax with jitter, and at least a 429's
// retry_after.
func (a *Adapter) backoff(n int, err error) time.Duration {
	d := a.cfg.RetryMin << min(n-1, 20)
	d = min(d, a.cfg.RetryMax)
	d = d/2 + rand.N(d/2+1)
	if te, ok := apiError(err); ok && te.RetryAfter > 0 {
		d = max(d, time.Duration(te.RetryAfter)*time.Second)
	}
	return d
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
