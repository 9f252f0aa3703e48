package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/infopunkt/infopunkt/bot/telegram/telegramtest"
)

// stepKind says what a step does.
type stepKind uint8

const (
	typeText   stepKind = iota + 1 // type text (a command when it starts with "/")
	pressNth                       // press the n-th button of the last keyboard
	pressLabel                     // press the first button whose label contains arg
	pressData                      // press the button with callback data arg
)

// step is one thing a user does.
type step struct {
	kind stepKind
	arg  string
	n    int // pressNth: 1-based
}

func (s step) String() string {
	switch s.kind {
	case pressNth:
		return "#" + strconv.Itoa(s.n)
	case pressLabel:
		return "[" + s.arg + "]"
	case pressData:
		return "=" + s.arg
	}
	return s.arg
}

func (s step) isPress() bool { return s.kind != typeText }

// parseWalk parses ";"-separated steps.
func parseWalk(spec string) ([]step, error) {
	var steps []step
	for part := range strings.SplitSeq(spec, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		s, err := parseStep(part)
		if err != nil {
			return nil, err
		}
		steps = append(steps, s)
	}
	if len(steps) == 0 {
		return nil, errors.New("no steps")
	}
	return steps, nil
}

func parseStep(p string) (step, error) {
	switch {
	case strings.HasPrefix(p, "#"):
		n, err := strconv.Atoi(p[1:])
		if err != nil || n < 1 {
			return step{}, fmt.Errorf("step %q: #N needs N >= 1", p)
		}
		return step{kind: pressNth, n: n}, nil
	case strings.HasPrefix(p, "[") && strings.HasSuffix(p, "]") && len(p) > 2:
		return step{kind: pressLabel, arg: p[1 : len(p)-1]}, nil
	case strings.HasPrefix(p, "=") && len(p) > 1:
		return step{kind: pressData, arg: p[1:]}, nil
	}
	return step{kind: typeText, arg: p}, nil
}

// button is one inline button of a reply.
type button struct {
	Text string
	Data string
}

// keyboard is the last inline keyboard a chat received and its message.
type keyboard struct {
	msgID   int
	buttons []button // flattened, rows in order
}

// flatten returns the callback buttons of an inline keyboard, rows in
// order; nil when it has none.
func flatten(rows [][]telegramtest.InlineButton) []button {
	var out []button
	for _, row := range rows {
		for _, b := range row {
			if b.CallbackData != "" {
				out = append(out, button{Text: b.Text, Data: b.CallbackData})
			}
		}
	}
	return out
}

// resolve returns the callback data a press step sends under kb.
func (s step) resolve(kb keyboard) (string, error) {
	if kb.msgID == 0 || len(kb.buttons) == 0 {
		return "", fmt.Errorf("step %s: no keyboard to press", s)
	}
	switch s.kind {
	case pressNth:
		if s.n > len(kb.buttons) {
			return "", fmt.Errorf("step %s: the keyboard has %d buttons", s, len(kb.buttons))
		}
		return kb.buttons[s.n-1].Data, nil
	case pressLabel:
		for _, b := range kb.buttons {
			if strings.Contains(b.Text, s.arg) {
				return b.Data, nil
			}
		}
	case pressData:
		for _, b := range kb.buttons {
			if b.Data == s.arg {
				return b.Data, nil
			}
		}
	}
	return "", fmt.Errorf("step %s: no such button", s)
}
