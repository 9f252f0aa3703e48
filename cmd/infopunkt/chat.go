package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/infopunkt/infopunkt/bot"
	"github.com/infopunkt/infopunkt/bot/local"
	"github.com/infopunkt/infopunkt/bot/outbox"
	"github.com/infopunkt/infopunkt/bot/store"
	"github.com/infopunkt/infopunkt/faq"
)

// runChat is `infopunkt chat`: the real engine, store and outbox driven from
// the terminal, with no tokens and no network.
func runChat(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	fl := cmdChat.flags()
	if done, err := parseCommand(cmdChat, fl, args, stdout, stderr); done || err != nil {
		return err
	}
	lang, data := flagString(fl, "lang"), flagString(fl, "data")
	if _, ok := faq.ParseLang(*lang); *lang != "" && !ok {
		fmt.Fprintf(stderr, "infopunkt chat: unknown language %q (use uk, pl, ru or en)\n", *lang)
		return exitError(2)
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	if *data != "" {
		cfg.Data = *data
	}
	logger, closeLog, err := runLogger(cfg, true, stderr, newRedactor(cfg))
	if err != nil {
		return err
	}
	defer closeLog()
	c, err := loadContentReport(cfg, logger)
	if err != nil {
		return err
	}
	db, err := store.Open(cfg.Data, store.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	if *lang == "" {
		*lang = terminalLang(getenv)
	}
	return chatLoop(ctx, db, bot.NewEngine(c), stdin, stdout, *lang, logger)
}

// chatLoop runs a terminal chat against db until stdin ends or ctx is done.
func chatLoop(ctx context.Context, db *store.DB, eng *bot.Engine, stdin io.Reader, stdout io.Writer, lang string, logger *slog.Logger) error {
	term := local.NewTerminal(stdout, bot.NewChatKey(bot.Local, "terminal"))
	term.Messages = func() faq.Messages { return eng.Content().Messages }
	w := outbox.New(db, map[bot.Channel]bot.Sender{bot.Local: term}, outbox.Options{Logger: logger})
	if err := w.Start(ctx); err != nil {
		return err
	}
	defer w.Stop(context.Background())
	p := &bot.Processor{Engine: eng, Store: db, Notify: w.Notify}
	return term.Run(ctx, p, stdin, lang)
}

// loadContentReport loads the configured content and turns problems into
// one error that lists them all.
func loadContentReport(cfg Config, logger *slog.Logger) (*faq.Content, error) {
	c, probs, err := loadContent(cfg.Content, cfg.MaxReviewAge)
	if err != nil {
		return nil, fmt.Errorf("content is not valid:\n%s", probs.Error())
	}
	for _, w := range probs.Warnings() {
		logger.Warn("content warning", "problem", w.String())
	}
	return c, nil
}

// terminalLang is the terminal's language hint (LC_ALL, LC_MESSAGES, LANG,
// e.g. "uk_UA.UTF-8"), as Telegram's language_code is for a phone. The
// engine ignores codes it does not serve and asks instead.
func terminalLang(getenv func(string) string) string {
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := getenv(name); v != "" {
			return v
		}
	}
	return ""
}
