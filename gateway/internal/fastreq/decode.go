package fastreq

import (
	"encoding/json"
	"sync"

	"github.com/harborai/harbor-go/gateway/wire"
	"github.com/harborai/harbor-go/internal/jsonx"
	"github.com/harborai/harbor-go/llm"
)

// Decode reads data into r as json.Unmarshal(data, r) reads it into a zero r,
// and reports whether it could. False means it gave up: r is zero again, and
// the caller runs json.Unmarshal, whose value and error stand. r shares no
// memory with data (the gateway reuses its body buffers).
func Decode(data []byte, r *wire.ChatCompletionRequest) bool {
	d := decoders.Get().(*decoder)
	d.l.Reset(data)
	*r = wire.ChatCompletionRequest{}
	if !d.l.Null() { // null: json.Unmarshal leaves r as it is
		d.request(r)
	}
	ok := d.l.End()
	d.l.Reset(nil) // keep no reference to data, only the lexer's scratch buffer
	if len(data) <= maxPooled {
		decoders.Put(d)
	}
	if !ok {
		*r = wire.ChatCompletionRequest{}
	}
	return ok
}

// decoders are reused: a decoder would escape to the heap anyway (the object
// readers are passed around as functions), and its lexer keeps the buffer it
// unescapes strings into. That buffer grows to the longest escaped string
// read, so a decoder that read a body longer than maxPooled is let go rather
// than kept with a buffer as long.
var decoders = sync.Pool{New: func() any { return &decoder{n: names()} }}

const maxPooled = 64 << 10

// decoder reads one request. Each object reader reads into a zero value and
// returns early once the lexer failed; Decode then throws the value away.
type decoder struct {
	l jsonx.Lexer
	n *keyNames
}

// next records that the member with bit was read and reports whether to read
// on: not after a failure, nor after a repeated key — encoding/json keeps the
// last value of a repeated scalar but merges repeated objects into one, which
// is not reproduced here.
func (d *decoder) next(seen *uint64, bit uint64) bool {
	if *seen&bit != 0 {
		d.l.Fail()
	}
	*seen |= bit
	return !d.l.Failed()
}

// object reads an object's members: member reads the value of key k and
// returns the key's own bit (so that a repeated key fails the read, see next),
// or 0 for a key it has no case for, which Unknown then skips — or fails the
// read on, when it is one of names spelled otherwise.
func (d *decoder) object(names []string, member func(k []byte) uint64) {
	if !d.l.ObjectStart() {
		return
	}
	var seen uint64
	for first := true; ; first = false {
		k, ok := d.l.Key(first)
		if !ok {
			return
		}
		bit := member(k)
		if bit == 0 && !d.l.Failed() { // a member may refuse a key itself
			d.l.Unknown(k, names)
		}
		if !d.next(&seen, bit) {
			return
		}
	}
}

func (d *decoder) request(r *wire.ChatCompletionRequest) {
	d.object(d.n.request, func(k []byte) uint64 {
		switch string(k) {
		case "model":
			r.Model = d.str()
			return 1 << 0
		case "messages":
			r.Messages = list(d, (*decoder).message)
			return 1 << 1
		case "temperature":
			r.Temperature = d.float()
			return 1 << 2
		case "top_p":
			r.TopP = d.float()
			return 1 << 3
		case "frequency_penalty":
			r.FrequencyPenalty = d.float()
			return 1 << 4
		case "presence_penalty":
			r.PresencePenalty = d.float()
			return 1 << 5
		case "max_tokens":
			r.MaxTokens = d.int()
			return 1 << 6
		case "max_completion_tokens":
			r.MaxCompletionTokens = d.int()
			return 1 << 7
		case "n":
			r.N = d.int()
			return 1 << 8
		case "seed":
			r.Seed = d.int64()
			return 1 << 9
		case "stop": // wire's Stop, which shadows ChatRequest's
			r.Stop = d.stop()
			return 1 << 10
		case "response_format":
			r.ResponseFormat = ptr(d, (*decoder).responseFormat)
			return 1 << 11
		case "tools":
			r.Tools = list(d, (*decoder).tool)
			return 1 << 12
		case "tool_choice":
			r.ToolChoice = d.toolChoice()
			return 1 << 13
		case "parallel_tool_calls":
			r.ParallelToolCalls = d.optBool()
			return 1 << 14
		case "logprobs":
			r.Logprobs = d.optBool()
			return 1 << 15
		case "top_logprobs":
			r.TopLogprobs = d.int()
			return 1 << 16
		case "user":
			r.User = d.str()
			return 1 << 17
		case "thinking":
			r.Thinking = ptr(d, (*decoder).thinking)
			return 1 << 18
		case "reasoning_effort":
			r.ReasoningEffort = d.str()
			return 1 << 19
		case "web_search":
			r.WebSearch = ptr(d, (*decoder).webSearch)
			return 1 << 20
		case "stream":
			r.Stream = d.bool()
			return 1 << 21
		case "stream_options":
			r.StreamOptions = ptr(d, (*decoder).streamOptions)
			return 1 << 22
		}
		return 0
	})
}

// message reads a message as llm.Message.UnmarshalJSON does, in one pass.
func (d *decoder) message(m *llm.Message) {
	d.object(d.n.message, func(k []byte) uint64 {
		switch string(k) {
		case "role":
			m.Role = d.str()
			return 1 << 0
		case "content":
			d.content(m)
			return 1 << 1
		case "name":
			m.Name = d.str()
			return 1 << 2
		case "reasoning_content":
			m.ReasoningContent = d.str()
			return 1 << 3
		case "tool_calls":
			m.ToolCalls = list(d, (*decoder).toolCall)
			return 1 << 4
		case "tool_call_id":
			m.ToolCallID = d.str()
			return 1 << 5
		}
		return 0
	})
}

// content reads a message's content: a string into Content, an array of
// parts into Parts, null into neither. Anything else is an error of
// Message.UnmarshalJSON's, left to it.
func (d *decoder) content(m *llm.Message) {
	switch d.l.Peek() {
	case 'n':
		d.l.Null()
	case '"':
		m.Content = d.str()
	case '[':
		m.Parts = list(d, (*decoder).part)
	default:
		d.l.Fail()
	}
}

func (d *decoder) part(p *llm.ContentPart) {
	d.object(d.n.part, func(k []byte) uint64 {
		switch string(k) {
		case "type":
			p.Type = d.str()
			return 1 << 0
		case "text":
			p.Text = d.str()
			return 1 << 1
		case "image_url":
			p.ImageURL = ptr(d, (*decoder).media)
			return 1 << 2
		case "video_url":
			p.VideoURL = ptr(d, (*decoder).media)
			return 1 << 3
		case "input_audio":
			p.InputAudio = ptr(d, (*decoder).audio)
			return 1 << 4
		}
		return 0
	})
}

func (d *decoder) media(u *llm.MediaURL) {
	d.object(d.n.media, func(k []byte) uint64 {
		switch string(k) {
		case "url":
			u.URL = d.str()
			return 1 << 0
		case "detail":
			u.Detail = d.str()
			return 1 << 1
		}
		return 0
	})
}

func (d *decoder) audio(a *llm.InputAudio) {
	d.object(d.n.audio, func(k []byte) uint64 {
		switch string(k) {
		case "data":
			a.Data = d.str()
			return 1 << 0
		case "format":
			a.Format = d.str()
			return 1 << 1
		}
		return 0
	})
}

func (d *decoder) toolCall(c *llm.ToolCall) {
	d.object(d.n.toolCall, func(k []byte) uint64 {
		switch string(k) {
		case "id":
			c.ID = d.str()
			return 1 << 0
		case "type":
			c.Type = d.str()
			return 1 << 1
		case "function":
			if !d.l.Null() { // null leaves a struct as it is
				d.call(&c.Function)
			}
			return 1 << 2
		}
		return 0
	})
}

func (d *decoder) call(f *llm.FunctionCall) {
	d.object(d.n.call, func(k []byte) uint64 {
		switch string(k) {
		case "name":
			f.Name = d.str()
			return 1 << 0
		case "arguments":
			f.Arguments = d.str()
			return 1 << 1
		}
		return 0
	})
}

func (d *decoder) tool(t *llm.Tool) {
	d.object(d.n.tool, func(k []byte) uint64 {
		switch string(k) {
		case "type":
			t.Type = d.str()
			return 1 << 0
		case "function":
			if !d.l.Null() {
				d.function(&t.Function)
			}
			return 1 << 1
		}
		return 0
	})
}

func (d *decoder) function(f *llm.FunctionDefinition) {
	d.object(d.n.function, func(k []byte) uint64 {
		switch string(k) {
		case "name":
			f.Name = d.str()
			return 1 << 0
		case "description":
			f.Description = d.str()
			return 1 << 1
		case "parameters": // an interface{}: maps, slices and float64s, as encoding/json reads them
			f.Parameters, _ = d.l.Any()
			return 1 << 2
		case "strict":
			f.Strict = d.optBool()
			return 1 << 3
		}
		return 0
	})
}

// toolChoice reads a tool choice as llm.ToolChoice.UnmarshalJSON does: a mode
// string, or {"type":"function","function":{"name":…}} with a name. Its
// object form is read into an anonymous struct, whose keys the drift guard
// cannot see: only that canonical shape is read here (type "function" or
// absent, no other key, no key in another case); anything else is left to
// the method.
func (d *decoder) toolChoice() *llm.ToolChoice {
	switch d.l.Peek() {
	case 'n':
		d.l.Null()
		return nil
	case '"':
		return &llm.ToolChoice{Mode: d.str()}
	}
	var name string
	d.object(nil, func(k []byte) uint64 {
		switch string(k) {
		case "type":
			if t := d.str(); t != "function" && t != "" {
				d.l.Fail()
			}
			return 1 << 0
		case "function":
			if !d.l.Null() {
				name = d.functionName()
			}
			return 1 << 1
		}
		d.l.Fail() // no other key in the shape read here
		return 0
	})
	if name == "" || d.l.Failed() {
		d.l.Fail()
		return nil
	}
	return &llm.ToolChoice{Function: name}
}

// functionName reads the {"name":…} of a named tool choice, which has no
// other key (see toolChoice).
func (d *decoder) functionName() string {
	var name string
	d.object(nil, func(k []byte) uint64 {
		if string(k) == "name" {
			name = d.str()
			return 1 << 0
		}
		d.l.Fail() // no other key
		return 0
	})
	return name
}

// stop reads wire.StopList as its UnmarshalJSON does: a string is a list of
// one, an array a list (empty, not nil, for []), null nil.
func (d *decoder) stop() wire.StopList {
	switch d.l.Peek() {
	case 'n':
		d.l.Null()
		return nil
	case '"':
		return wire.StopList{d.str()}
	case '[':
		d.l.ArrayStart()
		s := wire.StopList{}
		for first := true; d.l.Elem(first); first = false {
			s = append(s, d.str())
			if d.l.Failed() {
				return nil
			}
		}
		return s
	}
	d.l.Fail()
	return nil
}

func (d *decoder) responseFormat(f *llm.ResponseFormat) {
	d.object(d.n.format, func(k []byte) uint64 {
		switch string(k) {
		case "type":
			f.Type = d.str()
			return 1 << 0
		case "json_schema":
			f.JSONSchema = ptr(d, (*decoder).jsonSchema)
			return 1 << 1
		}
		return 0
	})
}

func (d *decoder) jsonSchema(s *llm.JSONSchema) {
	d.object(d.n.schema, func(k []byte) uint64 {
		switch string(k) {
		case "name":
			s.Name = d.str()
			return 1 << 0
		case "description":
			s.Description = d.str()
			return 1 << 1
		case "schema":
			// json.RawMessage keeps the value's bytes as they are, null
			// included; a copy, as data is reused.
			if raw, ok := d.l.Raw(); ok {
				s.Schema = append(json.RawMessage(nil), raw...)
			}
			return 1 << 2
		case "strict":
			s.Strict = d.optBool()
			return 1 << 3
		}
		return 0
	})
}

func (d *decoder) thinking(t *llm.Thinking) {
	d.object(d.n.thinking, func(k []byte) uint64 {
		switch string(k) {
		case "type":
			t.Type = d.str()
			return 1 << 0
		}
		return 0
	})
}

func (d *decoder) webSearch(w *llm.WebSearch) {
	d.object(d.n.webSearch, func(k []byte) uint64 {
		switch string(k) {
		case "enable":
			w.Enable = d.bool()
			return 1 << 0
		case "enable_citation":
			w.EnableCitation = d.bool()
			return 1 << 1
		case "enable_trace":
			w.EnableTrace = d.bool()
			return 1 << 2
		case "enable_status":
			w.EnableStatus = d.bool()
			return 1 << 3
		case "search_num":
			w.SearchNum = d.int()
			return 1 << 4
		case "reference_num":
			w.ReferenceNum = d.int()
			return 1 << 5
		}
		return 0
	})
}

func (d *decoder) streamOptions(o *wire.StreamOptions) {
	d.object(d.n.streamOptions, func(k []byte) uint64 {
		switch string(k) {
		case "include_usage":
			o.IncludeUsage = d.bool()
			return 1 << 0
		}
		return 0
	})
}

// list reads an array of T, each element by read: null is a nil slice, [] an
// empty one (not nil), a null element a zero T — as encoding/json reads them.
func list[T any](d *decoder, read func(*decoder, *T)) []T {
	if d.l.Null() || !d.l.ArrayStart() {
		return nil
	}
	s := []T{}
	for first := true; d.l.Elem(first); first = false {
		if len(s) == 0 {
			s = make([]T, 0, 2) // most requests have two messages
		}
		var zero T
		s = append(s, zero)
		if !d.l.Null() {
			read(d, &s[len(s)-1])
		}
		if d.l.Failed() {
			return nil
		}
	}
	return s
}

// ptr reads an object into a new T, by read; null is nil.
func ptr[T any](d *decoder, read func(*decoder, *T)) *T {
	if d.l.Null() {
		return nil
	}
	p := new(T)
	read(d, p)
	return p
}

// The scalars. null leaves a field as it is (zero here, as every key is read
// once) and an Opt unset, as Opt.UnmarshalJSON does.

// str reads a string. The values a few fields take over and over (roles, part
// and tool types, modes) are constants, not copies.
func (d *decoder) str() string {
	if d.l.Null() {
		return ""
	}
	b, _ := d.l.StringBytes()
	switch string(b) {
	case llm.RoleSystem:
		return llm.RoleSystem
	case llm.RoleUser:
		return llm.RoleUser
	case llm.RoleAssistant:
		return llm.RoleAssistant
	case llm.RoleTool:
		return llm.RoleTool
	case "developer":
		return "developer"
	case "function":
		return "function"
	case llm.PartText:
		return llm.PartText
	case llm.PartImageURL:
		return llm.PartImageURL
	case llm.ToolChoiceAuto:
		return llm.ToolChoiceAuto
	case llm.ToolChoiceNone:
		return llm.ToolChoiceNone
	case llm.ToolChoiceRequired:
		return llm.ToolChoiceRequired
	}
	return string(b)
}

func (d *decoder) bool() bool {
	if d.l.Null() {
		return false
	}
	v, _ := d.l.Bool()
	return v
}

func (d *decoder) optBool() llm.Opt[bool]  { return opt(&d.l, (*jsonx.Lexer).Bool) }
func (d *decoder) float() llm.Opt[float64] { return opt(&d.l, (*jsonx.Lexer).Float64) }
func (d *decoder) int() llm.Opt[int]       { return opt(&d.l, (*jsonx.Lexer).Int) }
func (d *decoder) int64() llm.Opt[int64]   { return opt(&d.l, (*jsonx.Lexer).Int64) }

// opt reads an optional value with read: null or a value read gives up on
// (the caller's give-up check sees the lexer's error) is None.
func opt[T any](l *jsonx.Lexer, read func(*jsonx.Lexer) (T, bool)) llm.Opt[T] {
	if l.Null() {
		return llm.Opt[T]{}
	}
	v, ok := read(l)
	if !ok {
		return llm.Opt[T]{}
	}
	return llm.Some(v)
}
