package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime/pprof"
	"strconv"
	"time"
)

// startCPUProfile profiles this process (the load generator and its fakes)
// into path until the returned stop is called.
func startCPUProfile(path string) (stop func() error, err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() error {
		pprof.StopCPUProfile()
		return f.Close()
	}, nil
}

// randomToken returns 32 random hex digits, for secrets and tokens.
func randomToken() string {
	raw := make([]byte, 16)
	_, _ = rand.Read(raw)
	return hex.EncodeToString(raw)
}

// profileWindow is when, from the start of the load, the bot's profile
// starts, and how many seconds it covers: the middle half of the load
// when its length is known (-duration), else seconds 1 to 3.
func profileWindow(length time.Duration) (delay time.Duration, seconds int) {
	if length <= 0 {
		return time.Second, 2
	}
	return length / 4, max(1, int((length/2+time.Second/2)/time.Second))
}

// botProfile is a CPU profile being fetched from the bot's admin listener.
type botProfile struct {
	done chan error
}

// fetchBotProfile fetches /debug/pprof/profile from the admin listener at
// addr after delay, for seconds, into path, in the background.
func fetchBotProfile(ctx context.Context, addr, token, path string, delay time.Duration, seconds int) *botProfile {
	bp := &botProfile{done: make(chan error, 1)}
	go func() {
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			bp.done <- ctx.Err()
			return
		}
		bp.done <- getProfile(ctx, addr, token, path, seconds)
	}()
	return bp
}

// wait returns the fetch's outcome once it has ended.
func (bp *botProfile) wait() error { return <-bp.done }

func getProfile(ctx context.Context, addr, token, path string, seconds int) error {
	url := "http://" + addr + "/debug/pprof/profile?seconds=" + strconv.Itoa(seconds)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("bot profile: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("bot profile: admin listener answered %d: %s", resp.StatusCode, b)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("bot profile: %w", err)
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return fmt.Errorf("bot profile: %w", err)
	}
	return f.Close()
}
