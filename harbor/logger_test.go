package harbor_test

import (
	"context"
	"encoding/json"
	"github.com/harborai/harbor-go/internal/syncbuf"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/conformance/harbortest"
	"github.com/harborai/harbor-go/harbor"
)

// logLines decodes a JSON log, one record per line.
func logLines(t *testing.T, buf *syncbuf.Buffer) []map[string]any {
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m))
		out = append(out, m)
	}
	return out
}

// One line per call at Info (Warn for failures), details at Debug; never the
// prompt, the answer or the key.
func TestWithLogger(t *testing.T) {
	m := harbortest.Start(t, harbortest.DeepSeek)
	var buf syncbuf.Buffer
	c, err := m.NewClient(harbor.WithLogger(slog.New(slog.NewJSONHandler(&buf, nil))), harbor.WithMaxRetries(0))
	require.NoError(t, err)
	ctx := context.Background()
	res, err := c.Chat.Completions.Create(ctx, hi(m.Model()))
	require.NoError(t, err)
	m.Enqueue(harbortest.ServerError())
	_, err = c.Chat.Completions.Create(ctx, hi(m.Model()))
	require.Error(t, err)

	lines := logLines(t, &buf)
	require.Len(t, lines, 2, "Info: one line per call, no Debug lines")
	ok, failed := lines[0], lines[1]
	assert.Equal(t, "INFO", ok["level"])
	assert.Equal(t, "harbor: call", ok["msg"])
	assert.Equal(t, "deepseek", ok["provider"])
	assert.Equal(t, res.TraceID, ok["trace_id"])
	for _, k := range []string{"latency_ms", "prompt_tokens", "completion_tokens", "cost_cny", "attempts", "cache"} {
		assert.Contains(t, ok, k)
	}
	assert.Equal(t, "WARN", failed["level"])
	assert.Equal(t, "server", failed["error_type"])

	all := buf.String()
	assert.NotContains(t, all, "You said", "no answer content")
	assert.NotContains(t, all, `"hi"`, "no prompt content")
	assert.NotContains(t, all, m.APIKey())

	var dbg syncbuf.Buffer
	c2, err := m.NewClient(harbor.WithLogger(slog.New(slog.NewJSONHandler(&dbg, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	require.NoError(t, err)
	s, err := c2.Chat.Completions.Stream(ctx, hi(m.Model()))
	require.NoError(t, err)
	readStream(t, s)
	var msgs []string
	for _, l := range logLines(t, &dbg) {
		msgs = append(msgs, l["msg"].(string))
	}
	assert.Equal(t, []string{"harbor: call started", "harbor: first chunk", "harbor: call"}, msgs)
}
