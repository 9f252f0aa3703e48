/*
Package store keeps Infopunkt's durable state in one bbolt file. DB
implements bot.Store (conversation state), bot.Queue (the outbox) and
bot.Meta (small adapter values), plus what the desk, the scheduler and
reports read: tickets, transcripts, subscribers and daily counters.

# Opening

Open creates the file's directory and the file, takes bbolt's exclusive
lock and migrates the schema. A second process opening the same file fails
after Options.Timeout (default 1s) with an error wrapping bot.ErrLocked that
names the file. Options.NoSync is for tests and benchmarks only.

# Buckets

	users          chat key → profile JSON (language, consent, inactive,
	               created): who the person is, for reports; derived from
	               the State and rewritten only when it changes
	sessions       chat key → bot.State JSON, the source of truth
	dedupe         update dedupe key → 8-byte big-endian unix seconds
	outbox         8-byte big-endian seq → bot.OutboxItem JSON
	outbox_keys    Reply.Key → seq of the pending item with that key
	outbox_chat    chat key, 0x00, seq → empty: a chat's pending items
	tickets        chat key → Ticket JSON (one ticket per chat)
	transcripts    chat key, 0x00, 8-byte seq → TranscriptEntry JSON,
	               sealed for the chat (see Crypto-shredding)
	subscriptions  category, 0x00, chat key → RFC 3339 time subscribed
	stats          "YYYY-MM-DD/kind/name" → 8-byte big-endian counter
	meta           "schema_version", "log_hash_key", "pause/<lane>",
	               adapters' own keys
	refs           chat key, 0x00, platform message id → Reply.Track of
	               the item that sent it (Queue.Done; read by Tracked)
	keys           chat key → 32-byte AES-256 key sealing the chat's texts
	seen           "YYYYMMDD" (UTC day of the last update), 0x00, chat key →
	               empty: finds chats past retention without reading every
	               session (meta "seen_index" marks it complete)
	deadletter     8-byte big-endian seq → bot.DeadLetter JSON: updates set
	               aside after failing repeatedly (no text, no chat key;
	               created on first use; DeadLetters counts them)

Counter names: updates/<channel> for every applied update, view/<node>
("view/" is the main menu), unanswered/<lang>, dropped/<reason> (Drop),
dropped/inactive (MarkInactive), deadletter/<channel> (DeadLetter). Counters hold no chat identity and no text.
Dedupe keys are platform update ids (Telegram update_id, Viber
message_token, or for a Viber callback without one a hash of its signed
body); they must not contain the chat key, because erasure keeps
them so a re-delivered update stays deduplicated.

# Apply and group commit

Apply (and the outbox's marks) run in the store's group commit
(commit.go): one goroutine commits everything that waits in one
transaction and one fsync, and meanwhile the next batch gathers, so
concurrent updates of different chats share commits, batches grow with
the load, and an idle update commits at once. A batch takes at most
Options.MaxBatchSize functions. A function may run more than once
(when another function in the batch fails, it rolls back and re-runs), so
Apply's function rebuilds everything from what the transaction sees and
keeps only the last run's result. Its steps:

 1. If the dedupe key is non-empty and present, stop: applied is false.
 2. Load the chat's state and call fn(state, exists).
 3. Record the effects: subscriptions, tickets (handoff opens, cancel marks
    cancelled), transcripts (relayed text), view and unanswered counters.
 4. If the result erases, delete every key of the chat (see Erasure);
    otherwise store the state.
 5. Append the replies to the outbox (after the erasure, so the
    confirmation survives it), count updates/<channel>, write the dedupe key.

# Outbox

Sequence numbers come from the outbox bucket's sequence, so Scan returns
items in enqueue order. A reply with a Key is skipped while an item with
the same Key is pending; Done, Drop and erasure remove the index entries,
after which the Key may be enqueued again. Producers that must never
repeat a message after delivery (reminder slots) keep their own marks.

The items Apply and Enqueue queue are also kept decoded in memory once
their transaction committed, until Scan or ScanChat reads them
(itemcache.go), so a fresh reply reaches the outbox without a JSON decode.
A cached item is served only when the bytes stored under its seq are the
ones it was cached from; anything else is decoded, so the cache never
decides what is read or in which order. It is bounded (1,024 items, 2 MiB
of JSON) and forgets items that are marked, erased or found gone.

# Erasure

Erase and the erase effect delete the chat's users, sessions and tickets
records, its transcript, its subscriptions, its pending outbox items with
their outbox_keys and outbox_chat entries, its lane pause and its key in
the keys bucket. Keys lists
whatever still mentions a chat and is what the erasure tests check. bbolt
never shrinks its file: erased bytes stay in free pages until the page is
reused or the file is compacted (bbolt compact), and backups taken earlier
still hold them.

# Crypto-shredding

Every text a person typed that the store keeps (transcripts; ticket
descriptions) is sealed with AES-256-GCM under a random key of its chat
(crypt.go: sealFor/openFor, putSealedJSON/getSealedJSON), with the chat
key as additional data. Erasure deletes the key, so the ciphertext left in
free pages, in the file's history or in a backup cannot be read again.
Backups leave the keys bucket out, so no backup can ever open a sealed
text: restoring one keeps states, tickets and counters, not texts.

# Migrations

meta "schema_version" holds the schema version as decimal text; a file
without it is version 0. Migration i moves version i to i+1 and all run in
one transaction at Open. A file newer than SchemaVersion fails with
ErrNewerSchema rather than being written by a binary that does not know it.

# Backup

Backup streams a consistent snapshot with bbolt's Tx.WriteTo inside a read
transaction, so writers keep running during the copy.
*/
package store
