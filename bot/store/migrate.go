package store

import (
	"fmt"
	"strconv"

	"go.etcd.io/bbolt"
)

// Bucket names. doc.go describes what each holds.
var (
	bucketUsers         = []byte("users")
	bucketSessions      = []byte("sessions")
	bucketDedupe        = []byte("dedupe")
	bucketOutbox        = []byte("outbox")
	bucketOutboxKeys    = []byte("outbox_keys")
	bucketOutboxChat    = []byte("outbox_chat")
	bucketTickets       = []byte("tickets")
	bucketTranscripts   = []byte("transcripts")
	bucketSubscriptions = []byte("subscriptions")
	bucketStats         = []byte("stats")
	bucketMeta          = []byte("meta")
	bucketRefs          = []byte("refs")
	bucketSchedule      = []byte("schedule")
	bucketKeys          = []byte("keys")
)

// metaSchemaVersion is the meta key holding the schema version as decimal text.
const metaSchemaVersion = "schema_version"

// SchemaVersion is the schema version this binary writes. Raise it together
// with a new entry in migrations.
const SchemaVersion = 4

// migrations[i] moves a file from schema version i to i+1. Append only:
// never edit or reorder a migration that has shipped. The array length
// pins the count to SchemaVersion at compile time.
var migrations = [SchemaVersion]func(tx *bbolt.Tx) error{
	createBuckets,   // 0 → 1
	createRefs,      // 1 → 2
	sealTranscripts, // 2 → 3
	createSchedule,  // 3 → 4
}

// migrate brings the file to SchemaVersion in the open transaction, so a
// failed migration leaves the file as it was.
func migrate(tx *bbolt.Tx) error {
	v, err := schemaVersion(tx)
	if err != nil {
		return err
	}
	if v > SchemaVersion {
		return fmt.Errorf("%w: file is version %d, this binary knows up to %d", ErrNewerSchema, v, SchemaVersion)
	}
	if v == SchemaVersion {
		return nil
	}
	for ; v < SchemaVersion; v++ {
		if err := migrations[v](tx); err != nil {
			return fmt.Errorf("migrate schema %d to %d: %w", v, v+1, err)
		}
	}
	return setSchemaVersion(tx, v)
}

// schemaVersion reads the version; a file without one (new or pre-schema) is 0.
func schemaVersion(tx *bbolt.Tx) (int, error) {
	b := tx.Bucket(bucketMeta)
	if b == nil {
		return 0, nil
	}
	raw := b.Get([]byte(metaSchemaVersion))
	if raw == nil {
		return 0, nil
	}
	v, err := strconv.Atoi(string(raw))
	if err != nil || v < 0 {
		return 0, fmt.Errorf("bad schema version %q", raw)
	}
	return v, nil
}

func setSchemaVersion(tx *bbolt.Tx, v int) error {
	b, err := tx.CreateBucketIfNotExists(bucketMeta)
	if err != nil {
		return fmt.Errorf("create meta bucket: %w", err)
	}
	return b.Put([]byte(metaSchemaVersion), []byte(strconv.Itoa(v)))
}

// createBuckets is migration 1.
func createBuckets(tx *bbolt.Tx) error {
	for _, name := range [][]byte{
		bucketUsers, bucketSessions, bucketDedupe, bucketOutbox, bucketOutboxKeys,
		bucketOutboxChat, bucketTickets, bucketTranscripts, bucketSubscriptions,
		bucketStats, bucketMeta,
	} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	return nil
}

// createRefs is migration 2: the bucket of sent message ids (Queue.Done
// with a Reply.Track).
func createRefs(tx *bbolt.Tx) error {
	if _, err := tx.CreateBucketIfNotExists(bucketRefs); err != nil {
		return fmt.Errorf("create bucket %s: %w", bucketRefs, err)
	}
	return nil
}

// createSchedule is migration 4: the reminders' fan-out progress and
// occurrence marks (see schedule.go).
func createSchedule(tx *bbolt.Tx) error {
	if _, err := tx.CreateBucketIfNotExists(bucketSchedule); err != nil {
		return fmt.Errorf("create bucket %s: %w", bucketSchedule, err)
	}
	return nil
}
