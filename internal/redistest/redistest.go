package redistest

import (
	"bufio"
	"errors"
	"fmt"
	"github.com/harborai/harbor-go/internal/syncbuf"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// RequireEnv names the variable that turns a missing redis-server from a skip
// into a test failure when it is "1".
const RequireEnv = "HARBOR_REQUIRE_REDIS"

// startTimeout bounds how long Start waits for a new server to answer PING (the
// machine may be loaded: it is generous).
const startTimeout = 10 * time.Second

// A Server is one redis-server process listening on 127.0.0.1 only.
type Server struct {
	tb      testing.TB
	addr    string
	bin     string
	args    []string
	cluster bool
	cmd     *exec.Cmd
	out     *syncbuf.Buffer // the server's stdout and stderr, shown when it fails to start
	done    chan struct{}   // closed when the process has exited
}

// Start runs a redis-server on a free port of 127.0.0.1 in a temporary directory
// (--save "" --appendonly no: nothing is written), waits until it answers PING
// and registers a cleanup that kills it. Without redis-server on PATH it skips
// the test, or fails it when HARBOR_REQUIRE_REDIS=1.
func Start(tb testing.TB) *Server {
	tb.Helper()
	return startServer(tb, false)
}

// StartCluster is Start for a Redis Cluster of one node, which owns all 16384
// slots: for redis.NewClusterClient(&redis.ClusterOptions{Addrs:
// []string{s.Addr()}}). Its cluster bus listens on a second port of 127.0.0.1.
// It returns once the cluster's state is ok.
func StartCluster(tb testing.TB) *Server {
	tb.Helper()
	return startServer(tb, true)
}

func startServer(tb testing.TB, cluster bool) *Server {
	tb.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		how := "install it with `apt-get install redis-server` (Debian, Ubuntu) or `brew install redis` (macOS), " +
			"or run scripts/test, which installs it when run as root"
		if os.Getenv(RequireEnv) == "1" {
			tb.Fatalf("redis-server is required (%s=1) but not on PATH: %s", RequireEnv, how)
		}
		tb.Skipf("SKIPPED: no redis-server on PATH, the Redis tests did not run: %s (set %s=1 to make this a failure)", how, RequireEnv)
	}
	// The port is found free and then given to redis-server, so another process
	// can take it in between: try a few times.
	var errs []error
	for range 3 {
		s, err := start(tb, bin, cluster)
		if err == nil {
			return s
		}
		errs = append(errs, err)
	}
	tb.Fatalf("redistest: redis-server did not start: %v", errors.Join(errs...))
	return nil
}

func start(tb testing.TB, bin string, cluster bool) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	dir := tb.TempDir()
	args := []string{
		"--port", strconv.Itoa(port),
		"--bind", "127.0.0.1",
		"--save", "",
		"--appendonly", "no",
		"--dir", dir,
		"--daemonize", "no",
		"--logfile", "",
		"--loglevel", "warning",
	}
	if cluster {
		busPort, err := freePort()
		if err != nil {
			return nil, err
		}
		args = append(args,
			"--cluster-enabled", "yes",
			"--cluster-config-file", filepath.Join(dir, "nodes.conf"),
			"--cluster-port", strconv.Itoa(busPort),
			"--cluster-announce-ip", "127.0.0.1",
		)
	}
	s := &Server{
		tb:      tb,
		addr:    net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		bin:     bin,
		args:    args,
		cluster: cluster,
	}
	if err := s.launch(); err != nil {
		return nil, err
	}
	tb.Cleanup(s.stop)
	return s, nil
}

// launch runs the server's process and waits until it answers.
func (s *Server) launch() error {
	s.out, s.done = &syncbuf.Buffer{}, make(chan struct{})
	cmd := exec.Command(s.bin, s.args...)
	cmd.Stdout, cmd.Stderr = s.out, s.out
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("redistest: %w", err)
	}
	s.cmd = cmd
	done := s.done
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	ready := func() error { return ping(s.addr) }
	if s.cluster {
		added := false
		ready = func() error {
			if !added {
				if _, err := command(s.addr, "CLUSTER ADDSLOTSRANGE 0 16383"); err != nil {
					return err
				}
				added = true
			}
			info, err := command(s.addr, "CLUSTER INFO")
			if err != nil {
				return err
			}
			if !strings.Contains(info, "cluster_state:ok") {
				return errors.New("cluster_state is not ok yet")
			}
			return nil
		}
	}
	deadline := time.Now().Add(startTimeout)
	for {
		if err := ready(); err == nil {
			return nil
		} else if time.Now().After(deadline) {
			s.stop()
			return fmt.Errorf("redis-server on %s not ready within %v (%v); its output: %s", s.addr, startTimeout, err, s.out)
		}
		select {
		case <-done:
			return fmt.Errorf("redis-server on %s exited at start (%v); its output: %s", s.addr, cmd.ProcessState, s.out)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// Restart kills the server (if it still runs) and starts a new, empty one on the
// same address, as a Redis that crashed and came back without its data would.
// It fails the test if the new server does not start (another process may have
// taken the port meanwhile).
func (s *Server) Restart() {
	s.tb.Helper()
	s.stop()
	if err := s.launch(); err != nil {
		s.tb.Fatalf("redistest: restarting: %v", err)
	}
}

// Addr returns the server's host:port ("127.0.0.1:N").
func (s *Server) Addr() string { return s.addr }

// URL returns the server's URL ("redis://127.0.0.1:N/0"), for rediscache.Open or
// redis.ParseURL.
func (s *Server) URL() string { return "redis://" + s.addr + "/0" }

// Kill ends the server with SIGKILL and waits until it is gone, as a crash would:
// open connections break and new ones are refused. It may be called more than
// once.
func (s *Server) Kill() {
	s.tb.Helper()
	s.stop()
}

// Pause stops the server with SIGSTOP: it keeps its port and connections open,
// accepts new connections into the kernel's backlog, and answers nothing, like a
// server that hangs. Resume (or the cleanup, or Kill) ends it.
// Where there is no SIGSTOP (Windows) the test is skipped.
func (s *Server) Pause() { s.signal(sigStop) }

// Resume continues a paused server with SIGCONT.
func (s *Server) Resume() { s.signal(sigCont) }

func (s *Server) signal(sig os.Signal) {
	s.tb.Helper()
	if sig == nil {
		s.tb.Skip("redistest: this OS cannot pause a process (no SIGSTOP)")
	}
	select {
	case <-s.done:
		s.tb.Fatalf("redistest: %v to redis-server on %s: it has exited", sig, s.addr)
	default:
	}
	if err := s.cmd.Process.Signal(sig); err != nil {
		s.tb.Fatalf("redistest: %v to redis-server on %s: %v", sig, s.addr, err)
	}
}

// stop kills the process (a paused one too) and waits for it to exit.
func (s *Server) stop() {
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Kill()
	select {
	case <-s.done:
	case <-time.After(startTimeout):
		s.tb.Errorf("redistest: redis-server on %s (pid %d) did not exit after SIGKILL", s.addr, s.cmd.Process.Pid)
	}
}

// freePort returns a port of 127.0.0.1 that nothing listened on a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("redistest: finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// ping sends PING and expects PONG.
func ping(addr string) error {
	reply, err := command(addr, "PING")
	if err == nil && reply != "PONG" {
		err = fmt.Errorf("PING answered %q", reply)
	}
	return err
}

// command sends one command in the inline protocol on a new connection and
// returns its reply: a simple string or a bulk string (an error reply is an
// error). Enough for starting a server without a client library.
func command(addr, line string) (string, error) {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(time.Second))
	if _, err := conn.Write([]byte(line + "\r\n")); err != nil {
		return "", err
	}
	r := bufio.NewReader(conn)
	head, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	head = strings.TrimSuffix(head, "\r\n")
	switch {
	case strings.HasPrefix(head, "+"):
		return head[1:], nil
	case strings.HasPrefix(head, "$"):
		n, err := strconv.Atoi(head[1:])
		if err != nil || n < 0 {
			return "", fmt.Errorf("%s: bad bulk reply %q", line, head)
		}
		body := make([]byte, n+2)
		if _, err := io.ReadFull(r, body); err != nil {
			return "", err
		}
		return string(body[:n]), nil
	case strings.HasPrefix(head, "-"):
		return "", fmt.Errorf("%s: %s", line, head[1:])
	}
	return "", fmt.Errorf("%s: unexpected reply %q", line, head)
}
