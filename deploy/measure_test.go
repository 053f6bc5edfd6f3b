package deploy_test

import (
	"bufio"
	"fmt"
	"maps"
	"net"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// monitor counts the commands Redis executes, from its MONITOR stream: the
// test's measure of round trips per request.
type monitor struct {
	conn net.Conn
	mu   sync.Mutex
	cmds [][]string // each command's words, lowercased name first
	done chan struct{}
}

func startMonitor(t testing.TB, addr string) *monitor {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	_, err = conn.Write([]byte("MONITOR\r\n"))
	require.NoError(t, err)
	m := &monitor{conn: conn, done: make(chan struct{})}
	r := bufio.NewReader(conn)
	line, err := r.ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "+OK\r\n", line)
	go func() {
		defer close(m.done)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			// 1733.123 [0 127.0.0.1:5555] "get" "k"; commands a script runs show
			// [0 lua]: they are part of the script's round trip, not their own.
			if src := monitorSource.FindStringSubmatch(line); src == nil || src[1] == "lua" {
				continue
			}
			words := monitorWord.FindAllStringSubmatch(line, -1)
			if len(words) == 0 {
				continue
			}
			cmd := make([]string, len(words))
			for i, w := range words {
				cmd[i] = w[1]
			}
			cmd[0] = strings.ToLower(cmd[0])
			m.mu.Lock()
			m.cmds = append(m.cmds, cmd)
			m.mu.Unlock()
		}
	}()
	t.Cleanup(m.stop)
	return m
}

var (
	monitorWord   = regexp.MustCompile(`"((?:[^"\\]|\\.)*)"`)
	monitorSource = regexp.MustCompile(`^\+[0-9.]+ \[\d+ ([^\]]+)\]`)
)

func (m *monitor) stop() {
	_ = m.conn.Close()
	<-m.done
}

// mark returns a position in the stream, for since.
func (m *monitor) mark() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.cmds)
}

// since returns the commands after mark that requests made — not the
// instances' background ones: PING (/ready, harbor_gateway_redis_up),
// connection setup, and the budget reads of each /metrics scrape.
func (m *monitor) since(mark int) [][]string {
	time.Sleep(150 * time.Millisecond) // background writes and unlocks land, MONITOR catches up
	m.mu.Lock()
	defer m.mu.Unlock()
	var out [][]string
	for _, c := range m.cmds[mark:] {
		switch c[0] {
		case "ping", "hello", "client", "select", "auth", "info":
			continue
		case "evalsha", "eval":
			if len(c) >= 4 {
				keys, _ := strconv.Atoi(c[2])
				if keys == 1 && strings.HasPrefix(c[3], "harbor:limits:") && len(c)-4 == 1 {
					continue // spentScript: a scrape's harbor_gateway_key_budget_spent_ratio
				}
			}
		}
		out = append(out, c)
	}
	return out
}

// describe summarises commands as "get 1, set 2".
func describe(cmds [][]string) string {
	counts := map[string]int{}
	for _, c := range cmds {
		name := c[0]
		if name == "set" && slices.ContainsFunc(c, func(w string) bool { return strings.EqualFold(w, "nx") }) {
			name = "set nx"
		}
		if (name == "evalsha" || name == "eval") && len(c) >= 4 {
			switch {
			case strings.HasPrefix(c[3], "harbor:lock:") && len(c)-4 == 1:
				name += " (unlock)"
			case strings.HasPrefix(c[3], "harbor:lock:"):
				name += " (refresh)"
			case strings.HasPrefix(c[3], "harbor:limits:") && len(c)-4 == 4:
				name += " (admit)"
			case strings.HasPrefix(c[3], "harbor:limits:") && len(c)-4 == 5:
				name += " (charge)"
			}
		}
		counts[name]++
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(counts)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, counts[k]))
	}
	return strings.Join(parts, ", ")
}

// percentile returns the p-th percentile (0..1) of ds.
func percentile(ds []time.Duration, p float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

// latencies makes n sequential calls and returns their latencies; every call
// must succeed.
func (f *fleet) latencies(t *testing.T, n int, call func(i int) answer) []time.Duration {
	t.Helper()
	out := make([]time.Duration, 0, n)
	for i := range n {
		a := call(i)
		require.Equal(t, 200, a.code, "%s", a.body)
		out = append(out, a.latency)
	}
	return out
}

// throughput runs call from c goroutines for d and returns the calls per
// second that succeeded, and how many failed.
func throughput(c int, d time.Duration, call func(worker, i int) answer) (float64, int64) {
	var ok, failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	stop := start.Add(d)
	for w := range c {
		wg.Go(func() {
			for i := 0; time.Now().Before(stop); i++ {
				if call(w, i).code == 200 {
					ok.Add(1)
				} else {
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	return float64(ok.Load()) / time.Since(start).Seconds(), failed.Load()
}

func ms(d time.Duration) string { return fmt.Sprintf("%.3f ms", float64(d)/float64(time.Millisecond)) }

// measure prints the fleet's figures: requests/s through the balancer, the
// latency it adds, Redis round trips per request, and what the fleet-wide
// rate limit costs. Loopback, two shared CPUs: every process of the fleet, the
// mock vendor and the test compete for them, so the figures compare paths
// with each other rather than promise a capacity.
func (f *fleet) measure(t *testing.T) {
	a, b := f.instances[0], f.instances[1]
	app, team := fleetKeys["app"], fleetKeys["team"]
	mon := startMonitor(t, f.redis.Addr())
	var report strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&report, format+"\n", args...) }
	defer func() {
		t.Logf("the fleet's figures (loopback, %d harbor serve, HAProxy, Redis, Prometheus and the vendor mock on this machine's %d CPUs):\n%s",
			len(f.instances), runtime.NumCPU(), report.String())
	}()

	// Round trips per request, by kind, on one instance (A) and then another (B).
	const n = 20
	rt := func(what string, call func(i int) answer) {
		mark := mon.mark()
		f.latencies(t, n, call)
		cmds := mon.since(mark)
		line("  %-62s %5.2f  (%s)", what, float64(len(cmds))/n, describe(cmds))
	}
	prompts := make([]string, n)
	for i := range prompts {
		prompts[i] = prompt("round trips")
	}
	line("Redis round trips per request (MONITOR; %d requests each):", n)
	rt("miss (no key limits): read, lock, write, unlock", func(i int) answer { return f.chat(a.url, app, prompts[i]) })
	rt("hit in the instance's own memory", func(i int) answer { return f.chat(a.url, app, prompts[i]) })
	rt("shared hit (another instance's answer)", func(i int) answer { return f.chat(b.url, app, prompts[i]) })
	rt("hit, key with rpm/tpm/budget: the rate-limit check", func(i int) answer { return f.chat(a.url, team, prompts[i]) })
	teamPrompts := make([]string, n)
	for i := range teamPrompts {
		teamPrompts[i] = prompt("team miss")
	}
	rt("miss, key with rpm/tpm/budget: check, cache, charge", func(i int) answer { return f.chat(a.url, team, teamPrompts[i]) })

	// Latency at concurrency 1: one instance directly, the same through HAProxy;
	// hits, so that the vendor mock's time does not blur the difference.
	const seq = 300
	hot := prompt("latency")
	require.Equal(t, 200, f.chat(a.url, app, hot).code)
	for _, in := range f.instances {
		if !in.p.exited() {
			require.Equal(t, 200, f.chat(in.url, app, hot).code) // a hit in every instance's memory
		}
	}
	direct := f.latencies(t, seq, func(int) answer { return f.chat(a.url, app, hot) })
	through := f.latencies(t, seq, func(int) answer { return f.chat(f.lbURL, app, hot) })
	limited := f.latencies(t, seq, func(int) answer { return f.chat(a.url, team, hot) })
	line("Latency at concurrency 1 (%d cache hits each, p50 / p99):", seq)
	line("  one instance directly                     %s / %s", ms(percentile(direct, .5)), ms(percentile(direct, .99)))
	line("  through HAProxy                           %s / %s   added p50: %s", ms(percentile(through, .5)), ms(percentile(through, .99)),
		ms(percentile(through, .5)-percentile(direct, .5)))
	line("  one instance, key with fleet-wide limits  %s / %s   the rate limit's cost p50: %s (one Redis round trip)",
		ms(percentile(limited, .5)), ms(percentile(limited, .99)), ms(percentile(limited, .5)-percentile(direct, .5)))

	// Requests/s, closed loop at concurrency 16 for 2s each.
	const conc, dur = 16, 2 * time.Second
	line("Requests/s, closed loop, %d concurrent callers, %v each:", conc, dur)
	var seqNo atomic.Int64
	miss := func(base, key string) func(int, int) answer {
		return func(int, int) answer {
			return f.chat(base, key, fmt.Sprintf("rps %d %d", seqNo.Add(1), time.Now().UnixNano()))
		}
	}
	hit := func(base, key string) func(int, int) answer {
		return func(int, int) answer { return f.chat(base, key, hot) }
	}
	for _, r := range []struct {
		what string
		call func(int, int) answer
	}{
		{"misses through HAProxy (vendor mock, Redis read/lock/write/unlock)", miss(f.lbURL, app)},
		{"misses on one instance directly", miss(a.url, app)},
		{"hits through HAProxy", hit(f.lbURL, app)},
		{"hits on one instance directly", hit(a.url, app)},
		{"hits through HAProxy, key with fleet-wide limits", hit(f.lbURL, team)},
	} {
		rps, failed := throughput(conc, dur, r.call)
		line("  %-70s %7.0f/s  (%d failed)", r.what, rps, failed)
		require.Zero(t, failed, r.what)
	}
}
