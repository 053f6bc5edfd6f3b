package wire

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestChatCompletionRequest(t *testing.T) {
	for _, tc := range []struct {
		body string
		stop []string
	}{
		{`{"model":"m","stop":"\n"}`, []string{"\n"}},
		{`{"model":"m","stop":["a","b"]}`, []string{"a", "b"}},
		{`{"model":"m","stop":null}`, nil},
		{`{"model":"m"}`, nil},
	} {
		var r ChatCompletionRequest
		require.NoError(t, json.Unmarshal([]byte(tc.body), &r), tc.body)
		assert.Equal(t, tc.stop, r.Request().Stop, tc.body)
		assert.Equal(t, "m", r.Request().Model)
	}
	var r ChatCompletionRequest
	assert.ErrorContains(t, json.Unmarshal([]byte(`{"stop":5}`), &r), "stop must be a string or an array")

	require.NoError(t, json.Unmarshal([]byte(`{"model":"m","stream":true,"stream_options":{"include_usage":true},"temperature":0}`), &r))
	assert.True(t, r.Stream)
	assert.True(t, r.StreamOptions.IncludeUsage)
	v, ok := r.Temperature.Get()
	assert.True(t, ok, "temperature 0 is set, not dropped")
	assert.Zero(t, v)

	// The generated client sends it as OpenAI expects.
	b, err := json.Marshal(ChatCompletionRequest{Stop: StopList{"x"}, Stream: true})
	require.NoError(t, err)
	assert.JSONEq(t, `{"model":"","messages":null,"stop":["x"],"stream":true}`, string(b))
}
