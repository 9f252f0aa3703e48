// Command infopunkt runs the Infopunkt helpdesk bot and its tools.
//
// Usage:
//
//	infopunkt [run]             run the bot (Telegram/Viber when tokens are set; else a terminal chat)
//	infopunkt chat [flags]      talk to the bot in the terminal
//	infopunkt validate [DIR]    check a content directory
//	infopunkt backup FILE       write a backup of the data file
//	infopunkt restore FILE      replace the data file with a backup (bot stopped)
//	infopunkt compact           rewrite the data file without freed pages
//	infopunkt version           print the version
//	infopunkt help [COMMAND]    print help
//
// Configuration comes from INFOPUNKT_* environment variables (see
// docs/operations.md). Exit status: 0 success, 1 failure, 2 bad usage.
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
	tuneGC(os.Getenv)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], environ, os.Stdin, os.Stdout, os.Stderr)
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

// environ is os.Getenv, except that an INFOPUNKT_ADMIN_LISTEN set to the
// empty string reads as "off": the documented way to turn it off.
func environ(name string) string {
	v, set := os.LookupEnv(name)
	if name == "INFOPUNKT_ADMIN_LISTEN" && set && v == "" {
		return adminOff
	}
	return v
}

// exitError ends the process with a status after the command has already
// told the user what went wrong.
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// run dispatches a subcommand. It is the whole program minus signals and
// os.Exit, so tests run it end to end.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	name := "run"
	if len(args) > 0 {
		switch a := args[0]; {
		case a == "-h" || a == "-help" || a == "--help":
			fmt.Fprint(stdout, usage)
			return nil
		case a == "-version" || a == "--version":
			name, args = "version", args[1:]
		case a != "" && a[0] != '-':
			name, args = a, args[1:]
		}
	}
	switch name {
	case "run", "serve":
		return runBot(ctx, args, getenv, stdin, stdout, stderr)
	case "chat":
		return runChat(ctx, args, getenv, stdin, stdout, stderr)
	case "validate":
		return runValidate(args, getenv, stdout, stderr)
	case "backup":
		return runBackup(ctx, args, getenv, stdout, stderr)
	case "restore":
		return runRestore(ctx, args, getenv, stdout, stderr)
	case "compact":
		return runCompact(ctx, args, getenv, stdout, stderr)
	case "events":
		return runEvents(ctx, args, getenv, stdout, stderr)
	case "version":
		return runVersion(args, stdout, stderr)
	case "help":
		return runHelp(args, stdout, stderr)
	}
	fmt.Fprintf(stderr, "infopunkt: unknown command %q\n\n%s", name, usage)
	return exitError(2)
}

const usage = `Infopunkt: the information point's helpdesk bot for Telegram and Viber.

Usage:
  infopunkt [run]                 run the bot; with no tokens set, a chat in this terminal
  infopunkt chat [flags]          talk to the bot in the terminal (no tokens, no network)
  infopunkt validate [flags] [DIR]
                                  check content (default: the embedded content)
  infopunkt backup FILE           write a backup of the data file (INFOPUNKT_DATA)
  infopunkt restore FILE          replace the data file with a backup (the bot must be stopped)
  infopunkt compact               rewrite the data file so erased bytes are gone
  infopunkt events [--days N] [--json] [--examples]
                                  upcoming events, their reminder slots and subscribers
  infopunkt version               print the version and VCS revision
  infopunkt help [COMMAND]        print help for a command

Settings come from INFOPUNKT_* environment variables and the optional file
named by INFOPUNKT_CONFIG; see docs/operations.md. Run "infopunkt help
COMMAND" or "infopunkt COMMAND -h" for a command's flags.
Exit status: 0 success, 1 failure, 2 bad usage.
`

func runHelp(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stdout, usage)
		return nil
	}
	if len(args) > 1 {
		fmt.Fprintf(stderr, "infopunkt help: want at most one command\n\n%s", usage)
		return exitError(2)
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "infopunkt help: unknown command %q\n\n%s", args[0], usage)
		return exitError(2)
	}
	fl := c.flags()
	printCommandUsage(stdout, c, fl)
	return nil
}
