package mockvendor

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
)

// DeepSeek wire types. Request types decode only what the mock validates or
// uses (unknown fields are ignored, as DeepSeek does), and the response types
// are shaped so that encoding/json emits exactly DeepSeek's key set: which
// keys are present, absent or null is part of the contract being mocked.

// --- request ---

type dsChatRequest struct {
	Model            *string           `json:"model"`
	Messages         []dsMessage       `json:"messages"`
	Thinking         *dsThinking       `json:"thinking"`
	ReasoningEffort  *string           `json:"reasoning_effort"`
	MaxTokens        *int              `json:"max_tokens"`
	Temperature      *float64          `json:"temperature"`
	TopP             *float64          `json:"top_p"`
	FrequencyPenalty *float64          `json:"frequency_penalty"`
	PresencePenalty  *float64          `json:"presence_penalty"`
	Stop             dsStop            `json:"stop"`
	Stream           bool              `json:"stream"`
	StreamOptions    *dsStreamOptions  `json:"stream_options"`
	ResponseFormat   *dsResponseFormat `json:"response_format"`
	Tools            []dsTool          `json:"tools"`
	ToolChoice       dsToolChoice      `json:"tool_choice"`
	Logprobs         bool              `json:"logprobs"`
	TopLogprobs      *int              `json:"top_logprobs"`
	UserID           *string           `json:"user_id"`
}

type dsMessage struct {
	Role             string      `json:"role"`
	Content          dsContent   `json:"content"`
	ReasoningContent *string     `json:"reasoning_content"`
	ToolCalls        []skipValue `json:"tool_calls"`
	ToolCallID       *string     `json:"tool_call_id"`
}

type dsThinking struct {
	Type *string `json:"type"`
}

type dsStreamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

type dsResponseFormat struct {
	Type string `json:"type"`
}

type dsTool struct {
	Type     string      `json:"type"`
	Function *dsFunction `json:"function"`
}

// dsFunction keeps parameters raw: only the called tool's schema is ever
// read, by the toy model that builds its arguments.
type dsFunction struct {
	Name       string          `json:"name"`
	Parameters json.RawMessage `json:"parameters"`
}

// toolParams returns the parameter schema of the tool named name.
func toolParams(tools []dsTool, name string) []byte {
	if name == "" {
		return nil
	}
	for _, t := range tools {
		if t.Function != nil && t.Function.Name == name {
			return t.Function.Parameters
		}
	}
	return nil
}

// skipValue accepts any JSON value without keeping it; used where only the
// count of elements matters.
type skipValue struct{}

func (*skipValue) UnmarshalJSON([]byte) error { return nil }

// deserializeError is a request-shape error that DeepSeek reports as 422
// "Failed to deserialize the JSON body into the target type: ...".
type deserializeError struct{ msg string }

func (e *deserializeError) Error() string { return e.msg }

// contentKind records what JSON type a message's content had, because
// DeepSeek distinguishes "absent", null, string and the (rejected) array.
type contentKind uint8

const (
	contentMissing contentKind = iota
	contentNull
	contentString
	contentArray
	contentOther
)

type dsContent struct {
	kind contentKind
	text string
	desc string // serde-style description of a non-string value
}

func (c *dsContent) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil
	}
	switch b[0] {
	case 'n':
		c.kind = contentNull
	case '"':
		c.kind = contentString
		if bytes.IndexByte(b, '\\') < 0 && len(b) >= 2 {
			c.text = string(b[1 : len(b)-1]) // fast path: nothing to unescape
			return nil
		}
		return json.Unmarshal(b, &c.text)
	case '[':
		c.kind = contentArray
		c.desc = "sequence"
	case '{':
		c.kind = contentOther
		c.desc = "map"
	case 't', 'f':
		c.kind = contentOther
		c.desc = "boolean `" + string(b) + "`"
	default:
		c.kind = contentOther
		c.desc = "number `" + string(b) + "`"
	}
	return nil
}

// dsStop accepts DeepSeek's "string or array of strings".
type dsStop struct {
	list []string
}

func (s *dsStop) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] == 'n' {
		return nil
	}
	if b[0] == '"' {
		var one string
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		s.list = []string{one}
		return nil
	}
	if b[0] == '[' {
		if err := json.Unmarshal(b, &s.list); err == nil {
			return nil
		}
	}
	return &deserializeError{"stop: data did not match any variant of untagged enum StopSequences"}
}

// dsToolChoice accepts "none"|"auto"|"required" or
// {"type":"function","function":{"name":...}}.
type dsToolChoice struct {
	set  bool
	mode string // none, auto, required, or "" for a named function
	name string
	bad  string // non-empty when the value is not acceptable
}

func (t *dsToolChoice) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] == 'n' {
		return nil
	}
	t.set = true
	if b[0] == '"' {
		if err := json.Unmarshal(b, &t.mode); err != nil {
			return err
		}
		switch t.mode {
		case "none", "auto", "required":
		default:
			t.bad = fmt.Sprintf("Invalid tool_choice value %q: expected none, auto, required or a function object", t.mode)
		}
		return nil
	}
	var named struct {
		Type     string `json:"type"`
		Function *struct {
			Name string `json:"name"`
		} `json:"function"`
	}
	if err := json.Unmarshal(b, &named); err != nil {
		return &deserializeError{"tool_choice: data did not match any variant of untagged enum ChatCompletionToolChoice"}
	}
	if named.Type != "function" || named.Function == nil || named.Function.Name == "" {
		t.bad = "Invalid tool_choice: a named tool choice needs type \"function\" and function.name"
		return nil
	}
	t.name = named.Function.Name
	return nil
}

// --- response ---

type dsCompletion struct {
	ID                string      `json:"id"`
	Object            string      `json:"object"`
	Created           int64       `json:"created"`
	Model             string      `json:"model"`
	SystemFingerprint string      `json:"system_fingerprint"`
	Choices           [1]dsChoice `json:"choices"`
	Usage             *dsUsage    `json:"usage"`
}

type dsChoice struct {
	Index        int         `json:"index"`
	Message      dsOutMsg    `json:"message"`
	Logprobs     *dsLogprobs `json:"logprobs"`
	FinishReason string      `json:"finish_reason"`
}

type dsOutMsg struct {
	Role             string          `json:"role"`
	Content          string          `json:"content"`
	ReasoningContent *string         `json:"reasoning_content,omitempty"`
	ToolCalls        []dsOutToolCall `json:"tool_calls,omitempty"`
}

type dsOutToolCall struct {
	ID       string        `json:"id"`
	Type     string        `json:"type"`
	Function dsOutFunction `json:"function"`
}

type dsOutFunction struct {
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

type dsLogprobs struct {
	Content []dsTokenLogprob `json:"content"`
}

type dsTokenLogprob struct {
	Token       string           `json:"token"`
	Logprob     float64          `json:"logprob"`
	Bytes       []int            `json:"bytes"`
	TopLogprobs []dsTokenLogprob `json:"top_logprobs"`
}

type dsUsage struct {
	PromptTokens            int                 `json:"prompt_tokens"`
	CompletionTokens        int                 `json:"completion_tokens"`
	TotalTokens             int                 `json:"total_tokens"`
	PromptTokensDetails     dsPromptDetails     `json:"prompt_tokens_details"`
	PromptCacheHitTokens    int                 `json:"prompt_cache_hit_tokens"`
	PromptCacheMissTokens   int                 `json:"prompt_cache_miss_tokens"`
	CompletionTokensDetails dsCompletionDetails `json:"completion_tokens_details"`
}

type dsPromptDetails struct {
	CachedTokens int `json:"cached_tokens"`
}

type dsCompletionDetails struct {
	ReasoningTokens int `json:"reasoning_tokens"`
}

// dsChunk is one streaming event. Usage is an interface so that it can be
// absent (nil interface, omitted by omitzero), null (a typed nil *dsUsage) or
// an object, which is exactly DeepSeek's three-way behaviour.
type dsChunk struct {
	ID                string           `json:"id"`
	Object            string           `json:"object"`
	Created           int64            `json:"created"`
	Model             string           `json:"model"`
	SystemFingerprint string           `json:"system_fingerprint"`
	Choices           [1]dsChunkChoice `json:"choices"`
	Usage             any              `json:"usage,omitzero"`
}

type dsChunkChoice struct {
	Index        int         `json:"index"`
	Delta        any         `json:"delta"`
	Logprobs     *dsLogprobs `json:"logprobs"`
	FinishReason *string     `json:"finish_reason"`
}

// Delta shapes, one type per shape DeepSeek sends.
type (
	dsRoleDelta struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	}
	dsContentDelta struct {
		Content string `json:"content"`
	}
	dsReasoningDelta struct {
		Content          *string `json:"content"` // always null
		ReasoningContent string  `json:"reasoning_content"`
	}
	dsToolDelta struct {
		ToolCalls [1]dsToolCallDelta `json:"tool_calls"`
	}
	dsToolCallDelta struct {
		Index    int             `json:"index"`
		ID       string          `json:"id,omitempty"`
		Type     string          `json:"type,omitempty"`
		Function dsFunctionDelta `json:"function"`
	}
	dsFunctionDelta struct {
		Name      string `json:"name,omitempty"`
		Arguments string `json:"arguments"`
	}
)

// dsModelList is GET /models.
type dsModelList struct {
	Object string    `json:"object"`
	Data   []dsModel `json:"data"`
}

type dsModel struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	OwnedBy string `json:"owned_by"`
}

// dsBalance is GET /user/balance; amounts are strings on the wire.
type dsBalance struct {
	IsAvailable  bool            `json:"is_available"`
	BalanceInfos []dsBalanceInfo `json:"balance_infos"`
}

type dsBalanceInfo struct {
	Currency        string `json:"currency"`
	TotalBalance    string `json:"total_balance"`
	GrantedBalance  string `json:"granted_balance"`
	ToppedUpBalance string `json:"topped_up_balance"`
}

// dsErrorBody is the OpenAI-style error envelope. Param is always null in
// the captures we have; Code is always a string in this mock (see errorInfo).
type dsErrorBody struct {
	Error dsErrorDetail `json:"error"`
}

type dsErrorDetail struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    string  `json:"code"`
}

// --- encoding ---

// encBuf is a pooled buffer with an encoder bound to it, so that encoding a
// response or a stream chunk costs no buffer or encoder allocation.
type encBuf struct {
	buf bytes.Buffer
	enc *json.Encoder
}

var encPool = sync.Pool{New: func() any {
	e := &encBuf{}
	e.enc = json.NewEncoder(&e.buf)
	// Vendors send "<" and "&" unescaped; so should the mock.
	e.enc.SetEscapeHTML(false)
	return e
}}

func getEnc() *encBuf {
	e := encPool.Get().(*encBuf)
	e.buf.Reset()
	return e
}

func putEnc(e *encBuf) {
	if e.buf.Cap() > 1<<20 { // let unusually large buffers go
		return
	}
	encPool.Put(e)
}

// jsonString returns s as a JSON string literal without HTML escaping.
func jsonString(s string) string {
	e := getEnc()
	defer putEnc(e)
	_ = e.enc.Encode(s) // a string cannot fail to encode
	return strings.TrimSuffix(e.buf.String(), "\n")
}
