package outbox

import (
	"math/rand/v2"
	"time"
)

// Backoff is the delay before retrying a transient failure: "full jitter",
// uniform in [0, min(Max, Base·2^(attempt-1))). Zero fields take the
// defaults Base 1 s and Max 5 min.
type Backoff struct {
	Base time.Duration
	Max  time.Duration
}

func (b Backoff) withDefaults() Backoff {
	if b.Base <= 0 {
		b.Base = time.Second
	}
	if b.Max <= 0 {
		b.Max = 5 * time.Minute
	}
	if b.Max < b.Base {
		b.Max = b.Base
	}
	return b
}

// ceiling is the upper bound of the delay after the given failed attempt
// (1 for the first failure).
func (b Backoff) ceiling(attempt int) time.Duration {
	d := b.Base
	for i := 1; i < attempt && d < b.Max; i++ {
		d *= 2
	}
	return min(d, b.Max)
}

// delay draws the jittered delay after the given failed attempt.
func (b Backoff) delay(attempt int, r *rand.Rand) time.Duration {
	return time.Duration(r.Int64N(int64(b.ceiling(attempt))))
}
