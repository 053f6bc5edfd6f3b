package rawconn_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/harborai/harbor-go/internal/rawconn"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// pair is a loopback TCP connection: the end under test (wrapped or not)
// and its peer.
func pair(t *testing.T, wrap bool) (net.Conn, *net.TCPConn) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := l.Accept()
		accepted <- c
	}()
	c, err := net.Dial("tcp", l.Addr().String())
	require.NoError(t, err)
	peer := (<-accepted).(*net.TCPConn)
	t.Cleanup(func() { _ = c.Close(); _ = peer.Close() })
	if wrap {
		w := rawconn.Wrap(c)
		require.IsType(t, &rawconn.Conn{}, w)
		return w, peer
	}
	return c, peer
}

// forBoth runs f against a plain *net.TCPConn and a wrapped one: a Conn must
// behave as net's connection does, errors included.
func forBoth(t *testing.T, f func(t *testing.T, c net.Conn, peer *net.TCPConn)) {
	for _, wrap := range []bool{false, true} {
		name := "net"
		if wrap {
			name = "rawconn"
		}
		t.Run(name, func(t *testing.T) {
			c, peer := pair(t, wrap)
			f(t, c, peer)
		})
	}
}

func TestWrapOnlyTCP(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	assert.Same(t, a, rawconn.Wrap(a), "a connection that is not TCP is returned as it is")
}

func TestReadWrite(t *testing.T) {
	forBoth(t, func(t *testing.T, c net.Conn, peer *net.TCPConn) {
		n, err := c.Write([]byte("hello"))
		require.NoError(t, err)
		assert.Equal(t, 5, n)
		buf := make([]byte, 5)
		_, err = io.ReadFull(peer, buf)
		require.NoError(t, err)
		assert.Equal(t, "hello", string(buf))

		go func() { _, _ = peer.Write([]byte("world")) }()
		_, err = io.ReadFull(c, buf)
		require.NoError(t, err)
		assert.Equal(t, "world", string(buf))

		n, err = c.Read(nil)
		assert.NoError(t, err, "a read of nothing")
		assert.Zero(t, n)
	})
}

// TestLargeWriteWaits proves that a write larger than the socket buffers
// waits for the peer to read (EAGAIN, then the poller) and writes it all.
func TestLargeWriteWaits(t *testing.T) {
	forBoth(t, func(t *testing.T, c net.Conn, peer *net.TCPConn) {
		data := bytes.Repeat([]byte("0123456789abcdef"), 1<<19) // 8 MiB
		got := make(chan []byte, 1)
		go func() {
			time.Sleep(50 * time.Millisecond) // the writer fills the buffers first
			b, _ := io.ReadAll(io.LimitReader(peer, int64(len(data))))
			got <- b
		}()
		n, err := c.Write(data)
		require.NoError(t, err)
		assert.Equal(t, len(data), n)
		assert.True(t, bytes.Equal(data, <-got), "the peer read what was written, in order")
	})
}

func TestEOF(t *testing.T) {
	forBoth(t, func(t *testing.T, c net.Conn, peer *net.TCPConn) {
		_, _ = peer.Write([]byte("x"))
		require.NoError(t, peer.CloseWrite())
		b, err := io.ReadAll(c)
		assert.NoError(t, err)
		assert.Equal(t, "x", string(b))
		n, err := c.Read(make([]byte, 1))
		assert.Zero(t, n)
		assert.Same(t, io.EOF, err, "io.EOF itself, as net returns it")
	})
}

// checkOpError holds err to what net's connections return.
func checkOpError(t *testing.T, err error, op string) *net.OpError {
	t.Helper()
	var oe *net.OpError
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, op, oe.Op)
	assert.Equal(t, "tcp", oe.Net)
	assert.NotNil(t, oe.Addr)
	return oe
}

func TestReadDeadline(t *testing.T) {
	forBoth(t, func(t *testing.T, c net.Conn, peer *net.TCPConn) {
		require.NoError(t, c.SetReadDeadline(time.Now().Add(30*time.Millisecond)))
		start := time.Now()
		_, err := c.Read(make([]byte, 1))
		assert.GreaterOrEqual(t, time.Since(start), 25*time.Millisecond, "it waited for the deadline")
		checkOpError(t, err, "read")
		assert.ErrorIs(t, err, os.ErrDeadlineExceeded)
		var ne net.Error
		require.ErrorAs(t, err, &ne)
		assert.True(t, ne.Timeout())

		// A deadline in the past ends the read at once; cleared, reads work.
		require.NoError(t, c.SetReadDeadline(time.Unix(1, 0)))
		_, err = c.Read(make([]byte, 1))
		assert.ErrorIs(t, err, os.ErrDeadlineExceeded)
		require.NoError(t, c.SetReadDeadline(time.Time{}))
		_, _ = peer.Write([]byte("y"))
		b := make([]byte, 1)
		_, err = c.Read(b)
		require.NoError(t, err)
		assert.Equal(t, "y", string(b))
	})
}

// TestWriteDeadline proves that a write to a peer that reads nothing ends at
// the deadline with what it could write counted.
func TestWriteDeadline(t *testing.T) {
	forBoth(t, func(t *testing.T, c net.Conn, peer *net.TCPConn) {
		require.NoError(t, c.SetWriteDeadline(time.Now().Add(50*time.Millisecond)))
		data := make([]byte, 64<<20)
		n, err := c.Write(data)
		checkOpError(t, err, "write")
		assert.ErrorIs(t, err, os.ErrDeadlineExceeded)
		assert.Positive(t, n, "what filled the socket buffers is counted")
		assert.Less(t, n, len(data))
	})
}

// TestCloseWhileReading proves that Close ends a read blocked in another
// goroutine with net.ErrClosed, and that later calls fail the same way.
func TestCloseWhileReading(t *testing.T) {
	forBoth(t, func(t *testing.T, c net.Conn, peer *net.TCPConn) {
		done := make(chan error, 1)
		go func() {
			_, err := c.Read(make([]byte, 1))
			done <- err
		}()
		time.Sleep(20 * time.Millisecond)
		require.NoError(t, c.Close())
		err := <-done
		checkOpError(t, err, "read")
		assert.ErrorIs(t, err, net.ErrClosed)

		_, err = c.Write([]byte("x"))
		checkOpError(t, err, "write")
		assert.ErrorIs(t, err, net.ErrClosed)
		_, err = c.Read(make([]byte, 1))
		assert.ErrorIs(t, err, net.ErrClosed)
	})
}

// TestPeerReset proves that errno errors come as net's do: an
// *os.SyscallError inside the *net.OpError.
func TestPeerReset(t *testing.T) {
	forBoth(t, func(t *testing.T, c net.Conn, peer *net.TCPConn) {
		require.NoError(t, peer.SetLinger(0)) // close sends a reset
		_, _ = c.Write([]byte("unread"))      // unread data: a reset either way
		time.Sleep(10 * time.Millisecond)
		require.NoError(t, peer.Close())
		time.Sleep(10 * time.Millisecond)
		_, err := c.Read(make([]byte, 1))
		oe := checkOpError(t, err, "read")
		var se *os.SyscallError
		require.ErrorAs(t, err, &se)
		assert.Equal(t, "read", se.Syscall)
		assert.ErrorIs(t, err, syscall.ECONNRESET)
		assert.Contains(t, oe.Error(), "connection reset by peer")

		var werr error
		for range 10 { // the first write after a reset may still be taken
			if _, werr = c.Write([]byte("x")); werr != nil {
				break
			}
		}
		checkOpError(t, werr, "write")
		assert.True(t, errors.Is(werr, syscall.EPIPE) || errors.Is(werr, syscall.ECONNRESET), "%v", werr)
	})
}

// TestConcurrent drives reads and writes from several goroutines at once
// (run with -race): each direction is serialised, nothing is lost.
func TestConcurrent(t *testing.T) {
	forBoth(t, func(t *testing.T, c net.Conn, peer *net.TCPConn) {
		const writers, each = 4, 2000
		var wg sync.WaitGroup
		for range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range each {
					_, err := c.Write([]byte("abcd"))
					assert.NoError(t, err)
				}
			}()
		}
		got := make(chan int64, 1)
		go func() {
			n, _ := io.Copy(io.Discard, io.LimitReader(peer, writers*each*4))
			got <- n
		}()
		echoed := make(chan int, 1)
		go func() {
			total := 0
			buf := make([]byte, 3)
			for total < writers*each {
				n, err := c.Read(buf)
				if err != nil {
					break
				}
				total += n
			}
			echoed <- total
		}()
		go func() { _, _ = peer.Write(bytes.Repeat([]byte("z"), writers*each)) }()
		wg.Wait()
		assert.Equal(t, int64(writers*each*4), <-got)
		assert.Equal(t, writers*each, <-echoed)
	})
}

// TestOtherMethods proves that what a Conn does not read or write is the TCP
// connection's own: half-close, addresses, the socket for io.Copy.
func TestOtherMethods(t *testing.T) {
	c, peer := pair(t, true)
	rc := c.(*rawconn.Conn)
	assert.Equal(t, peer.RemoteAddr().String(), c.LocalAddr().String())
	assert.IsType(t, &net.TCPConn{}, rc.NetConn())
	require.NoError(t, rc.CloseWrite())
	b, err := io.ReadAll(peer)
	assert.NoError(t, err)
	assert.Empty(t, b, "the peer sees end of stream after CloseWrite")
	_, _ = peer.Write([]byte("still open the other way"))
	_ = peer.CloseWrite()
	var got bytes.Buffer
	_, err = io.Copy(&got, c)
	assert.NoError(t, err)
	assert.Equal(t, "still open the other way", got.String())
}

// TestZeroLength proves that reads and writes of nothing answer as net's
// do: a write of nothing still asks the socket (broken pipe after
// CloseWrite), and a read of nothing on a closed connection is
// net.ErrClosed, not success.
func TestZeroLength(t *testing.T) {
	forBoth(t, func(t *testing.T, c net.Conn, peer *net.TCPConn) {
		n, err := c.Write(nil)
		assert.NoError(t, err, "a write of nothing on an open connection")
		assert.Zero(t, n)

		require.NoError(t, c.(interface{ CloseWrite() error }).CloseWrite())
		_, err = c.Write(nil)
		checkOpError(t, err, "write")
		assert.ErrorIs(t, err, syscall.EPIPE, "a write of nothing after CloseWrite")

		require.NoError(t, c.Close())
		_, err = c.Read(nil)
		checkOpError(t, err, "read")
		assert.ErrorIs(t, err, net.ErrClosed, "a read of nothing after Close")
	})
}
