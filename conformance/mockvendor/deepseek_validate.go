package mockvendor

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
)

// Request validation for the DeepSeek mock: each rule mirrors a documented
// or captured DeepSeek rejection, so clients can be tested against the
// errors they will meet in production.

var dsRoles = map[string]bool{"system": true, "user": true, "assistant": true, "tool": true}

// validateDeepSeek applies DeepSeek's request rules in the order its
// server does: body shape (422) before semantics (400).
func validateDeepSeek(req *dsChatRequest) (*chatPlan, *requestError) {
	// Shape: what a strict deserializer would reject.
	if req.Model == nil {
		return nil, unprocessable("missing field `model`")
	}
	if req.Messages == nil {
		return nil, unprocessable("missing field `messages`")
	}
	for i := range req.Messages {
		m := &req.Messages[i]
		if !dsRoles[m.Role] {
			if m.Role == "" {
				return nil, unprocessable(fmt.Sprintf("messages[%d]: missing field `role`", i))
			}
			return nil, unprocessable(fmt.Sprintf("messages[%d]: unknown variant `%s`, expected one of `system`, `user`, `assistant`, `tool`", i, m.Role))
		}
		switch m.Content.kind {
		case contentArray, contentOther:
			return nil, unprocessable(fmt.Sprintf("messages[%d].content: invalid type: %s, expected a string", i, m.Content.desc))
		case contentMissing:
			if m.Role != "assistant" {
				return nil, unprocessable(fmt.Sprintf("messages[%d]: missing field `content`", i))
			}
		case contentNull:
			if m.Role != "assistant" {
				return nil, unprocessable(fmt.Sprintf("messages[%d].content: invalid type: null, expected a string", i))
			}
		}
	}
	thinking := true // DeepSeek v4 default
	if req.Thinking != nil {
		switch {
		case req.Thinking.Type == nil:
			return nil, unprocessable("thinking: missing field `type`")
		case *req.Thinking.Type == "enabled":
		case *req.Thinking.Type == "disabled":
			thinking = false
		default:
			return nil, unprocessable(fmt.Sprintf("thinking.type: unknown variant `%s`, expected `enabled` or `disabled`", *req.Thinking.Type))
		}
	}
	if req.ReasoningEffort != nil {
		switch *req.ReasoningEffort {
		case "low", "medium", "high", "max", "xhigh":
		default:
			return nil, unprocessable(fmt.Sprintf("reasoning_effort: unknown variant `%s`, expected one of `low`, `medium`, `high`, `max`, `xhigh`", *req.ReasoningEffort))
		}
	}

	// Semantics.
	model := *req.Model
	switch model {
	case "deepseek-v4-flash", "deepseek-v4-pro":
	case "deepseek-chat", "deepseek-reasoner":
		return nil, badRequest("The supported API model names are deepseek-v4-pro or deepseek-v4-flash, but you passed %s.", model)
	default:
		return nil, badRequest("Model Not Exist")
	}
	if len(req.Messages) == 0 {
		return nil, badRequest("Invalid request: messages must not be empty")
	}
	for i := range req.Messages {
		m := &req.Messages[i]
		if m.Role == "tool" && (m.ToolCallID == nil || *m.ToolCallID == "") {
			return nil, badRequest("Invalid request: the tool message at message index %d must have a `tool_call_id`", i)
		}
	}
	if req.MaxTokens != nil && (*req.MaxTokens < 1 || *req.MaxTokens > 393216) {
		return nil, badRequest("Invalid max_tokens value, the valid range of max_tokens is [1, 393216]")
	}
	if v := req.Temperature; v != nil && (*v < 0 || *v > 2) {
		return nil, badRequest("Invalid temperature value, the valid range of temperature is [0, 2]")
	}
	if v := req.TopP; v != nil && (*v < 0 || *v > 1) {
		return nil, badRequest("Invalid top_p value, the valid range of top_p is [0, 1]")
	}
	if v := req.FrequencyPenalty; v != nil && (*v < -2 || *v > 2) {
		return nil, badRequest("Invalid frequency_penalty value, the valid range of frequency_penalty is [-2, 2]")
	}
	if v := req.PresencePenalty; v != nil && (*v < -2 || *v > 2) {
		return nil, badRequest("Invalid presence_penalty value, the valid range of presence_penalty is [-2, 2]")
	}
	if len(req.Stop.list) > 16 {
		return nil, badRequest("Invalid stop value: at most 16 stop sequences are allowed, got %d", len(req.Stop.list))
	}
	if v := req.TopLogprobs; v != nil && (*v < 0 || *v > 20) {
		return nil, badRequest("Invalid top_logprobs value, the valid range of top_logprobs is [0, 20]")
	}
	if v := req.UserID; v != nil && !validUserID(*v) {
		return nil, badRequest("Invalid user_id: it must match [a-zA-Z0-9\\-_]+ and be at most 512 characters")
	}
	if len(req.Tools) > 128 {
		return nil, badRequest("Invalid tools: at most 128 tools are allowed, got %d", len(req.Tools))
	}
	for i, t := range req.Tools {
		if t.Type != "function" || t.Function == nil {
			return nil, badRequest("Invalid tools[%d]: type must be \"function\" with a function object", i)
		}
		if !validToolName(t.Function.Name) {
			return nil, badRequest("Invalid tools[%d].function.name %q: it must match ^[a-zA-Z0-9_-]{1,64}$", i, t.Function.Name)
		}
	}
	toolName := ""
	if tc := req.ToolChoice; tc.bad != "" {
		return nil, badRequest("%s", tc.bad)
	} else if len(req.Tools) > 0 && tc.mode != "none" {
		toolName = req.Tools[0].Function.Name
		if tc.name != "" {
			found := false
			for _, t := range req.Tools {
				found = found || t.Function.Name == tc.name
			}
			if !found {
				return nil, badRequest("Invalid tool_choice: function %q is not among the tools", tc.name)
			}
			toolName = tc.name
		}
	}
	format := formatText
	if rf := req.ResponseFormat; rf != nil {
		switch rf.Type {
		case "text":
		case "json_object":
			format = formatJSONObject
			if !mentionsJSON(req.Messages) {
				return nil, badRequest(`Prompt must contain the word "json" in some form to use "response_format" of type "json_object".`)
			}
		default:
			return nil, badRequest("This response_format type is unavailable now")
		}
	}

	lastUserIdx := -1
	for i := len(req.Messages) - 1; i >= 0; i-- {
		if req.Messages[i].Role == "user" {
			lastUserIdx = i
			break
		}
	}
	if thinking {
		// A thinking-mode tool turn must be sent back with its reasoning.
		// Only the turns after the last user message matter (DeepSeek
		// drops older reasoning), and the rule holds whether or not the
		// request repeats its tools.
		for i := lastUserIdx + 1; i < len(req.Messages); i++ {
			m := &req.Messages[i]
			if m.Role == "assistant" && len(m.ToolCalls) > 0 && (m.ReasoningContent == nil || *m.ReasoningContent == "") {
				return nil, badRequest("Missing `reasoning_content` field in the assistant message at message index %d. "+
					"For more information, please refer to https://api-docs.deepseek.com/guides/thinking_mode#tool-calls", i)
			}
		}
	}

	p := &chatPlan{
		model:    model,
		thinking: thinking,
		stream:   req.Stream,
		logprobs: req.Logprobs,
		toolName: toolName,
		format:   format,
	}
	if toolName != "" {
		p.toolParams = toolParams(req.Tools, toolName)
	}
	if format == formatJSONObject {
		var system []string
		for i := range req.Messages {
			if req.Messages[i].Role == "system" {
				system = append(system, req.Messages[i].Content.text)
			}
		}
		p.schema = promptSchema(system...)
	}
	if req.MaxTokens != nil {
		p.maxTokens = *req.MaxTokens
	}
	if req.StreamOptions != nil {
		p.includeUsage = req.StreamOptions.IncludeUsage
	}
	for i := range req.Messages {
		p.promptTokens += countWords(req.Messages[i].Content.text) + 1
	}
	first := &req.Messages[0]
	p.firstTokens = countWords(first.Content.text) + 1
	p.cacheKey = fnv64(model, first.Role, first.Content.text)
	last := &req.Messages[len(req.Messages)-1]
	p.lastRole, p.lastContent = last.Role, last.Content.text
	if lastUserIdx >= 0 {
		p.lastUser = req.Messages[lastUserIdx].Content.text
	}
	return p, nil
}

func mentionsJSON(msgs []dsMessage) bool {
	for i := range msgs {
		s := msgs[i].Content.text
		for j := 0; j+4 <= len(s); j++ {
			if (s[j]|0x20) == 'j' && strings.EqualFold(s[j:j+4], "json") {
				return true
			}
		}
	}
	return false
}

func validToolName(s string) bool { return len(s) <= 64 && identChars(s) }

func validUserID(s string) bool { return len(s) <= 512 && identChars(s) }

// identChars reports whether s is non-empty and made of [a-zA-Z0-9_-].
func identChars(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// describeJSONError renders a decoding error the way DeepSeek's (serde)
// messages read: what was wrong, and where.
func describeJSONError(err error, body []byte) string {
	var de *deserializeError
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &de):
		return de.msg
	case errors.As(err, &se):
		line, col := lineCol(body, se.Offset)
		return fmt.Sprintf("%s at line %d column %d", se.Error(), line, col)
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "body"
		}
		return fmt.Sprintf("%s: invalid type: %s, expected %s", field, te.Value, expectedName(te.Type))
	}
	return err.Error()
}

func lineCol(b []byte, off int64) (line, col int) {
	if off > int64(len(b)) {
		off = int64(len(b))
	}
	if off < 0 {
		off = 0
	}
	line = 1 + bytes.Count(b[:off], []byte{'\n'})
	col = int(off) - bytes.LastIndexByte(b[:off], '\n')
	return line, col
}

func expectedName(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a sequence"
	case reflect.Struct, reflect.Map:
		return "a map"
	}
	return t.String()
}
