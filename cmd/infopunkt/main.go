// Command infopunkt runs the Infopunkt helpdesk bot and its tools.
//
// Usage:
//
//	infopunkt [run]                 run the bot (Telegram/Viber when tokens are set; else a local terminal chat)
//	infopunkt chat [--lang L] [--data FILE]   talk to the bot in the terminal
//	infopunkt validate [--json] [DIR]        check a content directory
//	infopunkt backup FILE           write a hot backup of the data file
//
// Configuration comes from INFOPUNKT_* environment variables (see README.md).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	var exit exitError
	switch {
	case errors.As(err, &exit):
		os.Exit(int(exit))
	case err != nil:
		fmt.Fprintln(os.Stderr, "infopunkt:", err)
		os.Exit(1)
	}
}

// exitError ends the process with a status after the command has already
// told the user what went wrong.
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// run dispatches a subcommand. It is the whole program minus signals and
// os.Exit, so tests run it end to end.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := "run"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "run", "serve":
		return runBot(ctx, args, getenv, stdin, stdout, stderr)
	case "chat":
		return runChat(ctx, args, getenv, stdin, stdout, stderr)
	case "validate":
		return runValidate(args, getenv, stdout, stderr)
	case "backup":
		return runBackup(ctx, args, getenv, stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

const usage = `usage:
  infopunkt [run]                            run the bot; with no tokens set, a local terminal chat
  infopunkt chat [--lang uk|pl|ru|en] [--data FILE]
                                             talk to the bot in the terminal
  infopunkt validate [--json] [DIR]          check content (default: the embedded content)
  infopunkt backup FILE                      hot backup of the data file (INFOPUNKT_DATA)
`
