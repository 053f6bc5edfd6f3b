package mockvendor

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Request validation for the Ark mock. Ark reports every request problem as
// 400 with code MissingParameter or InvalidParameter and the offending
// parameter in "param" (nested parameters are named like
// "messages[0].content[1].image_url.url"; Ark's own spelling of nested
// names is unconfirmed), except an unknown model or endpoint, which is 404
// InvalidEndpointOrModel.NotFound.

// arkPlan is a validated request reduced to what the toy model and the
// response writers need.
type arkPlan struct {
	model         arkModelInfo
	thinking      bool
	maxTokens     int // answer only; 0: unset
	maxCompletion int // answer + reasoning; -1: unset
	stream        bool
	includeUsage  bool
	chunkUsage    bool
	logprobs      bool
	toolName      string
	toolParams    []byte
	format        answerFormat
	schema        []byte
	lastRole      string
	lastContent   string
	lastUser      string
	promptTokens  int
}

// arkReqError is a validation failure.
type arkReqError struct {
	status int
	code   string
	param  string
	msg    string // without the request id
}

func arkMissing(param string) *arkReqError {
	return &arkReqError{status: http.StatusBadRequest, code: "MissingParameter", param: param,
		msg: "The request failed because it is missing one or multiple required parameters: " + param + "."}
}

func arkInvalid(param, format string, args ...any) *arkReqError {
	return &arkReqError{status: http.StatusBadRequest, code: "InvalidParameter", param: param,
		msg: "The parameter " + param + " specified in the request are not valid: " + fmt.Sprintf(format, args...) + "."}
}

var arkRoles = map[string]bool{"system": true, "user": true, "assistant": true, "tool": true}

func (a *Ark) chat(w http.ResponseWriter, r *http.Request, body []byte, f Fault, reqID string, created int64) {
	var req arkChatRequest
	if err := json.Unmarshal(body, &req); err != nil {
		e := arkDecodeError(err)
		writeArkError(w, e.status, e.code, e.msg, e.param, reqID)
		return
	}
	p, rerr := a.validate(&req)
	if rerr != nil {
		writeArkError(w, rerr.status, rerr.code, rerr.msg, rerr.param, reqID)
		return
	}
	ans := arkGenerate(p)
	ans.script(f.Content)
	u := arkUsage{
		PromptTokens:            p.promptTokens,
		CompletionTokens:        ans.completionTokens(),
		TotalTokens:             p.promptTokens + ans.completionTokens(),
		CompletionTokensDetails: dsCompletionDetails{ReasoningTokens: ans.reasoningTokens},
	}
	if p.stream {
		a.writeStream(w, r, p, &ans, &u, reqID, created, f)
		return
	}
	writeArkCompletion(w, p, &ans, &u, reqID, created)
}

// arkDecodeError turns a JSON decoding failure into Ark's InvalidParameter.
func arkDecodeError(err error) *arkReqError {
	var de *deserializeError
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &de):
		// dsStop / dsToolChoice: "<field>: <detail>"
		param, _, _ := strings.Cut(de.msg, ":")
		return arkInvalid(param, "unexpected type")
	case errors.As(err, &te):
		if te.Field == "" {
			return arkInvalid("body", "the request body must be a JSON object")
		}
		return arkInvalid(te.Field, "expected %s, got %s", expectedName(te.Type), te.Value)
	case errors.As(err, &se):
		return &arkReqError{status: http.StatusBadRequest, code: "InvalidParameter",
			msg: "The request body is not valid JSON: " + se.Error() + "."}
	}
	return &arkReqError{status: http.StatusBadRequest, code: "InvalidParameter",
		msg: "The request body is not valid JSON: " + err.Error() + "."}
}

func (a *Ark) validate(req *arkChatRequest) (*arkPlan, *arkReqError) {
	if req.Model == nil || *req.Model == "" {
		return nil, arkMissing("model")
	}
	model, ok := a.resolveModel(*req.Model)
	if !ok {
		return nil, &arkReqError{status: http.StatusNotFound, code: "InvalidEndpointOrModel.NotFound",
			msg: "The model or endpoint " + *req.Model + " does not exist or you do not have access to it."}
	}
	if req.Messages == nil {
		return nil, arkMissing("messages")
	}
	if len(req.Messages) == 0 {
		return nil, arkInvalid("messages", "messages must not be empty")
	}
	for i := range req.Messages {
		if e := arkCheckMessage(i, &req.Messages[i]); e != nil {
			return nil, e
		}
	}

	thinking := model.think == arkThinkOn || model.think == arkThinkAlways
	if t := req.Thinking; t != nil {
		if t.Type == nil {
			return nil, arkMissing("thinking.type")
		}
		switch *t.Type {
		case "enabled":
			thinking = model.think != arkThinkNone
		case "disabled":
			thinking = model.think == arkThinkAlways
		case "auto":
			if !model.auto {
				return nil, arkInvalid("thinking.type", "auto is not supported by model %s", model.id)
			}
			thinking = true // the toy model always decides to think
		default:
			return nil, arkInvalid("thinking.type", "%q is not one of enabled, disabled, auto", *t.Type)
		}
	}
	if v := req.ReasoningEffort; v != nil {
		switch *v {
		case "minimal":
			// Documented as "no thinking" on switchable models.
			if model.think != arkThinkAlways {
				thinking = false
			}
		case "low", "medium", "high":
		default:
			return nil, arkInvalid("reasoning_effort", "%q is not one of minimal, low, medium, high", *v)
		}
	}

	p := &arkPlan{model: model, thinking: thinking, maxCompletion: -1, stream: req.Stream, logprobs: req.Logprobs}
	if req.MaxTokens != nil && req.MaxCompletionTokens != nil {
		return nil, arkInvalid("max_completion_tokens", "max_tokens and max_completion_tokens cannot be set at the same time")
	}
	if v := req.MaxTokens; v != nil {
		if *v < 1 {
			return nil, arkInvalid("max_tokens", "must be at least 1, got %d", *v)
		}
		p.maxTokens = *v
	}
	if v := req.MaxCompletionTokens; v != nil {
		if *v < 0 || *v > 65536 {
			return nil, arkInvalid("max_completion_tokens", "must be in [0, 65536], got %d", *v)
		}
		p.maxCompletion = *v
	}
	if v := req.Temperature; v != nil && (*v < 0 || *v > 2) {
		return nil, arkInvalid("temperature", "must be in [0, 2], got %v", *v)
	}
	if v := req.TopP; v != nil && (*v < 0 || *v > 1) {
		return nil, arkInvalid("top_p", "must be in [0, 1], got %v", *v)
	}
	if v := req.FrequencyPenalty; v != nil && (*v < -2 || *v > 2) {
		return nil, arkInvalid("frequency_penalty", "must be in [-2, 2], got %v", *v)
	}
	if v := req.PresencePenalty; v != nil && (*v < -2 || *v > 2) {
		return nil, arkInvalid("presence_penalty", "must be in [-2, 2], got %v", *v)
	}
	if n := len(req.Stop.list); n > 4 {
		return nil, arkInvalid("stop", "at most 4 stop sequences are allowed, got %d", n)
	}
	if v := req.TopLogprobs; v != nil && (*v < 0 || *v > 20) {
		return nil, arkInvalid("top_logprobs", "must be in [0, 20], got %d", *v)
	}
	if v := req.ServiceTier; v != nil && *v != "auto" && *v != "default" {
		return nil, arkInvalid("service_tier", "%q is not one of auto, default", *v)
	}
	if so := req.StreamOptions; so != nil {
		if !req.Stream {
			return nil, arkInvalid("stream_options", "stream_options is only allowed when stream is true")
		}
		p.includeUsage, p.chunkUsage = so.IncludeUsage, so.ChunkIncludeUsage
	}
	if rf := req.ResponseFormat; rf != nil {
		switch rf.Type {
		case "text":
		case "json_object":
			p.format = formatJSONObject
		case "json_schema":
			if rf.JSONSchema == nil {
				return nil, arkMissing("response_format.json_schema")
			}
			if rf.JSONSchema.Name == "" {
				return nil, arkMissing("response_format.json_schema.name")
			}
			p.format, p.schema = formatJSONSchema, rf.JSONSchema.Schema
		case "":
			return nil, arkMissing("response_format.type")
		default:
			return nil, arkInvalid("response_format.type", "%q is not one of text, json_object, json_schema", rf.Type)
		}
	}
	for i, t := range req.Tools {
		if t.Type != "function" {
			return nil, arkInvalid(fmt.Sprintf("tools[%d].type", i), "must be \"function\"")
		}
		if t.Function == nil || t.Function.Name == "" {
			return nil, arkMissing(fmt.Sprintf("tools[%d].function.name", i))
		}
	}
	if tc := req.ToolChoice; tc.bad != "" {
		return nil, arkInvalid("tool_choice", "must be none, auto, required or a function object")
	} else if len(req.Tools) > 0 && tc.mode != "none" {
		p.toolName = req.Tools[0].Function.Name
		if tc.name != "" {
			found := false
			for _, t := range req.Tools {
				found = found || t.Function.Name == tc.name
			}
			if !found {
				return nil, arkInvalid("tool_choice", "function %q is not among the tools", tc.name)
			}
			p.toolName = tc.name
		}
		p.toolParams = toolParams(req.Tools, p.toolName)
	}

	for i := range req.Messages {
		p.promptTokens += countWords(req.Messages[i].Content.text) + 1
	}
	last := &req.Messages[len(req.Messages)-1]
	p.lastRole, p.lastContent = last.Role, last.Content.text
	for i := len(req.Messages) - 1; i >= 0; i-- {
		if req.Messages[i].Role == "user" {
			p.lastUser = req.Messages[i].Content.text
			break
		}
	}
	return p, nil
}

// arkCheckMessage validates messages[i]: its role, and its content as a
// string or as typed parts.
func arkCheckMessage(i int, m *arkMessage) *arkReqError {
	at := func(field string) string { return fmt.Sprintf("messages[%d].%s", i, field) }
	if m.Role == "" {
		return arkMissing(at("role"))
	}
	if !arkRoles[m.Role] {
		return arkInvalid(at("role"), "%q is not one of system, user, assistant, tool", m.Role)
	}
	switch m.Content.kind {
	case arkContentMissing, arkContentNull:
		// An assistant turn may be only tool calls (or only reasoning).
		if m.Role != "assistant" {
			return arkMissing(at("content"))
		}
	case arkContentBad:
		return arkInvalid(at("content"), "content must be a string or an array of content parts")
	case arkContentParts:
		for j := range m.Content.parts {
			if e := arkCheckPart(at(fmt.Sprintf("content[%d]", j)), &m.Content.parts[j]); e != nil {
				return e
			}
		}
	}
	if m.Role == "tool" && (m.ToolCallID == nil || *m.ToolCallID == "") {
		return arkMissing(at("tool_call_id"))
	}
	return nil
}

func arkCheckPart(at string, p *arkPart) *arkReqError {
	switch p.Type {
	case "":
		return arkMissing(at + ".type")
	case "text":
		if p.Text == nil {
			return arkMissing(at + ".text")
		}
	case "image_url":
		if p.ImageURL == nil || p.ImageURL.URL == "" {
			return arkMissing(at + ".image_url.url")
		}
		if d := p.ImageURL.Detail; d != nil {
			switch *d {
			case "high", "low", "auto":
			default:
				return arkInvalid(at+".image_url.detail", "%q is not one of high, low, auto", *d)
			}
		}
	case "video_url":
		if p.VideoURL == nil || p.VideoURL.URL == "" {
			return arkMissing(at + ".video_url.url")
		}
	case "input_audio":
		if p.InputAudio == nil || p.InputAudio.Data == "" {
			return arkMissing(at + ".input_audio.data")
		}
	default:
		return arkInvalid(at+".type", "%q is not one of text, image_url, video_url, input_audio", p.Type)
	}
	return nil
}

// arkGenerate adapts the shared toy model to Ark's two budgets: max_tokens
// limits the answer only (reasoning is free), max_completion_tokens limits
// reasoning plus answer (the toy model's own semantics). DeepSeek's
// insufficient_system_resource finish reason does not exist on Ark and
// becomes "stop".
func arkGenerate(p *arkPlan) answer {
	cp := chatPlan{
		model:       p.model.id,
		thinking:    p.thinking,
		toolName:    p.toolName,
		toolParams:  p.toolParams,
		format:      p.format,
		schema:      p.schema,
		lastRole:    p.lastRole,
		lastContent: p.lastContent,
		lastUser:    p.lastUser,
	}
	switch {
	case p.maxCompletion == 0:
		// Nothing may be generated at all.
		return answer{thinking: p.thinking, finish: "length"}
	case p.maxCompletion > 0:
		cp.maxTokens = p.maxCompletion
	case p.maxTokens > 0:
		if p.thinking {
			free := generate(&cp)
			cp.maxTokens = p.maxTokens + free.reasoningTokens
		} else {
			cp.maxTokens = p.maxTokens
		}
	}
	a := generate(&cp)
	if a.finish == "insufficient_system_resource" {
		a.finish = "stop"
	}
	return a
}
