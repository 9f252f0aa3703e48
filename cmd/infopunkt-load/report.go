package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// report is what one run measured.
type report struct {
	name string
	cfg  config
	walk []step

	lat       []time.Duration // update→reply of the walking users
	updates   int64           // walking users' updates sent
	floodSent int64
	elapsed   time.Duration
	cpu       time.Duration // bot CPU during the load
	selfCPU   time.Duration // the load generator's own CPU (fake Bot API included)
	rss       int64         // bot peak RSS (VmHWM), bytes
	startup   time.Duration // from exec to ready (webhook set and listening, or polling)
	startRSS  int64         // RSS once ready, bytes

	webhookErrs, sendErrs, timeouts, walkErrs, behind, overflow, floodReplies int64
	presses                                                                   map[string]int
	stopErr                                                                   string
}

// rate is updates per second, flood included.
func (r *report) rate() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.updates+r.floodSent) / r.elapsed.Seconds()
}

// cpuPerUpdate is the bot's CPU time per update, flood included.
func (r *report) cpuPerUpdate() time.Duration { return perUpdate(r.cpu, r.updates+r.floodSent) }

// perUpdate divides a CPU time by n updates (0 when there were none).
func perUpdate(cpu time.Duration, n int64) time.Duration {
	if n == 0 {
		return 0
	}
	return cpu / time.Duration(n)
}

// errors is every counted failure.
func (r *report) errors() int64 {
	return r.webhookErrs + r.sendErrs + r.timeouts + r.walkErrs
}

// percentile returns the p-th per-mille latency (p = 500 is the median).
func (r *report) percentile(perMille int) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	if !slices.IsSorted(r.lat) {
		slices.Sort(r.lat)
	}
	i := (len(r.lat)*perMille + 999) / 1000
	return r.lat[min(max(i-1, 0), len(r.lat)-1)]
}

func (r *report) shape() string {
	mode := "telegram polling"
	if r.cfg.webhook {
		mode = fmt.Sprintf("telegram webhook, %d connections", r.cfg.conns)
	}
	if r.cfg.viber {
		mode = fmt.Sprintf("viber webhook, %d connections", r.cfg.conns)
	}
	steps := make([]string, len(r.walk))
	for i, s := range r.walk {
		steps[i] = s.String()
	}
	walk := strings.Join(steps, "; ")
	switch {
	case r.cfg.rate > 0:
		return fmt.Sprintf("%s, open loop %.0f/s for %v over %d users, walk %q", mode, r.cfg.rate, r.cfg.duration, r.cfg.users, walk)
	case r.cfg.flood > 0:
		return fmt.Sprintf("%s, closed loop %d users repeating %q while one chat floods %d messages", mode, r.cfg.users, walk, r.cfg.flood)
	case r.cfg.duration > 0:
		return fmt.Sprintf("%s, closed loop %d users repeating %q for %v", mode, r.cfg.users, walk, r.cfg.duration)
	}
	return fmt.Sprintf("%s, closed loop %d users × %q", mode, r.cfg.users, walk)
}

func (r *report) print(w io.Writer) {
	fmt.Fprintf(w, "== %s (%s)\n", r.name, r.shape())
	fmt.Fprintf(w, "  updates     %d in %.2fs = %.0f updates/s", r.updates+r.floodSent, r.elapsed.Seconds(), r.rate())
	if r.floodSent > 0 {
		fmt.Fprintf(w, " (%d of them flood; %d flood replies seen)", r.floodSent, r.floodReplies)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  latency     p50 %v  p90 %v  p99 %v  p999 %v  max %v  (%d replies)\n",
		ms(r.percentile(500)), ms(r.percentile(900)), ms(r.percentile(990)), ms(r.percentile(999)), ms(r.percentile(1000)), len(r.lat))
	fmt.Fprintf(w, "  errors      %d (webhook %d, refused sends %d, timeouts %d, walk %d)", r.errors(), r.webhookErrs, r.sendErrs, r.timeouts, r.walkErrs)
	if r.behind > 0 {
		fmt.Fprintf(w, "; %d arrivals found no idle user", r.behind)
	}
	if r.overflow > 0 {
		fmt.Fprintf(w, "; %d replies overflowed", r.overflow)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  bot CPU     %.2fs = %v/update (load generator and fake: %.2fs = %v/update)\n",
		r.cpu.Seconds(), us(r.cpuPerUpdate()), r.selfCPU.Seconds(), us(perUpdate(r.selfCPU, r.updates+r.floodSent)))
	fmt.Fprintf(w, "  bot RSS     peak %.1f MiB (%.1f MiB when ready)\n", float64(r.rss)/(1<<20), float64(r.startRSS)/(1<<20))
	fmt.Fprintf(w, "  startup     %v from exec to ready\n", ms(r.startup))
	if r.stopErr != "" {
		fmt.Fprintf(w, "  stop        %s\n", r.stopErr)
	}
}

func printRatio(w io.Writer, a, b *report) {
	fmt.Fprintf(w, "== %s vs %s\n", a.name, b.name)
	if b.rate() > 0 {
		fmt.Fprintf(w, "  updates/s   %.2f×\n", a.rate()/b.rate())
	}
	if b.cpuPerUpdate() > 0 {
		fmt.Fprintf(w, "  CPU/update  %.3f× (%v vs %v)\n", float64(a.cpuPerUpdate())/float64(b.cpuPerUpdate()), us(a.cpuPerUpdate()), us(b.cpuPerUpdate()))
	}
	fmt.Fprintf(w, "  p50         %v vs %v; p99 %v vs %v\n", ms(a.percentile(500)), ms(b.percentile(500)), ms(a.percentile(990)), ms(b.percentile(990)))
	fmt.Fprintf(w, "  peak RSS    %.1f vs %.1f MiB\n", float64(a.rss)/(1<<20), float64(b.rss)/(1<<20))
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond)) }
func us(d time.Duration) string { return fmt.Sprintf("%.0fµs", float64(d)/float64(time.Microsecond)) }
