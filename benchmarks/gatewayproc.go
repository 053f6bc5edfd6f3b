package benchmarks

// The gateway under test, in a process of its own: `harbor serve`, built from
// this checkout's cmd/harbor, or (to profile it) this binary re-executed as a
// child that serves package gateway the way `harbor serve` does and writes a
// CPU profile. Its CPU and memory are read from /proc/<pid>: user+sys time
// (utime+stime, what getrusage reports, in clock ticks) and VmRSS/VmHWM.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/harborai/harbor-go/benchmarks/internal/mockproc"
	"github.com/harborai/harbor-go/gateway"
)

// GatewayKey is the virtual key the benchmark calls the gateway with; its
// hash is in the config WriteGatewayConfig writes.
const GatewayKey = "hk-bench-gateway-key-0123456789abcdef"

// WriteGatewayConfig writes the benchmark's gateway config into dir and
// returns its path: loopback on a free port, DeepSeek only, at the mock's URL
// (its key comes from DEEPSEEK_API_KEY, which GatewayProc sets), one virtual
// key with no limits, and everything else at its default — no cache, no
// admission limits, no breaker; metrics on, the access log on stdout, its
// lines written in batches every flush (log.access_flush; 0: each line at
// once, and the setting left out, as binaries before v0.3.0 do not know
// it). With accessLog false the access log is off.
func WriteGatewayConfig(dir, mockURL string, accessLog bool, flush time.Duration) (string, error) {
	access := "stdout"
	if !accessLog {
		access = "off"
	}
	cfg := fmt.Sprintf(`# The gateway benchmark's config (benchmarks/gatewayproc.go).
listen: 127.0.0.1:0
providers:
  deepseek:
    base_url: %s
keys:
  - id: bench
    sha256: %s
log:
  access: %s
`, mockURL, gateway.HashKey(GatewayKey), access)
	if flush > 0 { // left out otherwise, for harbor binaries older than it
		cfg += fmt.Sprintf("  access_flush: %s\n", flush)
	}
	path := filepath.Join(dir, "harbor-bench.yaml")
	return path, os.WriteFile(path, []byte(cfg), 0o600)
}

// BuildHarbor builds cmd/harbor of the harbor module (this module's parent
// directory) into dir and returns the binary's path.
func BuildHarbor(ctx context.Context, dir string) (string, error) {
	goCmd, err := findGo()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "harbor")
	cmd := exec.CommandContext(ctx, goCmd, "build", "-o", bin, "./cmd/harbor")
	cmd.Dir = filepath.Dir(moduleDir())
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/harbor: %v: %s", err, tail(string(out), 2000))
	}
	return bin, nil
}

// GatewayProc is a running gateway child.
type GatewayProc struct {
	// URL is its root, http://127.0.0.1:PORT.
	URL string

	cmd   *exec.Cmd
	stdin io.WriteCloser
	done  chan struct{}
	err   error // Wait's, once done is closed
}

const (
	gatewayChildEnv = "HARBOR_BENCH_GATEWAY"        // the config path, in the gateway child
	proxyChildEnv   = "HARBOR_BENCH_PROXY_UPSTREAM" // the mock's URL, in the proxy child
)

// StartGateway starts `harbor serve --config config` (bin is the harbor binary)
// or, with bin "", this binary as a gateway child that writes a CPU profile to
// cpuprofile when it stops (ServeGatewayChildIf). Its stdout (the access log)
// goes to /dev/null. gomaxprocs > 0 sets its GOMAXPROCS; 0 leaves it unset, as a
// user would run it.
func StartGateway(bin, config, cpuprofile string, gomaxprocs int) (*GatewayProc, error) {
	env := []string{"DEEPSEEK_API_KEY=" + mockproc.APIKey}
	if bin != "" {
		return startChild(exec.Command(bin, "serve", "--config", config), env, gomaxprocs)
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	env = append(env, gatewayChildEnv+"="+config, gatewayChildEnv+"_CPUPROFILE="+cpuprofile)
	return startChild(exec.Command(exe), env, gomaxprocs)
}

// StartProxyFloor starts this binary as the proxy floor: a hand-written
// net/http proxy on a loopback port in front of the DeepSeek mock at mockURL.
// It answers any request from the mock's /chat/completions, with the mock's
// key: the body read whole and sent on, the answer's status, headers and body
// passed back as they come, a stream flushed after every read. No key check,
// no JSON, no log: the least a Go proxy does. (httputil.ReverseProxy was the
// first choice; with the incoming body passed on unread, as it does, about 3%
// of the mock's streams were cut off: "read error during body copy: use of
// closed network connection".)
func StartProxyFloor(mockURL string, gomaxprocs int) (*GatewayProc, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	return startChild(exec.Command(exe), []string{proxyChildEnv + "=" + mockURL}, gomaxprocs)
}

// startChild starts cmd with env added to this process's and waits for the
// "listening on http://ADDR" line on its stderr.
func startChild(cmd *exec.Cmd, env []string, gomaxprocs int) (*GatewayProc, error) {
	cmd.Env = append(os.Environ(), env...)
	if gomaxprocs > 0 {
		cmd.Env = append(cmd.Env, "GOMAXPROCS="+strconv.Itoa(gomaxprocs))
	}
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return nil, err
	}
	defer devnull.Close()
	cmd.Stdout = devnull
	stdin, err := cmd.StdinPipe() // the children of this binary serve until it closes
	if err != nil {
		return nil, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &GatewayProc{cmd: cmd, stdin: stdin, done: make(chan struct{})}
	addr := make(chan string, 1)
	var mu sync.Mutex
	var log strings.Builder
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			mu.Lock()
			if log.Len() < 4096 {
				log.WriteString(line + "\n")
			}
			mu.Unlock()
			// "harbor serve: listening on http://127.0.0.1:PORT (1 virtual key). Ctrl-C stops."
			if _, rest, ok := strings.Cut(line, "listening on http://"); ok {
				a, _, _ := strings.Cut(rest, " ")
				select {
				case addr <- a:
				default:
				}
			}
		}
	}()
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	output := func() string {
		mu.Lock()
		defer mu.Unlock()
		return log.String()
	}
	select {
	case a := <-addr:
		p.URL = "http://" + a
		return p, nil
	case <-p.done:
		return nil, fmt.Errorf("%s exited before listening: %v: %s", filepath.Base(cmd.Path), p.err, output())
	case <-time.After(30 * time.Second):
		_ = p.Stop()
		return nil, fmt.Errorf("%s did not listen within 30s: %s", filepath.Base(cmd.Path), output())
	}
}

// Stop ends the gateway (SIGTERM: it drains and exits; the self child also
// writes its profile) and waits for it.
func (p *GatewayProc) Stop() error {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	_ = p.stdin.Close()
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	return p.err
}

// ProcUsage is a process's CPU and memory at one moment.
type ProcUsage struct {
	CPU time.Duration // user+sys since it started (clock-tick resolution: 10 ms)
	RSS int64         // VmRSS, bytes
	HWM int64         // VmHWM, the peak RSS so far, bytes
	FDs int           // open file descriptors (connections, mostly)
}

// Usage reads the gateway's CPU and memory from /proc.
func (p *GatewayProc) Usage() (ProcUsage, error) { return ReadProcUsage(p.cmd.Process.Pid) }

// clockTick is USER_HZ, the unit of utime and stime in /proc/<pid>/stat: 100
// on every Linux architecture.
const clockTick = 10 * time.Millisecond

// ReadProcUsage reads pid's user+sys CPU from /proc/<pid>/stat, its VmRSS
// and VmHWM from /proc/<pid>/status and counts /proc/<pid>/fd.
func ReadProcUsage(pid int) (ProcUsage, error) {
	var u ProcUsage
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return u, err
	}
	// The command name, field 2, is in parentheses and may hold spaces: count
	// from the last ')'. utime and stime are fields 14 and 15.
	i := strings.LastIndexByte(string(stat), ')')
	if i < 0 {
		return u, fmt.Errorf("/proc/%d/stat: unexpected %q", pid, stat)
	}
	f := strings.Fields(string(stat[i+1:])) // f[0] is field 3
	if len(f) < 13 {
		return u, fmt.Errorf("/proc/%d/stat: unexpected %q", pid, stat)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return u, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	u.CPU = time.Duration(utime+stime) * clockTick
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return u, err
	}
	if u.RSS, err = statusKB(status, "VmRSS:"); err != nil {
		return u, err
	}
	if u.HWM, err = statusKB(status, "VmHWM:"); err != nil {
		return u, err
	}
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	u.FDs = len(fds)
	return u, err
}

// statusKB reads one "Name:   1234 kB" line of /proc/<pid>/status, in bytes.
func statusKB(status []byte, name string) (int64, error) {
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, name); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("/proc status %s %q: %w", name, rest, err)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("/proc status: no %s line", name)
}

// ServeGatewayChildIf returns at once unless this process is a child of
// StartGateway (with bin "") or StartProxyFloor. A gateway child serves the
// gateway as `harbor serve` does — gateway.LoadConfig, the environment, the
// access log on stdout — under a CPU profile; a proxy child serves the proxy
// floor. Either serves until SIGTERM or until stdin closes, then exits.
func ServeGatewayChildIf() {
	var err error
	switch {
	case os.Getenv(gatewayChildEnv) != "":
		err = serveGatewayChild(os.Getenv(gatewayChildEnv), os.Getenv(gatewayChildEnv+"_CPUPROFILE"))
	case os.Getenv(proxyChildEnv) != "":
		err = serveProxyChild(os.Getenv(proxyChildEnv))
	default:
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchmark child:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

func serveGatewayChild(config, profile string) error {
	cfg, err := gateway.LoadConfig(config)
	if err != nil {
		return err
	}
	cfg.Getenv = os.Getenv
	srv, err := gateway.New(cfg)
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", srv.Addr())
	if err != nil {
		return err
	}
	if profile != "" {
		f, err := os.Create(profile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	fmt.Fprintf(os.Stderr, "gateway child: listening on http://%s (self)\n", l.Addr())
	return serveUntilStopped(srv, l)
}

func serveProxyChild(upstream string) error {
	chat := strings.TrimRight(upstream, "/") + "/chat/completions"
	auth := []string{"Bearer " + mockproc.APIKey}
	hc := &http.Client{Transport: floorTransport()}
	bufs := sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		out, err := http.NewRequestWithContext(r.Context(), http.MethodPost, chat, bytes.NewReader(body))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		out.Header["Content-Type"] = r.Header["Content-Type"]
		out.Header["Authorization"] = auth
		res, err := hc.Do(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer res.Body.Close()
		for k, v := range res.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(res.StatusCode)
		stream := strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream")
		buf := bufs.Get().(*[]byte)
		defer bufs.Put(buf)
		rc := http.NewResponseController(w)
		for {
			n, err := res.Body.Read(*buf)
			if n > 0 {
				if _, werr := w.Write((*buf)[:n]); werr != nil {
					return
				}
				if stream {
					_ = rc.Flush()
				}
			}
			if err != nil {
				return
			}
		}
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(os.Stderr, "proxy child: listening on http://%s\n", l.Addr())
	return serveUntilStopped(srv, l)
}

// serveUntilStopped serves l until SIGTERM or until stdin closes, then shuts
// srv down.
func serveUntilStopped(srv interface {
	Serve(net.Listener) error
	Shutdown(context.Context) error
}, l net.Listener) error {
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	stop := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		close(stop)
	}()
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	select {
	case err := <-served:
		return err
	case <-stop:
	case <-term:
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(ctx)
}
