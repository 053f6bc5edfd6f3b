package redistest

import (
	"net"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStartAnswersPing(t *testing.T) {
	s := Start(t)
	require.NoError(t, ping(s.Addr()))
	assert.Equal(t, "redis://"+s.Addr()+"/0", s.URL())
	host, _, err := net.SplitHostPort(s.Addr())
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1", host)
}

// TestListensOnLoopbackOnly reads what the server's process listens on from ss.
func TestListensOnLoopbackOnly(t *testing.T) {
	if _, err := exec.LookPath("ss"); err != nil {
		t.Skip("no ss (iproute2) to list listening sockets")
	}
	for _, tc := range []struct {
		name    string
		start   func(testing.TB) *Server
		sockets int // the port, and a cluster's bus port
	}{
		{"Start", Start, 1},
		{"StartCluster", StartCluster, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.start(t)
			out, err := exec.Command("ss", "-Hltnp").Output()
			require.NoError(t, err)
			pid := "pid=" + strconv.Itoa(s.cmd.Process.Pid) + ","
			var mine []string
			for line := range strings.Lines(string(out)) {
				if strings.Contains(line, pid) {
					mine = append(mine, strings.Fields(line)[3])
				}
			}
			require.Len(t, mine, tc.sockets, "listening sockets of redis-server:\n%s", out)
			assert.Contains(t, mine, s.Addr())
			for _, a := range mine {
				assert.True(t, strings.HasPrefix(a, "127.0.0.1:"), "redis-server listens on %s:\n%s", a, out)
			}
		})
	}
}

func TestStartCluster(t *testing.T) {
	s := StartCluster(t)
	info, err := command(s.Addr(), "CLUSTER INFO")
	require.NoError(t, err)
	assert.Contains(t, info, "cluster_state:ok")
	assert.Contains(t, info, "cluster_slots_assigned:16384")
}

func TestKill(t *testing.T) {
	s := Start(t)
	s.Kill()
	_, err := net.DialTimeout("tcp", s.Addr(), time.Second)
	assert.Error(t, err, "nothing listens after Kill")
	s.Kill() // again: no-op
}

func TestPauseResume(t *testing.T) {
	s := Start(t)
	s.Pause()
	start := time.Now()
	err := ping(s.Addr())
	assert.Error(t, err, "a paused server answers nothing")
	assert.Less(t, time.Since(start), 5*time.Second)
	s.Resume()
	assert.NoError(t, ping(s.Addr()))
}

// TestCleanupKillsPaused: a test that ends with its server paused leaves no
// process behind.
func TestCleanupKillsPaused(t *testing.T) {
	var s *Server
	t.Run("paused", func(t *testing.T) {
		s = Start(t)
		s.Pause()
	})
	select {
	case <-s.done:
	default:
		t.Fatal("the server still runs after its test's cleanup")
	}
}

// recordTB records Skipf and Fatalf instead of acting on the real test.
type recordTB struct {
	testing.TB
	skipped, failed string
}

func (r *recordTB) Skipf(format string, args ...any) {
	r.skipped = format
	runtime.Goexit()
}

func (r *recordTB) Fatalf(format string, args ...any) {
	r.failed = format
	runtime.Goexit()
}

func startWithout(t *testing.T) *recordTB {
	t.Setenv("PATH", t.TempDir()) // no redis-server there
	r := &recordTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		Start(r)
	}()
	<-done
	return r
}

func TestMissingServer(t *testing.T) {
	t.Run("skips", func(t *testing.T) {
		t.Setenv(RequireEnv, "")
		r := startWithout(t)
		assert.Contains(t, r.skipped, "no redis-server")
		assert.Empty(t, r.failed)
	})
	t.Run("fails when required", func(t *testing.T) {
		t.Setenv(RequireEnv, "1")
		r := startWithout(t)
		assert.Contains(t, r.failed, "redis-server is required")
		assert.Empty(t, r.skipped)
	})
}

// Restart brings back a killed server on the same address, empty.
func TestRestart(t *testing.T) {
	s := Start(t)
	_, err := command(s.Addr(), "SET k v")
	require.NoError(t, err)
	s.Kill()
	require.Error(t, ping(s.Addr()))
	s.Restart()
	require.NoError(t, ping(s.Addr()))
	_, err = command(s.Addr(), "GET k")
	require.Error(t, err, "a restarted server is empty (GET answers a nil bulk string, which command reports as an error)")
	s.Restart() // a running server is killed first
	require.NoError(t, ping(s.Addr()))
}
