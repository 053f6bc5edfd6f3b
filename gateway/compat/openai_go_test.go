package compat_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/packages/ssestream"
	"github.com/stretchr/testify/require"
)

// github.com/openai/openai-go/v3 calls the gateway: the cases of
// openai-node.mjs, in the same order (the vendors' faults are scripted in it),
// checked by the same checkOutcomes. Each error must be an *openai.Error
// (errors.As) with the gateway's status, type, code and param.
func TestOpenAIGo(t *testing.T) {
	// openai-go reads OPENAI_* variables when a client is made; the base URL and
	// key given below override theirs, but these would add headers.
	for _, v := range []string{"OPENAI_ORG_ID", "OPENAI_PROJECT_ID", "OPENAI_CUSTOM_HEADERS", "OPENAI_WEBHOOK_SECRET"} {
		t.Setenv(v, "")
	}
	g, keys := startGateway(t)
	scriptVendors(g)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	newClient := func(key string, opts ...option.RequestOption) openai.Client {
		return openai.NewClient(append([]option.RequestOption{option.WithBaseURL(g.BaseURL()), option.WithAPIKey(key),
			option.WithHTTPClient(&http.Client{Transport: tr})}, opts...)...)
	}
	client := newClient(keys.Example)
	// Error cases: no retries, so that one call is one request and its error is the gateway's answer.
	once := func(key string) openai.Client { return newClient(key, option.WithMaxRetries(0)) }

	user := func(s string) []openai.ChatCompletionMessageParamUnion {
		return []openai.ChatCompletionMessageParamUnion{openai.UserMessage(s)}
	}
	lookup := openai.ChatCompletionFunctionTool(openai.FunctionDefinitionParam{
		Name:        "lookup",
		Description: openai.String("Looks a word up."),
		Parameters: openai.FunctionParameters{"type": "object", "properties": map[string]any{"query": map[string]any{"type": "string"}},
			"required": []string{"query"}},
	})
	var schema map[string]any
	require.NoError(t, json.Unmarshal([]byte(citySchema), &schema))

	cases := []struct {
		name string
		run  func() (outcome, error)
	}{
		{"models", func() (outcome, error) {
			var o outcome
			pager := client.Models.ListAutoPaging(ctx)
			for pager.Next() {
				o.Models = append(o.Models, pager.Current().ID)
			}
			if err := pager.Err(); err != nil {
				return o, err
			}
			m, err := client.Models.Get(ctx, "fast")
			if err != nil {
				return o, err
			}
			o.Retrieved = m.ID
			if m, err = client.Models.Get(ctx, "deepseek/deepseek-v4-pro"); err != nil {
				return o, err
			}
			o.RetrievedSlashed = m.ID
			return o, nil
		}},
		{"plain", func() (outcome, error) {
			var res *http.Response
			cc, err := client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
				Model:    "fast",
				Messages: append([]openai.ChatCompletionMessageParamUnion{openai.DeveloperMessage("Be brief.")}, user("hi")...),
			}, option.WithResponseInto(&res))
			if err != nil {
				return outcome{}, err
			}
			o := completionOutcome(cc)
			o.RequestID = res.Header.Get("X-Request-Id")
			return o, nil
		}},
		{"stream", func() (outcome, error) {
			st := client.Chat.Completions.NewStreaming(ctx, openai.ChatCompletionNewParams{
				Model: "fast", Messages: user("hi there"),
				StreamOptions: openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)},
			})
			defer st.Close()
			var o outcome
			var text strings.Builder
			for st.Next() {
				ch := st.Current()
				o.Chunks++
				if !slices.Contains(o.Objects, string(ch.Object)) {
					o.Objects = append(o.Objects, string(ch.Object))
				}
				for _, c := range ch.Choices {
					text.WriteString(c.Delta.Content)
					if c.FinishReason != "" {
						o.FinishReason = c.FinishReason
					}
				}
				if ch.JSON.Usage.Valid() && ch.Usage.TotalTokens > 0 {
					o.UsageChunks++
					o.TotalTokens = int(ch.Usage.TotalTokens)
					n := len(ch.Choices)
					o.UsageChunkChoices = &n
				}
			}
			o.Content = text.String()
			return o, st.Err()
		}},
		// The SDK's accumulator assembles the chunks into a completion.
		{"stream_helper", func() (outcome, error) {
			st := client.Chat.Completions.NewStreaming(ctx, openai.ChatCompletionNewParams{
				Model: "deepseek-v4-flash", Messages: user("assemble me"),
				StreamOptions: openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)},
			})
			defer st.Close()
			acc := openai.ChatCompletionAccumulator{}
			for st.Next() {
				acc.AddChunk(st.Current())
			}
			if err := st.Err(); err != nil {
				return outcome{}, err
			}
			return completionOutcome(&acc.ChatCompletion), nil
		}},
		{"tools", func() (outcome, error) {
			params := openai.ChatCompletionNewParams{Model: "fast", Messages: user("harbor"),
				Tools: []openai.ChatCompletionToolUnionParam{lookup}, ToolChoice: openai.ChatCompletionToolChoiceOptionUnionParam{OfAuto: openai.String("auto")}}
			cc, err := client.Chat.Completions.New(ctx, params)
			if err != nil {
				return outcome{}, err
			}
			o := outcome{FinishReason: cc.Choices[0].FinishReason}
			msg := cc.Choices[0].Message
			if len(msg.ToolCalls) == 0 {
				return o, nil
			}
			call := msg.ToolCalls[0]
			o.Tool, o.ToolArgs = call.Function.Name, json.RawMessage(call.Function.Arguments)
			// The second turn: the tool's result goes back, the model answers.
			// DeepSeek reasons by default and wants the turn's reasoning_content
			// back with its tool calls; ToParam drops that field, which openai-go
			// does not model, so it is put back as an extra field (without it:
			// the case tools_reasoning_restored, which the gateway mends).
			turn := msg.ToParam()
			if rc, ok := msg.JSON.ExtraFields["reasoning_content"]; ok { // Valid() is false for every extra field
				turn.OfAssistant.SetExtraFields(map[string]any{"reasoning_content": json.RawMessage(rc.Raw())})
			}
			params.Messages = append(params.Messages, turn, openai.ToolMessage("a port", call.ID))
			params.ToolChoice = openai.ChatCompletionToolChoiceOptionUnionParam{}
			next, err := client.Chat.Completions.New(ctx, params)
			if err != nil {
				return o, err
			}
			o.Content, o.NextFinishReason = next.Choices[0].Message.Content, next.Choices[0].FinishReason
			return o, nil
		}},
		// What openai-go does by itself: ToParam without reasoning_content. The
		// gateway restores it from the answer it gave (gateway/reasoning.go).
		{"tools_reasoning_restored", func() (outcome, error) {
			params := openai.ChatCompletionNewParams{Model: "fast", Messages: user("haven"),
				Tools: []openai.ChatCompletionToolUnionParam{lookup}}
			cc, err := client.Chat.Completions.New(ctx, params)
			if err != nil {
				return outcome{}, err
			}
			msg := cc.Choices[0].Message
			if len(msg.ToolCalls) == 0 {
				return outcome{}, errors.New("no tool call")
			}
			params.Messages = append(params.Messages, msg.ToParam(), openai.ToolMessage("a port", msg.ToolCalls[0].ID))
			params.ToolChoice = openai.ChatCompletionToolChoiceOptionUnionParam{}
			next, err := client.Chat.Completions.New(ctx, params)
			if err != nil {
				return outcome{}, err
			}
			return outcome{FinishReason: next.Choices[0].FinishReason, Content: next.Choices[0].Message.Content}, nil
		}},
		{"tools_stream", func() (outcome, error) {
			st := client.Chat.Completions.NewStreaming(ctx, openai.ChatCompletionNewParams{Model: "fast", Messages: user("harbour"),
				Tools: []openai.ChatCompletionToolUnionParam{lookup}})
			defer st.Close()
			acc := openai.ChatCompletionAccumulator{}
			for st.Next() {
				acc.AddChunk(st.Current())
			}
			if err := st.Err(); err != nil {
				return outcome{}, err
			}
			if len(acc.Choices) == 0 {
				return outcome{}, nil
			}
			o := outcome{FinishReason: acc.Choices[0].FinishReason}
			if calls := acc.Choices[0].Message.ToolCalls; len(calls) > 0 {
				o.Tool, o.ToolArgs = calls[0].Function.Name, json.RawMessage(calls[0].Function.Arguments)
			}
			return o, nil
		}},
		{"structured", func() (outcome, error) {
			cc, err := client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
				Model: "gpt-4o-mini", Messages: user("A city, as JSON."),
				ResponseFormat: openai.ChatCompletionNewParamsResponseFormatUnion{OfJSONSchema: &openai.ResponseFormatJSONSchemaParam{
					JSONSchema: openai.ResponseFormatJSONSchemaJSONSchemaParam{Name: "city", Strict: openai.Bool(true), Schema: schema},
				}},
			})
			if err != nil {
				return outcome{}, err
			}
			o := completionOutcome(cc)
			// openai-go has no parse helper for a schema given as a map: the
			// content is the JSON, as a Go program decodes it.
			var parsed struct {
				City       string   `json:"city"`
				Population int64    `json:"population"`
				Landmarks  []string `json:"landmarks"`
			}
			if err := json.Unmarshal([]byte(o.Content), &parsed); err != nil {
				return o, err
			}
			o.Parsed, _ = json.Marshal(parsed)
			return o, nil
		}},
		// A stream the vendor breaks after its first chunks: the gateway ends it
		// with an error event, which the SDK's stream reports.
		{"midstream_error", func() (outcome, error) {
			st := client.Chat.Completions.NewStreaming(ctx, openai.ChatCompletionNewParams{Model: "gpt-4o-mini", Messages: user("a stream that breaks")})
			defer st.Close()
			var o outcome
			for st.Next() {
				o.Chunks++
			}
			if err := st.Err(); err != nil {
				o.Error = goError(err)
			}
			return o, nil
		}},
		{"bad_key", func() (outcome, error) {
			return create(ctx, once("hk-not-a-key-of-this-gateway"), openai.ChatCompletionNewParams{Model: "fast", Messages: user("hi")})
		}},
		{"model_not_allowed", func() (outcome, error) {
			return create(ctx, once(keys.Narrow), openai.ChatCompletionNewParams{Model: "doubao-seed-1-6-251015", Messages: user("hi")})
		}},
		{"unknown_model", func() (outcome, error) {
			return create(ctx, once(keys.Example), openai.ChatCompletionNewParams{Model: "no-such-model", Messages: user("hi")})
		}},
		{"invalid_temperature", func() (outcome, error) {
			return create(ctx, once(keys.Example), openai.ChatCompletionNewParams{Model: "fast", Temperature: openai.Float(5), Messages: user("hi")})
		}},
		{"budget_exceeded", func() (outcome, error) {
			c := once(keys.Broke)
			if o, err := create(ctx, c, openai.ChatCompletionNewParams{Model: "fast", Messages: user("the only call this budget buys")}); err != nil {
				return o, err
			}
			return create(ctx, c, openai.ChatCompletionNewParams{Model: "fast", Messages: user("one too many")})
		}},
		{"key_rate_limited", func() (outcome, error) {
			c := once(keys.Limited)
			if o, err := create(ctx, c, openai.ChatCompletionNewParams{Model: "fast", Messages: user("the only call a minute")}); err != nil {
				return o, err
			}
			return create(ctx, c, openai.ChatCompletionNewParams{Model: "fast", Messages: user("one too many a minute")})
		}},
		{"too_large", func() (outcome, error) {
			return create(ctx, once(keys.Example), openai.ChatCompletionNewParams{Model: "fast", Messages: user(strings.Repeat("x", 5<<20))})
		}},
		{"provider_not_configured", func() (outcome, error) {
			return create(ctx, once(keys.Example), openai.ChatCompletionNewParams{Model: "moonshot-v1-8k", Messages: user("hi")})
		}},
		// With the SDK's retries: the gateway's X-Should-Retry: false stops them.
		{"not_configured_retried", func() (outcome, error) {
			requests := 0
			c := newClient(keys.Example, option.WithMiddleware(func(r *http.Request, next option.MiddlewareNext) (*http.Response, error) {
				requests++
				return next(r)
			}))
			o, err := create(ctx, c, openai.ChatCompletionNewParams{Model: "moonshot-v1-8k", Messages: user("hi")})
			o.Requests = requests
			return o, err
		}},
		{"vendor_server_error", func() (outcome, error) {
			return create(ctx, once(keys.Example), openai.ChatCompletionNewParams{Model: "doubao-seed-1-6-251015", Messages: user("the vendor fails")})
		}},
		// The SDK's own retries: a 502, then an answer.
		{"sdk_retries", func() (outcome, error) {
			return create(ctx, client, openai.ChatCompletionNewParams{Model: "doubao-seed-1-6-251015", Messages: user("the vendor fails once")})
		}},
		{"vendor_invalid", func() (outcome, error) {
			return create(ctx, once(keys.Example), openai.ChatCompletionNewParams{Model: "doubao-seed-1-6-251015", Messages: user("the vendor refuses")})
		}},
		{"vendor_timeout", func() (outcome, error) {
			return create(ctx, once(keys.Example), openai.ChatCompletionNewParams{Model: "ernie-speed-8k", Messages: user("the vendor is slow")})
		}},
		{"vendor_rate_limited", func() (outcome, error) {
			return create(ctx, once(keys.Example), openai.ChatCompletionNewParams{Model: "gpt-4o-mini", Messages: user("the vendor is busy")})
		}},
	}

	got := map[string]outcome{}
	for _, c := range cases {
		o, err := c.run()
		if err != nil {
			o.Error = goError(err)
		}
		got[c.name] = o
	}
	checkOutcomes(t, g, got, false)
	if t.Failed() {
		t.Logf("openai-go's outcomes: %s", describe(got))
		t.Logf("access log:\n%s", g.AccessLog())
	}
}

func create(ctx context.Context, c openai.Client, p openai.ChatCompletionNewParams) (outcome, error) {
	cc, err := c.Chat.Completions.New(ctx, p)
	if err != nil {
		return outcome{}, err
	}
	return completionOutcome(cc), nil
}

func completionOutcome(cc *openai.ChatCompletion) outcome {
	o := outcome{Object: string(cc.Object), Model: cc.Model, TotalTokens: int(cc.Usage.TotalTokens)}
	if len(cc.Choices) > 0 {
		o.Content, o.FinishReason = cc.Choices[0].Message.Content, cc.Choices[0].FinishReason
	}
	return o
}

// goError is err as openai-go gave it: an *openai.Error for an error answer,
// an *ssestream.StreamError for a stream's error event.
func goError(err error) *sdkError {
	var apiErr *openai.Error
	var streamErr *ssestream.StreamError
	switch {
	case errors.As(err, &apiErr):
		e := &sdkError{Classes: []string{"*openai.Error"}, Status: apiErr.StatusCode, Type: apiErr.Type, Code: apiErr.Code,
			Param: apiErr.Param, Message: apiErr.Message}
		if apiErr.Response != nil {
			e.RetryAfter = apiErr.Response.Header.Get("Retry-After")
		}
		return e
	case errors.As(err, &streamErr):
		var ev struct {
			Error struct {
				Message string `json:"message"`
				Type    string `json:"type"`
				Code    string `json:"code"`
			} `json:"error"`
		}
		_ = json.Unmarshal(streamErr.Event.Data, &ev)
		return &sdkError{Classes: []string{"*ssestream.StreamError"}, Type: ev.Error.Type, Code: ev.Error.Code, Message: ev.Error.Message}
	}
	return &sdkError{Classes: []string{"other"}, Message: err.Error()}
}
