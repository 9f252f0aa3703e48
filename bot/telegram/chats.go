package telegram

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/infopunkt/infopunkt/bot"
)

// IsForum reports whether chat is a supergroup with topics enabled
// (getChat is_forum), which decides how the desk lays out tickets.
// Errors: API and transport errors, wrapped.
func (a *Adapter) IsForum(ctx context.Context, chat bot.ChatKey) (bool, error) {
	id, err := chatID(chat)
	if err != nil {
		return false, err
	}
	var p params
	p.int("chat_id", id)
	res, err := a.call(ctx, "getChat", &p)
	if err != nil {
		return false, fmt.Errorf("telegram getChat: %w", err)
	}
	var c struct {
		IsForum bool `json:"is_forum"`
	}
	if err := json.Unmarshal(res, &c); err != nil {
		return false, fmt.Errorf("telegram getChat: unexpected result: %w", err)
	}
	return c.IsForum, nil
}

// IsMember reports whether the Telegram user userID (decimal) belongs to
// chat: a creator, administrator or member, or a restricted user who is
// still a member. Left and banned users are not. Errors: a malformed user
// id, API and transport errors, wrapped ("user not found" included: a
// caller must not treat an error as membership).
func (a *Adapter) IsMember(ctx context.Context, chat bot.ChatKey, userID string) (bool, error) {
	id, err := chatID(chat)
	if err != nil {
		return false, err
	}
	uid, err := strconv.ParseInt(userID, 10, 64)
	if err != nil || uid <= 0 {
		return false, fmt.Errorf("telegram getChatMember: bad user id")
	}
	var p params
	p.int("chat_id", id)
	p.int("user_id", uid)
	res, err := a.call(ctx, "getChatMember", &p)
	if err != nil {
		return false, fmt.Errorf("telegram getChatMember: %w", err)
	}
	var m struct {
		Status   string `json:"status"`
		IsMember bool   `json:"is_member"`
	}
	if err := json.Unmarshal(res, &m); err != nil {
		return false, fmt.Errorf("telegram getChatMember: unexpected result: %w", err)
	}
	switch m.Status {
	case "creator", "administrator", "member":
		return true, nil
	case "restricted":
		return m.IsMember, nil
	}
	return false, nil
}

// DeleteMessage deletes message ref from chat, for erasure. Telegram
// allows it within 48 hours, and for other people's messages in groups
// only with can_delete_messages; such refusals are errors. A message that
// is already gone is not an error.
func (a *Adapter) DeleteMessage(ctx context.Context, chat bot.ChatKey, ref string) error {
	id, err := chatID(chat)
	if err != nil {
		return err
	}
	msg, err := strconv.ParseInt(ref, 10, 64)
	if err != nil || msg <= 0 {
		return fmt.Errorf("telegram deleteMessage: bad message id %q", ref)
	}
	var p params
	p.int("chat_id", id)
	p.int("message_id", msg)
	_, err = a.call(ctx, "deleteMessage", &p)
	if te, ok := apiError(err); ok && containsFold(te.Message, "message to delete not found") {
		return nil
	}
	if err != nil {
		return fmt.Errorf("telegram deleteMessage: %w", err)
	}
	return nil
}

// DeleteMessages deletes many messages of chat with deleteMessages, 100
// per call, for erasure in a group without topics. Telegram skips those it
// cannot delete (too old, no right, gone): deleting is best effort, and
// only a failed call is an error.
func (a *Adapter) DeleteMessages(ctx context.Context, chat bot.ChatKey, refs []string) error {
	id, err := chatID(chat)
	if err != nil {
		return err
	}
	var ids []int64
	for _, r := range refs {
		if n, err := strconv.ParseInt(r, 10, 64); err == nil && n > 0 {
			ids = append(ids, n)
		}
	}
	for len(ids) > 0 {
		batch := ids[:min(len(ids), 100)]
		ids = ids[len(batch):]
		var p params
		p.int("chat_id", id)
		if err := p.value("message_ids", batch); err != nil {
			return fmt.Errorf("telegram deleteMessages: %w", err)
		}
		_, err := a.call(ctx, "deleteMessages", &p)
		if te, ok := apiError(err); ok && containsFold(te.Message, "message to delete not found") {
			continue
		}
		if err != nil {
			return fmt.Errorf("telegram deleteMessages: %w", err)
		}
	}
	return nil
}
