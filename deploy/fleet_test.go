package deploy_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/conformance/harbortest"
	"github.com/harborai/harbor-go/gateway"
	"github.com/harborai/harbor-go/internal/redistest"
)

// fleet is the whole deployment of deploy/ running on 127.0.0.1: a
// redis-server, the DeepSeek mock as the vendor, three `harbor serve` from
// fleet.yaml, HAProxy from haproxy.cfg and Prometheus from prometheus.yml and
// alerts.yml, each templated only for its ports (and the test's keys).
type fleet struct {
	t      *testing.T
	dir    string
	redis  *redistest.Server
	rdb    *goredis.Client // the test's own look at Redis
	vendor *harbortest.Mock
	bin    string
	env    []string

	instances []*instance
	lb        *proc
	lbURL     string
	lbStats   string // HAProxy's stats (CSV at /stats;csv)
	prom      *proc
	promURL   string
	client    *http.Client
}

// instance is one `harbor serve` process.
type instance struct {
	name string
	url  string
	port int
	p    *proc
}

// startFleet starts everything and waits until a call through the balancer
// succeeds and Prometheus scrapes the three instances.
func startFleet(t *testing.T) *fleet {
	hap, promBin := haproxy(t), prometheus(t)
	f := &fleet{t: t, dir: t.TempDir(), bin: harborBinary(t)}
	tr := &http.Transport{MaxIdleConnsPerHost: 128, MaxConnsPerHost: 256}
	f.client = &http.Client{Transport: tr, Timeout: 30 * time.Second}
	t.Cleanup(tr.CloseIdleConnections)

	f.redis = redistest.Start(t)
	opt, err := goredis.ParseURL(f.redis.URL())
	require.NoError(t, err)
	opt.MaxRetries = -1
	f.rdb = goredis.NewClient(opt)
	t.Cleanup(func() { _ = f.rdb.Close() })

	f.vendor = harbortest.Start(t, harbortest.DeepSeek, harbortest.WithoutSpecCheck())
	f.env = []string{
		"REDIS_URL=" + f.redis.URL(),
		"DEEPSEEK_API_KEY=" + f.vendor.APIKey(),
		"DEEPSEEK_BASE_URL=" + f.vendor.BaseURL(),
	}

	// fleet.yaml, with the test's keys in place of the placeholders.
	cfg := readDeploy(t, "fleet.yaml")
	for id, placeholder := range map[string]string{
		"app":   strings.Repeat("0", 64),
		"batch": strings.Repeat("1", 64),
		"ops":   strings.Repeat("2", 64),
		"team":  strings.Repeat("3", 64),
	} {
		cfg = substitute(t, cfg, "sha256: "+placeholder, "sha256: "+gateway.HashKey(fleetKeys[id]), 1)
	}
	// Redis's timeouts: 250ms rather than 50ms, for a test machine that may be loaded (-race, other work on two
	// CPUs), where a 50ms round trip now and then would turn a shared hit into a miss or let a call take its own
	// lock. (rediscache's own socket read timeout, 100ms, still caps each command.) The hung-Redis step checks
	// calls against this bound.
	cfg = substitute(t, cfg, "  shared_timeout: 50ms\n", fmt.Sprintf("  shared_timeout: %v\n", testRedisTimeout), 1)
	cfg = substitute(t, cfg, "  timeout: 50ms\n", fmt.Sprintf("  timeout: %v\n", testRedisTimeout), 1)
	// The test stops its instances at the end with SIGTERM: no balancer needs the 5s there.
	cfg = substitute(t, cfg, "  shutdown_delay: 5s\n", "  shutdown_delay: 100ms\n", 1)
	cfgPath := writeFile(t, f.dir, "fleet.yaml", cfg)

	ports := []int{freePort(t), freePort(t), freePort(t)}
	for i, port := range ports {
		f.instances = append(f.instances, &instance{name: fmt.Sprintf("harbor%d", i+1), port: port, url: "http://" + addr(port)})
	}
	for _, in := range f.instances {
		f.startInstance(in, cfgPath)
	}
	// Ready before HAProxy's first health checks, which would otherwise take a slow starter out for rise × inter.
	for _, in := range f.instances {
		waitHTTP(t, f.client, in.p, in.url+"/ready", http.StatusOK, 30*time.Second)
	}

	// haproxy.cfg: the callers' port, the instances', the stats port.
	lbPort, statsPort := freePort(t), freePort(t)
	hc := readDeploy(t, "haproxy.cfg")
	hc = substitute(t, hc, "    bind :8080\n", "    bind "+addr(lbPort)+"\n", 1)
	hc = substitute(t, hc, "    bind 127.0.0.1:8404\n", "    bind "+addr(statsPort)+"\n", 1)
	for i, in := range f.instances {
		hc = substitute(t, hc, fmt.Sprintf(" 127.0.0.1:%d\n", 8081+i), " "+addr(in.port)+"\n", 1)
	}
	if lim := fdHardLimit(); lim > 0 && lim < 2*10000+100 {
		// A machine whose file limit is below what maxconn needs (HAProxy would refuse to start).
		hc = substitute(t, hc, "    maxconn 10000\n", fmt.Sprintf("    maxconn %d\n", (lim-100)/2), 1)
	}
	hcPath := writeFile(t, f.dir, "haproxy.cfg", hc)
	f.lb = startProc(t, "haproxy", nil, hap, "-db", "-f", hcPath)
	f.lbURL, f.lbStats = "http://"+addr(lbPort), "http://"+addr(statsPort)

	// prometheus.yml: scrape every second, the instances' and HAProxy's ports,
	// an Alertmanager port nothing listens on; alerts.yml beside it.
	promPort := freePort(t)
	pc := readDeploy(t, "prometheus.yml")
	pc = substitute(t, pc, "  scrape_interval: 15s\n", "  scrape_interval: 1s\n", 1)
	pc = substitute(t, pc, "  evaluation_interval: 15s\n", "  evaluation_interval: 1s\n", 1)
	pc = substitute(t, pc, "    scrape_timeout: 5s\n", "    scrape_timeout: 1s\n", 1)
	pc = substitute(t, pc, `"127.0.0.1:9093"`, strconv.Quote(addr(freePort(t))), 1)
	pc = substitute(t, pc, `"127.0.0.1:8404"`, strconv.Quote(addr(statsPort)), 1)
	for i, in := range f.instances {
		pc = substitute(t, pc, fmt.Sprintf(`"127.0.0.1:%d"`, 8081+i), strconv.Quote(addr(in.port)), 1)
	}
	promPath := writeFile(t, f.dir, "prometheus.yml", pc)
	writeFile(t, f.dir, "alerts.yml", readDeploy(t, "alerts.yml"))
	f.prom = startProc(t, "prometheus", nil, promBin,
		"--config.file="+promPath,
		"--storage.tsdb.path="+filepath.Join(f.dir, "prometheus-data"),
		"--web.listen-address="+addr(promPort),
		"--log.level=warn")
	f.promURL = "http://" + addr(promPort)

	waitHTTP(t, f.client, f.lb, f.lbURL+"/health", http.StatusOK, 30*time.Second)
	for _, in := range f.instances {
		require.Eventually(t, func() bool { return f.serverStatus(in.name) == "UP" }, 30*time.Second, 50*time.Millisecond,
			"HAProxy does not see %s up (%s)", in.name, f.serverStatus(in.name))
	}
	waitHTTP(t, f.client, f.prom, f.promURL+"/-/ready", http.StatusOK, 60*time.Second)
	return f
}

func (f *fleet) startInstance(in *instance, cfgPath string) {
	in.p = startProc(f.t, in.name, f.env, f.bin, "serve", "--config", cfgPath, "--listen", addr(in.port))
}

// testRedisTimeout replaces fleet.yaml's 50ms Redis timeouts in the test.
const testRedisTimeout = 250 * time.Millisecond

// answer is what a call through the fleet returned.
type answer struct {
	code    int
	body    string
	cache   string // X-Harbor-Cache
	latency time.Duration
}

// chat asks base (an instance or the balancer) for a chat completion of
// prompt with key.
func (f *fleet) chat(base, key, prompt string) answer {
	f.t.Helper()
	body := fmt.Sprintf(`{"model":"deepseek-v4-flash","messages":[{"role":"user","content":%q}]}`, prompt)
	req, err := http.NewRequest(http.MethodPost, base+"/v1/chat/completions", strings.NewReader(body))
	require.NoError(f.t, err)
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	start := time.Now()
	res, err := f.client.Do(req)
	if err != nil {
		return answer{code: -1, body: err.Error(), latency: time.Since(start)}
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return answer{code: -1, body: err.Error(), latency: time.Since(start)}
	}
	return answer{code: res.StatusCode, body: string(b), cache: res.Header.Get("X-Harbor-Cache"), latency: time.Since(start)}
}

// content is the answer's text.
func (a answer) content(t testing.TB) string {
	t.Helper()
	var c struct {
		Choices []struct {
			Message struct {
				Content string `json:"content"`
			} `json:"message"`
		} `json:"choices"`
	}
	require.NoError(t, json.Unmarshal([]byte(a.body), &c), "%s", a.body)
	require.NotEmpty(t, c.Choices, "%s", a.body)
	return c.Choices[0].Message.Content
}

// upstream is how many chat calls the vendor has received.
func (f *fleet) upstream() int { return len(f.vendor.ChatRequests()) }

// prompt returns a prompt no other call of the test used.
func prompt(what string) string {
	return fmt.Sprintf("%s %016x", what, rand.Uint64())
}

// waitStored waits until Redis holds more cached answers than before and no
// lock of an identical call in flight (the shared tier is written in the
// background, after the answer went out, and the lock released after that).
func (f *fleet) waitStored(before int) {
	f.t.Helper()
	require.Eventually(f.t, func() bool {
		locks, err := f.rdb.Keys(context.Background(), "harbor:lock:*").Result()
		return err == nil && len(locks) == 0 && f.dbSize() > before
	}, 5*time.Second, 5*time.Millisecond, "the answer never reached Redis")
}

// dbSize is the number of answers in the shared tier.
func (f *fleet) dbSize() int {
	keys, err := f.rdb.Keys(context.Background(), "harbor:harbor:*").Result()
	if err != nil {
		return -1
	}
	return len(keys)
}

// promQuery runs an instant query and returns its vector result.
func (f *fleet) promQuery(q string) ([]promSample, error) {
	res, err := f.client.Get(f.promURL + "/api/v1/query?query=" + url.QueryEscape(q))
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	var r struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			ResultType string       `json:"resultType"`
			Result     []promSample `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(res.Body).Decode(&r); err != nil {
		return nil, err
	}
	if r.Status != "success" {
		return nil, fmt.Errorf("query %s: %s", q, r.Error)
	}
	return r.Data.Result, nil
}

type promSample struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"`
}

func (s promSample) float() float64 {
	v, _ := strconv.ParseFloat(fmt.Sprint(s.Value[1]), 64)
	return v
}

// metrics returns an instance's /metrics exposition.
func (f *fleet) metrics(in *instance) string {
	f.t.Helper()
	res, err := f.client.Get(in.url + "/metrics")
	require.NoError(f.t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(f.t, err)
	return string(b)
}

// sumMetric adds up the samples of an exposition whose line starts with
// prefix (a name and the start of its labels).
func sumMetric(exposition, prefix string) float64 {
	var total float64
	for _, line := range strings.Split(exposition, "\n") {
		if !strings.HasPrefix(line, prefix) {
			continue
		}
		fields := strings.Fields(line)
		v, err := strconv.ParseFloat(fields[len(fields)-1], 64)
		if err == nil {
			total += v
		}
	}
	return total
}

// serverStatus is HAProxy's view of an instance ("UP", "DOWN"…), from its
// stats CSV.
func (f *fleet) serverStatus(name string) string {
	res, err := f.client.Get(f.lbStats + "/stats;csv")
	if err != nil {
		return err.Error()
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	lines := strings.Split(string(b), "\n")
	if len(lines) == 0 {
		return "no stats"
	}
	header := strings.Split(strings.TrimPrefix(lines[0], "# "), ",")
	col := -1
	for i, h := range header {
		if h == "status" {
			col = i
		}
	}
	for _, line := range lines[1:] {
		fields := strings.Split(line, ",")
		if len(fields) > col && col >= 0 && fields[0] == "harbor" && fields[1] == name {
			return fields[col]
		}
	}
	return "not listed"
}

// The fleet, for real: the same deploy/ files an operator runs, each piece a
// real process on 127.0.0.1.
func TestFleet(t *testing.T) {
	if testing.Short() {
		t.Skip("the fleet test starts redis-server, three harbor serve, HAProxy and Prometheus (about a minute); -short skips it")
	}
	start := time.Now()
	f := startFleet(t)
	t.Logf("fleet up in %v: redis %s, instances %s %s %s, haproxy %s, prometheus %s", time.Since(start).Round(time.Millisecond),
		f.redis.Addr(), f.instances[0].url, f.instances[1].url, f.instances[2].url, f.lbURL, f.promURL)
	app := fleetKeys["app"]
	a, b, c := f.instances[0], f.instances[1], f.instances[2]

	t.Run("an answer fetched through A is a hit on B (the shared tier)", func(t *testing.T) {
		p, up, keys := prompt("shared"), f.upstream(), f.dbSize()
		first := f.chat(a.url, app, p)
		require.Equal(t, http.StatusOK, first.code, "%s", first.body)
		assert.Equal(t, "miss", first.cache)
		f.waitStored(keys)
		second := f.chat(b.url, app, p)
		require.Equal(t, http.StatusOK, second.code, "%s", second.body)
		assert.Equal(t, "shared_hit", second.cache, "B found A's answer in Redis")
		assert.Equal(t, first.content(t), second.content(t))
		again := f.chat(b.url, app, p)
		assert.Equal(t, "hit", again.cache, "and keeps it in its own tier")
		assert.Equal(t, up+1, f.upstream(), "one vendor call for the three")
	})

	t.Run("calls through the balancer reach every instance", func(t *testing.T) {
		before := make([]float64, 3)
		for i, in := range f.instances {
			before[i] = sumMetric(f.metrics(in), `harbor_gateway_http_requests_total{code="200",error_type="",route="chat"}`)
		}
		for range 30 {
			res := f.chat(f.lbURL, app, prompt("spread"))
			require.Equal(t, http.StatusOK, res.code, "%s", res.body)
		}
		for i, in := range f.instances {
			got := sumMetric(f.metrics(in), `harbor_gateway_http_requests_total{code="200",error_type="",route="chat"}`) - before[i]
			assert.InDelta(t, 10, got, 1, "round-robin: %s answered %v of 30", in.name, got)
		}
	})

	t.Run("a vendor failure is a 502, counted once", func(t *testing.T) {
		// harbor retries twice (fleet.yaml keeps the default); three 500s make one failed call.
		f.vendor.Enqueue(harbortest.ServerError(), harbortest.ServerError(), harbortest.ServerError())
		res := f.chat(f.lbURL, app, prompt("failing"))
		assert.Equal(t, http.StatusBadGateway, res.code, "%s", res.body)
	})

	t.Run("20 identical calls at once, spread over the instances, make one vendor call", func(t *testing.T) {
		p, up := prompt("in flight everywhere"), f.upstream()
		f.vendor.Enqueue(harbortest.Fault{Latency: 500 * time.Millisecond}) // the one call is slow: the others arrive meanwhile
		results := make([]answer, 20)
		var wg sync.WaitGroup
		for i := range results {
			base := f.instances[i%3].url
			if i%2 == 1 {
				base = f.lbURL // and through the balancer
			}
			wg.Go(func() { results[i] = f.chat(base, app, p) })
		}
		wg.Wait()
		caches := map[string]int{}
		for i, r := range results {
			require.Equal(t, http.StatusOK, r.code, "call %d: %s", i, r.body)
			assert.Equal(t, results[0].content(t), r.content(t))
			caches[r.cache]++
		}
		t.Logf("20 identical calls: %v (X-Harbor-Cache: count)", caches)
		assert.Equal(t, up+1, f.upstream(), "one vendor call for the fleet")
		assert.Equal(t, 1, caches["miss"], "%v", caches)
	})

	t.Run("measured", f.measure)

	t.Run("Prometheus returns the fleet-wide request count", func(t *testing.T) {
		const q = `sum(harbor_gateway_http_requests_total{route="chat"})`
		var want float64 // the instances' own counters, every status
		for _, in := range f.instances {
			m := f.metrics(in)
			for _, line := range strings.Split(m, "\n") {
				if strings.HasPrefix(line, "harbor_gateway_http_requests_total{") && strings.Contains(line, `route="chat"`) {
					v, _ := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
					want += v
				}
			}
		}
		require.Positive(t, want)
		var got float64
		require.Eventually(t, func() bool {
			r, err := f.promQuery(q)
			if err != nil || len(r) != 1 {
				return false
			}
			got = r[0].float()
			return got == want
		}, 15*time.Second, 100*time.Millisecond, "Prometheus says %v, the instances %v", got, want)
		t.Logf("Prometheus: %s = %v (the sum of the three instances' own counters)", q, got)
		up, err := f.promQuery(`count(up{job="harbor"} == 1)`)
		require.NoError(t, err)
		require.Len(t, up, 1)
		assert.Equal(t, 3.0, up[0].float())
	})

	t.Run("a key limited to N requests a minute gets N through the balancer, not 3N", func(t *testing.T) {
		const n = 60 // fleet.yaml: the key batch has rpm: 60
		faults := func() (total float64) {
			for _, in := range f.instances {
				total += sumMetric(f.metrics(in), "harbor_gateway_shared_limits_errors_total")
			}
			return total
		}
		faultsBefore := faults()
		up, start := f.upstream(), time.Now()
		codes := map[int]int{}
		for range 3 * n {
			codes[f.chat(f.lbURL, fleetKeys["batch"], prompt("limited")).code]++
		}
		elapsed := time.Since(start)
		// A token bucket: N at once, then one more every 60/N seconds.
		refill := int(elapsed.Seconds()*n/60) + 1
		t.Logf("%d calls of a key with rpm %d through the balancer in %v: %v (status: count)", 3*n, n, elapsed.Round(time.Millisecond), codes)
		// A round trip slower than shared_limits.timeout (50ms: a loaded machine) is counted, and that call
		// counted in its instance instead (on_redis_down: open): the only other way in.
		slow := int(faults() - faultsBefore)
		assert.GreaterOrEqual(t, codes[http.StatusOK], n)
		assert.LessOrEqual(t, codes[http.StatusOK], n+refill+slow, "at most N, plus what refilled meanwhile, plus calls Redis was too slow for (%d)", slow)
		assert.Equal(t, 3*n, codes[http.StatusOK]+codes[http.StatusTooManyRequests], "%v", codes)
		assert.Equal(t, up+codes[http.StatusOK], f.upstream(), "refused calls never reach the vendor")
	})

	t.Run("Redis stopped: the fleet keeps answering, and recovers when Redis returns", func(t *testing.T) {
		f.redis.Kill()
		up := f.upstream()
		for i := range 12 {
			res := f.chat(f.lbURL, app, prompt("no redis"))
			require.Equal(t, http.StatusOK, res.code, "call %d without Redis: %s", i, res.body)
			assert.Less(t, res.latency, 2*time.Second)
		}
		assert.Equal(t, up+12, f.upstream())
		for _, in := range f.instances {
			waitHTTP(t, f.client, nil, in.url+"/ready", http.StatusOK, time.Second) // still in the balancer
			assert.Contains(t, f.metrics(in), "\nharbor_gateway_redis_up 0\n", in.name)
		}
		// Without the shared tier, B does not see A's answer: the cache degrades to each instance's own.
		p := prompt("no redis, A then B")
		require.Equal(t, "miss", f.chat(a.url, app, p).cache)
		assert.Equal(t, "miss", f.chat(b.url, app, p).cache)
		assert.Equal(t, "hit", f.chat(a.url, app, p).cache, "A still has its own")
		var errs float64
		for _, in := range f.instances {
			errs += sumMetric(f.metrics(in), "harbor_shared_cache_errors_total")
		}
		assert.Positive(t, errs, "harbor_shared_cache_errors_total counts the misses Redis caused")

		f.redis.Restart()
		// The instances reconnect on their own at their next call: no restart.
		require.Eventually(t, func() bool {
			p := prompt("redis back")
			keys := f.dbSize()
			if f.chat(a.url, app, p).code != http.StatusOK {
				return false
			}
			if err := waitFor(2*time.Second, func() bool {
				locks, err := f.rdb.Keys(context.Background(), "harbor:lock:*").Result()
				return err == nil && len(locks) == 0 && f.dbSize() > keys
			}); err != nil {
				return false
			}
			return f.chat(b.url, app, p).cache == "shared_hit"
		}, 10*time.Second, 50*time.Millisecond, "the shared tier never came back")
		for _, in := range f.instances {
			assert.Contains(t, f.metrics(in), "\nharbor_gateway_redis_up 1\n", in.name)
		}
	})

	t.Run("Redis hung (SIGSTOP): calls wait at most the shared timeout", func(t *testing.T) {
		f.redis.Pause()
		var worst time.Duration
		for range 6 {
			res := f.chat(f.lbURL, app, prompt("hung redis"))
			require.Equal(t, http.StatusOK, res.code, "%s", res.body)
			worst = max(worst, res.latency)
		}
		f.redis.Resume()
		t.Logf("slowest call while Redis hung: %v (cache.shared_timeout is %v per read and per lock here)", worst.Round(time.Millisecond), testRedisTimeout)
		assert.Less(t, worst, 2*testRedisTimeout+500*time.Millisecond, "a read and a lock attempt, each bounded")
		// The locks those calls asked for and gave up on reach Redis when it wakes, held by nobody: they
		// expire within cache.shared_lock (5s), so identical calls wait at most that long for them.
		start := time.Now()
		require.Eventually(t, func() bool {
			locks, err := f.rdb.Keys(context.Background(), "harbor:lock:*").Result()
			return err == nil && len(locks) == 0
		}, 10*time.Second, 50*time.Millisecond, "orphaned locks outlive shared_lock")
		t.Logf("locks left by the hang gone after %v", time.Since(start).Round(100*time.Millisecond))
	})

	t.Run("Redis flushed: answers are fetched again, once", func(t *testing.T) {
		p := prompt("flushed")
		keys := f.dbSize()
		require.Equal(t, "miss", f.chat(a.url, app, p).cache)
		f.waitStored(keys)
		require.NoError(t, f.rdb.FlushAll(context.Background()).Err())
		up := f.upstream()
		assert.Equal(t, "miss", f.chat(c.url, app, p).cache, "C never saw it, and Redis forgot it")
		f.waitStored(0)
		assert.Equal(t, "shared_hit", f.chat(b.url, app, p).cache, "stored again by C")
		assert.Equal(t, up+1, f.upstream())
	})

	t.Run("one instance killed: the balancer routes around it", func(t *testing.T) {
		// Three slow calls at once, one per instance (round-robin); C dies while its call is at the vendor.
		up := f.upstream()
		f.vendor.Enqueue(harbortest.Fault{Latency: time.Second}, harbortest.Fault{Latency: time.Second}, harbortest.Fault{Latency: time.Second})
		results := make([]answer, 3)
		var wg sync.WaitGroup
		for i := range results {
			wg.Go(func() { results[i] = f.chat(f.lbURL, app, prompt("in flight")) })
			time.Sleep(10 * time.Millisecond) // in order, for round-robin
		}
		require.Eventually(t, func() bool { return f.upstream() == up+3 }, 5*time.Second, 5*time.Millisecond)
		c.p.kill()
		wg.Wait()
		codes := map[int]int{}
		for _, r := range results {
			codes[r.code]++
		}
		t.Logf("the three calls under way when C died: %v (status: count; -1: the connection closed without an answer)", codes)
		assert.Equal(t, 2, codes[http.StatusOK], "the calls on A and B: %v", results)
		// The call on C is not retried by HAProxy: its caller gets a 502, or, on a
		// keep-alive connection it had used before, the connection closed
		// without an answer (HAProxy's way of letting a client retry).
		assert.Equal(t, 1, codes[http.StatusBadGateway]+codes[-1], "the call on C: %v", results)
		assert.Equal(t, up+3, f.upstream(), "the dead instance's call reached the vendor once and was not sent again")

		// Right after: every call succeeds (a refused connection is retried on another instance).
		up = f.upstream()
		for i := range 30 {
			res := f.chat(f.lbURL, app, prompt("after the kill"))
			require.Equal(t, http.StatusOK, res.code, "call %d after the kill: %s", i, res.body)
		}
		assert.Equal(t, up+30, f.upstream(), "each call reached the vendor exactly once")
		require.Eventually(t, func() bool { return f.serverStatus("harbor3") == "DOWN" }, 10*time.Second, 100*time.Millisecond,
			"HAProxy's health checks take harbor3 out (status %s)", f.serverStatus("harbor3"))
		require.Eventually(t, func() bool {
			r, err := f.promQuery(`up{job="harbor",instance="` + addr(c.port) + `"}`)
			return err == nil && len(r) == 1 && r[0].float() == 0
		}, 10*time.Second, 100*time.Millisecond, "Prometheus sees the instance down")
	})

	t.Run("Redis holds no key, nor a key's hash", func(t *testing.T) {
		ctx := context.Background()
		f.chat(f.lbURL, fleetKeys["batch"], prompt("counted")) // the key's counts, flushed above, come back
		var all strings.Builder
		iter := f.rdb.Scan(ctx, 0, "*", 100).Iterator()
		n := 0
		for iter.Next(ctx) {
			k := iter.Val()
			n++
			all.WriteString(k + "\n")
			switch f.rdb.Type(ctx, k).Val() {
			case "string":
				all.WriteString(f.rdb.Get(ctx, k).Val())
			case "hash":
				fmt.Fprint(&all, f.rdb.HGetAll(ctx, k).Val())
			}
		}
		require.NoError(t, iter.Err())
		require.Positive(t, n)
		assert.True(t, strings.Contains(all.String(), "harbor:limits:harbor:batch\n"), "the limits are kept by key id")
		for id, key := range fleetKeys {
			assert.False(t, strings.Contains(all.String(), key), "the key %s is in Redis", id)
			assert.False(t, strings.Contains(all.String(), gateway.HashKey(key)), "the hash of the key %s is in Redis", id)
		}
		t.Logf("%d Redis entries checked", n)
	})

	t.Run("every panel of the dashboard has data in Prometheus", func(t *testing.T) {
		time.Sleep(2 * time.Second) // two scrapes
		for _, p := range dashboardPanels(t) {
			for _, q := range p.Targets {
				expr := strings.ReplaceAll(q.Expr, "$__rate_interval", "1m")
				err := waitFor(10*time.Second, func() bool {
					r, err := f.promQuery(expr)
					return err == nil && len(r) > 0
				})
				assert.NoError(t, err, "panel %q: %s returns no data", p.Title, expr)
			}
		}
	})
	t.Logf("TestFleet ran in %v", time.Since(start).Round(time.Millisecond))
}

// waitFor polls cond until it holds or timeout passes.
func waitFor(timeout time.Duration, cond func() bool) error {
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return nil
		}
		if time.Now().After(deadline) {
			return errNotYet
		}
		time.Sleep(20 * time.Millisecond)
	}
}
