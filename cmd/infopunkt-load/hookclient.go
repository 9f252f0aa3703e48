package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"sync"
	"time"
)

// maxHookReply bounds the webhook response body read.
const maxHookReply = 1 << 20

// hookClient POSTs updates to a webhook over at most conns keep-alive
// HTTP/1.1 connections, as Telegram's deliveries do (max_connections).
// It writes each request on the caller's goroutine from a header prefix
// built once, and reads the answer there too: net/http's Transport would
// hand every request to two goroutines of its own and allocate a request
// and its headers, which costs the load generator as much CPU per update
// as a good part of the bot's.
type hookClient struct {
	addr    string // host:port dialled
	prefix  []byte // request line and fixed headers
	sigName string // header of each request's signature ("" for none)
	timeout time.Duration
	slots   chan struct{} // one per connection that may be open
	idle    chan *hookConn

	mu     sync.Mutex
	open   map[*hookConn]struct{}
	closed bool
}

type hookConn struct {
	c     net.Conn
	br    *bufio.Reader
	wbuf  []byte
	body  bytes.Buffer // the last answer's body
	reuse bool         // served a request before
}

// newHookClient returns a client for the webhook at rawURL (http only)
// whose requests carry headers (name, value pairs), each its signature in
// header sigName (unless ""), and time out after timeout. Canceling ctx
// closes every connection.
func newHookClient(ctx context.Context, rawURL string, conns int, timeout time.Duration, sigName string, headers ...string) (*hookClient, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return nil, fmt.Errorf("webhook URL %q: want http://host:port/path", rawURL)
	}
	if ip := net.ParseIP(u.Hostname()); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("webhook URL %q: the load generator posts to loopback addresses only", rawURL)
	}
	var p bytes.Buffer
	fmt.Fprintf(&p, "POST %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: infopunkt-load\r\nContent-Type: application/json\r\n", u.RequestURI(), u.Host)
	for i := 0; i+1 < len(headers); i += 2 {
		fmt.Fprintf(&p, "%s: %s\r\n", headers[i], headers[i+1])
	}
	hc := &hookClient{addr: u.Host, prefix: p.Bytes(), sigName: sigName, timeout: timeout,
		slots: make(chan struct{}, conns), idle: make(chan *hookConn, conns), open: map[*hookConn]struct{}{}}
	context.AfterFunc(ctx, hc.close)
	return hc, nil
}

// post sends body (signed by sig) and returns the status and the answer's
// body, which stays valid until yield hands the connection back.
func (hc *hookClient) post(ctx context.Context, body []byte, sig string) (status int, reply []byte, yield func(), err error) {
	for attempt := 0; ; attempt++ {
		c, err := hc.get(ctx)
		if err != nil {
			return 0, nil, nil, err
		}
		status, keep, err := c.roundTrip(hc, body, sig)
		if err != nil {
			hc.drop(c)
			// A kept-alive connection the server closed while idle fails
			// before any answer; Telegram would deliver again too. (A
			// timeout is no such failure: the deadline is the step's.)
			if c.reuse && attempt == 0 && errors.Is(err, errNoAnswer) && !errors.Is(err, os.ErrDeadlineExceeded) {
				continue
			}
			return 0, nil, nil, err
		}
		c.reuse = true
		if !keep {
			return status, c.body.Bytes(), func() { hc.drop(c) }, nil
		}
		return status, c.body.Bytes(), func() { hc.put(c) }, nil
	}
}

// errNoAnswer is a request that failed before any byte of an answer.
var errNoAnswer = errors.New("no answer")

// roundTrip writes one request and reads its answer into c.body; keep
// reports whether the connection may serve another.
func (c *hookConn) roundTrip(hc *hookClient, body []byte, sig string) (status int, keep bool, err error) {
	if err := c.c.SetDeadline(time.Now().Add(hc.timeout)); err != nil {
		return 0, false, err
	}
	c.wbuf = append(c.wbuf[:0], hc.prefix...)
	if hc.sigName != "" {
		c.wbuf = append(c.wbuf, hc.sigName...)
		c.wbuf = append(c.wbuf, ": "...)
		c.wbuf = append(c.wbuf, sig...)
		c.wbuf = append(c.wbuf, "\r\n"...)
	}
	c.wbuf = append(c.wbuf, "Content-Length: "...)
	c.wbuf = strconv.AppendInt(c.wbuf, int64(len(body)), 10)
	c.wbuf = append(c.wbuf, "\r\n\r\n"...)
	c.wbuf = append(c.wbuf, body...)
	if _, err := c.c.Write(c.wbuf); err != nil {
		return 0, false, fmt.Errorf("%w: %w", errNoAnswer, err)
	}
	if _, err := c.br.Peek(1); err != nil {
		return 0, false, fmt.Errorf("%w: %w", errNoAnswer, err)
	}
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		return 0, false, fmt.Errorf("read answer: %w", err)
	}
	c.body.Reset()
	_, err = c.body.ReadFrom(io.LimitReader(resp.Body, maxHookReply))
	if err == nil {
		// Anything beyond the limit is read away, so the connection stays
		// usable; an answer that large is unusual but no error.
		_, err = io.Copy(io.Discard, resp.Body)
	}
	resp.Body.Close()
	if err != nil {
		return 0, false, fmt.Errorf("read answer: %w", err)
	}
	return resp.StatusCode, !resp.Close, nil
}

// get returns an idle connection, or dials one while fewer than conns are
// open, or waits for one.
func (hc *hookClient) get(ctx context.Context) (*hookConn, error) {
	select {
	case c := <-hc.idle:
		return c, nil
	default:
	}
	select {
	case c := <-hc.idle:
		return c, nil
	case hc.slots <- struct{}{}:
		return hc.dial(ctx)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (hc *hookClient) dial(ctx context.Context) (*hookConn, error) {
	d := net.Dialer{Timeout: hc.timeout}
	nc, err := d.DialContext(ctx, "tcp", hc.addr)
	if err != nil {
		<-hc.slots
		return nil, err
	}
	c := &hookConn{c: nc, br: bufio.NewReaderSize(nc, 8<<10)}
	hc.mu.Lock()
	defer hc.mu.Unlock()
	if hc.closed {
		nc.Close()
		<-hc.slots
		return nil, net.ErrClosed
	}
	hc.open[c] = struct{}{}
	return c, nil
}

// put hands c back for the next request.
func (hc *hookClient) put(c *hookConn) { hc.idle <- c }

// drop closes c and frees its slot.
func (hc *hookClient) drop(c *hookConn) {
	c.c.Close()
	hc.mu.Lock()
	delete(hc.open, c)
	hc.mu.Unlock()
	<-hc.slots
}

// close closes every connection; requests in flight fail.
func (hc *hookClient) close() {
	hc.mu.Lock()
	defer hc.mu.Unlock()
	hc.closed = true
	for c := range hc.open {
		c.c.Close()
	}
}
