package compat_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/conformance/harbortest"
	"github.com/harborai/harbor-go/gateway"
	"github.com/harborai/harbor-go/gateway/gatewaytest"
)

// The README's snippet ("Embedding and testing") does what its comments say,
// with the OpenAI client it names: the scripted 429 reaches the caller with
// its Retry-After only when neither the gateway nor the SDK retries it (the
// SDK would wait the 2 s and get past it: found by a new-user trial).
func TestREADMESnippet(t *testing.T) {
	for _, v := range []string{"OPENAI_ORG_ID", "OPENAI_PROJECT_ID", "OPENAI_CUSTOM_HEADERS", "OPENAI_WEBHOOK_SECRET"} {
		t.Setenv(v, "")
	}
	ctx := context.Background()
	params := openai.ChatCompletionNewParams{Model: "deepseek-v4-flash",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Hello")}}

	// The snippet, as the README has it.
	zero := 0                                                                                      // no retries of the vendor: otherwise the gateway's client retries the 429 below and gets past it
	g := gatewaytest.Start(t, gateway.Config{Upstream: gateway.UpstreamConfig{MaxRetries: &zero}}) // stopped when the test ends
	g.Mock(harbortest.DeepSeek).Enqueue(harbortest.RateLimited("2"))                               // the vendor's next answer
	client := openai.NewClient(option.WithBaseURL(g.BaseURL()), option.WithAPIKey(g.Key),
		option.WithMaxRetries(0)) // the SDK too would wait the 2 s of Retry-After and retry past the 429
	_, err := client.Chat.Completions.New(ctx, params)
	var apiErr *openai.Error // 429, code upstream_rate_limited, Retry-After: 2
	require.True(t, errors.As(err, &apiErr), "%v", err)

	assert.Equal(t, http.StatusTooManyRequests, apiErr.StatusCode)
	assert.Equal(t, "upstream_rate_limited", apiErr.Code)
	assert.Equal(t, "2", apiErr.Response.Header.Get("Retry-After"))
	res, err := client.Chat.Completions.New(ctx, params)
	require.NoError(t, err, "the fault was for one answer")
	assert.NotEmpty(t, res.Choices[0].Message.Content)

	// What the trial saw: the SDK's own retries (2 by default) wait and get past the 429.
	g.Mock(harbortest.DeepSeek).Enqueue(harbortest.RateLimited("1"))
	retrying := openai.NewClient(option.WithBaseURL(g.BaseURL()), option.WithAPIKey(g.Key))
	_, err = retrying.Chat.Completions.New(ctx, params)
	assert.NoError(t, err, "with its retries on, the SDK gets past the 429")
}
