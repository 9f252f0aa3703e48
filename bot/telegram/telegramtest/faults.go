package telegramtest

import (
	"bytes"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// FaultKind is a way a call can fail.
type FaultKind uint8

// The injectable faults.
const (
	FaultNone  FaultKind = iota
	Fault429             // HTTP 429 with retry_after, announced to the call's chat
	Fault500             // HTTP 500 with a JSON error body
	Fault502             // HTTP 502 with an HTML body, as a proxy would answer
	FaultHang            // no answer until the client gives up or the server closes
	FaultReset           // the TCP connection is reset without an answer
	// Only by InjectNext:
	FaultTruncated // HTTP 200 whose JSON body ends half-way
	FaultOversized // HTTP 200 with an 8 MiB JSON body, more than any real answer
)

// Fault is one injected failure.
type Fault struct {
	Kind FaultKind
	// RetryAfter is the retry_after of a Fault429, in seconds. Default 1.
	RetryAfter int
}

// Faults inject failures at random. Probabilities are per call and checked
// in the order listed; their sum should not exceed 1.
type Faults struct {
	Seed                            uint64
	P429, P500, P502, PHang, PReset float64
	// RetryAfterMin and RetryAfterMax bound the random retry_after of a 429,
	// in seconds. Defaults 1 and 2.
	RetryAfterMin, RetryAfterMax int
	// Methods limits the faults to these methods (case-insensitive).
	// Default: every method.
	Methods []string
}

type faultState struct {
	f    Faults
	rng  *rand.Rand
	next map[string][]Fault // lower-case method → queued faults
}

func newFaultState(f Faults) faultState {
	if f.RetryAfterMin <= 0 {
		f.RetryAfterMin = 1
	}
	if f.RetryAfterMax < f.RetryAfterMin {
		f.RetryAfterMax = max(2, f.RetryAfterMin)
	}
	return faultState{f: f, rng: rand.New(rand.NewPCG(f.Seed, f.Seed^0x9e3779b97f4a7c15)), next: map[string][]Fault{}}
}

// SetFaults replaces the random faults (and reseeds the generator).
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	next := s.faults.next
	s.faults = newFaultState(f)
	s.faults.next = next
}

// InjectNext queues f for the next call of method; queued faults are used
// one per call, before any random fault.
func (s *Server) InjectNext(method string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := strings.ToLower(method)
	s.faults.next[m] = append(s.faults.next[m], f)
}

// pick returns the fault for a call of method. Call with s.mu held.
func (fs *faultState) pick(method string) Fault {
	m := strings.ToLower(method)
	if q := fs.next[m]; len(q) > 0 {
		fs.next[m] = q[1:]
		return q[0]
	}
	f := fs.f
	if len(f.Methods) > 0 && !slices.ContainsFunc(f.Methods, func(x string) bool { return strings.EqualFold(x, m) }) {
		return Fault{}
	}
	x := fs.rng.Float64()
	for _, c := range []struct {
		p    float64
		kind FaultKind
	}{{f.P429, Fault429}, {f.P500, Fault500}, {f.P502, Fault502}, {f.PHang, FaultHang}, {f.PReset, FaultReset}} {
		if x < c.p {
			return Fault{Kind: c.kind, RetryAfter: f.RetryAfterMin + fs.rng.IntN(f.RetryAfterMax-f.RetryAfterMin+1)}
		}
		x -= c.p
	}
	return Fault{}
}

// injectFault applies a fault to the call, if one is due, and reports
// whether it answered (or dropped) the request.
func (s *Server) injectFault(c *callRecord, w http.ResponseWriter, r *http.Request, method string, p params) bool {
	s.mu.Lock()
	f := s.faults.pick(method)
	if f.Kind == Fault429 {
		if f.RetryAfter <= 0 {
			f.RetryAfter = 1
		}
		if id, err := strconv.ParseInt(p["chat_id"], 10, 64); err == nil {
			s.chat(id).retryUntil = s.opts.Now().Add(time.Duration(f.RetryAfter) * time.Second)
		}
	}
	s.mu.Unlock()
	switch f.Kind {
	case Fault429:
		s.finish(c, w, nil, tooMany(f.RetryAfter))
	case Fault500:
		s.finish(c, w, nil, &apiError{code: 500, desc: "Internal Server Error"})
	case Fault502:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte("<html><body><h1>502 Bad Gateway</h1></body></html>"))
		s.setStatus(c, http.StatusBadGateway, "")
	case FaultHang:
		select {
		case <-r.Context().Done():
		case <-s.ctx.Done():
		}
		panic(http.ErrAbortHandler)
	case FaultReset:
		reset(w)
	case FaultTruncated, FaultOversized:
		body := []byte(`{"ok":true,"result":{"message_id":1,"text":"`)
		if f.Kind == FaultOversized {
			body = append(append(body, bytes.Repeat([]byte("x"), 8<<20)...), `"}}`...)
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
		s.setStatus(c, http.StatusOK, "")
	default:
		return false
	}
	return true
}

// reset closes the connection under the request with an RST.
func reset(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}
