package llm

import (
	"bytes"
	"encoding/json"
	"reflect"

	"github.com/harborai/harbor-go/internal/jsonx"
)

// Roles of a conversation turn.
const (
	RoleSystem    = "system"
	RoleUser      = "user"
	RoleAssistant = "assistant"
	RoleTool      = "tool"
)

// Message is one conversation turn, in OpenAI's shape.
//
// Content is plain text. Parts, when non-empty, replaces Content with multi-part
// content (text, images…) for vendors that accept it; providers whose vendor takes
// text only (DeepSeek, Wenxin) join text parts and reject the others with a clear error.
type Message struct {
	Role    string        `json:"role"`
	Content string        `json:"content"`
	Parts   []ContentPart `json:"-"`
	Name    string        `json:"name,omitempty"`

	// ReasoningContent is the model's chain of thought on an assistant turn. Send it
	// back unchanged on turns that carry ToolCalls: DeepSeek's thinking mode requires it.
	ReasoningContent string `json:"reasoning_content,omitempty"`

	ToolCalls  []ToolCall `json:"tool_calls,omitempty"`
	ToolCallID string     `json:"tool_call_id,omitempty"`
}

// SystemMessage returns a system turn.
func SystemMessage(text string) Message { return Message{Role: RoleSystem, Content: text} }

// UserMessage returns a user turn with text content.
func UserMessage(text string) Message { return Message{Role: RoleUser, Content: text} }

// UserParts returns a user turn with multi-part content.
func UserParts(parts ...ContentPart) Message { return Message{Role: RoleUser, Parts: parts} }

// AssistantMessage returns an assistant turn with text content.
func AssistantMessage(text string) Message { return Message{Role: RoleAssistant, Content: text} }

// ToolMessage returns the result of the tool call with the given id.
func ToolMessage(toolCallID, content string) Message {
	return Message{Role: RoleTool, Content: content, ToolCallID: toolCallID}
}

// Text returns the message's text: Content, or the text parts joined when Parts is set.
func (m *Message) Text() string {
	if len(m.Parts) == 0 {
		return m.Content
	}
	var n int
	for i := range m.Parts {
		n += len(m.Parts[i].Text)
	}
	b := make([]byte, 0, n)
	for i := range m.Parts {
		if m.Parts[i].Type == PartText {
			b = append(b, m.Parts[i].Text...)
		}
	}
	return string(b)
}

type messageJSON struct {
	Role             string          `json:"role"`
	Content          json.RawMessage `json:"content"`
	Name             string          `json:"name,omitempty"`
	ReasoningContent string          `json:"reasoning_content,omitempty"`
	ToolCalls        []ToolCall      `json:"tool_calls,omitempty"`
	ToolCallID       string          `json:"tool_call_id,omitempty"`
}

// MarshalJSON writes content as a string, or as an array of parts when Parts is set.
// An assistant turn with tool calls and no text has content null, as OpenAI does.
//
// It writes, in one pass and without reflection, the bytes json.Marshal writes
// for messageJSON with the content marshalled on its own (how it was written
// before: every plain answer of the gateway and every request sent as JSON
// encodes its messages). testdata/message_json.golden holds those bytes;
// TestMessageMarshalJSONEveryField fails when a field added to Message or to a
// type it reaches is not written here (in AppendJSON).
func (m Message) MarshalJSON() ([]byte, error) {
	b, _ := m.AppendJSON(make([]byte, 0, m.sizeHint())) // strings only: it cannot fail
	return b, nil
}

// AppendJSON appends to b the bytes MarshalJSON returns — json.Marshal's for m
// — and reports true: for encoders that write a message inside a larger
// document in the same buffer (the gateway's answers), so that they write
// messages exactly as MarshalJSON does without allocating for each. The
// report is false only when a value cannot be written (a NaN or an infinity,
// as for the generated AppendJSON methods); a message holds strings only, so
// it is never false today.
func (m *Message) AppendJSON(b []byte) ([]byte, bool) {
	w := jsonx.Writer{B: b}
	w.Open()
	w.Key("role")
	w.String(m.Role)
	w.Key("content")
	switch {
	case len(m.Parts) > 0:
		w.OpenArray()
		for i := range m.Parts {
			w.Elem()
			m.Parts[i].appendJSON(&w)
		}
		w.CloseArray()
	case m.Content == "" && len(m.ToolCalls) > 0:
		w.Null()
	default:
		w.String(m.Content)
	}
	if m.Name != "" {
		w.Key("name")
		w.String(m.Name)
	}
	if m.ReasoningContent != "" {
		w.Key("reasoning_content")
		w.String(m.ReasoningContent)
	}
	if len(m.ToolCalls) > 0 {
		w.Key("tool_calls")
		w.OpenArray()
		for i := range m.ToolCalls {
			w.Elem()
			m.ToolCalls[i].appendJSON(&w)
		}
		w.CloseArray()
	}
	if m.ToolCallID != "" {
		w.Key("tool_call_id")
		w.String(m.ToolCallID)
	}
	w.Close()
	return w.B, !w.Failed
}

// sizeHint is about the size of m's JSON when nothing needs escaping, so that
// MarshalJSON allocates once.
func (m *Message) sizeHint() int {
	n := 64 + len(m.Role) + len(m.Content) + len(m.Name) + len(m.ReasoningContent) + len(m.ToolCallID)
	for i := range m.Parts {
		p := &m.Parts[i]
		n += 48 + len(p.Type) + len(p.Text)
		if p.ImageURL != nil {
			n += 32 + len(p.ImageURL.URL) + len(p.ImageURL.Detail)
		}
		if p.VideoURL != nil {
			n += 32 + len(p.VideoURL.URL) + len(p.VideoURL.Detail)
		}
		if p.InputAudio != nil {
			n += 40 + len(p.InputAudio.Data) + len(p.InputAudio.Format)
		}
	}
	for i := range m.ToolCalls {
		c := &m.ToolCalls[i]
		n += 64 + len(c.ID) + len(c.Type) + len(c.Function.Name) + len(c.Function.Arguments)
	}
	return n
}

// UnmarshalJSON accepts content as a string, null, or an array of parts.
func (m *Message) UnmarshalJSON(b []byte) error {
	var j messageJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*m = Message{Role: j.Role, Name: j.Name, ReasoningContent: j.ReasoningContent, ToolCalls: j.ToolCalls, ToolCallID: j.ToolCallID}
	c := bytes.TrimSpace(j.Content)
	switch {
	case len(c) == 0 || bytes.Equal(c, []byte("null")):
	case c[0] == '"':
		return json.Unmarshal(c, &m.Content)
	case c[0] == '[':
		return json.Unmarshal(c, &m.Parts)
	default:
		// encoding/json's own error for a wrong type, so that a decoder of a
		// whole request names the field ("messages.content"), as it does for
		// every other field of a message.
		kind := "number"
		switch c[0] {
		case '{':
			kind = "object"
		case 't', 'f':
			kind = "bool"
		}
		return &json.UnmarshalTypeError{Value: kind, Type: reflect.TypeFor[string](), Field: "content"}
	}
	return nil
}

// Content part types.
const (
	PartText       = "text"
	PartImageURL   = "image_url"
	PartVideoURL   = "video_url"
	PartInputAudio = "input_audio"
)

// ContentPart is one piece of multi-part content.
type ContentPart struct {
	Type       string      `json:"type"`
	Text       string      `json:"text,omitempty"`
	ImageURL   *MediaURL   `json:"image_url,omitempty"`
	VideoURL   *MediaURL   `json:"video_url,omitempty"`
	InputAudio *InputAudio `json:"input_audio,omitempty"`
}

// appendJSON writes p as json.Marshal does.
func (p *ContentPart) appendJSON(w *jsonx.Writer) {
	w.Open()
	w.Key("type")
	w.String(p.Type)
	if p.Text != "" {
		w.Key("text")
		w.String(p.Text)
	}
	if p.ImageURL != nil {
		w.Key("image_url")
		p.ImageURL.appendJSON(w)
	}
	if p.VideoURL != nil {
		w.Key("video_url")
		p.VideoURL.appendJSON(w)
	}
	if p.InputAudio != nil {
		w.Key("input_audio")
		w.Open()
		w.Key("data")
		w.String(p.InputAudio.Data)
		w.Key("format")
		w.String(p.InputAudio.Format)
		w.Close()
	}
	w.Close()
}

// TextPart returns a text part.
func TextPart(text string) ContentPart { return ContentPart{Type: PartText, Text: text} }

// ImagePart returns an image part; detail is "", "low", "high" or "auto".
func ImagePart(url, detail string) ContentPart {
	return ContentPart{Type: PartImageURL, ImageURL: &MediaURL{URL: url, Detail: detail}}
}

// MediaURL points at an image or video, by URL or data: URI.
type MediaURL struct {
	URL    string `json:"url"`
	Detail string `json:"detail,omitempty"`
}

// appendJSON writes u as json.Marshal does.
func (u *MediaURL) appendJSON(w *jsonx.Writer) {
	w.Open()
	w.Key("url")
	w.String(u.URL)
	if u.Detail != "" {
		w.Key("detail")
		w.String(u.Detail)
	}
	w.Close()
}

// InputAudio is inline audio content.
type InputAudio struct {
	Data   string `json:"data"`
	Format string `json:"format"`
}

// ToolCall is a function call the model asked for.
type ToolCall struct {
	ID       string       `json:"id"`
	Type     string       `json:"type"`
	Function FunctionCall `json:"function"`
}

// appendJSON writes c as json.Marshal does.
func (c *ToolCall) appendJSON(w *jsonx.Writer) {
	w.Open()
	w.Key("id")
	w.String(c.ID)
	w.Key("type")
	w.String(c.Type)
	w.Key("function")
	w.Open()
	w.Key("name")
	w.String(c.Function.Name)
	w.Key("arguments")
	w.String(c.Function.Arguments)
	w.Close()
	w.Close()
}

// FunctionCall names the function and carries its JSON-encoded arguments, exactly as
// the model produced them (they may not be valid JSON).
type FunctionCall struct {
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}
