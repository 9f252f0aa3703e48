package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
)

// command describes a subcommand for its usage text and flag parsing.
type command struct {
	name     string
	synopsis string // arguments after the name
	doc      string // what it does, one paragraph
	minArgs  int
	maxArgs  int
	// define adds the command's flags to fl; values are read back through
	// the pointers it returns to its caller, so it is nil for commands
	// without flags here (their callers define flags themselves).
	define func(fl *flag.FlagSet)
}

func (c command) flags() *flag.FlagSet {
	fl := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fl.SetOutput(io.Discard)
	if c.define != nil {
		c.define(fl)
	}
	return fl
}

var (
	cmdRun    = command{name: "run", synopsis: "", doc: "Run the bot: Telegram and/or Viber when their tokens are set, otherwise a chat in this terminal. Stops cleanly on SIGINT or SIGTERM."}
	cmdBackup = command{name: "backup", synopsis: "FILE", minArgs: 1, maxArgs: 1,
		doc: "Write a compacted backup of the data file (INFOPUNKT_DATA) to FILE. When a running bot holds the file, the backup comes from its admin listener (INFOPUNKT_ADMIN_LISTEN, with INFOPUNKT_ADMIN_TOKEN) after checking that the bot serves this very file. Backups never hold the keys that open users' typed texts."}
	cmdRestore = command{name: "restore", synopsis: "FILE", minArgs: 1, maxArgs: 1,
		doc: "Replace the data file (INFOPUNKT_DATA) with the backup FILE after verifying it. Refuses while a bot holds the data file. The replaced file is kept as INFOPUNKT_DATA.replaced until you delete it."}
	cmdCompact = command{name: "compact", synopsis: "", doc: "Rewrite the data file with its live records only, so bytes of erased records left in free pages are gone. Works offline, or through the running bot's admin listener."}
	cmdVersion = command{name: "version", synopsis: "", doc: "Print the module version, the VCS revision and the Go version."}
	cmdChat    = command{name: "chat", synopsis: "", doc: "Talk to the bot in the terminal with the real engine and store, no tokens and no network. Press Ctrl-D (end of input) or Ctrl-C to leave; /forget deletes your data.", define: func(fl *flag.FlagSet) {
		fl.String("lang", "", "language: uk, pl, ru or en (default: from LANG, else ask)")
		fl.String("data", "", "data file (default INFOPUNKT_DATA or ./data/infopunkt.db)")
	}}
	cmdValidate = command{name: "validate", synopsis: "[DIR]", maxArgs: 1, doc: "Check a content directory (default: the content built into the binary). Exit 1 with every problem as file:line:col.", define: func(fl *flag.FlagSet) {
		fl.Bool("json", false, "print a machine-readable summary on stdout")
	}}
)

// commands is every subcommand by name, for help.
var commands = map[string]command{
	"run": cmdRun, "chat": cmdChat, "validate": cmdValidate, "backup": cmdBackup,
	"restore": cmdRestore, "compact": cmdCompact, "version": cmdVersion,
}

func printCommandUsage(w io.Writer, c command, fl *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: infopunkt %s", c.name)
	hasFlags := false
	fl.VisitAll(func(*flag.Flag) { hasFlags = true })
	if hasFlags {
		fmt.Fprint(w, " [flags]")
	}
	if c.synopsis != "" {
		fmt.Fprint(w, " "+c.synopsis)
	}
	fmt.Fprintf(w, "\n\n%s\n", c.doc)
	if hasFlags {
		fmt.Fprintln(w, "\nFlags:")
		fl.SetOutput(w)
		fl.PrintDefaults()
		fl.SetOutput(io.Discard)
	}
}

// parseCommand parses args with c's flags on fl (from c.flags() plus any
// the caller defined). -h prints usage on stdout (done, nil); a bad flag
// or argument count prints the problem and usage on stderr (exit 2).
func parseCommand(c command, fl *flag.FlagSet, args []string, stdout, stderr io.Writer) (done bool, err error) {
	err = fl.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		printCommandUsage(stdout, c, fl)
		return true, nil
	case err != nil:
		fmt.Fprintf(stderr, "infopunkt %s: %v\n\n", c.name, err)
	case fl.NArg() < c.minArgs || fl.NArg() > c.maxArgs:
		fmt.Fprintf(stderr, "infopunkt %s: want %s, got %s\n\n", c.name, argWant(c), argList(fl.Args()))
	default:
		return false, nil
	}
	printCommandUsage(stderr, c, fl)
	return true, exitError(2)
}

// parseFlags is parseCommand for commands whose flag set is c's own.
func parseFlags(c command, args []string, stdout, stderr io.Writer) (bool, error) {
	return parseCommand(c, c.flags(), args, stdout, stderr)
}

func argWant(c command) string {
	switch {
	case c.maxArgs == 0:
		return "no arguments"
	case c.minArgs == c.maxArgs:
		return c.synopsis
	}
	return "at most " + c.synopsis
}

func argList(args []string) string {
	if len(args) == 0 {
		return "none"
	}
	return fmt.Sprintf("%q", strings.Join(args, " "))
}

func runVersion(args []string, stdout, stderr io.Writer) error {
	if done, err := parseFlags(cmdVersion, args, stdout, stderr); done || err != nil {
		return err
	}
	fmt.Fprintln(stdout, versionString())
	return nil
}

// versionString is "infopunkt VERSION (revision REV[, modified]) GOVERSION"
// from the build information the Go toolchain embeds.
func versionString() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "infopunkt (no build information)"
	}
	version := info.Main.Version
	if version == "" {
		version = "(devel)"
	}
	var rev, modified, at string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = ", modified"
			}
		case "vcs.time":
			at = ", " + s.Value
		}
	}
	if rev == "" {
		rev = "unknown"
	}
	return fmt.Sprintf("infopunkt %s (revision %s%s%s) %s", version, rev, at, modified, info.GoVersion)
}

// flagString returns a pointer to the value of a string flag defined by a
// command's define.
func flagString(fl *flag.FlagSet, name string) *string {
	v := fl.Lookup(name).Value.(flag.Getter).Get().(string)
	return &v
}
