package mockvendor

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Request validation for the OpenAI-compatible mock: the parameters and
// rules OpenAI documents and the compatible servers share, worded like
// OpenAI's errors.

// oaiPlan is a validated request.
type oaiPlan struct {
	turn         oaiTurn
	n            int
	stream       bool
	includeUsage bool
	logprobs     bool
}

func oaiBad(param, code, format string, args ...any) *oaiReqError {
	return &oaiReqError{status: http.StatusBadRequest, msg: fmt.Sprintf(format, args...), param: param, code: code, noCode: code == ""}
}

func oaiMissing(param string) *oaiReqError {
	return oaiBad(param, "missing_required_parameter", "Missing required parameter: '%s'.", param)
}

// oaiRange checks v against [lo, hi] with OpenAI's wording; integer selects
// "integer" over "decimal" in the message and code.
func oaiRange(param string, v, lo, hi float64, integer bool) *oaiReqError {
	kind := "decimal"
	if integer {
		kind = "integer"
	}
	got := strconv.FormatFloat(v, 'g', -1, 64)
	switch {
	case v < lo:
		return oaiBad(param, kind+"_below_min_value", "Invalid '%s': %s below minimum value. Expected a value >= %s, but got %s instead.",
			param, kind, strconv.FormatFloat(lo, 'g', -1, 64), got)
	case v > hi:
		return oaiBad(param, kind+"_above_max_value", "Invalid '%s': %s above maximum value. Expected a value <= %s, but got %s instead.",
			param, kind, strconv.FormatFloat(hi, 'g', -1, 64), got)
	}
	return nil
}

// oaiPartTypes are the content part types each role may send.
var oaiPartTypes = map[string][]string{
	"system":    {"text"},
	"developer": {"text"},
	"user":      {"text", "image_url", "input_audio", "file"},
	"assistant": {"text", "refusal"},
	"tool":      {"text"},
}

func (o *OpenAI) validate(req *oaiChatRequest) (*oaiPlan, *oaiReqError) {
	if req.Model == nil || *req.Model == "" {
		return nil, oaiBad("", "", "you must provide a model parameter")
	}
	model := *req.Model
	if !o.models[model] {
		return nil, &oaiReqError{status: http.StatusNotFound, code: "model_not_found",
			msg: "The model `" + model + "` does not exist or you do not have access to it."}
	}
	if req.Messages == nil {
		return nil, oaiMissing("messages")
	}
	if len(req.Messages) == 0 {
		return nil, oaiBad("messages", "empty_array",
			"Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.")
	}
	if e := oaiCheckMessages(req.Messages); e != nil {
		return nil, e
	}

	checks := []struct {
		param   string
		v       *float64
		lo, hi  float64
		integer bool
	}{
		{"temperature", req.Temperature, 0, 2, false},
		{"top_p", req.TopP, 0, 1, false},
		{"frequency_penalty", req.FrequencyPenalty, -2, 2, false},
		{"presence_penalty", req.PresencePenalty, -2, 2, false},
		{"n", oaiIntFloat(req.N), 1, 128, true},
		{"max_tokens", oaiIntFloat(req.MaxTokens), 1, 1 << 31, true},
		{"max_completion_tokens", oaiIntFloat(req.MaxCompletionTokens), 1, 1 << 31, true},
		{"top_logprobs", oaiIntFloat(req.TopLogprobs), 0, 20, true},
	}
	for _, c := range checks {
		if c.v != nil {
			if e := oaiRange(c.param, *c.v, c.lo, c.hi, c.integer); e != nil {
				return nil, e
			}
		}
	}
	if n := len(req.Stop.list); n > 4 {
		return nil, oaiBad("stop", "array_above_max_length",
			"Invalid 'stop': array too long. Expected an array with maximum length 4, but got an array with length %d instead.", n)
	}
	if n := len(req.Tools); n > 128 {
		return nil, oaiBad("tools", "array_above_max_length",
			"Invalid 'tools': array too long. Expected an array with maximum length 128, but got an array with length %d instead.", n)
	}
	for i, t := range req.Tools {
		p := "tools[" + strconv.Itoa(i) + "]"
		switch {
		case t.Type != "function":
			return nil, oaiBad(p+".type", "invalid_value", "Invalid value: '%s'. Supported values are: 'function'.", t.Type)
		case t.Function == nil:
			return nil, oaiMissing(p + ".function")
		case !validToolName(t.Function.Name):
			return nil, oaiBad(p+".function.name", "invalid_value",
				"Invalid '%s.function.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]{1,64}$'.", p)
		}
	}
	tc := &req.ToolChoice
	switch {
	case tc.bad != "":
		return nil, oaiBad("tool_choice", "invalid_value",
			"Invalid value for 'tool_choice': expected 'none', 'auto', 'required' or a function object.")
	case tc.set && len(req.Tools) == 0:
		return nil, oaiBad("tool_choice", "",
			"Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.")
	}
	toolName, found := oaiToolName(req.Tools, tc)
	if !found {
		return nil, oaiBad("tool_choice", "invalid_value",
			"Invalid value for 'tool_choice': function '%s' is not among 'tools'.", tc.name)
	}
	if rf := req.ResponseFormat; rf != nil {
		switch rf.Type {
		case "text":
		case "json_object":
			if !oaiMentionsJSON(req.Messages) {
				return nil, oaiBad("messages", "",
					"'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.")
			}
		case "json_schema":
			if len(rf.JSONSchema) == 0 || rf.JSONSchema[0] != '{' {
				return nil, oaiMissing("response_format.json_schema")
			}
		default:
			return nil, oaiBad("response_format.type", "invalid_value",
				"Invalid value: '%s'. Supported values are: 'text', 'json_object' and 'json_schema'.", rf.Type)
		}
	}
	if req.StreamOptions != nil && !req.Stream {
		return nil, oaiBad("stream_options", "",
			"The 'stream_options' parameter is only allowed when 'stream' is enabled.")
	}

	p := &oaiPlan{turn: oaiNewTurn(model, req.Messages), n: 1, stream: req.Stream, logprobs: req.Logprobs}
	p.turn.toolName, p.turn.toolParams = toolName, toolParams(req.Tools, toolName)
	if rf := req.ResponseFormat; rf != nil {
		p.turn.setFormat(rf.Type, rf.JSONSchema)
	}
	switch {
	case req.MaxCompletionTokens != nil:
		p.turn.maxTokens = *req.MaxCompletionTokens
	case req.MaxTokens != nil:
		p.turn.maxTokens = *req.MaxTokens
	}
	if req.N != nil {
		p.n = *req.N
	}
	if req.StreamOptions != nil {
		p.includeUsage = req.StreamOptions.IncludeUsage
	}
	return p, nil
}

func oaiIntFloat(v *int) *float64 {
	if v == nil {
		return nil
	}
	f := float64(*v)
	return &f
}

// oaiCheckMessages checks roles, contents and the tool-call protocol: every
// tool message answers a pending tool_call_id of the assistant message
// before it, and every id is answered before the next non-tool message.
func oaiCheckMessages(msgs []oaiMessage) *oaiReqError {
	var pending []string // unanswered tool_call ids
	callsAt := -1        // index of the assistant message that made them
	unanswered := func() *oaiReqError {
		return oaiBad("messages.["+strconv.Itoa(callsAt)+"].role", "",
			"An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. "+
				"The following tool_call_ids did not have response messages: %s", strings.Join(pending, ", "))
	}
	for i := range msgs {
		m := &msgs[i]
		at := "messages[" + strconv.Itoa(i) + "]"
		kinds, ok := oaiPartTypes[m.Role]
		if !ok {
			if m.Role == "" {
				return oaiMissing(at + ".role")
			}
			return oaiBad(at+".role", "invalid_value",
				"Invalid value: '%s'. Supported values are: 'system', 'developer', 'user', 'assistant', and 'tool'.", m.Role)
		}
		switch m.Content.kind {
		case contentMissing:
			if m.Role != "assistant" || len(m.ToolCalls) == 0 {
				return oaiMissing(at + ".content")
			}
		case contentNull:
			if m.Role != "assistant" {
				return oaiBad(at+".content", "invalid_type",
					"Invalid type for '%s.content': expected one of a string or array of objects, but got null instead.", at)
			}
		case contentOther:
			return oaiBad(at+".content", "invalid_type",
				"Invalid type for '%s.content': expected one of a string or array of objects.", at)
		}
		for j, part := range m.Content.parts {
			pp := at + ".content[" + strconv.Itoa(j) + "]"
			if !slices.Contains(kinds, part.Type) {
				return oaiBad(pp+".type", "invalid_value", "Invalid value: '%s'. Supported values are: '%s'.",
					part.Type, strings.Join(kinds, "', '"))
			}
			if part.Type == "text" && part.Text == nil {
				return oaiMissing(pp + ".text")
			}
		}

		if m.Role == "tool" {
			if m.ToolCallID == nil {
				return oaiMissing(at + ".tool_call_id")
			}
			k := slices.Index(pending, *m.ToolCallID)
			if k < 0 {
				return oaiBad("messages.["+strconv.Itoa(i)+"].role", "",
					"Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.")
			}
			pending = append(pending[:k], pending[k+1:]...)
			continue
		}
		if len(pending) > 0 {
			return unanswered()
		}
		if m.Role == "assistant" && len(m.ToolCalls) > 0 {
			pending, callsAt = pending[:0], i
			for _, c := range m.ToolCalls {
				pending = append(pending, c.ID)
			}
		}
	}
	if len(pending) > 0 {
		return unanswered()
	}
	return nil
}
