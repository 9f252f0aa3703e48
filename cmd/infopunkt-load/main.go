// Command infopunkt-load drives a bot process the way Telegram and its
// users would, and reports what the users see.
//
// It starts the bot under test (the infopunkt binary, built or given, or
// any command honouring the INFOPUNKT_* environment contract, such as the
// grammY peer) against a fake Bot API (telegramtest) served in this
// process on loopback, drives simulated users, and reports updates per
// second, update→reply latency (from sending the update to the first
// send-like call the fake receives for that chat), errors, the bot's CPU
// time per update (/proc/<pid>/stat) and its peak RSS (VmHWM).
//
// With -channel viber the users are on Viber instead: the bot gets
// INFOPUNKT_VIBER_TOKEN, INFOPUNKT_VIBER_API_URL (a vibertest fake here),
// INFOPUNKT_VIBER_WEBHOOK_URL and INFOPUNKT_VIBER_RATE (-viber-rate, the
// pacer lifted), and no Telegram token. Each step is a "message" callback
// signed as Viber signs it (X-Viber-Content-Signature, HMAC-SHA256 of the
// body keyed by the token); a press sends the button's ActionBody as its
// text, as Viber does, so "=data" names an ActionBody; replies are the
// send_message calls the fake receives. Viber delivers by webhook only,
// and the grammY peer speaks Telegram only.
//
// Load shapes:
//
//   - closed loop (default): -users users each walk -walk, every step
//     waiting for the bot's reply before the next;
//   - open loop: -rate updates/s for -duration, each arrival taking an idle
//     user's next step (users whose walk ends start over as new chats);
//   - flood: -flood N messages from one extra chat while the closed-loop
//     users walk (repeatedly, until the flood is sent), reported apart.
//
// A walk is a list of steps separated by ";": plain text (commands
// included) is typed; "#N" presses the N-th button of the last keyboard
// the chat received; "[label]" presses the first button whose label
// contains label; "=data" presses the button with that callback data
// (on Viber: ActionBody). The default walk is the one of issue 8: /start,
// accept the notice, two menus, an answer, then "karta pobytu" typed.
//
// Profiles: -cpuprofile FILE writes this process's CPU profile (the load
// generator and the fake platform it serves) for the whole run. With
// -bot-profile FILE, infopunkt is started with a random
// INFOPUNKT_ADMIN_TOKEN beside its loopback INFOPUNKT_ADMIN_LISTEN, and
// its /debug/pprof/profile is fetched into FILE for the middle half of the
// load (-duration; without it, seconds 1 to 3 of the load). Read both with
// `go tool pprof`.
//
// With -peer DIR the same load runs against the grammY peer bot too (a
// copy of DIR with `npm ci`, started as `node bot.js`), and the ratios are
// printed. Nothing here contacts a host other than loopback (npm ci aside).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// gcPercent is the load generator's GOGC unless the environment sets one:
// its heap is small and short-lived, and collecting it less often leaves
// more of the shared cores to the bot under test.
const gcPercent = 400

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "infopunkt-load:", err)
		os.Exit(1)
	}
}

// run parses args, runs the load against the bot (and the peer) and
// prints the reports to stdout.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "infopunkt-load-")
	if err != nil {
		return fmt.Errorf("temp dir: %w", err)
	}
	if !cfg.keep {
		defer os.RemoveAll(work)
	} else {
		fmt.Fprintln(stderr, "keeping", work)
	}
	if cfg.cpuProfile != "" {
		stop, err := startCPUProfile(cfg.cpuProfile)
		if err != nil {
			return err
		}
		defer func() {
			if err := stop(); err != nil {
				fmt.Fprintln(stderr, "infopunkt-load:", err)
			}
		}()
	}
	targets, err := prepareTargets(ctx, cfg, work, stderr)
	if err != nil {
		return err
	}
	var reports []*report
	for _, tg := range targets {
		fmt.Fprintf(stderr, "running %s …\n", tg.name)
		rep, err := drive(ctx, cfg, tg, work)
		if err != nil {
			return fmt.Errorf("%s: %w", tg.name, err)
		}
		rep.print(stdout)
		reports = append(reports, rep)
	}
	if len(reports) == 2 {
		printRatio(stdout, reports[0], reports[1])
	}
	return nil
}
