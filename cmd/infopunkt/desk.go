package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/desk"
	"github.com/infopunkt/infopunkt/bot/telegram"
)

// setupDesk installs the consultants' desk in the store before any update
// is applied. Without a staff group the desk still keeps tickets (and
// tells users their number), it just has nobody to show them to.
func (s *service) setupDesk() {
	var staff bot.ChatKey
	if s.cfg.DeskChatID != "" && s.cfg.TelegramToken != "" {
		staff = bot.NewChatKey(bot.Telegram, s.cfg.DeskChatID)
	}
	s.desk = &desk.Service{
		Desk:        &desk.Desk{Staff: staff},
		Store:       s.db,
		Engine:      s.engine,
		Platform:    noPlatform{},
		Consultants: splitList(s.cfg.DeskConsultants),
		Logger:      s.logger.With("part", "desk"),
	}
	s.desk.Install()
}

// connectDesk gives the desk the Telegram adapter as its platform and
// picks the staff group's mode (forum topics or reply cards).
func (s *service) connectDesk(ctx context.Context, tg *telegram.Adapter) error {
	if s.desk.Desk.Staff == "" {
		return nil
	}
	p, ok := any(tg).(desk.Platform)
	if !ok {
		return fmt.Errorf("desk: this build's Telegram adapter cannot manage the staff group")
	}
	s.desk.Platform = p
	if err := s.desk.DetectMode(ctx); err != nil {
		s.logger.Warn("desk: cannot read the staff group; using reply mode", "err", err)
	}
	mode := "reply"
	if s.desk.Desk.Forum {
		mode = "topics"
	}
	s.logger.Info("desk: staff group connected", "mode", mode)
	return nil
}

// startDesk runs the desk's clock and platform loops; the service stops
// them on shutdown.
func (s *service) startDesk(ctx context.Context) {
	s.desk.Notify = s.worker.Notify
	s.desk.Start(ctx)
	s.onShutdown = append([]func(){s.desk.Stop}, s.onShutdown...)
}

// notifyAll wakes the outbox and the desk after a user update committed.
func (s *service) notifyAll() {
	s.worker.Notify()
	s.desk.Poke()
}

// deskRouter sends the staff group's updates to the desk and everything
// else to the conversation engine.
type deskRouter struct {
	next  telegram.Handler
	desk  func(ctx context.Context, u bot.Update) error
	staff bot.ChatKey
}

func (r deskRouter) Handle(ctx context.Context, u bot.Update) error {
	if r.staff != "" && u.Chat == r.staff {
		return r.desk(ctx, u)
	}
	return r.next.Handle(ctx, u)
}

// noPlatform stands in until a staff group is connected.
type noPlatform struct{}

var errNoStaff = fmt.Errorf("no staff group connected")

func (noPlatform) IsForum(context.Context, bot.ChatKey) (bool, error) { return false, errNoStaff }
func (noPlatform) IsMember(context.Context, bot.ChatKey, string) (bool, error) {
	return false, errNoStaff
}
func (noPlatform) CreateTopic(context.Context, bot.ChatKey, string) (string, error) {
	return "", errNoStaff
}
func (noPlatform) CloseTopic(context.Context, bot.ChatKey, string) error    { return errNoStaff }
func (noPlatform) ReopenTopic(context.Context, bot.ChatKey, string) error   { return errNoStaff }
func (noPlatform) DeleteTopic(context.Context, bot.ChatKey, string) error   { return errNoStaff }
func (noPlatform) DeleteMessage(context.Context, bot.ChatKey, string) error { return errNoStaff }

// splitList splits a comma- or space-separated list.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == ';' })
}

// deskChatRecord reads a chat's link to the desk (tests, reports).
func deskChatRecord(ctx context.Context, db interface {
	DeskRecord(ctx context.Context, key string, v any) (bool, error)
}, chat bot.ChatKey) (desk.ChatRec, error) {
	var rec desk.ChatRec
	_, err := db.DeskRecord(ctx, "c/"+string(chat), &rec)
	return rec, err
}

// mediaLinker wraps the Viber sender: a consultant's Telegram file sent to a
// Viber user gets a public, expiring link Viber can fetch.
type mediaLinker struct {
	next bot.Sender
	link func(ctx context.Context, m bot.Media) (string, error) // nil until Telegram is connected
}

func (m mediaLinker) Send(ctx context.Context, r bot.Reply) (bot.Receipt, error) {
	if r.Media != nil && r.Media.URL == "" && r.Media.FileID != "" && r.Media.Kind != bot.MediaLocation {
		if m.link == nil {
			return bot.Receipt{}, &bot.SendError{Kind: bot.SendPermanent, Reason: "media_no_link"}
		}
		u, err := m.link(ctx, *r.Media)
		if errors.Is(err, telegram.ErrNoPublicURL) {
			return bot.Receipt{}, &bot.SendError{Kind: bot.SendPermanent, Reason: "media_no_public_url", Err: err}
		}
		if err != nil {
			return bot.Receipt{}, &bot.SendError{Kind: bot.SendRetry, Reason: "media_link", Err: err}
		}
		media := *r.Media
		media.URL = u
		r.Media = &media
	}
	return m.next.Send(ctx, r)
}
