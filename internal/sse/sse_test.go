package sse

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type ev struct {
	Name, Data string
	Bare       bool
}

func decodeAll(t *testing.T, r io.Reader) ([]ev, error) {
	t.Helper()
	d := NewDecoder(r)
	var out []ev
	for {
		e, err := d.Next()
		if err != nil {
			return out, err
		}
		out = append(out, ev{e.Name, string(e.Data), e.Bare})
	}
}

func TestDecoder(t *testing.T) {
	long := strings.Repeat("x", 100_000)
	cases := []struct {
		name string
		in   string
		want []ev
	}{
		{"basic", "data: {\"a\":1}\n\ndata: [DONE]\n\n", []ev{{"", `{"a":1}`, false}, {"", "[DONE]", false}}},
		{"keep-alive comments and blank lines", ": keep-alive\n\n\n\ndata: x\n\n: keep-alive\n\n", []ev{{"", "x", false}}},
		{"no space after colon", "data:x\n\n", []ev{{"", "x", false}}},
		{"crlf", "data: x\r\n\r\ndata: y\r\n\r\n", []ev{{"", "x", false}, {"", "y", false}}},
		{"multi-line data", "data: a\ndata: b\n\n", []ev{{"", "a\nb", false}}},
		{"event name", "event: error\ndata: {}\n\n", []ev{{"error", "{}", false}}},
		{"final event without blank line", "data: x", []ev{{"", "x", false}}},
		{"bare json line", "{\"error\":{\"code\":\"x\"}}\n", []ev{{"", `{"error":{"code":"x"}}`, true}}},
		{"id and retry ignored", "id: 1\nretry: 10\ndata: x\n\n", []ev{{"", "x", false}}},
		{"line longer than buffer", "data: " + long + "\n\n", []ev{{"", long, false}}},
		{"empty", "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decodeAll(t, strings.NewReader(tc.in))
			require.ErrorIs(t, err, io.EOF)
			assert.Equal(t, tc.want, got)
			// Same result when the reader hands out one byte at a time.
			got, err = decodeAll(t, iotest.OneByteReader(strings.NewReader(tc.in)))
			require.ErrorIs(t, err, io.EOF)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestDecoderReaderError(t *testing.T) {
	boom := errors.New("boom")
	_, err := decodeAll(t, io.MultiReader(strings.NewReader("data: x\n\ndata: partial"), iotest.ErrReader(boom)))
	require.ErrorIs(t, err, boom)
}

func TestDecoderSteadyStateAllocations(t *testing.T) {
	in := strings.Repeat("data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\n: keep-alive\n\n", 200)
	r := strings.NewReader(in)
	d := NewDecoder(r)
	_, _ = d.Next() // warm the buffers
	allocs := testing.AllocsPerRun(1, func() {
		for {
			if _, err := d.Next(); err != nil {
				return
			}
		}
	})
	assert.Zero(t, allocs, "decoding events should not allocate once buffers are warm")
}

func FuzzDecoder(f *testing.F) {
	f.Add([]byte("data: {\"a\":1}\n\n: keep-alive\n\ndata: [DONE]\n\n"))
	f.Add([]byte("event: x\r\ndata: a\r\ndata: b\r\n\r\n{\"error\":1}\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		d := NewDecoder(strings.NewReader(string(in)))
		for i := 0; i < len(in)+2; i++ {
			if _, err := d.Next(); err != nil {
				require.ErrorIs(t, err, io.EOF)
				return
			}
		}
		t.Fatalf("decoder produced more events than input bytes")
	})
}

// gate is a reader that fails every read while shut, as a network read that
// would wait: Next must not read once Buffered said true.
type gate struct {
	r    io.Reader
	shut bool
}

var errWouldWait = errors.New("read while Buffered said an event was in memory")

func (g *gate) Read(p []byte) (int, error) {
	if g.shut {
		return 0, errWouldWait
	}
	return g.r.Read(p)
}

// afterFirst returns a decoder that has returned the event "data: first" and
// holds rest, whole, in its buffer (rest must fit in it).
func afterFirst(t *testing.T, rest string) *Decoder {
	t.Helper()
	d := NewDecoder(strings.NewReader("data: first\n\n" + rest)) // one Read hands out all of it
	e, err := d.Next()
	require.NoError(t, err)
	require.Equal(t, "first", string(e.Data))
	require.Equal(t, len(rest), d.r.Buffered())
	return d
}

// Buffered says true exactly when a whole event with data that is not blank
// is in the buffer, whatever line endings the decoder accepts.
func TestDecoderBuffered(t *testing.T) {
	cases := []struct {
		name string
		rest string
		want bool
	}{
		{"empty", "", false},
		{"whole event", "data: x\n\n", true},
		{"whole event, crlf", "data: x\r\n\r\n", true},
		{"whole event, crlf then lf", "data: x\r\n\n", true},
		{"whole event, lf then crlf", "data: x\n\r\n", true},
		{"end marker", "data: [DONE]\n\n", true},
		{"no space after colon", "data:x\n\n", true},
		{"named event", "event: error\ndata: {}\n\n", true},
		{"multi-line data", "data: a\ndata: b\n\n", true},
		{"bare json line", "{\"error\":1}\n", true},
		{"partial line", "data: x", false},
		{"line without its blank line", "data: x\n", false},
		{"line and a lone cr", "data: x\n\r", false},
		{"partial bare json line", "{\"error\":1}", false},
		{"comment only", ": keep-alive\n\n", false},
		{"comment then event", ": keep-alive\n\ndata: x\n\n", true},
		{"blank lines only", "\n\n\r\n", false},
		{"no data field", "id: 1\nretry: 5\n\n", false},
		{"blank data (wire skips it)", "data: \n\n", false},
		{"data field without a colon", "data\n\n", false},
		{"blank data then event", "data:  \n\ndata: x\n\n", true},
		{"blank then non-blank data line", "data: \ndata: x\n\n", true},
		{"event then partial", "data: x\n\ndata: y", true},
		{"json line inside an event is a field", "data: a\n{\"x\":1}\n", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := afterFirst(t, tc.rest)
			assert.Equal(t, tc.want, d.Buffered())
			assert.Equal(t, len(tc.rest), d.r.Buffered(), "Buffered consumed nothing")
		})
	}
	assert.False(t, NewDecoder(strings.NewReader("data: x\n\n")).Buffered(), "nothing read yet")
}

func TestDecoderBufferedDoesNotAllocate(t *testing.T) {
	d := afterFirst(t, ": keep-alive\n\ndata: \n\nevent: e\ndata: {\"a\":1}\n\n")
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = d.Buffered() }))
}

// Whenever Buffered says true, Next returns an event that is not blank
// without reading, whatever the input and however the reads split it.
func FuzzDecoderBuffered(f *testing.F) {
	f.Add([]byte("data: {\"a\":1}\n\n: keep-alive\n\ndata: [DONE]\n\n"), uint8(7))
	f.Add([]byte("event: x\r\ndata: a\r\ndata: b\r\n\r\n{\"error\":1}\n"), uint8(3))
	f.Add([]byte("data: \n\ndata:  \n\n\n\ndata: x\n\r\ndata"), uint8(1))
	f.Fuzz(func(t *testing.T, in []byte, step uint8) {
		g := &gate{r: iotest.HalfReader(strings.NewReader(string(in)))}
		if step%2 == 0 {
			g.r = iotest.OneByteReader(strings.NewReader(string(in)))
		}
		d := NewDecoder(g)
		for i := 0; i < len(in)+2; i++ {
			g.shut = d.Buffered()
			for {
				e, err := d.Next()
				if err != nil {
					require.False(t, g.shut, "Buffered said true, Next wanted to read: %v", err)
					require.ErrorIs(t, err, io.EOF)
					return
				}
				if len(bytes.TrimSpace(e.Data)) > 0 {
					break
				}
			}
			g.shut = false
		}
		t.Fatalf("decoder produced more events than input bytes")
	})
}
