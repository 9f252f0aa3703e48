package desk

import (
	"fmt"
	"strings"

	"github.com/infopunkt/infopunkt/bot"
)

// load reads the board, the open tickets and what in refers to (its chat,
// its ticket, its topic) from tx.
func load(tx bot.DeskTx, in *Input) (*State, error) {
	s := &State{Tickets: map[int]*Ticket{}, Chats: map[bot.ChatKey]*ChatRec{}, Threads: map[string]int{}}
	if _, err := tx.Get(keyBoard, &s.Board); err != nil {
		return nil, fmt.Errorf("load board: %w", err)
	}
	open := s.Board.Open[:0]
	for _, n := range s.Board.Open {
		if err := loadTicket(tx, s, n); err != nil {
			return nil, err
		}
		if s.Tickets[n] != nil { // erased by retention meanwhile: forget it
			open = append(open, n)
		}
	}
	s.Board.Open = open
	if in.Thread != "" && in.Kind == InStaff {
		var n int
		if _, err := tx.Get(threadKey(in.Thread), &n); err != nil {
			return nil, fmt.Errorf("load topic: %w", err)
		}
		if n != 0 && in.Ticket == 0 {
			in.Ticket = n
		}
	}
	if in.Kind == InStaff && in.Update.Kind == bot.UpdateButton {
		if n := buttonTicket(in.Update.Data); n != 0 {
			in.Ticket = n
		}
	}
	if in.Ticket != 0 {
		if err := loadTicket(tx, s, in.Ticket); err != nil {
			return nil, err
		}
	}
	if in.Kind == InRate {
		if err := loadTicket(tx, s, atoi(strings.TrimPrefix(in.Effect.Ticket, "t"))); err != nil {
			return nil, err
		}
	}
	if in.Chat != "" {
		rec := &ChatRec{}
		found, err := tx.Get(chatKey(in.Chat), rec)
		if err != nil {
			return nil, fmt.Errorf("load chat record: %w", err)
		}
		if found {
			s.Chats[in.Chat] = rec
		}
	}
	return s, nil
}

// buttonTicket is the ticket number in a desk button payload, or 0.
func buttonTicket(data string) int {
	rest, ok := strings.CutPrefix(data, prefixButton)
	if !ok {
		return 0
	}
	_, id, _ := strings.Cut(rest, ":")
	return atoi(id)
}

func loadTicket(tx bot.DeskTx, s *State, n int) error {
	if n == 0 || s.Tickets[n] != nil {
		return nil
	}
	keys, err := tx.Keys(ticketPrefix(n))
	if err != nil || len(keys) == 0 {
		return err
	}
	tk := &Ticket{}
	chat := bot.ChatKey(strings.TrimPrefix(keys[0], ticketPrefix(n)))
	if _, err := tx.GetFor(chat, keys[0], tk); err != nil {
		return fmt.Errorf("load ticket %d: %w", n, err)
	}
	s.Tickets[n] = tk
	return nil
}

// save writes back what changed and carries out the output inside tx:
// replies, transcript, counters, and the users' engines for desk events.
func save(tx bot.DeskTx, staff bot.ChatKey, s *State, out Output, engine func(st bot.State, exists bool, u bot.Update) bot.Result) error {
	for chat := range s.dirtyChats {
		if err := tx.Put(chatKey(chat), s.Chats[chat]); err != nil {
			return fmt.Errorf("save chat record: %w", err)
		}
	}
	for thread, n := range s.newThreads {
		if err := tx.Put(threadKey(thread), n); err != nil {
			return fmt.Errorf("save topic: %w", err)
		}
	}
	for n := range s.dirtyTickets {
		tk := s.Tickets[n]
		if err := tx.PutFor(tk.Chat, ticketKey(n, tk.Chat), tk); err != nil {
			return fmt.Errorf("save ticket %d: %w", n, err)
		}
	}
	if err := tx.Put(keyBoard, s.Board); err != nil {
		return fmt.Errorf("save board: %w", err)
	}
	for _, e := range out.Transcript {
		if err := tx.AppendTranscript(e.Chat, e); err != nil {
			return fmt.Errorf("save transcript: %w", err)
		}
	}
	for _, chat := range out.Purge {
		if err := tx.DeleteTranscript(chat); err != nil {
			return fmt.Errorf("purge transcript: %w", err)
		}
	}
	for _, track := range out.DropTracks {
		if err := tx.DropTracked(staff, track); err != nil {
			return fmt.Errorf("drop pending relays: %w", err)
		}
	}
	if err := tx.Enqueue(out.Replies...); err != nil {
		return fmt.Errorf("queue desk replies: %w", err)
	}
	for name, n := range out.Counts {
		if err := tx.Count(name, n); err != nil {
			return err
		}
	}
	for _, ev := range out.Events {
		u := bot.Update{Chat: ev.Chat, Kind: bot.UpdateDesk, Data: ev.Data, Time: tx.Now()}
		if _, err := tx.UpdateChat(ev.Chat, func(st bot.State, exists bool) bot.Result {
			return engine(st, exists, u)
		}); err != nil {
			return fmt.Errorf("desk event for chat: %w", err)
		}
	}
	return nil
}
