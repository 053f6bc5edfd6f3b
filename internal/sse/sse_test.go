package sse

import (
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
