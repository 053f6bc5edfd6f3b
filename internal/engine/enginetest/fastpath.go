package enginetest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/internal/fastreply"
	"github.com/harborai/harbor-go/internal/wiretest"
	"github.com/harborai/harbor-go/llm"
)

// FastPath checks a provider's two ways of reading an answer: the generated hot
// path (the ReadReply of *C and *K, into a fastreply.Reply converted by FromReply and
// FromReplyChunk) must give what encoding/json into the generated types C and K,
// converted by FromCompletion and FromChunk, gives — whenever it does not give
// up. Model seeds the decoders, as the requested model does.
type FastPath[C, K any] struct {
	Model          string
	FromCompletion func(*C) *llm.ChatCompletion
	FromReply      func(*fastreply.Reply) *llm.ChatCompletion
	FromChunk      func(*K) llm.Chunk
	FromReplyChunk func(*fastreply.Reply) llm.Chunk
}

func (f FastPath[C, K]) completions(model string) *fastreply.Decoder {
	return new(fastreply.LazySchema[C]).Get("message").NewDecoder(model)
}

func (f FastPath[C, K]) chunks(model string) *fastreply.Decoder {
	return new(fastreply.LazySchema[K]).Get("delta").NewDecoder(model)
}

// ReadsQuirks checks that the hot path reads answers and chunks (what the mock
// does not send: the vendor's rarer fields and values), and as encoding/json does.
func (f FastPath[C, K]) ReadsQuirks(t *testing.T, answers, chunks []string) {
	var r fastreply.Reply
	for _, a := range answers {
		require.True(t, f.completions("").Decode([]byte(a), &r), "fast path refused %s", a)
		f.checkCompletion(t, []byte(a))
	}
	for _, c := range chunks {
		require.True(t, f.chunks("").Decode([]byte(c), &r), "fast path refused %s", c)
		f.checkChunks(t, []byte(c))
	}
}

// ReadsMocks checks a mock's answers and events (see MockAnswers): the plain ones
// (answers[:2], events[:plain]) must be read by the hot path, all of them as
// encoding/json reads them.
func (f FastPath[C, K]) ReadsMocks(t *testing.T, answers, events [][]byte, plain int) {
	var r fastreply.Reply
	d := f.completions(f.Model)
	for _, a := range answers[:2] {
		assert.True(t, d.Decode(a, &r), "fast path refused %s", a)
	}
	d = f.chunks(f.Model)
	for _, ev := range events[:plain] {
		assert.True(t, d.Decode(ev, &r), "fast path refused %s", ev)
	}
	for _, a := range answers {
		f.checkCompletion(t, a)
	}
	f.checkChunks(t, bytes.Join(events, []byte{0}))
}

// checkCompletion checks one answer (a fuzz target).
func (f FastPath[C, K]) checkCompletion(t *testing.T, data []byte) {
	var r fastreply.Reply
	if !f.completions(f.Model).Decode(data, &r) {
		return
	}
	var c C
	require.NoError(t, json.Unmarshal(data, &c), "fast path accepted what encoding/json refuses: %q", data)
	require.Equal(t, f.FromCompletion(&c), f.FromReply(&r), "%s", data)
}

// checkChunks decodes the NUL-separated events in data with one stream's decoder
// (a fuzz target).
func (f FastPath[C, K]) checkChunks(t *testing.T, data []byte) {
	d := f.chunks(f.Model)
	for _, ev := range bytes.Split(data, []byte{0}) {
		var r fastreply.Reply
		if !d.Decode(ev, &r) {
			continue
		}
		var c K
		require.NoError(t, json.Unmarshal(ev, &c), "fast path accepted what encoding/json refuses: %q", ev)
		require.Equal(t, f.FromChunk(&c), f.FromReplyChunk(&r), "%s", ev)
	}
}

// MockAnswers returns a mock vendor's answers and stream events (at path) for a
// plain, a thinking and a tool-calling request, in that order; plain counts the
// events of the first two.
func MockAnswers(tb testing.TB, mock http.Handler, path, plainReq, thinkingReq, toolsReq string) (answers, events [][]byte, plain int) {
	for i, req := range []string{plainReq, thinkingReq, toolsReq} {
		answers = append(answers, wiretest.Answer(tb, mock, path, nil, req))
		stream := strings.TrimSuffix(req, "}") + `,"stream":true,"stream_options":{"include_usage":true}}`
		events = append(events, wiretest.Events(tb, mock, path, nil, stream)...)
		if i == 1 {
			plain = len(events)
		}
	}
	return answers, events, plain
}

// FuzzCompletion fuzzes checkCompletion from seeds.
func (f FastPath[C, K]) FuzzCompletion(fz *testing.F, seeds [][]byte) {
	for _, s := range seeds {
		fz.Add(s)
	}
	fz.Fuzz(f.checkCompletion)
}

// FuzzChunks fuzzes checkChunks from a stream's events: all of them, then each.
func (f FastPath[C, K]) FuzzChunks(fz *testing.F, events [][]byte) {
	fz.Add(bytes.Join(events, []byte{0}))
	for _, ev := range events {
		fz.Add(ev)
	}
	fz.Fuzz(f.checkChunks)
}
