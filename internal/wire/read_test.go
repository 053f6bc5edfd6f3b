package wire

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/llm"
)

func resp(status int, body string, h map[string]string) *http.Response {
	r := &http.Response{StatusCode: status, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body))}
	for k, v := range h {
		r.Header.Set(k, v)
	}
	return r
}

func TestDecodeJSONSkipsLeadingBlankLines(t *testing.T) {
	var v struct{ A int }
	require.NoError(t, DecodeJSON(resp(200, "\n\n\n{\"A\":1}", nil), &v))
	assert.Equal(t, 1, v.A)
}

type failingReader struct {
	r   io.Reader
	err error
}

func (f *failingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, f.err
	}
	return n, err
}

func TestPeekBody(t *testing.T) {
	// A body within the limit is read whole, and ReadBody uses those bytes.
	r := resp(200, `{"error_code":18}`, nil)
	b, err := llm.PeekBody(r, 64)
	require.NoError(t, err)
	assert.Equal(t, `{"error_code":18}`, string(b))
	w, ok := r.Body.(Whole)
	require.True(t, ok)
	_, whole := w.Whole()
	assert.True(t, whole)
	require.NoError(t, ReadBody(r, func(got []byte) error {
		assert.Equal(t, `{"error_code":18}`, string(got))
		return nil
	}))

	// A longer body: the peeked bytes, then the rest.
	long := strings.Repeat("x", 100)
	r = resp(200, long, nil)
	b, err = llm.PeekBody(r, 10)
	require.NoError(t, err)
	assert.Equal(t, long[:10], string(b))
	_, whole = r.Body.(Whole).Whole()
	assert.False(t, whole)
	all, err := io.ReadAll(r.Body)
	require.NoError(t, err)
	assert.Equal(t, long, string(all))

	// A read error comes back after the bytes read before it, every time.
	boom := errors.New("connection reset")
	r = &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(&failingReader{strings.NewReader("abc"), boom})}
	b, err = llm.PeekBody(r, 64)
	require.ErrorIs(t, err, boom)
	assert.Equal(t, "abc", string(b))
	all, err = io.ReadAll(r.Body)
	require.ErrorIs(t, err, boom)
	assert.Equal(t, "abc", string(all))
	_, whole = r.Body.(Whole).Whole()
	assert.False(t, whole)

	// A declared length sizes the buffer; the body is still read to its end.
	r = resp(200, `{"result":"ok"}`, nil)
	r.ContentLength = 15
	b, err = llm.PeekBody(r, 64<<10)
	require.NoError(t, err)
	assert.Equal(t, `{"result":"ok"}`, string(b))
	_, whole = r.Body.(Whole).Whole()
	assert.True(t, whole)
}

// TestReadBodyGivesBufferBack pins the counts ReadBody leaves in the
// "wire.buffer" pool: every buffer got is given back, kept when small and
// discarded when it grew past 1 MiB.
func TestReadBodyGivesBufferBack(t *testing.T) {
	before := bufPool.Stats()
	require.NoError(t, ReadBody(resp(200, `{"a":1}`, nil), func([]byte) error { return nil }))
	require.NoError(t, ReadBody(resp(200, strings.Repeat("x", 2<<20), nil), func([]byte) error { return nil }))
	after := bufPool.Stats()
	assert.Equal(t, "wire.buffer", after.Name)
	assert.Equal(t, uint64(2), after.Gets-before.Gets)
	assert.Equal(t, uint64(1), after.Puts-before.Puts, "the small buffer is kept")
	assert.Equal(t, uint64(1), after.Discards-before.Discards, "the 2 MiB buffer is left to the GC")
	assert.Equal(t, before.Active, after.Active)
}
