package structured_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/conformance/harbortest"
	"github.com/harborai/harbor-go/harbor"
	"github.com/harborai/harbor-go/structured"
)

// answerBody is a vendor's non-streamed answer carrying text: Wenxin's result
// shape, or the OpenAI shape the others share.
func answerBody(v harbortest.Vendor, text string) string {
	t, _ := json.Marshal(text)
	if v == harbortest.Wenxin {
		return `{"id":"as-1","object":"chat.completion","created":1,"result":` + string(t) +
			`,"is_truncated":false,"need_clear_history":false,"finish_reason":"normal",` +
			`"usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15}}`
	}
	return `{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,` +
		`"message":{"role":"assistant","content":` + string(t) + `},"finish_reason":"stop"}],` +
		`"usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15}}`
}

// The built-in providers, against their mock vendors with scripted answers (a
// bad one, then a good one): what each puts on the wire for a typed call and
// its repair turn. DeepSeek and Wenxin get json_object and the schema in the
// system prompt; the others json_schema. The mocks' own answers are not used:
// this checks the requests, which the providers' vendor rules (DeepSeek's
// "json" in the prompt, Wenxin's turn order) and the spec check accept.
func TestCreateJSONOnTheWire(t *testing.T) {
	native := map[harbortest.Vendor]bool{harbortest.DeepSeek: false, harbortest.Wenxin: false,
		harbortest.Doubao: true, harbortest.Qianfan: true, harbortest.OpenAI: true}
	for _, v := range harbortest.Vendors() {
		t.Run(string(v), func(t *testing.T) {
			m := harbortest.Start(t, v)
			m.Enqueue(harbortest.ReplyJSON(200, answerBody(v, `{"customer":"Li Lei","total":"12.5","lines":[]}`)),
				harbortest.ReplyJSON(200, answerBody(v, goodInvoice)))
			req := &harbor.ChatRequest{Model: m.Model(), Messages: []harbor.Message{
				harbor.SystemMessage("You read invoices."),
				harbor.UserMessage("Li Lei bought 2 of A-1, 12.5 in all."),
			}}
			if v == harbortest.DeepSeek || v == harbortest.Doubao {
				req.Thinking = &harbor.Thinking{Type: harbor.ThinkingDisabled}
			}
			res, err := structured.CreateJSON[invoice](context.Background(), m.Client(), req)
			require.NoError(t, err)
			assert.Equal(t, native[v], res.Native)
			assert.True(t, res.Repaired)
			assert.Equal(t, "Li Lei", res.Value.Customer)
			assert.Equal(t, 30, res.Usage.TotalTokens)

			sent := m.ChatRequests()
			require.Len(t, sent, 2)
			for i, r := range sent {
				var body struct {
					System         string          `json:"system"`
					ResponseFormat json.RawMessage `json:"response_format"`
					Messages       []struct {
						Role    string `json:"role"`
						Content string `json:"content"`
					} `json:"messages"`
				}
				require.NoError(t, json.Unmarshal(r.Body, &body), "request %d", i+1)
				var prompt strings.Builder
				prompt.WriteString(body.System)
				for _, msg := range body.Messages {
					if msg.Role == "system" {
						prompt.WriteString(msg.Content)
					}
				}
				switch {
				case native[v]:
					var rf struct {
						Type       string `json:"type"`
						JSONSchema struct {
							Name   string          `json:"name"`
							Schema json.RawMessage `json:"schema"`
							Strict *bool           `json:"strict"`
						} `json:"json_schema"`
					}
					require.NoError(t, json.Unmarshal(body.ResponseFormat, &rf))
					assert.Equal(t, "json_schema", rf.Type)
					assert.Equal(t, "invoice", rf.JSONSchema.Name)
					assert.Contains(t, string(rf.JSONSchema.Schema), `"customer"`)
					require.NotNil(t, rf.JSONSchema.Strict)
					assert.True(t, *rf.JSONSchema.Strict)
					assert.NotContains(t, prompt.String(), "JSON Schema")
				case v == harbortest.Wenxin:
					assert.JSONEq(t, `"json_object"`, string(body.ResponseFormat), "Wenxin's format is a string")
					assert.Contains(t, body.System, "JSON Schema", "the schema rides in Wenxin's top-level system")
				default:
					assert.JSONEq(t, `{"type":"json_object"}`, string(body.ResponseFormat))
					assert.Contains(t, prompt.String(), "JSON Schema")
				}
				assert.Contains(t, prompt.String(), "You read invoices.")
			}
			var second struct {
				Messages []struct {
					Role    string `json:"role"`
					Content string `json:"content"`
				} `json:"messages"`
			}
			require.NoError(t, json.Unmarshal(sent[1].Body, &second))
			n := len(second.Messages)
			require.GreaterOrEqual(t, n, 3)
			assert.Equal(t, "assistant", second.Messages[n-2].Role)
			assert.Equal(t, "user", second.Messages[n-1].Role)
			assert.Contains(t, second.Messages[n-1].Content, "at /total")
		})
	}
}

// A chain that may end at a vendor without json_schema is emulated throughout,
// so that moving on from Doubao to DeepSeek meets no refusal.
func TestCreateJSONThroughAChain(t *testing.T) {
	ark := harbortest.Start(t, harbortest.Doubao, harbortest.WithoutSpecCheck())
	ds := harbortest.Start(t, harbortest.DeepSeek, harbortest.WithoutSpecCheck())
	c, err := harbor.New(append(append(ark.Options(), ds.Options()...), harbor.WithMaxRetries(0),
		harbor.WithFallback("typed", ark.Model(), ds.Model()))...)
	require.NoError(t, err)
	ark.Enqueue(harbortest.ServerError())
	ds.Enqueue(harbortest.ReplyJSON(200, answerBody(harbortest.DeepSeek, goodInvoice)))
	res, err := structured.CreateJSON[invoice](context.Background(), c, &harbor.ChatRequest{Model: "typed",
		Messages: []harbor.Message{harbor.UserMessage("Li Lei bought 2 of A-1, 12.5 in all.")}})
	require.NoError(t, err)
	assert.False(t, res.Native, "emulated: the chain may reach DeepSeek")
	assert.Equal(t, "Li Lei", res.Value.Customer)
	require.NotNil(t, res.Completion.Fallback)
	assert.Equal(t, ds.Model(), res.Completion.Fallback.Model)
}

// The mocks answer typed calls on their own: the same CreateJSON call returns
// the same value from DeepSeek, Doubao, Wenxin v1, Qianfan v2 and OpenAI by
// changing only the model name — natively or emulated.
func TestCreateJSONSameValueOnEveryMock(t *testing.T) {
	type city struct {
		Name       string `json:"name"`
		Population int    `json:"population"`
		Capital    bool   `json:"capital"`
	}
	var values []city
	for _, v := range harbortest.Vendors() {
		t.Run(string(v), func(t *testing.T) {
			m := harbortest.Start(t, v)
			req := &harbor.ChatRequest{Model: m.Model(), Messages: []harbor.Message{harbor.UserMessage("Beijing")}}
			res, err := structured.CreateJSON[city](context.Background(), m.Client(), req)
			require.NoError(t, err)
			assert.False(t, res.Repaired, "valid at once")
			values = append(values, res.Value)
		})
	}
	for i := 1; i < len(values); i++ {
		assert.Equal(t, values[0], values[i], "the same value from every vendor")
	}
}

// A model whose JSON never validates ends, on every vendor, in a typed error
// after exactly one repair turn — never a loop.
func TestCreateJSONFailsAfterOneRepairOnEveryMock(t *testing.T) {
	for _, v := range harbortest.Vendors() {
		t.Run(string(v), func(t *testing.T) {
			m := harbortest.Start(t, v)
			bad := `{"customer": 42}`
			m.Enqueue(harbortest.Fault{Content: bad}, harbortest.Fault{Content: bad})
			req := &harbor.ChatRequest{Model: m.Model(), Messages: []harbor.Message{harbor.UserMessage("Li Lei bought 2 of A-1.")}}
			_, err := structured.CreateJSON[invoice](context.Background(), m.Client(), req)
			require.ErrorIs(t, err, harbor.ErrBadResponse)
			var je *structured.JSONError
			require.ErrorAs(t, err, &je)
			assert.Equal(t, bad, je.Raw)
			assert.NotEmpty(t, je.Violations)
			assert.Len(t, m.ChatRequests(), 2, "the call and one repair turn")
		})
	}
}
