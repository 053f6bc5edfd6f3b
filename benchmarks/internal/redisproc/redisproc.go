// Package redisproc runs a real redis-server for the benchmarks: one process on
// a free port of 127.0.0.1, no persistence, until Close. It is
// internal/redistest without testing.TB, so that cmd/ratios (a program, not a
// test) can start one too: the same flags, the same readiness check (PING).
package redisproc

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ErrNoServer is returned by Start when redis-server is not on PATH.
var ErrNoServer = errors.New("no redis-server on PATH (Debian: apt-get install redis-server)")

// RequireEnv is internal/redistest's variable: when it is "1", callers treat a
// missing redis-server as a failure rather than a skip (Required).
const RequireEnv = "HARBOR_REQUIRE_REDIS"

// Required reports whether RequireEnv is "1".
func Required() bool { return os.Getenv(RequireEnv) == "1" }

const startTimeout = 10 * time.Second

// A Server is one redis-server process listening on 127.0.0.1 only.
type Server struct {
	addr string
	dir  string
	cmd  *exec.Cmd
	done chan struct{}
	once sync.Once
}

// Start runs a redis-server on a free port of 127.0.0.1 in a temporary directory
// (--save "" --appendonly no: nothing is written) and waits until it answers
// PING. It tries three ports, as another process may take a free port first.
func Start() (*Server, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, ErrNoServer
	}
	var errs []error
	for range 3 {
		s, err := start(bin)
		if err == nil {
			return s, nil
		}
		errs = append(errs, err)
	}
	return nil, fmt.Errorf("redisproc: redis-server did not start: %w", errors.Join(errs...))
}

func start(bin string) (*Server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	dir, err := os.MkdirTemp("", "harbor-bench-redis-")
	if err != nil {
		return nil, err
	}
	s := &Server{addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), dir: dir, done: make(chan struct{})}
	var out strings.Builder
	var outMu sync.Mutex
	w := writerFunc(func(p []byte) (int, error) { outMu.Lock(); defer outMu.Unlock(); return out.Write(p) })
	s.cmd = exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", dir, "--daemonize", "no", "--logfile", "", "--loglevel", "warning")
	s.cmd.Stdout, s.cmd.Stderr = w, w
	s.cmd.SysProcAttr = sysProcAttr()
	if err := s.cmd.Start(); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	deadline := time.Now().Add(startTimeout)
	for {
		err := ping(s.addr)
		if err == nil {
			return s, nil
		}
		if time.Now().After(deadline) {
			s.Close()
			outMu.Lock()
			defer outMu.Unlock()
			return nil, fmt.Errorf("redis-server on %s not ready within %v (%v); its output: %s", s.addr, startTimeout, err, out.String())
		}
		select {
		case <-s.done:
			_ = os.RemoveAll(dir)
			outMu.Lock()
			defer outMu.Unlock()
			return nil, fmt.Errorf("redis-server on %s exited at start; its output: %s", s.addr, out.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// Addr returns the server's host:port.
func (s *Server) Addr() string { return s.addr }

// URL returns the server's URL ("redis://127.0.0.1:N/0"), for rediscache.Open.
func (s *Server) URL() string { return "redis://" + s.addr + "/0" }

// Close kills the server, waits for it to exit and removes its directory. It may
// be called more than once.
func (s *Server) Close() {
	s.once.Do(func() {
		_ = s.cmd.Process.Kill()
		select {
		case <-s.done:
		case <-time.After(startTimeout):
		}
		_ = os.RemoveAll(s.dir)
	})
}

// ping sends PING in the inline protocol on a new connection and expects +PONG.
func ping(addr string) error {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(time.Second))
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	if line = strings.TrimSuffix(line, "\r\n"); line != "+PONG" {
		return fmt.Errorf("PING answered %q", line)
	}
	return nil
}
