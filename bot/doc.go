// Package bot is the channel-neutral core of Infopunkt.
//
// # Types
//
// Adapters (Telegram, Viber, the local chat) translate platform events into
// an Update and render a Reply back; no platform type appears here.
//
// # Engine
//
// Engine.Handle is the conversation state machine: a pure function of
// (State, Update) to a Result (new State, Replies, Effects) with no I/O, so
// table tests and golden conversation files drive it directly.
//
// # Processor
//
// Processor.Handle runs one update through the engine inside one durable
// Store transaction: the dedupe key, the new state, the replies appended to
// the outbox and the effects commit together, and only then is the update
// acknowledged to the platform. Updates of one chat are serialised; different
// chats run in parallel and share group commits.
//
// # Interfaces
//
// Store, Queue and Meta are implemented by bot/store (bbolt); Sender by
// each adapter; the outbox worker (bot/outbox) drains the Queue.
package bot
