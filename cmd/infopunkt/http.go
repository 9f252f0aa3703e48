package main

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// The public listener (INFOPUNKT_LISTEN) serves only what the platforms
// and users' phones call: the webhooks, paths other parts mount on s.mux
// (media, calendars) and /healthz. Everything for operators lives on the
// admin listener (admin.go), so no admin path can answer here, whatever
// the peer address: a reverse proxy on the same host makes every request
// look local.

// routes mounts the public endpoints; adapters mount their webhooks in
// startChannels, other parts with s.mux.Handle before serve.
func (s *service) routes() {
	s.mux.HandleFunc("GET /healthz", s.handleHealth)
	s.mux.HandleFunc("GET /calendar/{event}/{file}", s.handleICS)
	s.adminRoutes()
}

// handleHealth answers 200 when the data file can be read: the process is
// alive. /readyz on the admin listener says whether it can do its work.
func (s *service) handleHealth(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if _, err := s.db.Stats(ctx, "health"); err != nil {
		http.Error(w, "store unavailable", http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintln(w, "ok")
}
