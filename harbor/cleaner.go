package harbor

import (
	"runtime"
	"sync"
	"time"
)

// AutoCleanup runs CleanupMemory in the background: the seed's
// auto_cleanup_interval and memory_threshold_mb. The zero value runs nothing.
type AutoCleanup struct {
	// Interval is how often the cleaner looks; 0: no cleaner.
	Interval time.Duration `json:"auto_cleanup_interval"`
	// MemoryThresholdMB makes the cleaner clean only when the Go heap in use is
	// above it; 0: clean at every Interval.
	MemoryThresholdMB float64 `json:"memory_threshold_mb"`
	// OnCleanup, when set, receives each report (for logs or metrics).
	OnCleanup func(CleanupReport) `json:"-"`
}

// WithAutoCleanup starts a background cleaner with the Client (see AutoCleanup);
// Close stops it. New rejects a negative interval or threshold, or a threshold
// without an interval.
func WithAutoCleanup(a AutoCleanup) Option {
	return clientOption(func(o *Options) { o.Cleanup = a })
}

func (a *AutoCleanup) validate() error {
	switch {
	case a.Interval < 0:
		return invalidOption("WithAutoCleanup", "WithAutoCleanup: Interval must be >= 0, got %v", a.Interval)
	case a.MemoryThresholdMB < 0 || a.MemoryThresholdMB != a.MemoryThresholdMB:
		return invalidOption("WithAutoCleanup", "WithAutoCleanup: MemoryThresholdMB must be >= 0, got %v", a.MemoryThresholdMB)
	case a.MemoryThresholdMB > 0 && a.Interval == 0:
		return invalidOption("WithAutoCleanup", "WithAutoCleanup: MemoryThresholdMB needs an Interval to check it at")
	}
	return nil
}

// cleaner is the background goroutine of WithAutoCleanup. A nil *cleaner is none.
type cleaner struct {
	stopOnce sync.Once
	quit     chan struct{}
	done     chan struct{}
}

func startCleaner(c *Client, a AutoCleanup) *cleaner {
	if a.Interval <= 0 {
		return nil
	}
	cl := &cleaner{quit: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(cl.done)
		t := time.NewTicker(a.Interval)
		defer t.Stop()
		for {
			select {
			case <-cl.quit:
				return
			case <-t.C:
			}
			if a.MemoryThresholdMB > 0 {
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				if float64(m.HeapInuse)/mib < a.MemoryThresholdMB {
					continue
				}
			}
			r := c.CleanupMemory()
			if a.OnCleanup != nil {
				a.OnCleanup(r)
			}
		}
	}()
	return cl
}

// stop ends the cleaner and waits for it.
func (cl *cleaner) stop() {
	if cl == nil {
		return
	}
	cl.stopOnce.Do(func() { close(cl.quit) })
	<-cl.done
}

// WithPreload builds the named providers in New instead of on their first call
// (the seed's preload_popular_plugins), for latency-sensitive services: New then
// fails at once if one of them has no credentials. Building does no I/O.
func WithPreload(providers ...string) Option {
	return clientOption(func(o *Options) { o.Preload = append(o.Preload[:len(o.Preload):len(o.Preload)], providers...) })
}
