package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"sync"
	"time"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/desk"
	"github.com/infopunkt/infopunkt/bot/local"
	"github.com/infopunkt/infopunkt/bot/outbox"
	"github.com/infopunkt/infopunkt/bot/store"
	"github.com/infopunkt/infopunkt/faq"
	"github.com/infopunkt/infopunkt/scheduler"
)

// service is the running bot: store, engine, outbox, adapters, HTTP server.
type service struct {
	cfg    Config
	loc    *time.Location // the info point's time zone
	logger *slog.Logger
	db     *store.DB
	engine *bot.Engine
	proc   *bot.Processor
	worker *outbox.Worker
	desk   *desk.Service
	// mediaLink makes a public link to a Telegram file (Viber users get
	// consultants' files through it); nil without Telegram.
	mediaLink func(ctx context.Context, m bot.Media) (string, error)
	senders   map[bot.Channel]bot.Sender
	// mux is the public listener's (INFOPUNKT_LISTEN): webhooks, /healthz
	// and whatever other parts mount with s.mux.Handle before serve.
	mux *http.ServeMux
	// admin is the admin listener's (INFOPUNKT_ADMIN_LISTEN), admin.go.
	admin      *http.ServeMux
	readiness  *readiness
	readyExtra []readyCheck  // more /readyz checks other parts add
	backupSlot chan struct{} // one /backup at a time
	metrics    *metrics
	bg         sync.WaitGroup
	errc       chan error // fatal errors from background loops (a 409 poll conflict)
	// afterListen runs once the HTTP server accepts connections (Viber
	// verifies its webhook by calling it during set_webhook).
	afterListen []func(ctx context.Context)
	// onShutdown closes adapters after the HTTP server and loops stopped.
	onShutdown []func()
	closeOnce  sync.Once
	// now is the reminders' clock (tests inject one via serviceHook).
	now func() time.Time
	// examples: example events are listed and reminded (local mode).
	examples  bool
	reminders *scheduler.Scheduler
}

// runBot is `infopunkt run`. With no channel tokens it falls back to the
// local mode: the same service with a terminal chat on stdin/stdout.
func runBot(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) (err error) {
	if done, err := parseFlags(cmdRun, args, stdout, stderr); done || err != nil {
		return err
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	red := newRedactor(cfg)
	defer func() { err = red.wrap(err) }()
	localMode := cfg.TelegramToken == "" && cfg.ViberToken == ""
	if localMode && !interactive(stdin) {
		return errNoChannel
	}
	logger, closeLog, err := runLogger(cfg, localMode, stderr, red)
	if err != nil {
		return err
	}
	defer closeLog()
	s, err := newService(cfg, logger, red)
	if err != nil {
		return err
	}
	defer s.db.Close()
	s.examples = localMode
	s.engine.SetExampleEvents(localMode)
	if serviceHook != nil {
		serviceHook(s)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var term *local.Terminal
	if localMode {
		term = local.NewTerminal(stdout, bot.NewChatKey(bot.Local, "terminal"))
		term.Messages = func() faq.Messages { return s.engine.Content().Messages }
		s.senders[bot.Local] = term
		s.logger.Info("no INFOPUNKT_TELEGRAM_TOKEN or INFOPUNKT_VIBER_TOKEN: local mode, chat in this terminal")
	}
	defer s.closeAdapters()
	if err := s.startChannels(ctx); err != nil {
		return err
	}
	return s.serve(ctx, cancel, func() error {
		if term == nil {
			<-ctx.Done()
			return nil
		}
		return term.Run(ctx, s.proc, stdin, terminalLang(getenv))
	})
}

// errNoChannel stops a bot that has no channel and no terminal to chat
// in (a container started without tokens): it would otherwise read EOF
// and exit 0 having done nothing.
var errNoChannel = errors.New("no channel configured: set INFOPUNKT_TELEGRAM_TOKEN (and optionally INFOPUNKT_TELEGRAM_WEBHOOK_URL) or INFOPUNKT_VIBER_TOKEN with INFOPUNKT_VIBER_WEBHOOK_URL; without them infopunkt runs a chat in the terminal, but stdin is not a terminal")

// runLogger returns the service's logger. The local terminal chat shares
// the terminal with the log, so there the log goes to INFOPUNKT_LOG_FILE
// ("-" is stderr) or, without it, only warnings and errors reach stderr.
func runLogger(cfg Config, localMode bool, stderr io.Writer, red *redactor) (*slog.Logger, func(), error) {
	level := cfg.LogLevel
	switch {
	case cfg.LogFile == "-" || (cfg.LogFile == "" && !localMode):
	case cfg.LogFile == "":
		if parseLevel(level) < slog.LevelWarn {
			level = "warn"
		}
	default:
		f, err := os.OpenFile(cfg.LogFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			return nil, nil, fmt.Errorf("INFOPUNKT_LOG_FILE: %w", err)
		}
		return newLogger(f, level, cfg.LogFormat, red), func() { f.Close() }, nil
	}
	return newLogger(stderr, level, cfg.LogFormat, red), func() {}, nil
}

func newService(cfg Config, logger *slog.Logger, red *redactor) (*service, error) {
	c, err := loadContentReport(cfg, logger)
	if err != nil {
		return nil, err
	}
	loc, err := time.LoadLocation(cfg.Timezone)
	if err != nil {
		return nil, fmt.Errorf("INFOPUNKT_TIMEZONE: %w", err)
	}
	// Counters are kept per day of the info point's time zone.
	m := newMetrics()
	engine := bot.NewEngine(c)
	db, err := store.Open(cfg.Data, store.Options{Now: func() time.Time { return time.Now().In(loc) },
		ObserveCommit: func(d time.Duration) { m.storeCommit.Observe(d.Seconds()) },
		FloodNotice:   floodNotice(engine)})
	if err != nil {
		return nil, err
	}
	key, err := db.LogKey()
	if err != nil {
		db.Close()
		return nil, err
	}
	red.setKey(key)
	s := &service{cfg: cfg, logger: logger, db: db, engine: engine, loc: loc,
		senders: map[bot.Channel]bot.Sender{}, mux: http.NewServeMux(), admin: http.NewServeMux(),
		readiness: newReadiness(), backupSlot: make(chan struct{}, 1), metrics: m, errc: make(chan error, 4)}
	m.reg.MustRegister(scrapeCollector{s})
	s.proc = &bot.Processor{Engine: s.engine, Store: db, Observe: m.observe}
	s.setupDesk()
	s.routes()
	return s, nil
}

// floodNotice is the store's FloodNotice: the content's flood_notice
// message in the chat's language, from the content served at the time.
func floodNotice(e *bot.Engine) func(faq.Lang) string {
	return func(l faq.Lang) string { return e.Content().Messages.Get("flood_notice", l) }
}

// serve starts the outbox, the HTTP server and the background loops, runs
// fg in the foreground, and shuts everything down in order when fg returns,
// ctx ends or a background loop fails.
func (s *service) serve(ctx context.Context, cancel context.CancelFunc, fg func() error) error {
	ln, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen %s: %w", s.cfg.Listen, err)
	}
	s.worker = outbox.New(s.db, s.metrics.meteredSenders(s.senders), outbox.Options{Logger: s.logger, Limits: s.limits(),
		StopGrace: s.cfg.stopGrace(), OnSent: func(it bot.OutboxItem, _ bot.Receipt) { s.metrics.onSent(it) }})
	s.proc.Notify = s.notifyAll
	if err := s.worker.Start(ctx); err != nil {
		ln.Close()
		return fmt.Errorf("start outbox: %w", err)
	}
	s.startDesk(ctx)
	srv := &http.Server{Handler: s.mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 2 * time.Minute, IdleTimeout: 2 * time.Minute}
	s.goBG(func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.errc <- fmt.Errorf("http server: %w", err)
		}
	})
	s.logger.Info("listening", "addr", ln.Addr().String())
	admin, err := s.serveAdmin()
	if err != nil {
		cancel()
		return errors.Join(err, s.shutdown(srv, nil))
	}
	s.startMaintenance(ctx)
	if err := s.startReminders(ctx, s.examples); err != nil {
		cancel()
		return errors.Join(err, s.shutdown(srv, admin))
	}
	if s.cfg.Content != "" {
		w := &contentWatcher{dir: s.cfg.Content, maxAge: s.cfg.MaxReviewAge, engine: s.engine, logger: s.logger, every: 2 * time.Second,
			onReload: s.metrics.contentLoaded}
		s.goBG(func() { w.run(ctx) })
	}
	for _, start := range s.afterListen {
		start(ctx)
	}
	fgErr := make(chan error, 1)
	go func() { fgErr <- fg() }()
	var runErr error
	fgDone := false
	select {
	case runErr = <-fgErr:
		fgDone = true
	case runErr = <-s.errc:
	case <-ctx.Done():
	}
	cancel()
	if !fgDone {
		runErr = errors.Join(runErr, <-fgErr) // fg watches ctx and returns promptly
	}
	return errors.Join(runErr, s.shutdown(srv, admin))
}

// serveAdmin starts the admin listener unless it is off. Every response
// has a write deadline (admin.go).
func (s *service) serveAdmin() (*http.Server, error) {
	if s.cfg.AdminListen == adminOff {
		return nil, nil
	}
	ln, err := net.Listen("tcp", s.cfg.AdminListen)
	if err != nil {
		return nil, fmt.Errorf("INFOPUNKT_ADMIN_LISTEN: listen %s: %w", s.cfg.AdminListen, err)
	}
	srv := &http.Server{Handler: s.admin, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: adminWriteTimeout, IdleTimeout: time.Minute}
	s.goBG(func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.errc <- fmt.Errorf("admin server: %w", err)
		}
	})
	s.logger.Info("admin listening", "addr", ln.Addr().String())
	return srv, nil
}

func (s *service) shutdown(srv, admin *http.Server) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// The outbox stopped starting sends when the run's context ended; the
	// sends in flight have stopGrace to finish, and then a moment to commit.
	wctx, wcancel := context.WithTimeout(context.Background(), s.cfg.stopGrace()+5*time.Second)
	defer wcancel()
	err := srv.Shutdown(ctx)
	if admin != nil {
		// A /backup download may be in flight: close rather than wait.
		if aerr := admin.Close(); aerr != nil {
			err = errors.Join(err, aerr)
		}
	}
	s.bg.Wait()
	if werr := s.worker.Stop(wctx); werr != nil {
		err = errors.Join(err, werr)
	}
	s.closeAdapters()
	return err
}

// closeAdapters runs the adapters' Close once; runBot also defers it for
// start-up failures that never reach shutdown.
func (s *service) closeAdapters() {
	s.closeOnce.Do(func() {
		for _, f := range s.onShutdown {
			f()
		}
	})
}

// goBG runs f in a goroutine the service waits for on shutdown.
func (s *service) goBG(f func()) {
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		f()
	}()
}

// webhookPath returns the path part of a public webhook URL.
func webhookPath(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return "", fmt.Errorf("webhook URL %q is not an absolute URL", raw)
	}
	if u.Path == "" {
		return "/", nil
	}
	return u.Path, nil
}
