package llm

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// ChatRequest is an OpenAI-shaped chat completion request. Model and Messages are
// required; every optional scalar is an Opt so that zero values (temperature 0) can
// be sent. Fields a vendor does not support are rejected by its provider with a clear
// *Error before any I/O, never silently dropped.
type ChatRequest struct {
	// Model is a model name ("deepseek-v4-flash"), an alias, or the explicit
	// "vendor/model" form ("deepseek/deepseek-v4-pro").
	Model    string    `json:"model"`
	Messages []Message `json:"messages"`

	Temperature      Opt[float64] `json:"temperature,omitzero"`
	TopP             Opt[float64] `json:"top_p,omitzero"`
	FrequencyPenalty Opt[float64] `json:"frequency_penalty,omitzero"`
	PresencePenalty  Opt[float64] `json:"presence_penalty,omitzero"`

	// MaxTokens caps the answer. MaxCompletionTokens caps answer plus reasoning where
	// the vendor distinguishes them (Ark, OpenAI and OpenAI-compatible servers);
	// DeepSeek and Wenxin use it as MaxTokens when MaxTokens is unset.
	MaxTokens           Opt[int] `json:"max_tokens,omitzero"`
	MaxCompletionTokens Opt[int] `json:"max_completion_tokens,omitzero"`

	N    Opt[int]   `json:"n,omitzero"`
	Seed Opt[int64] `json:"seed,omitzero"`
	Stop []string   `json:"stop,omitempty"`

	ResponseFormat    *ResponseFormat `json:"response_format,omitempty"`
	Tools             []Tool          `json:"tools,omitempty"`
	ToolChoice        *ToolChoice     `json:"tool_choice,omitempty"`
	ParallelToolCalls Opt[bool]       `json:"parallel_tool_calls,omitzero"`

	Logprobs    Opt[bool] `json:"logprobs,omitzero"`
	TopLogprobs Opt[int]  `json:"top_logprobs,omitzero"`

	// User identifies the end user to the vendor (DeepSeek's user_id).
	User string `json:"user,omitempty"`

	// Thinking turns the model's reasoning on or off where the vendor supports it
	// (DeepSeek, Ark, and OpenAI-compatible endpoints with PassThinking such as
	// Moonshot and Zhipu); OpenAI and Qianfan reject it, Wenxin accepts only
	// disabled. Nil leaves the vendor's per-model default.
	Thinking *Thinking `json:"thinking,omitempty"`
	// ReasoningEffort ("minimal", "low", "medium", "high", "max"…) is sent when the
	// vendor accepts the value and rejected before any I/O when it does not: DeepSeek
	// takes low, medium, high, max and xhigh (it treats low/medium as high and xhigh
	// as max), Ark minimal to high, OpenAI-compatible servers judge it themselves,
	// Baidu's APIs reject it.
	ReasoningEffort string `json:"reasoning_effort,omitempty"`
	// WebSearch asks Baidu's ERNIE models to search the web (Qianfan v2's web_search;
	// Wenxin v1's disable_search/enable_citation/enable_trace). Other vendors reject it.
	WebSearch *WebSearch `json:"web_search,omitempty"`

	// ExtraBody holds vendor-specific fields sent as-is at the top level of the
	// vendor's request body. A key here overrides a field harbor sets.
	ExtraBody map[string]any `json:"-"`
}

// Thinking types.
const (
	ThinkingEnabled  = "enabled"
	ThinkingDisabled = "disabled"
	ThinkingAuto     = "auto"
)

// WebSearch configures Baidu's web search. Results come back in
// ChatCompletion.SearchResults.
type WebSearch struct {
	Enable         bool     `json:"enable"`
	EnableCitation bool     `json:"enable_citation,omitzero"`
	EnableTrace    bool     `json:"enable_trace,omitzero"`
	EnableStatus   bool     `json:"enable_status,omitzero"`
	SearchNum      Opt[int] `json:"search_num,omitzero"`    // 1–28 on Qianfan v2
	ReferenceNum   Opt[int] `json:"reference_num,omitzero"` // how many results the answer may cite
}

// Thinking selects reasoning mode.
type Thinking struct {
	Type string `json:"type"`
}

// ResponseFormat asks for text, any JSON object, or JSON matching a schema.
type ResponseFormat struct {
	Type       string      `json:"type"` // "text", "json_object" or "json_schema"
	JSONSchema *JSONSchema `json:"json_schema,omitempty"`
}

// JSONSchema is the schema of a json_schema response format.
type JSONSchema struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Schema      json.RawMessage `json:"schema,omitempty"`
	Strict      Opt[bool]       `json:"strict,omitzero"`
}

// Tool is a function the model may call.
type Tool struct {
	Type     string             `json:"type"` // "function"
	Function FunctionDefinition `json:"function"`
}

// FunctionTool returns a function tool; parameters is its JSON Schema (any value
// encoding/json can marshal, or a json.RawMessage).
func FunctionTool(name, description string, parameters any) Tool {
	return Tool{Type: "function", Function: FunctionDefinition{Name: name, Description: description, Parameters: parameters}}
}

// FunctionDefinition describes a callable function.
type FunctionDefinition struct {
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	Parameters  any       `json:"parameters,omitempty"`
	Strict      Opt[bool] `json:"strict,omitzero"`
}

// Tool choice modes.
const (
	ToolChoiceNone     = "none"
	ToolChoiceAuto     = "auto"
	ToolChoiceRequired = "required"
)

// ToolChoice is either a mode ("none", "auto", "required") or a named function.
// In JSON it is the mode string, or {"type":"function","function":{"name":…}}.
type ToolChoice struct {
	Mode     string // set for a mode
	Function string // set to force one function
}

// MarshalJSON writes the mode string or the named-function object.
func (t ToolChoice) MarshalJSON() ([]byte, error) {
	if t.Function != "" {
		return json.Marshal(map[string]any{"type": "function", "function": map[string]string{"name": t.Function}})
	}
	return json.Marshal(t.Mode)
}

// UnmarshalJSON accepts either form.
func (t *ToolChoice) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		*t = ToolChoice{}
		return json.Unmarshal(b, &t.Mode)
	}
	var named struct {
		Type     string `json:"type"`
		Function struct {
			Name string `json:"name"`
		} `json:"function"`
	}
	if err := json.Unmarshal(b, &named); err != nil {
		return err
	}
	if named.Function.Name == "" {
		return fmt.Errorf("tool_choice object needs function.name")
	}
	*t = ToolChoice{Function: named.Function.Name}
	return nil
}
