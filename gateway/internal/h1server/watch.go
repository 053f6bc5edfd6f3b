package h1server

import (
	"errors"
	"net"
	"sync"
	"time"
)

// The watch: once a handler has its whole request and is still running
// WatchAfter later, a goroutine reads the connection, so that a caller who
// hangs up cancels the request's context (net/http watches every request from
// the moment its body is read; see the package doc for what that costs).
//
// The countdowns to the watches are the server's, not each connection's: one
// timer for all of them, set for the oldest. A timer of its own per request
// would be set, at every request, earlier than any other timer of the
// process — and the Go runtime wakes its network poller's thread for each
// timer set earlier than the one it sleeps until (an eventfd write, a thread
// woken, two more system calls) — per plain request at concurrency 1, one
// context switch and three system calls of the gateway's fifteen. With one
// timer, a busy server resets it about once per WatchAfter.

// countdowns is a server's list of connections whose handler runs and whose
// watch is not yet due, oldest first (every connection counts down the same
// WatchAfter, so appending keeps the order), and the one timer set for the
// first of them.
type countdowns struct {
	mu         sync.Mutex
	head, tail *conn
	timer      *time.Timer
	armed      bool // the timer is set (or its function is running)
}

// countdown is a connection's place in its server's countdowns.
type countdown struct {
	linked     bool
	prev, next *conn
	due        time.Duration // on the monotonic clock (since epoch)
	gen        uint64        // the conn's watchGen when it was armed
}

// epoch is the start of the countdowns' clock: time.Since(epoch) reads the
// monotonic clock.
var epoch = time.Now()

// watchArm starts the countdown to the watch: the handler has its whole
// request and is working on the answer.
func (c *conn) watchArm() {
	c.watchMu.Lock()
	c.inHandler = true
	c.watchGen++
	gen := c.watchGen
	c.watchMu.Unlock()
	c.s.watches.add(c, gen, time.Since(epoch)+c.watchAfter)
}

// add puts c at the end of the countdowns, due at due, and sets the timer if
// it is not.
func (l *countdowns) add(c *conn, gen uint64, due time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if c.countdown.linked {
		l.unlink(c)
	}
	c.countdown = countdown{linked: true, prev: l.tail, due: due, gen: gen}
	if l.tail != nil {
		l.tail.countdown.next = c
	} else {
		l.head = c
	}
	l.tail = c
	if !l.armed {
		l.armed = true
		d := due - time.Since(epoch)
		if l.timer == nil {
			l.timer = time.AfterFunc(d, l.fire)
		} else {
			l.timer.Reset(d)
		}
	}
}

// remove takes c out of the countdowns, if it is there.
func (l *countdowns) remove(c *conn) {
	l.mu.Lock()
	if c.countdown.linked {
		l.unlink(c)
	}
	l.mu.Unlock()
}

func (l *countdowns) unlink(c *conn) {
	cd := &c.countdown
	if cd.prev != nil {
		cd.prev.countdown.next = cd.next
	} else {
		l.head = cd.next
	}
	if cd.next != nil {
		cd.next.countdown.prev = cd.prev
	} else {
		l.tail = cd.prev
	}
	*cd = countdown{}
}

// watchJob is a watch that is due.
type watchJob struct {
	c   *conn
	gen uint64
}

// fire starts the watches that are due and sets the timer for the next one.
func (l *countdowns) fire() {
	var due []watchJob
	l.mu.Lock()
	now := time.Since(epoch)
	for c := l.head; c != nil && c.countdown.due <= now; c = l.head {
		due = append(due, watchJob{c, c.countdown.gen})
		l.unlink(c)
	}
	if l.head != nil {
		l.timer.Reset(l.head.countdown.due - now)
	} else {
		l.armed = false
	}
	l.mu.Unlock()
	for i, j := range due {
		if i == len(due)-1 {
			j.c.watch(j.gen) // on the timer's own goroutine
		} else {
			go j.c.watch(j.gen)
		}
	}
}

// watch reads the connection while the handler works: end of file or an
// error means the caller hung up, and the request's context is cancelled.
// A byte read is the next pipelined request's first, kept for it. It ends
// when watchStop sets a deadline in the past. gen is the watchArm it is for:
// a countdown that ended as its request did (the handler returned) starts
// nothing, even when the connection's next request is under way.
func (c *conn) watch(gen uint64) {
	c.watchMu.Lock()
	if gen != c.watchGen || !c.inHandler || c.watching || c.br.Buffered() > 0 || c.cr.stashed {
		c.watchMu.Unlock()
		return
	}
	// The read deadline of the request (ReadTimeout) would end the watch
	// early; watchStop sets its own.
	_ = c.rwc.SetReadDeadline(time.Time{})
	c.watching = true
	done := make(chan struct{})
	c.watchDone = done
	cancel := c.cancel
	c.watchMu.Unlock()
	defer close(done)
	n, err := c.rwc.Read(c.cr.stash[:])
	if n == 1 {
		c.cr.stashed = true
		return
	}
	var ne net.Error
	if err != nil && !(errors.As(err, &ne) && ne.Timeout()) {
		c.hungUp.Store(true)
		cancel()
	}
}

// watchStop ends the countdown or the watch, whichever runs, and waits for a
// watch to let go of the connection.
func (c *conn) watchStop() {
	c.s.watches.remove(c)
	c.watchMu.Lock()
	c.inHandler = false
	watching, done := c.watching, c.watchDone
	c.watching, c.watchDone = false, nil
	c.watchMu.Unlock()
	if !watching {
		return
	}
	_ = c.rwc.SetReadDeadline(aLongTimeAgo)
	<-done
	_ = c.rwc.SetReadDeadline(time.Time{})
	if c.hungUp.Load() {
		c.resp.closeAfter = true
	}
}
