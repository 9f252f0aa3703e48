package telegram

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Command is one entry of the bot's command menu.
type Command struct {
	Name        string // without the leading "/", [a-z0-9_]{1,32}
	Description string // 1–256 characters
}

type botCommand struct {
	Command     string `json:"command"`
	Description string `json:"description"`
}

// SetCommands registers the command menu once per language code (the keys
// of cmds, e.g. "uk", "pl", "ru", "en") and, from cmds["en"], the default
// menu for users whose language has none. Errors: the first failing call,
// wrapped with its language.
func (a *Adapter) SetCommands(ctx context.Context, cmds map[string][]Command) error {
	langs := slices.Sorted(maps.Keys(cmds))
	for _, lang := range langs {
		if err := a.setCommands(ctx, lang, cmds[lang]); err != nil {
			return err
		}
	}
	if en, ok := cmds["en"]; ok {
		return a.setCommands(ctx, "", en)
	}
	return nil
}

func (a *Adapter) setCommands(ctx context.Context, lang string, cmds []Command) error {
	list := make([]botCommand, 0, len(cmds))
	for _, c := range cmds {
		list = append(list, botCommand{
			Command:     strings.ToLower(strings.TrimPrefix(c.Name, "/")),
			Description: c.Description,
		})
	}
	var p params
	if lang != "" {
		p.str("language_code", lang)
	}
	if err := p.value("commands", list); err != nil {
		return err
	}
	if _, err := a.call(ctx, "setMyCommands", &p); err != nil {
		if lang == "" {
			lang = "default"
		}
		return fmt.Errorf("telegram set commands %s: %w", lang, err)
	}
	return nil
}
