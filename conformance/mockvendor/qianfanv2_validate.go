package mockvendor

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Request validation for the Qianfan v2 mock. The rules and codes follow
// vendors.md §4 and Baidu's v2 reference; the message texts are the mock's
// own (Baidu's are not recorded).

// qf2Plan is a validated request.
type qf2Plan struct {
	turn         oaiTurn
	stream       bool
	includeUsage bool
	search       []qf2SearchResult // non-nil with web_search.enable
	searchTokens int
}

// qf2ReqError is a 400 with a Qianfan code.
type qf2ReqError struct {
	code, msg string
}

func qf2Invalid(code, format string, args ...any) *qf2ReqError {
	return &qf2ReqError{code: code, msg: fmt.Sprintf(format, args...)}
}

func qf2BadArg(format string, args ...any) *qf2ReqError {
	return qf2Invalid("invalid_argument", format, args...)
}

// qf2Search* bound web_search counts (Baidu: [1, 28] for both).
const (
	qf2SearchMax     = 28
	qf2DefaultSearch = 2 // results the mock returns when no count is given
)

func qf2Validate(req *qf2ChatRequest) (*qf2Plan, *qf2ReqError) {
	if req.Model == nil || *req.Model == "" {
		return nil, qf2Invalid("invalid_model", "model is required")
	}
	model := *req.Model
	if !qf2ModelSet[model] {
		return nil, qf2Invalid("invalid_model", "Invalid model: %s", model)
	}
	if rerr := qf2CheckMessages(req.Messages, model); rerr != nil {
		return nil, rerr
	}

	ernie := strings.HasPrefix(model, "ernie-")
	if v := req.Temperature; v != nil {
		// Guess: ERNIE takes (0, 1] as in v1; the DeepSeek models [0, 2].
		if ernie && (*v <= 0 || *v > 1) {
			return nil, qf2BadArg("temperature must be in (0, 1], got %v", *v)
		}
		if !ernie && (*v < 0 || *v > 2) {
			return nil, qf2BadArg("temperature must be in [0, 2], got %v", *v)
		}
	}
	if v := req.TopP; v != nil && (*v < 0 || *v > 1) {
		return nil, qf2BadArg("top_p must be in [0, 1], got %v", *v)
	}
	if v := req.PenaltyScore; v != nil && (*v < 1 || *v > 2) {
		return nil, qf2BadArg("penalty_score must be in [1.0, 2.0], got %v", *v)
	}
	if v := req.FrequencyPenalty; v != nil && (*v < -2 || *v > 2) {
		return nil, qf2BadArg("frequency_penalty must be in [-2, 2], got %v", *v)
	}
	if v := req.PresencePenalty; v != nil && (*v < -2 || *v > 2) {
		return nil, qf2BadArg("presence_penalty must be in [-2, 2], got %v", *v)
	}
	// max_completion_tokens is vendors.md's field; Baidu's current page
	// documents max_tokens, so both are taken (the former wins). The bounds
	// are a guess: at least 2 as in v1, at most the context window.
	maxTokens := req.MaxCompletionTokens
	name := "max_completion_tokens"
	if maxTokens == nil {
		maxTokens, name = req.MaxTokens, "max_tokens"
	}
	if v := maxTokens; v != nil && (*v < 2 || *v > qf2Context(model)) {
		return nil, qf2BadArg("%s must be in [2, %d], got %d", name, qf2Context(model), *v)
	}
	if v := req.Seed; v != nil && (*v <= 0 || *v >= 2147483647) {
		return nil, qf2BadArg("seed must be in (0, 2147483647), got %d", *v)
	}
	if n := len(req.Stop.list); n > 4 {
		return nil, qf2BadArg("stop must have at most 4 elements, got %d", n)
	}
	for i, s := range req.Stop.list {
		if utf8.RuneCountInString(s) > 20 {
			return nil, qf2BadArg("stop[%d] must be at most 20 characters", i)
		}
	}
	if n := len(req.Metadata); n > 16 {
		return nil, qf2BadArg("metadata must have at most 16 entries, got %d", n)
	}
	for i, t := range req.Tools {
		if t.Type != "function" || t.Function == nil || !validToolName(t.Function.Name) {
			return nil, qf2BadArg("tools[%d] must be a function with a name matching [a-zA-Z0-9_-]{1,64}", i)
		}
	}
	tc := &req.ToolChoice
	if tc.bad != "" {
		return nil, qf2BadArg("invalid tool_choice")
	}
	toolName, found := oaiToolName(req.Tools, tc)
	if !found {
		return nil, qf2BadArg("tool_choice names function %q, which is not in tools", tc.name)
	}
	if rf := req.ResponseFormat; rf != nil {
		switch rf.Type {
		case "text", "json_object":
		case "json_schema":
			if len(rf.JSONSchema) == 0 || rf.JSONSchema[0] != '{' {
				return nil, qf2BadArg("response_format.json_schema is required when type is json_schema")
			}
		default:
			return nil, qf2BadArg("response_format.type must be text, json_object or json_schema, got %q", rf.Type)
		}
	}
	searchN, rerr := qf2SearchCount(req.WebSearch)
	if rerr != nil {
		return nil, rerr
	}

	p := &qf2Plan{turn: oaiNewTurn(model, req.Messages), stream: req.Stream}
	if ctx := qf2Context(model); p.turn.promptTokens > ctx {
		return nil, qf2Invalid("tokens_too_long", "Prompt tokens too long: %d tokens exceed the %d of %s", p.turn.promptTokens, ctx, model)
	}
	p.turn.thinking = qf2Thinking(model)
	p.turn.toolName, p.turn.toolParams = toolName, toolParams(req.Tools, toolName)
	if rf := req.ResponseFormat; rf != nil {
		p.turn.setFormat(rf.Type, rf.JSONSchema)
	}
	if maxTokens != nil {
		p.turn.maxTokens = *maxTokens
	}
	if req.StreamOptions != nil {
		p.includeUsage = req.StreamOptions.IncludeUsage
	}
	if searchN > 0 {
		p.search, p.searchTokens = qf2SearchResults(p.turn.lastUser, searchN)
	}
	return p, nil
}

// qf2SearchCount validates web_search and returns how many results the
// mock reports: 0 when search is off; else reference_num, else search_num,
// else qf2DefaultSearch, at most search_num (Baidu lowers reference_num to
// search_num rather than rejecting it).
func qf2SearchCount(ws *qf2WebSearch) (int, *qf2ReqError) {
	if ws == nil {
		return 0, nil
	}
	search, sname := ws.SearchNum, "search_num"
	if search == nil {
		search, sname = ws.SearchNumber, "search_number"
	}
	ref, rname := ws.ReferenceNum, "reference_num"
	if ref == nil {
		ref, rname = ws.ReferenceNumber, "reference_number"
	}
	if search != nil && (*search < 1 || *search > qf2SearchMax) {
		return 0, qf2BadArg("web_search.%s must be in [1, %d], got %d", sname, qf2SearchMax, *search)
	}
	if ref != nil && (*ref < 1 || *ref > qf2SearchMax) {
		return 0, qf2BadArg("web_search.%s must be in [1, %d], got %d", rname, qf2SearchMax, *ref)
	}
	if !ws.Enable {
		return 0, nil
	}
	n := qf2DefaultSearch
	switch {
	case ref != nil:
		n = *ref
	case search != nil:
		n = *search
	}
	if search != nil && n > *search {
		n = *search
	}
	return n, nil
}

// qf2CheckMessages applies Qianfan's conversation rules: a first message
// from user or system (system only there), then strict user/assistant
// alternation, where an assistant turn with tool_calls is followed by its
// tool results and then an assistant turn; the last message from user or
// tool (only user for ERNIE 4.5 and X1 Turbo).
func qf2CheckMessages(msgs []oaiMessage, model string) *qf2ReqError {
	bad := func(format string, args ...any) *qf2ReqError {
		return qf2Invalid("invalid_messages", format, args...)
	}
	if len(msgs) == 0 {
		return bad("messages must not be empty")
	}
	prev := ""
	prevCalls := false
	for i := range msgs {
		m := &msgs[i]
		switch m.Role {
		case "system", "user", "assistant", "tool":
		default:
			return bad("messages[%d].role %q is not one of system, user, assistant, tool", i, m.Role)
		}
		switch m.Content.kind {
		case contentString, contentArray:
		case contentMissing, contentNull:
			if m.Role != "assistant" {
				return bad("messages[%d].content must not be empty", i)
			}
		default:
			return bad("messages[%d].content must be a string or an array of parts", i)
		}
		for _, part := range m.Content.parts {
			if part.Type != "text" && part.Type != "image_url" {
				return bad("messages[%d].content has an unsupported part type %q", i, part.Type)
			}
		}
		if m.Role != "assistant" && strings.TrimSpace(m.Content.text) == "" && m.Content.kind == contentString {
			return bad("messages[%d].content must not be empty", i)
		}
		var want string // allowed roles after prev, for the message
		switch prev {
		case "":
			want = "user or system"
		case "system":
			want = "user"
		case "user":
			want = "assistant"
		case "assistant":
			want = "user"
			if prevCalls {
				want = "tool"
			}
		case "tool":
			want = "tool or assistant"
		}
		if !qf2RoleIn(m.Role, want) {
			return bad("the role of messages[%d] must be %s, got %s", i, want, m.Role)
		}
		if m.Role == "tool" && (m.ToolCallID == nil || *m.ToolCallID == "") {
			return bad("messages[%d] has role tool but no tool_call_id", i)
		}
		prev, prevCalls = m.Role, m.Role == "assistant" && len(m.ToolCalls) > 0
	}
	last := &msgs[len(msgs)-1]
	switch {
	case qf2UserLast(model) && last.Role != "user":
		return bad("the last message must be from user for %s, got %s", model, last.Role)
	case last.Role != "user" && last.Role != "tool":
		return bad("the last message must be from user or tool, got %s", last.Role)
	case strings.TrimSpace(last.Content.text) == "":
		return bad("the content of the last message must not be blank")
	}
	return nil
}

// qf2RoleIn reports whether role is one of the words of want ("a or b").
func qf2RoleIn(role, want string) bool {
	for _, w := range strings.Fields(want) {
		if w == role {
			return true
		}
	}
	return false
}
