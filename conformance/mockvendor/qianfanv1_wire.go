package mockvendor

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Baidu Qianfan v1 (legacy Wenxin/ERNIE) wire types and tables. Request types
// decode only what the mock validates or uses (unknown fields, including a
// stray "model", are ignored); response types are shaped so that
// encoding/json emits exactly the key set of the vendor's captures.

// --- endpoints ---

// qf1Model is what the mock knows about the model behind an endpoint path.
type qf1Model struct {
	name      string
	maxOutput int // upper bound of max_output_tokens
}

// qf1DefaultMaxOutput is max_output_tokens' upper bound for most models.
const qf1DefaultMaxOutput = 2048

// qf1Endpoints is the built-in endpoint table (vendor notes §3).
var qf1Endpoints = map[string]qf1Model{
	"completions_pro":      {"ERNIE-4.0-8K", qf1DefaultMaxOutput},
	"ernie-4.0-8k-latest":  {"ERNIE-4.0-8K-Latest", qf1DefaultMaxOutput},
	"ernie-4.0-8k-preview": {"ERNIE-4.0-8K-Preview", qf1DefaultMaxOutput},
	"ernie-4.0-turbo-8k":   {"ERNIE-4.0-Turbo-8K", qf1DefaultMaxOutput},
	"ernie-4.0-turbo-128k": {"ERNIE-4.0-Turbo-128K", qf1DefaultMaxOutput},
	"completions":          {"ERNIE-3.5-8K", qf1DefaultMaxOutput},
	"ernie-3.5-128k":       {"ERNIE-3.5-128K", qf1DefaultMaxOutput},
	"ernie_speed":          {"ERNIE-Speed-8K", qf1DefaultMaxOutput},
	"ernie-speed-128k":     {"ERNIE-Speed-128K", 4096},
	"ernie-speed-pro-128k": {"ERNIE-Speed-Pro-128K", qf1DefaultMaxOutput},
	"ernie-lite-8k":        {"ERNIE-Lite-8K", qf1DefaultMaxOutput},
	"eb-instant":           {"ERNIE-Lite-8K-0922", qf1DefaultMaxOutput},
	"ernie-tiny-8k":        {"ERNIE-Tiny-8K", qf1DefaultMaxOutput},
	"ernie-char-8k":        {"ERNIE-Character-8K", qf1DefaultMaxOutput},
	"ernie-novel-8k":       {"ERNIE-Novel-8K", qf1DefaultMaxOutput},
	"ernie-func-8k":        {"ERNIE-Function-8K", qf1DefaultMaxOutput},
}

// qf1BuildEndpoints merges the configured extra endpoints over the built-in
// table. An extra endpoint naming a built-in model (case-insensitively)
// inherits that model's limits.
func qf1BuildEndpoints(extra map[string]string) map[string]qf1Model {
	if len(extra) == 0 {
		return qf1Endpoints
	}
	out := make(map[string]qf1Model, len(qf1Endpoints)+len(extra))
	for k, v := range qf1Endpoints {
		out[k] = v
	}
	for path, name := range extra {
		m := qf1Model{name: name, maxOutput: qf1DefaultMaxOutput}
		for _, known := range qf1Endpoints {
			if strings.EqualFold(known.name, name) {
				m.maxOutput = known.maxOutput
				break
			}
		}
		out[strings.Trim(path, "/")] = m
	}
	return out
}

// --- error codes ---

// Error codes the mock sends (vendor notes §3).
const (
	qf1ErrUnknown           = 1
	qf1ErrUnavailable       = 2
	qf1ErrUnsupportedMethod = 3
	qf1ErrNoPermission      = 6
	qf1ErrIAMCertification  = 14
	qf1ErrQPSLimit          = 18
	qf1ErrTokenInvalid      = 110
	qf1ErrTokenExpired      = 111
	qf1ErrInternal          = 336000
	qf1ErrInvalidArgument   = 336001
	qf1ErrInvalidJSON       = 336002
	qf1ErrInvalidParam      = 336003
	qf1ErrAPINameNotExist   = 336005
	qf1ErrServerHighLoad    = 336100
	qf1ErrInvalidHTTPMethod = 336101
	qf1ErrRPMLimit          = 336501
	qf1ErrTPMLimit          = 336502
)

// Headers: the SDK sends Request_id and reads X-Baidu-Request-Id; the rate
// limit values are arbitrary but fixed.
const (
	qf1RequestIDHeader       = "X-Baidu-Request-Id"
	qf1ClientRequestIDHeader = "Request_id"
	qf1RateLimitRequests     = "300"
	qf1RateLimitTokens       = "300000"
)

// qf1ErrorMessages holds the documented error_msg for each code.
var qf1ErrorMessages = map[int]string{
	1:      "Unknown error",
	2:      "Service temporarily unavailable",
	3:      "Unsupported openapi method",
	4:      "Open api request limit reached",
	6:      "No permission to access data",
	13:     "Get service token failed",
	14:     "IAM Certification failed",
	15:     "app not exists or create failed",
	17:     "Open api daily request limit reached",
	18:     "Open api qps request limit reached",
	19:     "Open api total request limit reached",
	100:    "Invalid parameter",
	110:    "Access token invalid or no longer valid",
	111:    "Access token expired",
	336000: "Internal error",
	336001: "Invalid Argument",
	336002: "Invalid JSON",
	336003: "Invalid param",
	336004: "Permission error",
	336005: "API name not exist",
	336100: "Server high load",
	336101: "Invalid HTTP method",
	336104: "invalid system",
	336105: "invalid user_setting",
	336501: "RPM limit reached",
	336502: "TPM limit reached",
}

// qf1ErrorMessage returns the documented message for code, or
// "Unknown error" for codes the notes do not list.
func qf1ErrorMessage(code int) string {
	if m, ok := qf1ErrorMessages[code]; ok {
		return m
	}
	return qf1ErrorMessages[qf1ErrUnknown]
}

// qf1StatusCode is the error_code sent with a Status fault whose ErrorCode
// is zero.
func qf1StatusCode(status int) int {
	switch status {
	case 400:
		return qf1ErrInvalidParam
	case 401:
		return qf1ErrIAMCertification
	case 403:
		return qf1ErrNoPermission
	case 404:
		return qf1ErrAPINameNotExist
	case 405:
		return qf1ErrInvalidHTTPMethod
	case 429:
		return qf1ErrRPMLimit
	case 502, 504:
		return qf1ErrUnavailable
	case 503:
		return qf1ErrServerHighLoad
	}
	if status >= 500 {
		return qf1ErrInternal
	}
	return qf1ErrUnknown
}

// qf1ErrorBody is every chat-route error: HTTP 200 (usually) with this body.
type qf1ErrorBody struct {
	ErrorCode int    `json:"error_code"`
	ErrorMsg  string `json:"error_msg"`
}

// qf1OAuthError is the token endpoint's OAuth 2.0 error body.
type qf1OAuthError struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

// qf1TokenResponse is a successful token grant.
type qf1TokenResponse struct {
	RefreshToken  string `json:"refresh_token"`
	ExpiresIn     int64  `json:"expires_in"`
	SessionKey    string `json:"session_key"`
	AccessToken   string `json:"access_token"`
	Scope         string `json:"scope"`
	SessionSecret string `json:"session_secret"`
}

// qf1Scope is a plausible scope list; clients should not read it.
const qf1Scope = "public brain_all_scope wenxinworkshop_mgr ai_custom_yiyan_com ai_custom_yiyan_com_eb_instant " +
	"ai_custom_yiyan_com_ernie_speed"

// --- chat request ---

type qf1ChatRequest struct {
	Messages        []qf1Message     `json:"messages"`
	System          *string          `json:"system"`
	Temperature     *float64         `json:"temperature"`
	TopP            *float64         `json:"top_p"`
	PenaltyScore    *float64         `json:"penalty_score"`
	Stop            []string         `json:"stop"`
	MaxOutputTokens *int             `json:"max_output_tokens"`
	ResponseFormat  *string          `json:"response_format"`
	DisableSearch   *bool            `json:"disable_search"`
	EnableCitation  *bool            `json:"enable_citation"`
	EnableTrace     *bool            `json:"enable_trace"`
	UserID          *string          `json:"user_id"`
	Functions       []qf1FunctionDef `json:"functions"`
	ToolChoice      qf1ToolChoice    `json:"tool_choice"`
	Stream          bool             `json:"stream"`
}

// qf1Message reuses DeepSeek's content decoder, which records whether the
// content was a string, null, missing or something else without failing.
type qf1Message struct {
	Role         string     `json:"role"`
	Content      dsContent  `json:"content"`
	Name         *string    `json:"name"`
	FunctionCall *skipValue `json:"function_call"`
}

// qf1FunctionDef keeps parameters raw for the toy model, which builds the
// call's arguments from them; responses and examples are never read.
type qf1FunctionDef struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Parameters  json.RawMessage `json:"parameters"`
}

// qf1ToolChoice accepts {"type":"function","function":{"name":…}} and,
// tolerantly, the strings "auto" and "none".
type qf1ToolChoice struct {
	set  bool
	none bool
	name string
	bad  string // non-empty when the value is not acceptable
}

func (t *qf1ToolChoice) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] == 'n' {
		return nil
	}
	t.set = true
	if b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		switch s {
		case "auto":
		case "none":
			t.none = true
		default:
			t.bad = "Invalid param: tool_choice must be an object {\"type\":\"function\",\"function\":{\"name\":...}}"
		}
		return nil
	}
	var named struct {
		Type     string `json:"type"`
		Function *struct {
			Name string `json:"name"`
		} `json:"function"`
	}
	if err := json.Unmarshal(b, &named); err != nil || named.Type != "function" || named.Function == nil || named.Function.Name == "" {
		t.bad = "Invalid param: tool_choice must be an object {\"type\":\"function\",\"function\":{\"name\":...}}"
		return nil
	}
	t.name = named.Function.Name
	return nil
}

// --- chat response ---

type qf1Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

type qf1FunctionCall struct {
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
	Thoughts  string `json:"thoughts"`
}

// qf1Completion is a non-streaming answer: no choices, no model.
type qf1Completion struct {
	ID               string           `json:"id"`
	Object           string           `json:"object"`
	Created          int64            `json:"created"`
	Result           string           `json:"result"`
	IsTruncated      bool             `json:"is_truncated"`
	NeedClearHistory bool             `json:"need_clear_history"`
	FinishReason     string           `json:"finish_reason"`
	Flag             int              `json:"flag"`
	FunctionCall     *qf1FunctionCall `json:"function_call,omitempty"`
	Usage            qf1Usage         `json:"usage"`
}

// qf1Event is one streaming event. Every event has object
// "chat.completion"; the last one has is_end true.
type qf1Event struct {
	ID               string           `json:"id"`
	Object           string           `json:"object"`
	Created          int64            `json:"created"`
	SentenceID       int              `json:"sentence_id"`
	IsEnd            bool             `json:"is_end"`
	IsTruncated      bool             `json:"is_truncated"`
	Result           string           `json:"result"`
	NeedClearHistory bool             `json:"need_clear_history"`
	FinishReason     string           `json:"finish_reason"`
	FunctionCall     *qf1FunctionCall `json:"function_call,omitempty"`
	Usage            qf1Usage         `json:"usage"`
}
