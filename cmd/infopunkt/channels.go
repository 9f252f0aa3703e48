package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/telegram"
	"github.com/infopunkt/infopunkt/bot/viber"
	"github.com/infopunkt/infopunkt/faq"
)

// startChannels connects the channels whose tokens are set: each adapter
// becomes the outbox's Sender for its channel and mounts its webhook.
func (s *service) startChannels(ctx context.Context) error {
	if s.cfg.TelegramToken != "" {
		if err := s.startTelegram(ctx); err != nil {
			return err
		}
	}
	if s.cfg.ViberToken != "" {
		if err := s.startViber(); err != nil {
			return err
		}
	}
	return nil
}

func (s *service) startTelegram(ctx context.Context) error {
	var desk int64
	if s.cfg.DeskChatID != "" {
		id, err := strconv.ParseInt(s.cfg.DeskChatID, 10, 64)
		if err != nil {
			return fmt.Errorf("INFOPUNKT_DESK_CHAT_ID: %w", err)
		}
		desk = id
	}
	tg, err := telegram.New(ctx, telegram.Config{
		Token: s.cfg.TelegramToken, APIURL: s.cfg.TelegramAPIURL,
		WebhookURL: s.cfg.TelegramWebhookURL, WebhookSecret: s.cfg.TelegramWebhookSecret,
		DeskChatID: desk, Logger: s.logger.With("channel", "telegram"), PublicURL: s.publicURL(),
		// A hung send holds one of the outbox's few senders: fail it sooner
		// than the 30 s default and let the outbox retry. The transport
		// tells /readyz about every successful API call.
		HTTPClient: &http.Client{Timeout: 15 * time.Second, Transport: pollTransport{
			next: telegram.NewTransport(),
			mark: func() { s.readiness.ok(bot.Telegram, time.Now()) },
		}},
	}, s.db, deskRouter{next: s.proc, desk: s.desk.HandleStaff, staff: s.desk.Desk.Staff})
	if err != nil {
		return fmt.Errorf("telegram: %w", err)
	}
	if err := s.connectDesk(ctx, tg); err != nil {
		return err
	}
	s.mux.Handle(telegram.MediaPath, tg.MediaHandler())
	s.mediaLink = tg.MediaLink
	s.senders[bot.Telegram] = tg
	s.onShutdown = append(s.onShutdown, func() { tg.Close() })
	if err := tg.SetCommands(ctx, telegramCommands(s.engine.Content())); err != nil {
		s.logger.Warn("telegram command menu not set", "err", err)
	}
	s.readiness.expect(bot.Telegram, s.cfg.TelegramWebhookURL == "")
	if s.cfg.TelegramWebhookURL == "" {
		s.goBG(func() { s.pollTelegram(ctx, tg) })
		return nil
	}
	path, err := webhookPath(s.cfg.TelegramWebhookURL)
	if err != nil {
		return fmt.Errorf("INFOPUNKT_TELEGRAM_WEBHOOK_URL: %w", err)
	}
	s.mux.Handle("POST "+path, tg.WebhookHandler())
	s.afterListen = append(s.afterListen, func(ctx context.Context) {
		if err := tg.SetWebhook(ctx); err != nil {
			s.errc <- fmt.Errorf("telegram setWebhook: %w", err)
			return
		}
		s.readiness.ok(bot.Telegram, time.Now())
	})
	return nil
}

// pollTelegram runs the long-poll loop; a conflict with another poller stops
// the process, as two pollers would steal each other's updates.
func (s *service) pollTelegram(ctx context.Context, tg *telegram.Adapter) {
	err := tg.Poll(ctx)
	if err == nil || errors.Is(err, context.Canceled) {
		return
	}
	if errors.Is(err, telegram.ErrConflict) {
		err = fmt.Errorf("%w: stop the other infopunkt (or remove its webhook) before starting this one", err)
	}
	s.errc <- fmt.Errorf("telegram polling: %w", err)
}

// telegramCommands builds the command menu in each content language.
func telegramCommands(c *faq.Content) map[string][]telegram.Command {
	out := make(map[string][]telegram.Command, faq.NumLangs)
	for _, l := range faq.Langs {
		for _, cmd := range bot.Commands {
			out[l.String()] = append(out[l.String()], telegram.Command{Name: cmd.Name, Description: c.Messages.Get(cmd.DescKey, l)})
		}
	}
	return out
}

func (s *service) startViber() error {
	vb, err := viber.New(viber.Config{
		Token: s.cfg.ViberToken, APIURL: s.cfg.ViberAPIURL, WebhookURL: s.cfg.ViberWebhookURL,
		Logger: s.logger.With("channel", "viber"), Location: s.loc, MonthlyReminderCap: s.cfg.ViberReminderCap,
		OnUserActive: s.resumeChat,
	}, s.db, s.proc)
	if err != nil {
		return fmt.Errorf("viber: %w", err)
	}
	s.senders[bot.Viber] = mediaLinker{next: vb, link: s.mediaLink}
	if s.cfg.ViberWebhookURL == "" {
		return errors.New("INFOPUNKT_VIBER_WEBHOOK_URL is required with INFOPUNKT_VIBER_TOKEN: Viber only delivers by webhook")
	}
	path, err := webhookPath(s.cfg.ViberWebhookURL)
	if err != nil {
		return fmt.Errorf("INFOPUNKT_VIBER_WEBHOOK_URL: %w", err)
	}
	s.mux.Handle("POST "+path, vb.WebhookHandler())
	s.readiness.expect(bot.Viber, false)
	s.afterListen = append(s.afterListen, func(ctx context.Context) {
		s.goBG(func() {
			if err := vb.SetWebhook(ctx); err != nil {
				if ctx.Err() == nil {
					s.errc <- fmt.Errorf("viber set_webhook: %w", err)
				}
				return
			}
			s.readiness.ok(bot.Viber, time.Now())
		})
	})
	return nil
}

// resumeChat lifts a chat's outbox pause when its platform says the reason
// is gone. The worker exists before any webhook can call this.
func (s *service) resumeChat(chat bot.ChatKey) {
	if s.worker != nil {
		s.worker.Resume(chat)
	}
}
