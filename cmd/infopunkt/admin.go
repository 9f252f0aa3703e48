package main

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/pprof"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Admin listener (INFOPUNKT_ADMIN_LISTEN, default 127.0.0.1:9090):
// /metrics, /readyz, /healthz, /backup, /compact and /debug/pprof/. Every
// request needs "Authorization: Bearer $INFOPUNKT_ADMIN_TOKEN", except
// /metrics, /readyz and /healthz when INFOPUNKT_ADMIN_OPEN_METRICS is set.

// Admin response timeouts: every response has a deadline; /backup's
// grows with the file (at least backupMinRate bytes per second).
const (
	adminWriteTimeout = 60 * time.Second
	backupMinRate     = 256 << 10
	backupMaxTime     = 30 * time.Minute
)

// Headers of /backup: the data file's identity (fileID) and size.
const (
	headerDataID = "X-Infopunkt-Data-Id"
	headerSize   = "X-Infopunkt-Backup-Size"
)

func (s *service) adminRoutes() {
	open := s.cfg.AdminOpenMetrics
	s.admin.Handle("GET /healthz", s.auth(open, http.HandlerFunc(s.handleHealth)))
	s.admin.Handle("GET /readyz", s.auth(open, http.HandlerFunc(s.handleReady)))
	s.admin.Handle("GET /metrics", s.auth(open, s.metricsHandler()))
	s.admin.Handle("GET /identity", s.auth(false, http.HandlerFunc(s.handleIdentity)))
	s.admin.Handle("GET /backup", s.auth(false, http.HandlerFunc(s.handleBackup)))
	s.admin.Handle("POST /compact", s.auth(false, http.HandlerFunc(s.handleCompact)))
	s.admin.Handle("GET /debug/pprof/", s.auth(false, http.HandlerFunc(pprof.Index)))
	s.admin.Handle("GET /debug/pprof/cmdline", s.auth(false, http.HandlerFunc(pprof.Cmdline)))
	s.admin.Handle("GET /debug/pprof/profile", s.auth(false, http.HandlerFunc(pprof.Profile)))
	s.admin.Handle("GET /debug/pprof/symbol", s.auth(false, http.HandlerFunc(pprof.Symbol)))
	s.admin.Handle("GET /debug/pprof/trace", s.auth(false, http.HandlerFunc(pprof.Trace)))
}

// auth requires the admin bearer token unless open. The comparison is
// constant-time over SHA-256 digests, so neither content nor length leaks.
func (s *service) auth(open bool, next http.Handler) http.Handler {
	want := sha256.Sum256([]byte(s.cfg.AdminToken))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if open {
			next.ServeHTTP(w, r)
			return
		}
		if s.cfg.AdminToken == "" {
			http.Error(w, "admin token not configured: set INFOPUNKT_ADMIN_TOKEN", http.StatusForbidden)
			return
		}
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		sum := sha256.Sum256([]byte(got))
		if !ok || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="infopunkt admin"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// handleIdentity reports the identity of the data file this bot serves,
// so `infopunkt backup` can check it talks to the right process.
func (s *service) handleIdentity(w http.ResponseWriter, r *http.Request) {
	id, err := fileID(s.db.Path())
	if err != nil {
		http.Error(w, "data file unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set(headerDataID, id)
	fmt.Fprintln(w, id)
}

// handleBackup writes a compacted backup to a temporary file at disk
// speed, then streams it under a deadline that grows with its size, so a
// slow client holds neither a transaction nor the connection for ever.
func (s *service) handleBackup(w http.ResponseWriter, r *http.Request) {
	select {
	case s.backupSlot <- struct{}{}:
		defer func() { <-s.backupSlot }()
	default:
		http.Error(w, "a backup is already running", http.StatusTooManyRequests)
		return
	}
	id, err := fileID(s.db.Path())
	if err != nil {
		http.Error(w, "data file unavailable", http.StatusServiceUnavailable)
		return
	}
	// Next to the data file: the same disk, known to be writable.
	path := filepath.Join(filepath.Dir(s.db.Path()), fmt.Sprintf(".backup-%d.db", time.Now().UnixNano()))
	defer os.Remove(path)
	ctx, cancel := context.WithTimeout(r.Context(), adminWriteTimeout)
	err = s.db.BackupFile(ctx, path)
	cancel()
	var tmp *os.File
	if err == nil {
		tmp, err = os.Open(path)
	}
	if err != nil {
		s.logger.Error("backup failed", "err", err)
		http.Error(w, "backup failed", http.StatusInternalServerError)
		return
	}
	defer tmp.Close()
	info, err := tmp.Stat()
	if err != nil {
		http.Error(w, "backup failed", http.StatusInternalServerError)
		return
	}
	n := info.Size()
	budget := min(adminWriteTimeout+time.Duration(n/backupMinRate)*time.Second, backupMaxTime)
	if err := http.NewResponseController(w).SetWriteDeadline(time.Now().Add(budget)); err != nil {
		s.logger.Warn("backup: cannot extend the write deadline", "err", err)
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.FormatInt(n, 10))
	w.Header().Set(headerDataID, id)
	w.Header().Set(headerSize, strconv.FormatInt(n, 10))
	if _, err := io.Copy(w, tmp); err != nil {
		s.logger.Warn("backup: client stopped reading", "err", err)
	}
}

// handleCompact rewrites the data file online (store.DB.Compact).
func (s *service) handleCompact(w http.ResponseWriter, r *http.Request) {
	before, _ := s.db.Size()
	ctx, cancel := context.WithTimeout(r.Context(), adminWriteTimeout)
	defer cancel()
	if err := s.db.Compact(ctx); err != nil {
		s.logger.Error("compact failed", "err", err)
		http.Error(w, "compact failed", http.StatusInternalServerError)
		return
	}
	after, _ := s.db.Size()
	fmt.Fprintf(w, "compacted: %d -> %d bytes\n", before, after)
}

// errAdminOff is returned by commands that need the admin listener.
var errAdminOff = errors.New("the data file is in use by a running bot whose admin listener is off (INFOPUNKT_ADMIN_LISTEN); stop the bot or enable the listener")
