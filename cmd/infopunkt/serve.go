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
	"sync"
	"time"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/desk"
	"github.com/infopunkt/infopunkt/bot/local"
	"github.com/infopunkt/infopunkt/bot/outbox"
	"github.com/infopunkt/infopunkt/bot/store"
)

// service is the running bot: store, engine, outbox, adapters, HTTP server.
type service struct {
	cfg     Config
	loc     *time.Location // the info point's time zone
	logger  *slog.Logger
	db      *store.DB
	engine  *bot.Engine
	proc    *bot.Processor
	worker  *outbox.Worker
	desk    *desk.Service
	senders map[bot.Channel]bot.Sender
	mux     *http.ServeMux
	bg      sync.WaitGroup
	errc    chan error // fatal errors from background loops (a 409 poll conflict)
	// afterListen runs once the HTTP server accepts connections (Viber
	// verifies its webhook by calling it during set_webhook).
	afterListen []func(ctx context.Context)
	// onShutdown closes adapters after the HTTP server and loops stopped.
	onShutdown []func()
	closeOnce  sync.Once
}

// runBot is `infopunkt run`. With no channel tokens it falls back to the
// local mode: the same service with a terminal chat on stdin/stdout.
func runBot(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		return fmt.Errorf("run: unexpected arguments %q", args)
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	s, err := newService(cfg, newLogger(stderr, cfg.LogLevel))
	if err != nil {
		return err
	}
	defer s.db.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	localMode := cfg.TelegramToken == "" && cfg.ViberToken == ""
	var term *local.Terminal
	if localMode {
		term = local.NewTerminal(stdout, bot.NewChatKey(bot.Local, "terminal"))
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

func newService(cfg Config, logger *slog.Logger) (*service, error) {
	c, err := loadContentReport(cfg, logger)
	if err != nil {
		return nil, err
	}
	loc, err := time.LoadLocation(cfg.Timezone)
	if err != nil {
		return nil, fmt.Errorf("INFOPUNKT_TIMEZONE: %w", err)
	}
	// Counters are kept per day of the info point's time zone.
	db, err := store.Open(cfg.Data, store.Options{Now: func() time.Time { return time.Now().In(loc) }})
	if err != nil {
		return nil, err
	}
	s := &service{cfg: cfg, logger: logger, db: db, engine: bot.NewEngine(c), loc: loc,
		senders: map[bot.Channel]bot.Sender{}, mux: http.NewServeMux(), errc: make(chan error, 4)}
	s.proc = &bot.Processor{Engine: s.engine, Store: db}
	s.setupDesk()
	s.routes()
	return s, nil
}

// serve starts the outbox, the HTTP server and the background loops, runs
// fg in the foreground, and shuts everything down in order when fg returns,
// ctx ends or a background loop fails.
func (s *service) serve(ctx context.Context, cancel context.CancelFunc, fg func() error) error {
	ln, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen %s: %w", s.cfg.Listen, err)
	}
	s.worker = outbox.New(s.db, s.senders, outbox.Options{Logger: s.logger, Limits: s.limits()})
	s.proc.Notify = s.notifyAll
	if err := s.worker.Start(ctx); err != nil {
		ln.Close()
		return fmt.Errorf("start outbox: %w", err)
	}
	s.startDesk(ctx)
	// No WriteTimeout: /backup streams the whole file.
	srv := &http.Server{Handler: s.mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute}
	s.goBG(func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.errc <- fmt.Errorf("http server: %w", err)
		}
	})
	s.logger.Info("listening", "addr", ln.Addr().String())
	s.startMaintenance(ctx)
	if s.cfg.Content != "" {
		w := &contentWatcher{dir: s.cfg.Content, maxAge: s.cfg.MaxReviewAge, engine: s.engine, logger: s.logger, every: 2 * time.Second}
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
	return errors.Join(runErr, s.shutdown(srv))
}

func (s *service) shutdown(srv *http.Server) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := srv.Shutdown(ctx)
	s.bg.Wait()
	if werr := s.worker.Stop(ctx); werr != nil {
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

// limits returns the outbox's per-channel limits: the defaults, with the
// configured overall Telegram rate if set.
func (s *service) limits() map[bot.Channel]outbox.Limits {
	limits := map[bot.Channel]outbox.Limits{}
	if s.cfg.TelegramRate > 0 {
		l := outbox.DefaultLimits(bot.Telegram)
		l.Global = outbox.Rate{N: s.cfg.TelegramRate, Per: time.Second}
		limits[bot.Telegram] = l
	}
	return limits
}
