package harbor_test

import (
	"context"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/conformance/harbortest"
	"github.com/harborai/harbor-go/harbor"
)

var traceparentRE = regexp.MustCompile(`^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$`)

// Every call has a trace id, sent to the vendor as a W3C traceparent and carried
// on the answer, the stream, errors and events.
func TestEveryCallHasATraceID(t *testing.T) {
	for _, v := range harbortest.Vendors() {
		t.Run(string(v), func(t *testing.T) {
			m := harbortest.Start(t, v)
			rec := &recorder{}
			c, err := m.NewClient(harbor.WithObserver(rec), harbor.WithMaxRetries(0))
			require.NoError(t, err)
			ctx := context.Background()

			res, err := c.Chat.Completions.Create(ctx, hi(m.Model()))
			require.NoError(t, err)
			reqs := m.ChatRequests()
			require.Len(t, reqs, 1)
			got := traceparentRE.FindStringSubmatch(reqs[0].Header.Get("Traceparent"))
			require.NotNil(t, got, "the vendor got a W3C traceparent: %q", reqs[0].Header.Get("Traceparent"))
			assert.Equal(t, got[1], res.TraceID)
			for _, e := range rec.take() {
				assert.Equal(t, res.TraceID, e.TraceID)
			}

			s, err := c.Chat.Completions.Stream(ctx, hi(m.Model()))
			require.NoError(t, err)
			for s.Next() {
			}
			require.NoError(t, s.Err())
			assert.Regexp(t, `^[0-9a-f]{32}$`, s.TraceID())
			assert.NotEqual(t, res.TraceID, s.TraceID(), "each call its own trace")
			if res.RequestID != "" { // the mocks send one where the vendor does
				assert.NotEmpty(t, s.RequestID(), "the stream's vendor request id")
			}

			m.Enqueue(harbortest.ServerError())
			_, err = c.Chat.Completions.Create(ctx, hi(m.Model()))
			var he *harbor.Error
			require.ErrorAs(t, err, &he)
			assert.Regexp(t, `^[0-9a-f]{32}$`, he.TraceID)
		})
	}
}

// A caller's trace id or incoming traceparent is kept; a bad one is refused
// before anything is sent.
func TestTheCallersTraceIsKept(t *testing.T) {
	m := harbortest.Start(t, harbortest.DeepSeek)
	c := m.Client()
	id := "4bf92f3577b34da6a3ce929d0e0e4736"
	res, err := c.Chat.Completions.Create(harbor.ContextWithTraceID(context.Background(), id), hi(m.Model()))
	require.NoError(t, err)
	assert.Equal(t, id, res.TraceID)
	assert.Equal(t, id, traceparentRE.FindStringSubmatch(m.ChatRequests()[0].Header.Get("Traceparent"))[1])

	parent := "00-" + id + "-00f067aa0ba902b7-00"
	_, err = c.Chat.Completions.Create(harbor.ContextWithTraceparent(context.Background(), parent), hi(m.Model()))
	require.NoError(t, err)
	got := traceparentRE.FindStringSubmatch(m.ChatRequests()[1].Header.Get("Traceparent"))
	require.NotNil(t, got)
	assert.Equal(t, id, got[1], "same trace")
	assert.NotEqual(t, "00f067aa0ba902b7", got[2], "a span of its own")
	assert.Equal(t, "00", got[3], "the caller's flags")

	for _, ctx := range []context.Context{
		harbor.ContextWithTraceID(context.Background(), "not-hex"),
		harbor.ContextWithTraceID(context.Background(), "00000000000000000000000000000000"),
		harbor.ContextWithTraceparent(context.Background(), "01-"+id+"-00f067aa0ba902b7-01x"),
	} {
		_, err := c.Chat.Completions.Create(ctx, hi(m.Model()))
		require.ErrorIs(t, err, harbor.ErrInvalidRequest)
	}
	assert.Len(t, m.ChatRequests(), 2, "refused calls sent nothing")

	// A trace source (an OpenTelemetry span, say) is asked when the context has none.
	c2, err := m.NewClient(harbor.WithTraceSource(func(context.Context) string { return parent }))
	require.NoError(t, err)
	res, err = c2.Chat.Completions.Create(context.Background(), hi(m.Model()))
	require.NoError(t, err)
	assert.Equal(t, id, res.TraceID)
}
