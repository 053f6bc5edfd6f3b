package harbor

import (
	"errors"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/llm"
)

// A body that keeps delivering bytes is never cut, however long it lasts; once it
// falls silent it is cut d after the last read that returned data, not before.
func TestIdleBodyCutsOnlyAfterSilence(t *testing.T) {
	const d = 80 * time.Millisecond
	pr, pw := io.Pipe()
	b := newIdleBody(pr, d)
	defer b.Close()
	go func() {
		for i := 0; i < 12; i++ { // 12 writes d/4 apart: three times d in all
			time.Sleep(d / 4)
			if _, err := pw.Write([]byte("x")); err != nil {
				return
			}
		}
		// then silence, without closing the pipe
	}()
	buf := make([]byte, 8)
	var last time.Time
	for i := 0; i < 12; i++ {
		n, err := b.Read(buf)
		require.NoError(t, err, "read %d", i)
		require.Equal(t, 1, n)
		last = time.Now()
	}
	_, err := b.Read(buf)
	silent := time.Since(last)
	require.ErrorIs(t, err, llm.ErrTimeout)
	assert.ErrorContains(t, err, "idle timeout")
	assert.GreaterOrEqual(t, silent, d, "cut before d of silence")
	assert.Less(t, silent, 3*d, "cut long after d of silence")
}

// Close stops the timer: a closed body is not closed again by it, and the timer
// does not keep re-arming.
func TestIdleBodyCloseStopsTheTimer(t *testing.T) {
	const d = 20 * time.Millisecond
	rc := &countingCloser{}
	b := newIdleBody(rc, d)
	require.NoError(t, b.Close())
	time.Sleep(3 * d)
	assert.Equal(t, 1, rc.closes)
	assert.False(t, b.fired.Load())
}

type countingCloser struct{ closes int }

func (c *countingCloser) Read([]byte) (int, error) { return 0, errors.New("unused") }
func (c *countingCloser) Close() error             { c.closes++; return nil }
