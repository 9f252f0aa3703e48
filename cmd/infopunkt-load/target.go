package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// target is a bot to start: a command honouring the INFOPUNKT_* contract.
type target struct {
	name string
	argv []string
	dir  string
	walk []step
	// dataIsDir: INFOPUNKT_DATA names a directory (the peer's sessions)
	// rather than infopunkt's data file.
	dataIsDir bool
	env       []string // extra environment
	infopunkt bool     // the data file is infopunkt's (it can be seeded)
}

// prepareTargets builds or locates the bot and, with -peer, installs the
// peer's copy.
func prepareTargets(ctx context.Context, cfg config, work string, log io.Writer) ([]target, error) {
	var main target
	switch {
	case cfg.cmd != "":
		main = target{name: filepath.Base(strings.Fields(cfg.cmd)[0]), argv: strings.Fields(cfg.cmd), walk: cfg.walk}
	default:
		bin := cfg.bot
		if bin == "" {
			bin = filepath.Join(work, "infopunkt")
			fmt.Fprintln(log, "building infopunkt …")
			if err := runCmd(ctx, "", log, "go", "build", "-o", bin, "github.com/infopunkt/infopunkt/cmd/infopunkt"); err != nil {
				return nil, fmt.Errorf("build infopunkt: %w", err)
			}
		}
		main = target{name: "infopunkt", argv: []string{bin, "run"}, walk: cfg.walk, infopunkt: true,
			env: []string{"INFOPUNKT_LOG_LEVEL=warn"}}
	}
	main.env = append(main.env, cfg.env...)
	targets := []target{main}
	if cfg.peer != "" {
		p, err := preparePeer(ctx, cfg.peer, work, log)
		if err != nil {
			return nil, err
		}
		p.walk = cfg.peerWalk
		targets = append(targets, p)
	}
	return targets, nil
}

// preparePeer copies the grammY peer and installs its pinned modules (or
// reuses node_modules already in dir).
func preparePeer(ctx context.Context, dir, work string, log io.Writer) (target, error) {
	dst := filepath.Join(work, "grammy-bot")
	if err := runCmd(ctx, "", log, "cp", "-r", dir, dst); err != nil {
		return target{}, fmt.Errorf("copy peer: %w", err)
	}
	if err := os.Chmod(dst, 0o755); err != nil {
		return target{}, err
	}
	if _, err := os.Stat(filepath.Join(dst, "node_modules")); err != nil {
		fmt.Fprintln(log, "installing the peer's modules (npm ci) …")
		if err := runCmd(ctx, dst, log, "npm", "ci", "--no-audit", "--no-fund"); err != nil {
			return target{}, fmt.Errorf("npm ci: %w", err)
		}
	}
	return target{name: "grammy-peer", argv: []string{"node", "bot.js"}, dir: dst, dataIsDir: true}, nil
}

func runCmd(ctx context.Context, dir string, log io.Writer, name string, args ...string) error {
	c := exec.CommandContext(ctx, name, args...)
	c.Dir, c.Stdout, c.Stderr = dir, log, log
	return c.Run()
}

// proc is a started bot process.
type proc struct {
	cmd  *exec.Cmd
	done chan error
	log  string
}

// start runs tg with the contract environment.
func start(tg target, env []string, logPath string) (*proc, error) {
	f, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	c := exec.Command(tg.argv[0], tg.argv[1:]...)
	c.Dir = tg.dir
	c.Stdout, c.Stderr = f, f
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "INFOPUNKT_") {
			c.Env = append(c.Env, kv)
		}
	}
	c.Env = append(c.Env, env...)
	c.Env = append(c.Env, tg.env...)
	if err := c.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s: %w", tg.argv[0], err)
	}
	p := &proc{cmd: c, done: make(chan error, 1), log: logPath}
	go func() {
		err := c.Wait()
		f.Close()
		p.done <- err
	}()
	return p, nil
}

// exited reports whether the process has ended, and how.
func (p *proc) exited() (bool, error) {
	select {
	case err := <-p.done:
		p.done <- err
		return true, err
	default:
		return false, nil
	}
}

// stop sends SIGTERM and waits up to grace before killing.
func (p *proc) stop(grace time.Duration) error {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		p.done <- err
		return err
	case <-time.After(grace):
		_ = p.cmd.Process.Kill()
		return errors.Join(errors.New("did not stop on SIGTERM; killed"), <-p.done)
	}
}

// tail returns the end of the process's log, for error messages.
func (p *proc) tail() string {
	b, _ := os.ReadFile(p.log)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat times; 100 on every
// Linux architecture Go supports.
const clockTicks = 100

// cpuTime returns the process's user+system CPU time.
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// Fields after the command name in parentheses: state is field 3,
	// utime 14 and stime 15.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, errors.New("unreadable /proc stat")
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, errors.New("short /proc stat")
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return time.Duration(ut+st) * time.Second / clockTicks, nil
}

// peakRSS returns VmHWM in bytes.
func peakRSS(pid int) (int64, error) { return procStatus(pid, "VmHWM:") }

// currentRSS returns VmRSS in bytes.
func currentRSS(pid int) (int64, error) { return procStatus(pid, "VmRSS:") }

// procStatus reads a "<field> N kB" line of /proc/<pid>/status, in bytes.
func procStatus(pid int, field string) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no %s in /proc status", field)
}

// freeAddr returns a loopback address whose port was free a moment ago.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
