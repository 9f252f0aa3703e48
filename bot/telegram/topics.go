package telegram

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/infopunkt/infopunkt/bot"
)

// maxTopicName is Telegram's limit on a forum topic name, in characters.
const maxTopicName = 128

// CreateTopic opens a forum topic called name (cut to 128 characters) in
// the forum supergroup chat, for example one per desk ticket, and returns
// its thread id for Reply.Thread. The bot needs the can_manage_topics
// right. Errors: API and transport errors, wrapped.
func (a *Adapter) CreateTopic(ctx context.Context, chat bot.ChatKey, name string) (thread string, err error) {
	id, err := chatID(chat)
	if err != nil {
		return "", err
	}
	if r := []rune(name); len(r) > maxTopicName {
		name = string(r[:maxTopicName])
	}
	var p params
	p.int("chat_id", id)
	p.str("name", name)
	res, err := a.call(ctx, "createForumTopic", &p)
	if err != nil {
		return "", fmt.Errorf("telegram create topic: %w", err)
	}
	var topic struct {
		ThreadID int64 `json:"message_thread_id"`
	}
	if err := json.Unmarshal(res, &topic); err != nil || topic.ThreadID == 0 {
		return "", fmt.Errorf("telegram create topic: unexpected result %.100s", res)
	}
	return strconv.FormatInt(topic.ThreadID, 10), nil
}

// CloseTopic closes a forum topic; closing a closed topic is not an error.
func (a *Adapter) CloseTopic(ctx context.Context, chat bot.ChatKey, thread string) error {
	return a.topic(ctx, "closeForumTopic", chat, thread)
}

// ReopenTopic reopens a closed forum topic; reopening an open one is not an
// error.
func (a *Adapter) ReopenTopic(ctx context.Context, chat bot.ChatKey, thread string) error {
	return a.topic(ctx, "reopenForumTopic", chat, thread)
}

func (a *Adapter) topic(ctx context.Context, method string, chat bot.ChatKey, thread string) error {
	id, err := chatID(chat)
	if err != nil {
		return err
	}
	tid, err := strconv.ParseInt(thread, 10, 64)
	if err != nil {
		return fmt.Errorf("telegram %s: bad thread %q", method, thread)
	}
	var p params
	p.int("chat_id", id)
	p.int("message_thread_id", tid)
	_, err = a.call(ctx, method, &p)
	if te, ok := apiError(err); ok && containsFold(te.Message, "TOPIC_NOT_MODIFIED") {
		return nil
	}
	if err != nil {
		return fmt.Errorf("telegram %s: %w", method, err)
	}
	return nil
}

func chatID(chat bot.ChatKey) (int64, error) {
	id, err := strconv.ParseInt(chat.ID(), 10, 64)
	if chat.Channel() != bot.Telegram || err != nil || id == 0 {
		return 0, fmt.Errorf("telegram: not a telegram chat: %q", chat)
	}
	return id, nil
}

// DeleteTopic deletes a forum topic with all its messages (the bot needs
// can_delete_messages). A topic that is already gone is not an error.
func (a *Adapter) DeleteTopic(ctx context.Context, chat bot.ChatKey, thread string) error {
	err := a.topic(ctx, "deleteForumTopic", chat, thread)
	if te, ok := apiError(err); ok && containsFold(te.Message, "TOPIC_ID_INVALID") {
		return nil
	}
	return err
}
