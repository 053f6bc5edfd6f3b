package llm

import (
	"bytes"
	"encoding/json"
	"fmt"
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
func (m Message) MarshalJSON() ([]byte, error) {
	j := messageJSON{Role: m.Role, Name: m.Name, ReasoningContent: m.ReasoningContent, ToolCalls: m.ToolCalls, ToolCallID: m.ToolCallID}
	var err error
	switch {
	case len(m.Parts) > 0:
		j.Content, err = json.Marshal(m.Parts)
	case m.Content == "" && len(m.ToolCalls) > 0:
		j.Content = json.RawMessage("null")
	default:
		j.Content, err = json.Marshal(m.Content)
	}
	if err != nil {
		return nil, err
	}
	return json.Marshal(j)
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
		return fmt.Errorf("message content must be a string, null or an array of parts, got %.20s", c)
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

// FunctionCall names the function and carries its JSON-encoded arguments, exactly as
// the model produced them (they may not be valid JSON).
type FunctionCall struct {
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}
