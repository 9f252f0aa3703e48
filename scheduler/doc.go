// Package scheduler will turn event definitions (cron specs in
// Europe/Warsaw) into reminder slots, catch up missed slots after a restart,
// respect quiet hours, and enqueue reminders into the outbox with
// idempotent keys (bot.Reply.Key) for the subscribers the store lists.
//
// It is the subject of the reminders issue; the seams it plugs into are
// already in place: bot.EffectSubscribe/Unsubscribe fill the store's
// subscriptions bucket, store.DB.Subscribers lists active subscribers,
// bot.Queue.Enqueue is idempotent by key, and bot.ReplyReminder marks
// billed messages for the Viber cap.
package scheduler
