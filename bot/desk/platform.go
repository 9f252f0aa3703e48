package desk

import (
	"context"

	"github.com/infopunkt/infopunkt/bot"
)

// Platform is what the desk needs from the staff group's platform besides
// sending messages (which go through the outbox). *telegram.Adapter
// implements it. Errors are the platform's, wrapped.
type Platform interface {
	// IsForum reports whether chat is a forum supergroup (topics mode).
	IsForum(ctx context.Context, chat bot.ChatKey) (bool, error)
	// IsMember reports whether user currently belongs to chat.
	IsMember(ctx context.Context, chat bot.ChatKey, user string) (bool, error)
	CreateTopic(ctx context.Context, chat bot.ChatKey, name string) (thread string, err error)
	CloseTopic(ctx context.Context, chat bot.ChatKey, thread string) error
	ReopenTopic(ctx context.Context, chat bot.ChatKey, thread string) error
	DeleteTopic(ctx context.Context, chat bot.ChatKey, thread string) error
	DeleteMessage(ctx context.Context, chat bot.ChatKey, ref string) error
}

// Store is the storage the desk runs on: one transaction per input, the
// tracked message ids of sent replies, and the ids recorded for a track.
type Store interface {
	bot.DeskStore
	bot.Tracker
	RefsOf(ctx context.Context, chat bot.ChatKey, track string) ([]string, error)
	// DeskRecord reads one desk record outside an update.
	DeskRecord(ctx context.Context, key string, v any) (bool, error)
}
