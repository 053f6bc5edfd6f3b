package mockvendor

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// Chat for the Qianfan v1 mock: request validation, the toy model adapter
// and the (streaming or not) answer.

// qf1DefaultOutput is max_output_tokens' default.
const qf1DefaultOutput = 1024

// qf1Invalid is a validation failure: error_code and error_msg, HTTP 200.
type qf1Invalid struct {
	code int
	msg  string
}

func qf1Param(format string, args ...any) *qf1Invalid {
	return &qf1Invalid{code: qf1ErrInvalidParam, msg: "Invalid param: " + fmt.Sprintf(format, args...)}
}

// qf1Decode parses the body; syntax errors are 336002, wrong field types
// 336003, an empty body 336001.
func qf1Decode(body []byte, req *qf1ChatRequest) *qf1Invalid {
	if len(bytes.TrimSpace(body)) == 0 {
		return &qf1Invalid{qf1ErrInvalidArgument, "Invalid Argument: empty request body"}
	}
	err := json.Unmarshal(body, req)
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return qf1Param("%s must be %s, got %s", te.Field, expectedName(te.Type), te.Value)
	}
	return &qf1Invalid{qf1ErrInvalidJSON, qf1ErrorMessage(qf1ErrInvalidJSON)}
}

// qf1Validate applies the v1 request rules of the vendor notes.
func qf1Validate(req *qf1ChatRequest, m qf1Model) (*chatPlan, *qf1Invalid) {
	msgs := req.Messages
	if len(msgs) == 0 {
		return nil, qf1Param("messages must not be empty")
	}
	for i := range msgs {
		if msgs[i].Role == "system" {
			return nil, qf1Param(`messages[%d] has role "system"; pass the system prompt in the top-level "system" field`, i)
		}
	}
	for i := range msgs {
		mm := &msgs[i]
		switch mm.Content.kind {
		case contentArray, contentOther:
			return nil, qf1Param("the content of messages[%d] must be a string", i)
		case contentString:
			if mm.Content.text != "" {
				continue
			}
		}
		// Missing, null or empty: only an assistant's function-call turn
		// may have no content.
		if mm.Role != "assistant" || mm.FunctionCall == nil {
			return nil, qf1Param("the content of messages[%d] must not be empty", i)
		}
	}
	if len(msgs)%2 == 0 {
		return nil, qf1Param("messages length must be odd")
	}
	if msgs[0].Role != "user" {
		return nil, qf1Param("the role of the first message must be user")
	}
	for i := range msgs {
		role := msgs[i].Role
		if i%2 == 0 && role != "user" && role != "function" {
			return nil, qf1Param("the role of message with even index in the messages must be user or function")
		}
		if i%2 == 1 && role != "assistant" {
			return nil, qf1Param("the role of message with odd index in the messages must be assistant")
		}
		if role == "function" && (msgs[i].Name == nil || *msgs[i].Name == "") {
			return nil, qf1Param("messages[%d].name is required when role is function", i)
		}
	}
	last := &msgs[len(msgs)-1]
	if strings.TrimSpace(last.Content.text) == "" {
		return nil, qf1Param("the content of the last message must not be blank")
	}

	if v := req.Temperature; v != nil && (*v <= 0 || *v > 1) {
		return nil, qf1Param("temperature range is (0, 1.0]")
	}
	if v := req.TopP; v != nil && (*v < 0 || *v > 1) {
		return nil, qf1Param("top_p range is [0, 1.0]")
	}
	if v := req.PenaltyScore; v != nil && (*v < 1 || *v > 2) {
		return nil, qf1Param("penalty_score range is [1.0, 2.0]")
	}
	if len(req.Stop) > 4 {
		return nil, qf1Param("stop must have at most 4 elements")
	}
	for _, s := range req.Stop {
		if utf8.RuneCountInString(s) > 20 {
			return nil, qf1Param("each element of stop must be at most 20 characters")
		}
	}
	maxOut := qf1DefaultOutput
	if v := req.MaxOutputTokens; v != nil {
		if *v < 2 || *v > m.maxOutput {
			return nil, qf1Param("max_output_tokens range is [2, %d]", m.maxOutput)
		}
		maxOut = *v
	}
	if v := req.ResponseFormat; v != nil && *v != "text" && *v != "json_object" {
		return nil, qf1Param("response_format must be text or json_object")
	}
	for i, fn := range req.Functions {
		if fn.Name == "" {
			return nil, qf1Param("functions[%d].name must not be empty", i)
		}
	}
	toolName := ""
	if tc := &req.ToolChoice; tc.bad != "" {
		return nil, &qf1Invalid{qf1ErrInvalidParam, tc.bad}
	} else if tc.name != "" {
		found := false
		for _, fn := range req.Functions {
			found = found || fn.Name == tc.name
		}
		if !found {
			return nil, qf1Param("tool_choice function %q is not among functions", tc.name)
		}
		toolName = tc.name
	} else if len(req.Functions) > 0 && !tc.none {
		toolName = req.Functions[0].Name
	}

	// The DeepSeek toy model's plan is the adapter: v1 has no thinking, no
	// logprobs and no context cache.
	p := &chatPlan{
		model:     m.name,
		maxTokens: maxOut,
		stream:    req.Stream,
		toolName:  toolName,
	}
	for _, fn := range req.Functions {
		if toolName != "" && fn.Name == toolName {
			p.toolParams = fn.Parameters
			break
		}
	}
	if v := req.ResponseFormat; v != nil && *v == "json_object" {
		p.format = formatJSONObject
		if req.System != nil {
			p.schema = promptSchema(*req.System)
		}
	}
	if req.System != nil && *req.System != "" {
		p.promptTokens += countWords(*req.System) + 1
	}
	for i := range msgs {
		p.promptTokens += countWords(msgs[i].Content.text) + 1
		if msgs[i].Role == "user" {
			p.lastUser = msgs[i].Content.text
		}
	}
	// The toy model calls a function's result a tool result.
	p.lastRole, p.lastContent = last.Role, last.Content.text
	if p.lastRole == "function" {
		p.lastRole = "tool"
	}
	return p, nil
}

// qf1Finish maps the toy model's (OpenAI-style) finish reason to v1's.
func qf1Finish(f string) string {
	switch f {
	case "tool_calls":
		return "function_call"
	case "length", "content_filter":
		return f
	}
	return "normal"
}

// qf1ID formats an "as-" id with 10 lowercase alphanumerics, derived from
// the sequence number so that a fresh mock gives the same ids every run.
func qf1ID(seq uint64) string {
	const digits = "0123456789abcdefghijklmnopqrstuvwxyz"
	x := splitmix64(seq ^ 0x5a5a)
	var b [13]byte
	copy(b[:], "as-")
	for i := 3; i < len(b); i++ {
		b[i] = digits[x%36]
		x /= 36
	}
	return string(b[:])
}

func qf1Thoughts(name string) string {
	return "I need to call " + name + " to answer the user's question."
}

func (q *QianfanV1) chat(w http.ResponseWriter, r *http.Request, m qf1Model, body []byte, f Fault) {
	var req qf1ChatRequest
	if e := qf1Decode(body, &req); e != nil {
		qf1WriteError(w, http.StatusOK, e.code, e.msg)
		return
	}
	p, e := qf1Validate(&req, m)
	if e != nil {
		qf1WriteError(w, http.StatusOK, e.code, e.msg)
		return
	}
	a := generate(p)
	a.script(f.Content)
	id := qf1ID(q.base.seq.Add(1))
	created := q.cfg.Now().Unix()
	if p.stream {
		q.writeStream(w, r, p, &a, id, created, f)
		return
	}
	finish := qf1Finish(a.finish)
	resp := qf1Completion{
		ID:           id,
		Object:       "chat.completion",
		Created:      created,
		Result:       a.content,
		IsTruncated:  finish == "length",
		FinishReason: finish,
		Usage: qf1Usage{
			PromptTokens:     p.promptTokens,
			CompletionTokens: a.completionTokens(),
			TotalTokens:      p.promptTokens + a.completionTokens(),
		},
	}
	if a.tool != nil {
		resp.FunctionCall = &qf1FunctionCall{Name: a.tool.name, Arguments: a.tool.args, Thoughts: qf1Thoughts(a.tool.name)}
	}
	writeJSON(w, http.StatusOK, &resp)
}

// writeStream sends the answer one word per event, then a final event with
// is_end true, an empty result and the final usage. A function call is a
// single final event. ErrorAfter replaces the rest of the stream with an
// error event.
func (q *QianfanV1) writeStream(w http.ResponseWriter, r *http.Request, p *chatPlan, a *answer, id string, created int64, f Fault) {
	var errBody any
	if f.ErrorAfter > 0 {
		msg := f.Message
		if msg == "" {
			msg = qf1ErrorMessage(qf1ErrInternal)
		}
		errBody = qf1ErrorBody{ErrorCode: qf1ErrInternal, ErrorMsg: msg}
	}
	s := newSSEStream(w, r, q.cfg.ChunkDelay, f, errBody)

	ev := qf1Event{
		ID: id, Object: "chat.completion", Created: created, FinishReason: "normal",
		Usage: qf1Usage{PromptTokens: p.promptTokens, TotalTokens: p.promptTokens},
	}
	send := func() bool {
		ok := s.data(&ev)
		ev.SentenceID++
		return ok
	}
	setCompletion := func(n int) {
		ev.Usage.CompletionTokens = n
		ev.Usage.TotalTokens = p.promptTokens + n
	}

	if a.tool == nil {
		done := 0
		for rest := a.content; rest != ""; {
			ev.Result, rest = nextPiece(rest)
			done += countWords(ev.Result)
			setCompletion(done)
			if !send() {
				return
			}
		}
	} else {
		ev.FunctionCall = &qf1FunctionCall{Name: a.tool.name, Arguments: a.tool.args, Thoughts: qf1Thoughts(a.tool.name)}
	}
	ev.Result = ""
	ev.IsEnd = true
	ev.FinishReason = qf1Finish(a.finish)
	ev.IsTruncated = ev.FinishReason == "length"
	setCompletion(a.completionTokens())
	send()
}
