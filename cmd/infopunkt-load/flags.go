package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"
)

// Default walks: /start, accept the privacy notice (the peer: pick a
// language), open two menus and an answer, type a question. On Viber a
// button is pressed by its ActionBody, which infopunkt prefixes with
// "btn:".
const (
	defaultWalk      = "/start;=a;=n:legal;=n:legal-permits;=n:legal-karta-pobytu;karta pobytu"
	defaultViberWalk = "/start;=btn:a;=btn:n:legal;=btn:n:legal-permits;=btn:n:legal-karta-pobytu;karta pobytu"
	defaultPeerWalk  = "/start;#1;#1;#1;karta pobytu"
)

// config is the parsed command line.
type config struct {
	bot                 string // infopunkt binary; "" builds it
	cmd                 string // any other bot command instead of infopunkt (space-separated)
	peer                string // directory of the grammY peer; "" = no side-by-side run
	webhook             bool
	viber               bool // drive the bot over Viber (vibertest) instead of Telegram
	users               int
	walk                []step
	peerWalk            []step
	rate                float64       // open loop arrivals per second; 0 = closed loop
	duration            time.Duration // open loop length; closed loop: repeat walks this long
	flood               int           // messages from one flooding chat
	conns               int           // concurrent webhook connections
	timeout             time.Duration // how long a step waits for its reply
	tgRate              string        // INFOPUNKT_TELEGRAM_RATE
	viberRate           string        // INFOPUNKT_VIBER_RATE
	chatRate            string        // INFOPUNKT_TELEGRAM_CHAT_RATE ("" = unset)
	env                 []string      // extra KEY=VALUE for the bot
	lang                string        // users' language_code
	keep                bool          // keep the work directory
	seedUsers, seedSubs int           // chats (and subscriptions) stored before infopunkt starts
	seedCache           string        // keep the seeded data file here and reuse it
	cpuProfile          string        // this process's CPU profile
	botProfile          string        // infopunkt's CPU profile, from its admin listener
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("infopunkt-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	mode := fs.String("mode", "webhook", "how updates reach the bot: webhook or polling (Telegram only)")
	channel := fs.String("channel", "telegram", "the platform the users are on: telegram or viber")
	walk := fs.String("walk", defaultWalk, `steps of each user, ";"-separated: text, #N, [label], =data`)
	peerWalk := fs.String("peer-walk", defaultPeerWalk, "the walk for the peer bot")
	var env multiFlag
	fs.StringVar(&cfg.bot, "bot", "", "infopunkt binary to test (default: go build ./cmd/infopunkt)")
	fs.StringVar(&cfg.cmd, "cmd", "", "test this command instead of infopunkt (space-separated; honours INFOPUNKT_*)")
	fs.StringVar(&cfg.peer, "peer", "", "directory of the grammY peer bot: run it too and print the ratios")
	fs.IntVar(&cfg.users, "users", 2000, "simulated users (chats)")
	fs.Float64Var(&cfg.rate, "rate", 0, "open loop: updates per second (0 = closed loop)")
	fs.DurationVar(&cfg.duration, "duration", 0, "open loop: how long (default 10s); closed loop: repeat walks this long")
	fs.IntVar(&cfg.flood, "flood", 0, "one extra chat sends this many messages during the run")
	fs.IntVar(&cfg.conns, "conns", 40, "concurrent webhook connections (Telegram's max_connections)")
	fs.DurationVar(&cfg.timeout, "timeout", 30*time.Second, "how long a step waits for its reply")
	fs.StringVar(&cfg.tgRate, "tg-rate", "100000", "INFOPUNKT_TELEGRAM_RATE for the bot (the pacer lifted)")
	fs.StringVar(&cfg.viberRate, "viber-rate", "100000", "INFOPUNKT_VIBER_RATE for the bot (the pacer lifted)")
	fs.StringVar(&cfg.chatRate, "chat-rate", "", "INFOPUNKT_TELEGRAM_CHAT_RATE for the bot (unset by default)")
	fs.Var(&env, "env", "extra KEY=VALUE for the bot (repeatable)")
	fs.StringVar(&cfg.lang, "lang", "en", "the users' language_code")
	fs.BoolVar(&cfg.keep, "keep", false, "keep the work directory (logs, data)")
	fs.IntVar(&cfg.seedUsers, "seed-users", 0, "infopunkt only: store this many users before it starts (scale test)")
	fs.IntVar(&cfg.seedSubs, "seed-subs", 0, "infopunkt only: ... of whom this many have a subscription")
	fs.StringVar(&cfg.seedCache, "seed-cache", "", "keep the seeded data file at this path and copy it from there next time")
	fs.StringVar(&cfg.cpuProfile, "cpuprofile", "", "write the load generator's own CPU profile (fakes included) to FILE")
	fs.StringVar(&cfg.botProfile, "bot-profile", "", "infopunkt only: write its CPU profile of the middle of the load to FILE")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	switch *mode {
	case "webhook":
		cfg.webhook = true
	case "polling":
	default:
		return cfg, fmt.Errorf("-mode %q: want webhook or polling", *mode)
	}
	switch *channel {
	case "telegram":
	case "viber":
		cfg.viber = true
		if !cfg.webhook {
			return cfg, errors.New("-channel viber: Viber only delivers by webhook (-mode webhook)")
		}
		if cfg.peer != "" {
			return cfg, errors.New("-channel viber: the grammY peer speaks Telegram only; drop -peer")
		}
		if !flagSet(fs, "walk") {
			*walk = defaultViberWalk
		}
	default:
		return cfg, fmt.Errorf("-channel %q: want telegram or viber", *channel)
	}
	var err error
	if cfg.walk, err = parseWalk(*walk); err != nil {
		return cfg, fmt.Errorf("-walk: %w", err)
	}
	if cfg.peerWalk, err = parseWalk(*peerWalk); err != nil {
		return cfg, fmt.Errorf("-peer-walk: %w", err)
	}
	if cfg.users <= 0 || cfg.conns <= 0 || cfg.rate < 0 || cfg.flood < 0 {
		return cfg, errors.New("-users and -conns must be positive, -rate and -flood not negative")
	}
	if cfg.rate > 0 && cfg.duration == 0 {
		cfg.duration = 10 * time.Second
	}
	if cfg.botProfile != "" && cfg.cmd != "" {
		return cfg, errors.New("-bot-profile needs infopunkt as the bot, not -cmd")
	}
	cfg.env = env
	return cfg, nil
}

// flagSet reports whether the command line set the flag name.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
