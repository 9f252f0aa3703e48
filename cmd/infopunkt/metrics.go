package main

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/infopunkt/infopunkt/bot"
)

// Prometheus metrics live here only: package bot, the store, the outbox
// and the adapters expose plain hooks (Processor.Observe,
// store.Options.ObserveCommit, outbox.Options.OnSent, the Sender results)
// and this file turns them into collectors on the service's own registry.
// Labels hold channels, kinds, outcomes and short reason codes — never a
// chat id, a user id or text.

// metrics is the service's registry and the instruments the hooks feed.
type metrics struct {
	reg *prometheus.Registry

	updates      *prometheus.CounterVec   // channel, kind, outcome
	commit       *prometheus.HistogramVec // channel: update → commit
	storeCommit  prometheus.Histogram     // one Apply commit, batch wait included
	delivery     *prometheus.HistogramVec // channel: enqueue (commit) → platform accepted the reply
	sends        *prometheus.CounterVec   // channel, outcome, reason
	rateLimited  *prometheus.CounterVec   // channel, scope
	retryAfter   *prometheus.HistogramVec // channel
	unanswered   *prometheus.CounterVec   // channel
	handoffs     *prometheus.CounterVec   // channel
	reloads      *prometheus.CounterVec   // result
	contentMu    sync.Mutex
	contentSince time.Time // when the content now serving was loaded
}

var latencyBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		updates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "infopunkt_updates_total", Help: "Inbound updates by channel, kind and outcome (applied, duplicate, error).",
		}, []string{"channel", "kind", "outcome"}),
		commit: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "infopunkt_update_commit_seconds", Help: "From an update's arrival at the processor to its durable commit.", Buckets: latencyBuckets,
		}, []string{"channel"}),
		storeCommit: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "infopunkt_store_commit_seconds", Help: "One store commit (group commit wait and fsync included).", Buckets: latencyBuckets,
		}),
		delivery: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "infopunkt_reply_delivery_seconds", Help: "From a reply's commit to the outbox to the platform accepting it; update→reply is this plus the commit time.", Buckets: latencyBuckets,
		}, []string{"channel"}),
		sends: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "infopunkt_sends_total", Help: "Send attempts by channel and outcome (sent, retry, rate_limited, blocked, dropped), with the adapter's short reason code.",
		}, []string{"channel", "outcome", "reason"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "infopunkt_rate_limited_total", Help: "429 (or equivalent) answers by channel and scope (chat or channel).",
		}, []string{"channel", "scope"}),
		retryAfter: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "infopunkt_retry_after_seconds", Help: "retry_after the platform asked for on a 429.", Buckets: []float64{1, 2, 5, 10, 30, 60, 300, 3600},
		}, []string{"channel"}),
		unanswered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "infopunkt_unanswered_searches_total", Help: "Typed questions that matched no answer.",
		}, []string{"channel"}),
		handoffs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "infopunkt_handoffs_total", Help: "Requests to talk to a consultant.",
		}, []string{"channel"}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "infopunkt_content_reloads_total", Help: "Content reloads by result (ok, rejected).",
		}, []string{"result"}),
		contentSince: time.Now(),
	}
	m.reg.MustRegister(m.updates, m.commit, m.storeCommit, m.delivery, m.sends, m.rateLimited,
		m.retryAfter, m.unanswered, m.handoffs, m.reloads,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// kindNames names update kinds in labels.
var kindNames = map[bot.UpdateKind]string{
	bot.UpdateText: "text", bot.UpdateButton: "button", bot.UpdateStarted: "started",
	bot.UpdateBlocked: "blocked", bot.UpdateUnblocked: "unblocked",
}

// observe is the Processor.Observe hook.
func (m *metrics) observe(o bot.Observation) {
	ch := channelLabel(o.Channel)
	kind, ok := kindNames[o.Kind]
	if !ok {
		kind = "other"
	}
	outcome := "applied"
	switch {
	case o.Err != nil:
		outcome = "error"
	case !o.Applied:
		outcome = "duplicate"
	}
	m.updates.WithLabelValues(ch, kind, outcome).Inc()
	if o.Applied {
		m.commit.WithLabelValues(ch).Observe(o.Took.Seconds())
	}
	for _, e := range o.Effects {
		switch e {
		case bot.EffectUnanswered:
			m.unanswered.WithLabelValues(ch).Inc()
		case bot.EffectHandoff:
			m.handoffs.WithLabelValues(ch).Inc()
		}
	}
}

// onSent is the outbox.Options.OnSent hook.
func (m *metrics) onSent(it bot.OutboxItem) {
	if !it.Enqueued.IsZero() {
		m.delivery.WithLabelValues(channelLabel(it.Reply.Chat.Channel())).Observe(time.Since(it.Enqueued).Seconds())
	}
}

// sendResult counts one Sender.Send by its outcome.
func (m *metrics) sendResult(ch bot.Channel, err error) {
	c := channelLabel(ch)
	if err == nil {
		m.sends.WithLabelValues(c, "sent", "").Inc()
		return
	}
	var se *bot.SendError
	if !errors.As(err, &se) {
		m.sends.WithLabelValues(c, "retry", "error").Inc()
		return
	}
	reason := reasonLabel(se.Reason)
	switch se.Kind {
	case bot.SendRateLimited:
		scope := "chat"
		if se.Global {
			scope = "channel"
		}
		m.rateLimited.WithLabelValues(c, scope).Inc()
		m.retryAfter.WithLabelValues(c).Observe(se.RetryAfter.Seconds())
		m.sends.WithLabelValues(c, "rate_limited", reason).Inc()
	case bot.SendBlocked:
		m.sends.WithLabelValues(c, "blocked", reason).Inc()
	case bot.SendPermanent:
		m.sends.WithLabelValues(c, "dropped", reason).Inc()
	default:
		m.sends.WithLabelValues(c, "retry", reason).Inc()
	}
}

// contentLoaded records a reload attempt.
func (m *metrics) contentLoaded(ok bool) {
	if !ok {
		m.reloads.WithLabelValues("rejected").Inc()
		return
	}
	m.reloads.WithLabelValues("ok").Inc()
	m.contentMu.Lock()
	m.contentSince = time.Now()
	m.contentMu.Unlock()
}

// channelLabel keeps label values to the known channels.
func channelLabel(ch bot.Channel) string {
	switch ch {
	case bot.Telegram, bot.Viber, bot.Local:
		return string(ch)
	}
	return "other"
}

// reasonLabel keeps a reason code short and free of anything that could
// be an id: letters, digits, '_' and '-' only, at most 40 characters.
func reasonLabel(r string) string {
	if len(r) > 40 {
		r = r[:40]
	}
	if strings.Trim(r, "abcdefghijklmnopqrstuvwxyz_-ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		return "other"
	}
	return r
}

// meteredSender counts the results of an adapter's sends.
type meteredSender struct {
	bot.Sender
	ch bot.Channel
	m  *metrics
}

func (s meteredSender) Send(ctx context.Context, r bot.Reply) (bot.Receipt, error) {
	rc, err := s.Sender.Send(ctx, r)
	s.m.sendResult(s.ch, err)
	return rc, err
}

// meteredSenders wraps every sender for the outbox.
func (m *metrics) meteredSenders(senders map[bot.Channel]bot.Sender) map[bot.Channel]bot.Sender {
	out := make(map[bot.Channel]bot.Sender, len(senders))
	for ch, snd := range senders {
		out[ch] = meteredSender{Sender: snd, ch: ch, m: m}
	}
	return out
}

// scrapeCollector reads the store at scrape time: outbox depth and age,
// tickets, dead letters, file size, today's counters, content age.
type scrapeCollector struct {
	s *service
}

var (
	descOutboxDepth  = prometheus.NewDesc("infopunkt_outbox_depth", "Pending outbox items by channel.", []string{"channel"}, nil)
	descOutboxOldest = prometheus.NewDesc("infopunkt_outbox_oldest_seconds", "Age of the oldest due outbox item by channel.", []string{"channel"}, nil)
	descTickets      = prometheus.NewDesc("infopunkt_tickets", "Consultant tickets by status.", []string{"status"}, nil)
	descDeadLetters  = prometheus.NewDesc("infopunkt_dead_letters", "Updates set aside after failing repeatedly.", nil, nil)
	descFileSize     = prometheus.NewDesc("infopunkt_store_file_bytes", "Size of the data file.", nil, nil)
	descContentAge   = prometheus.NewDesc("infopunkt_content_age_seconds", "Time since the content now serving was loaded.", nil, nil)
	descContentNodes = prometheus.NewDesc("infopunkt_content_nodes", "Nodes in the content now serving.", nil, nil)
	descToday        = prometheus.NewDesc("infopunkt_today", "Today's stored counters (see bot/store stats): updates, views per node, unanswered per language, drops per reason.", []string{"key"}, nil)
	descUp           = prometheus.NewDesc("infopunkt_store_up", "1 when the store answered the scrape.", nil, nil)
	descDeskTickets  = prometheus.NewDesc("infopunkt_desk_tickets", "The desk's tickets by status (waiting, taken, closed).", []string{"status"}, nil)
	descDeskWaiting  = prometheus.NewDesc("infopunkt_desk_oldest_waiting_seconds", "How long the longest-waiting ticket has been in the queue.", nil, nil)
	descReminders    = prometheus.NewDesc("infopunkt_reminders_today", "Today's reminders by result (queued, sent, skipped, unsubscribed).", []string{"result"}, nil)
)

func (c scrapeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descOutboxDepth, descOutboxOldest, descTickets, descDeadLetters, descFileSize,
		descContentAge, descContentNodes, descToday, descUp, descDeskTickets, descDeskWaiting, descReminders} {
		ch <- d
	}
}

func (c scrapeCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.s
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	up := 1.0
	now := time.Now()
	if st, err := s.db.OutboxStats(ctx, now); err == nil {
		for _, name := range []bot.Channel{bot.Telegram, bot.Viber, bot.Local} {
			gauge(descOutboxDepth, float64(st[name].Depth), string(name))
			gauge(descOutboxOldest, st[name].Oldest.Seconds(), string(name))
		}
	} else {
		up = 0
	}
	if tickets, err := s.db.Tickets(ctx); err == nil {
		byStatus := map[string]int{}
		for _, t := range tickets {
			byStatus[string(t.Status)]++
		}
		for status, n := range byStatus {
			gauge(descTickets, float64(n), reasonLabel(status))
		}
	} else {
		up = 0
	}
	if n, err := s.db.DeadLetters(ctx); err == nil {
		gauge(descDeadLetters, float64(n))
	}
	if size, err := s.db.Size(); err == nil {
		gauge(descFileSize, float64(size))
	}
	day := now.In(s.loc).Format("2006-01-02")
	if desk, err := s.db.DeskTickets(ctx, now); err == nil {
		for _, status := range []string{"waiting", "taken", "closed"} {
			gauge(descDeskTickets, float64(desk.ByStatus[status]), status)
		}
		gauge(descDeskWaiting, desk.OldestWaiting.Seconds())
	} else {
		up = 0
	}
	if stats, err := s.db.Stats(ctx, day); err == nil {
		for k, v := range stats {
			gauge(descToday, float64(v), k)
		}
		for _, result := range []string{"queued", "sent", "skipped", "unsubscribed"} {
			gauge(descReminders, float64(stats["reminders/"+result]), result)
		}
	} else {
		up = 0
	}
	s.metrics.contentMu.Lock()
	since := s.metrics.contentSince
	s.metrics.contentMu.Unlock()
	gauge(descContentAge, now.Sub(since).Seconds())
	if cont := s.engine.Content(); cont != nil {
		gauge(descContentNodes, float64(len(cont.Nodes)))
	}
	gauge(descUp, up)
}

func (s *service) metricsHandler() http.Handler {
	return promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{Timeout: 10 * time.Second})
}
