package mockvendor

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Machinery shared by the OpenAI-shaped mocks: the generic OpenAI-compatible
// one (openai*.go) and Qianfan v2 (qianfanv2*.go). Both speak the OpenAI chat
// wire with vendor twists, so request decoding, the toy-model adapter and the
// stream writer live here once.

// oaiID returns prefix followed by n characters of alphabet derived from seq,
// so ids look random but a fresh mock always issues the same ones.
func oaiID(prefix, alphabet string, n int, seq uint64) string {
	var b strings.Builder
	b.Grow(len(prefix) + n)
	b.WriteString(prefix)
	x := splitmix64(seq)
	for i := 0; i < n; i++ {
		if i%8 == 7 {
			x = splitmix64(x)
		}
		b.WriteByte(alphabet[x%uint64(len(alphabet))])
		x /= uint64(len(alphabet))
	}
	return b.String()
}

const (
	oaiLowerAlnum = "0123456789abcdefghijklmnopqrstuvwxyz"
	oaiMixedAlnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)

// --- request decoding ---

// oaiMessage is one request message as both vendors accept it.
type oaiMessage struct {
	Role       string          `json:"role"`
	Content    oaiContent      `json:"content"`
	ToolCalls  []oaiInToolCall `json:"tool_calls"`
	ToolCallID *string         `json:"tool_call_id"`
}

type oaiInToolCall struct {
	ID string `json:"id"`
}

// oaiContent is a message content: absent, null, a string or an array of
// typed parts. text is the string, or the text parts joined by "\n"; the
// toy model only ever sees text.
type oaiContent struct {
	kind  contentKind
	text  string
	parts []oaiPart
}

type oaiPart struct {
	Type string  `json:"type"`
	Text *string `json:"text"`
}

func (c *oaiContent) UnmarshalJSON(b []byte) error {
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
			c.text = string(b[1 : len(b)-1])
			return nil
		}
		return json.Unmarshal(b, &c.text)
	case '[':
		c.kind = contentArray
		if err := json.Unmarshal(b, &c.parts); err != nil {
			return err
		}
		var sb strings.Builder
		for _, p := range c.parts {
			if p.Type == "text" && p.Text != nil {
				if sb.Len() > 0 {
					sb.WriteByte('\n')
				}
				sb.WriteString(*p.Text)
			}
		}
		c.text = sb.String()
	default:
		c.kind = contentOther // validators reject it in the vendor's words
	}
	return nil
}

// --- the toy model ---

// oaiTurn is a validated request reduced to what the toy model needs; it is
// the OpenAI-shaped mocks' adapter onto DeepSeek's chatPlan.
type oaiTurn struct {
	system       []string // the system messages' text
	model        string
	thinking     bool
	maxTokens    int // 0: unlimited
	toolName     string
	toolParams   []byte
	format       answerFormat
	schema       []byte
	lastRole     string
	lastContent  string
	lastUser     string
	promptTokens int
}

// setFormat records the response_format the toy model answers in; raw is the
// json_schema object ({"name", "schema", …}), whose schema is kept.
func (t *oaiTurn) setFormat(typ string, raw json.RawMessage) {
	switch typ {
	case "json_object":
		t.format = formatJSONObject
		t.schema = promptSchema(t.system...)
	case "json_schema":
		t.format = formatJSONSchema
		var js struct {
			Schema json.RawMessage `json:"schema"`
		}
		if json.Unmarshal(raw, &js) == nil {
			t.schema = js.Schema
		}
	}
}

// oaiNewTurn reads the conversation facts the toy model needs from msgs,
// which must not be empty.
func oaiNewTurn(model string, msgs []oaiMessage) oaiTurn {
	t := oaiTurn{model: model}
	for i := range msgs {
		t.promptTokens += countWords(msgs[i].Content.text) + 1
	}
	last := &msgs[len(msgs)-1]
	t.lastRole, t.lastContent = last.Role, last.Content.text
	for i := range msgs {
		if msgs[i].Role == "system" {
			t.system = append(t.system, msgs[i].Content.text)
		}
	}
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role == "user" {
			t.lastUser = msgs[i].Content.text
			break
		}
	}
	return t
}

// answer runs the toy model. DeepSeek's insufficient_system_resource finish
// exists on no other vendor, so its trigger is plain text here.
func (t *oaiTurn) answer() answer {
	a := generate(&chatPlan{
		model:       t.model,
		thinking:    t.thinking,
		maxTokens:   t.maxTokens,
		toolName:    t.toolName,
		toolParams:  t.toolParams,
		format:      t.format,
		schema:      t.schema,
		lastRole:    t.lastRole,
		lastContent: t.lastContent,
		lastUser:    t.lastUser,
	})
	if a.finish == "insufficient_system_resource" {
		a.finish = "stop"
	}
	return a
}

// oaiToolName resolves which tool the toy model calls: the named one, else
// the first, none when tool_choice is "none". found is false when a named
// tool is not among tools.
func oaiToolName(tools []dsTool, tc *dsToolChoice) (name string, found bool) {
	if len(tools) == 0 || tc.mode == "none" {
		return "", tc.name == ""
	}
	if tc.name == "" {
		return tools[0].Function.Name, true
	}
	for _, t := range tools {
		if t.Function != nil && t.Function.Name == tc.name {
			return tc.name, true
		}
	}
	return "", false
}

// oaiMentionsJSON reports whether any message text contains "json" in any
// case (OpenAI's json_object precondition).
func oaiMentionsJSON(msgs []oaiMessage) bool {
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

// --- streaming ---

// oaiStreamAnswer sends one choice of a as OpenAI deltas, in the order the
// vendors use: the role delta, reasoning pieces, the tool call (name, then
// argument pieces), content pieces, and final with the finish reason. emit
// wraps a delta in the vendor's chunk; false from it ends the stream.
func oaiStreamAnswer(a *answer, role, final any, emit func(delta any, finish *string) bool) bool {
	if !emit(role, nil) {
		return false
	}
	if a.thinking {
		rd := &dsReasoningDelta{}
		for rest := a.reasoning; rest != ""; {
			rd.ReasoningContent, rest = nextPiece(rest)
			if !emit(rd, nil) {
				return false
			}
		}
	}
	if a.tool != nil {
		td := &dsToolDelta{}
		td.ToolCalls[0] = dsToolCallDelta{ID: a.tool.id, Type: "function", Function: dsFunctionDelta{Name: a.tool.name}}
		if !emit(td, nil) {
			return false
		}
		td.ToolCalls[0] = dsToolCallDelta{}
		if !splitArgs(a.tool.args, func(piece string) bool {
			td.ToolCalls[0].Function.Arguments = piece
			return emit(td, nil)
		}) {
			return false
		}
	}
	cd := &dsContentDelta{}
	for rest := a.content; rest != ""; {
		cd.Content, rest = nextPiece(rest)
		if !emit(cd, nil) {
			return false
		}
	}
	finish := a.finish
	return emit(final, &finish)
}

// oaiToolCalls renders the toy model's tool call for a response message.
func oaiToolCalls(a *answer) []dsOutToolCall {
	if a.tool == nil {
		return nil
	}
	return []dsOutToolCall{{
		ID: a.tool.id, Type: "function",
		Function: dsOutFunction{Name: a.tool.name, Arguments: a.tool.args},
	}}
}
