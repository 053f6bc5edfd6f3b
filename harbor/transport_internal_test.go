package harbor

import (
	"errors"
	"io"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/llm"
)

// A body that keeps delivering bytes is never cut, however long it lasts; once it
// falls silent it is cut exactly d after the last read that returned data, not
// before. The bubble's clock moves only when every goroutine waits, so the
// instants compared here are exact.
func TestIdleBodyCutsOnlyAfterSilence(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// Writes 30ms apart never line up with the timer's 100ms: a timer that
		// re-armed for d instead of what is left of d would fire late.
		const d, gap, writes = 100 * time.Millisecond, 30 * time.Millisecond, 11
		pr, pw := io.Pipe()
		defer pw.Close()
		b := newIdleBody(pr, d)
		defer b.Close()
		go func() {
			for range writes { // 330ms of bytes, more than three times d
				time.Sleep(gap)
				if _, err := pw.Write([]byte("x")); err != nil {
					return
				}
			}
			// then silence, without closing the pipe
		}()
		start := time.Now()
		buf := make([]byte, 8)
		for i := range writes {
			n, err := b.Read(buf)
			require.NoError(t, err, "read %d, %v after the start: cut while bytes kept coming", i, time.Since(start))
			require.Equal(t, 1, n)
		}
		last := time.Now()
		require.Equal(t, writes*gap, last.Sub(start))
		_, err := b.Read(buf)
		require.ErrorIs(t, err, llm.ErrTimeout)
		assert.ErrorContains(t, err, "idle timeout")
		assert.Equal(t, d, time.Since(last), "cut d after the last read")
	})
}

// Close stops the timer: a closed body is not closed again by it, and the timer
// does not keep re-arming.
func TestIdleBodyCloseStopsTheTimer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const d = 20 * time.Millisecond
		rc := &countingCloser{}
		b := newIdleBody(rc, d)
		require.NoError(t, b.Close())
		time.Sleep(3 * d)
		synctest.Wait() // a timer that fired has finished its work
		assert.Equal(t, 1, rc.closes)
		assert.False(t, b.fired.Load())
	})
}

type countingCloser struct{ closes int }

func (c *countingCloser) Read([]byte) (int, error) { return 0, errors.New("unused") }
func (c *countingCloser) Close() error             { c.closes++; return nil }
