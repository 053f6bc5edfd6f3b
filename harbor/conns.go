package harbor

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
)

// connCounter counts the TCP connections harbor's own transport dials and closes,
// for ConcurrencyStats. It sees nothing of a transport given with WithTransport.
type connCounter struct {
	dials, closes atomic.Int64
}

type dialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

func (cc *connCounter) dial(next dialFunc) dialFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := next(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		cc.dials.Add(1)
		return &countedConn{Conn: conn, cc: cc}, nil
	}
}

// open is how many connections are open now.
func (cc *connCounter) open() int64 { return cc.dials.Load() - cc.closes.Load() }

// countedConn counts its Close, once. TLS reaches the underlying conn through
// it unchanged (net.Conn's methods only); NetConn hands the socket to the
// transport's idle check.
type countedConn struct {
	net.Conn
	cc   *connCounter
	once sync.Once
}

// NetConn is the connection counted, for code that needs the socket itself
// (internal/h1's check that an idle connection is still open).
func (c *countedConn) NetConn() net.Conn { return c.Conn }

func (c *countedConn) Close() error {
	c.once.Do(func() { c.cc.closes.Add(1) })
	return c.Conn.Close()
}
