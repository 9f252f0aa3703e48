package telegram

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/infopunkt/infopunkt/bot"
)

// BotRights is what the bot may do in a group, for a start-up check of
// the staff group.
type BotRights struct {
	// Admin: the bot is an administrator, which also means it receives
	// every message of the group whatever its privacy mode.
	Admin bool
	// ManageTopics allows creating, closing, reopening and (with
	// DeleteMessages) deleting forum topics.
	ManageTopics bool
	// DeleteMessages allows deleting other people's messages (erasure).
	DeleteMessages bool
	// ReadsAll: the bot receives every message: it is an administrator, or
	// its privacy mode is off (@BotFather /setprivacy).
	ReadsAll bool
}

// BotRights asks getChatMember what the bot may do in chat. Errors: API
// and transport errors, wrapped (a bot removed from the group gets 403).
func (a *Adapter) BotRights(ctx context.Context, chat bot.ChatKey) (BotRights, error) {
	id, err := chatID(chat)
	if err != nil {
		return BotRights{}, err
	}
	var p params
	p.int("chat_id", id)
	p.int("user_id", a.self.ID)
	res, err := a.call(ctx, "getChatMember", &p)
	if err != nil {
		return BotRights{}, fmt.Errorf("telegram getChatMember (bot): %w", err)
	}
	var m struct {
		Status         string `json:"status"`
		ManageTopics   bool   `json:"can_manage_topics"`
		DeleteMessages bool   `json:"can_delete_messages"`
	}
	if err := json.Unmarshal(res, &m); err != nil {
		return BotRights{}, fmt.Errorf("telegram getChatMember (bot): unexpected result: %w", err)
	}
	r := BotRights{Admin: m.Status == "administrator" || m.Status == "creator"}
	if r.Admin {
		r.ManageTopics, r.DeleteMessages = m.ManageTopics, m.DeleteMessages
	}
	r.ReadsAll = r.Admin || a.self.ReadsAll
	return r, nil
}
