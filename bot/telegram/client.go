package telegram

import (
	"net/http"
	"time"
)

// maxIdlePerHost is how many idle connections to the Bot API are kept: more
// than the outbox's parallel senders plus the webhook's callback answers.
// net/http's default keeps 2 per host, so under load most calls opened
// (and then closed) a TCP connection of their own.
const maxIdlePerHost = 64

// NewHTTPClient returns a client for the Bot API with the given overall
// timeout that reuses connections under load (see NewTransport).
func NewHTTPClient(timeout time.Duration) *http.Client {
	return &http.Client{Timeout: timeout, Transport: NewTransport()}
}

// NewTransport returns net/http's default transport keeping enough idle
// connections to the Bot API for the outbox's parallel sends and the
// webhook's callback answers.
func NewTransport() *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = max(tr.MaxIdleConns, maxIdlePerHost)
	tr.MaxIdleConnsPerHost = maxIdlePerHost
	return tr
}
