package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sort"
	"time"
)

// routes mounts the operational endpoints; adapters mount their webhooks in
// startChannels.
func (s *service) routes() {
	s.mux.HandleFunc("GET /healthz", s.handleHealth)
	s.mux.HandleFunc("GET /metrics", s.handleMetrics)
	s.mux.HandleFunc("GET /backup", s.handleBackup)
}

// handleHealth answers 200 when the data file can be read.
func (s *service) handleHealth(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if _, err := s.db.Stats(ctx, "health"); err != nil {
		http.Error(w, "store unavailable", http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintln(w, "ok")
}

// handleMetrics prints today's counters in the Prometheus text format. The
// counters hold no personal data: channels, languages, node ids, reasons.
func (s *service) handleMetrics(w http.ResponseWriter, r *http.Request) {
	day := time.Now().In(s.loc).Format("2006-01-02")
	stats, err := s.db.Stats(r.Context(), day)
	if err != nil {
		http.Error(w, "store unavailable", http.StatusServiceUnavailable)
		return
	}
	keys := make([]string, 0, len(stats))
	for k := range stats {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	fmt.Fprintln(w, "# HELP infopunkt_today Counters for the current day (see bot/store stats).")
	fmt.Fprintln(w, "# TYPE infopunkt_today gauge")
	for _, k := range keys {
		fmt.Fprintf(w, "infopunkt_today{key=%q} %d\n", k, stats[k])
	}
	c := s.engine.Content()
	fmt.Fprintf(w, "infopunkt_content_nodes %d\n", len(c.Nodes))
}

// handleBackup streams a hot backup of the data file. It answers only
// requests from this machine: `infopunkt backup FILE` uses it when the bot
// holds the file lock.
func (s *service) handleBackup(w http.ResponseWriter, r *http.Request) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	if _, err := s.db.Backup(r.Context(), w); err != nil {
		s.logger.Error("backup over http failed", "err", err)
	}
}
