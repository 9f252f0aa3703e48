package vibertest

import (
	"net/http"
)

// Fault replaces the fake's answer to one API call.
type Fault uint8

// The faults the fake can inject.
const (
	FaultNone            Fault = iota
	FaultTooManyRequests       // HTTP 200 with status 12
	FaultHTTP500               // HTTP 500 with an HTML body
	FaultHang                  // no answer until the client gives up or the server closes
	FaultReset                 // the connection is closed without an answer
)

type queuedFault struct {
	method string // "" matches any method
	skip   int    // matching calls to let through first
	fault  Fault
}

// InjectFault makes the next n calls of method ("" for any method) answer
// with f, before any random fault.
func (s *Server) InjectFault(method string, f Fault, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, queuedFault{method: method, fault: f})
	}
}

// InjectFaultAfter lets the next skip calls of method ("" for any) through
// and makes the one after answer with f.
func (s *Server) InjectFaultAfter(method string, skip int, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, queuedFault{method: method, skip: skip, fault: f})
}

// RandomFaults makes each call fail with probability rate, with a fault
// drawn from kinds; the sequence is fixed by Config.Seed. rate 0 stops it.
func (s *Server) RandomFaults(rate float64, kinds ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faultRate, s.faultKinds = rate, kinds
}

func (s *Server) nextFault(method string) Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, q := range s.faults {
		if q.method != "" && q.method != method {
			continue
		}
		if q.skip > 0 {
			s.faults[i].skip--
			break
		}
		s.faults = append(s.faults[:i], s.faults[i+1:]...)
		return q.fault
	}
	if len(s.faultKinds) > 0 && s.rng.Float64() < s.faultRate {
		return s.faultKinds[s.rng.IntN(len(s.faultKinds))]
	}
	return FaultNone
}

func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, method string, f Fault) {
	c := Call{Method: method, Status: -1, Fault: f}
	switch f {
	case FaultTooManyRequests:
		c.Status, c.HTTPStatus = 12, http.StatusOK
		s.record(c)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"status":12,"status_message":"tooManyRequests"}`)) //nolint:errcheck
	case FaultHTTP500:
		c.HTTPStatus = http.StatusInternalServerError
		s.record(c)
		http.Error(w, "<html>Internal Server Error</html>", http.StatusInternalServerError)
	case FaultHang:
		s.record(c)
		select {
		case <-r.Context().Done():
		case <-s.closing:
		}
	case FaultReset:
		s.record(c)
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			conn.Close()
		}
	}
}
