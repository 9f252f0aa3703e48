package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"sync"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// The adapter's own Bot API client: one POST per call with a JSON body
// encoded once (the Bot API takes application/json for every method), and
// one pass over the answer that also yields a sent message's id. It
// replaces tgbotapi's MakeRequest, whose form encoding, decoder and second
// decode of the result cost about a seventh of the bot's CPU under load.

// Answer size bounds: an answer is a message or a small object; a batch of
// updates holds at most 100 of them.
const (
	maxAnswer        = 4 << 20
	maxUpdatesAnswer = 64 << 20
)

// errBadAnswer marks a body that is not a Bot API answer: a proxy's HTML
// error page, a truncated or oversized body. Such calls are retried.
var errBadAnswer = errors.New("not a Bot API answer")

// errTooLarge is a body over its bound.
var errTooLarge = errors.New("body too large")

// params are a call's parameters, encoded as a JSON object as they are
// added. The zero value is an empty object.
type params struct{ b []byte }

// newParams returns params with room for about size bytes.
func newParams(size int) params { return params{b: make([]byte, 0, size)} }

func (p *params) key(k string) {
	if len(p.b) == 0 {
		p.b = append(p.b, '{')
	} else {
		p.b = append(p.b, ',')
	}
	p.b = append(appendJSONString(p.b, k), ':')
}

// str adds a string.
func (p *params) str(k, v string) {
	p.key(k)
	p.b = appendJSONString(p.b, v)
}

// int adds an integer.
func (p *params) int(k string, v int64) {
	p.key(k)
	p.b = strconv.AppendInt(p.b, v, 10)
}

// intNonZero adds v unless it is 0.
func (p *params) intNonZero(k string, v int64) {
	if v != 0 {
		p.int(k, v)
	}
}

// float adds a number; NaN and infinities, which JSON cannot hold, go as
// the strings they were in a form (Telegram refuses them either way).
func (p *params) float(k string, v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		p.str(k, strconv.FormatFloat(v, 'f', -1, 64))
		return
	}
	p.key(k)
	p.b = strconv.AppendFloat(p.b, v, 'f', -1, 64)
}

// boolean adds true or false.
func (p *params) boolean(k string, v bool) {
	p.key(k)
	p.b = strconv.AppendBool(p.b, v)
}

// raw adds v, which is JSON.
func (p *params) raw(k string, v []byte) {
	p.key(k)
	p.b = append(p.b, v...)
}

// value adds v encoded by encoding/json, for rare calls with lists.
func (p *params) value(k string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	p.raw(k, b)
	return nil
}

// markup adds reply_markup; a nil keyboard adds nothing.
func (p *params) markup(m *inlineMarkup) {
	if m == nil {
		return
	}
	p.key("reply_markup")
	p.b = append(p.b, `{"inline_keyboard":[`...)
	for i, row := range m.InlineKeyboard {
		if i > 0 {
			p.b = append(p.b, ',')
		}
		p.b = append(p.b, '[')
		for j, btn := range row {
			if j > 0 {
				p.b = append(p.b, ',')
			}
			p.b = appendJSONString(append(p.b, `{"text":`...), btn.Text)
			if btn.CallbackData != "" {
				p.b = appendJSONString(append(p.b, `,"callback_data":`...), btn.CallbackData)
			}
			if btn.URL != "" {
				p.b = appendJSONString(append(p.b, `,"url":`...), btn.URL)
			}
			p.b = append(p.b, '}')
		}
		p.b = append(p.b, ']')
	}
	p.b = append(p.b, "]}"...)
}

// body returns the finished JSON object (sharing p's memory; p itself is
// left open).
func (p *params) body() []byte {
	if len(p.b) == 0 {
		return []byte("{}")
	}
	b := append(p.b, '}')
	p.b = b[:len(b)-1]
	return b
}

// fields returns the parameters as form fields, as Telegram reads them: a
// string as itself, anything else as its JSON text.
func (p *params) fields() (map[string]string, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(p.body(), &m); err != nil {
		return nil, err
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		var s string
		if json.Unmarshal(v, &s) == nil {
			out[k] = s
		} else {
			out[k] = string(v)
		}
	}
	return out, nil
}

// answer is a parsed Bot API response.
type answer struct {
	ok     bool
	result []byte // the result's JSON, within the body
	// messageID is result.message_id when result is an object with an
	// integer there, else 0 (for a sent, copied or edited message).
	messageID int64
	code      int
	desc      string
	params    *tgbotapi.ResponseParameters
}

// ref is messageID as a message reference, "" for none.
func (a *answer) ref() string {
	if a.messageID == 0 {
		return ""
	}
	return strconv.FormatInt(a.messageID, 10)
}

// err returns the failure of a response that is not ok, nil otherwise,
// as tgbotapi reported it.
func (a *answer) err() error {
	if a.ok {
		return nil
	}
	te := &tgbotapi.Error{Code: a.code, Message: a.desc}
	if a.params != nil {
		te.ResponseParameters = *a.params
	}
	return te
}

// parseAnswer reads a response body in one pass. It fails when the body
// is not one JSON object, or a known member has the wrong type (as
// encoding/json would); keys are matched exactly, unknown ones skipped.
func parseAnswer(b []byte) (answer, error) {
	var ans answer
	s := scanner{b: b}
	if s.next() != '{' {
		return ans, s.fail("an object")
	}
	err := s.object(1, func(key []byte) error {
		switch {
		case string(key) == "ok":
			return s.okValue(&ans.ok)
		case string(key) == "result":
			return s.result(&ans)
		case string(key) == "error_code":
			return s.decode(1, &ans.code)
		case string(key) == "description":
			return s.decode(1, &ans.desc)
		case string(key) == "parameters":
			return s.decode(1, &ans.params)
		}
		return s.value(1)
	})
	if err == nil && !s.atEnd() {
		err = s.fail("the end")
	}
	return ans, err
}

func (s *scanner) okValue(ok *bool) error {
	switch s.next() {
	case 't':
		*ok = true
		return s.literal("true")
	case 'f':
		*ok = false
		return s.literal("false")
	}
	return s.decode(1, ok) // null, or a type error
}

// result records the result's text and, for an object, its message_id.
func (s *scanner) result(ans *answer) error {
	s.next()
	start := s.i
	ans.messageID = 0
	var err error
	if s.i < len(s.b) && s.b[s.i] == '{' {
		var id int64
		bad := false
		err = s.object(2, func(key []byte) error {
			if string(key) != "message_id" {
				return s.value(2)
			}
			tok, err := s.span(2)
			if err != nil || string(tok) == "null" {
				return err
			}
			n, ok := int64Of(tok)
			id, bad = n, bad || !ok
			return nil
		})
		if !bad {
			ans.messageID = id
		}
	} else {
		err = s.value(1)
	}
	ans.result = s.b[start:s.i]
	return err
}

// bufPool holds read buffers for answers and webhook bodies.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 4<<10); return &b }}

// maxPooled is the largest buffer kept for reuse.
const maxPooled = 64 << 10

func getBuf() *[]byte { return bufPool.Get().(*[]byte) }

func putBuf(p *[]byte, b []byte) {
	if cap(b) > maxPooled {
		return
	}
	*p = b[:0]
	bufPool.Put(p)
}

// readAll reads r to its end into buf's capacity, expecting size bytes
// when size >= 0; more than limit bytes are errTooLarge.
func readAll(r io.Reader, buf []byte, size int64, limit int) ([]byte, error) {
	if size > int64(limit) {
		return buf[:0], errTooLarge
	}
	buf = buf[:0]
	switch {
	case size >= 0 && int(size) >= cap(buf):
		buf = make([]byte, 0, size+1) // +1: the read that sees EOF
	case size < 0 && cap(buf) == 0:
		buf = make([]byte, 0, 4<<10) // then doubling, not append's small steps
	}
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if len(buf) > limit {
			return buf, errTooLarge
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// call makes one API request bound to ctx and returns its result. API
// failures are *tgbotapi.Error.
func (a *Adapter) call(ctx context.Context, method string, p *params) (json.RawMessage, error) {
	ans, err := a.do(ctx, a.client, method, p, maxAnswer, false)
	return ans.result, err
}

// send makes a call whose result is a message and returns its message_id
// ("" if the result has none).
func (a *Adapter) send(ctx context.Context, method string, p *params) (string, error) {
	ans, err := a.do(ctx, a.client, method, p, maxAnswer, true)
	return ans.ref(), err
}

// do posts p to method with c and parses the answer, reading at most
// limit bytes. With pooled, the body is read into a shared buffer that
// is released before do returns: only answer.result is then unusable (nil).
// Errors: transport errors (the token redacted), errBadAnswer wrapped,
// and the API's *tgbotapi.Error.
func (a *Adapter) do(ctx context.Context, c *http.Client, method string, p *params, limit int, pooled bool) (answer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.base+method, bytes.NewReader(p.body()))
	if err != nil {
		return answer{}, redactToken(err, a.cfg.Token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return answer{}, redactToken(err, a.cfg.Token)
	}
	defer resp.Body.Close()
	return a.readAnswer(method, resp, limit, pooled)
}

// readAnswer reads and parses resp's body (see do).
func (a *Adapter) readAnswer(method string, resp *http.Response, limit int, pooled bool) (answer, error) {
	var bp *[]byte
	var buf []byte
	if pooled {
		bp = getBuf()
		buf = *bp
	}
	body, err := readAll(resp.Body, buf, resp.ContentLength, limit)
	if pooled {
		defer putBuf(bp, body)
	}
	switch {
	case errors.Is(err, errTooLarge):
		return answer{}, fmt.Errorf("telegram %s: HTTP %d: %w: over %d bytes", method, resp.StatusCode, errBadAnswer, limit)
	case err != nil:
		return answer{}, fmt.Errorf("telegram %s: HTTP %d: reading the answer: %w", method, resp.StatusCode, redactToken(err, a.cfg.Token))
	}
	ans, err := parseAnswer(body)
	if pooled {
		ans.result = nil
	}
	if err != nil {
		return answer{}, fmt.Errorf("telegram %s: HTTP %d, %d bytes: %w: %v", method, resp.StatusCode, len(body), errBadAnswer, err)
	}
	return ans, ans.err()
}
