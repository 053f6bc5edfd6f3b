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

func (d *decoder) request(r *wire.ChatCompletionRequest) {
	if !d.l.ObjectStart() {
		return
	}
	var seen uint64
	for first := true; ; first = false {
		k, ok := d.l.Key(first)
		if !ok {
			return
		}
		var bit uint64
		switch string(k) {
		case "model":
			bit = 1 << 0
			r.Model = d.str()
		case "messages":
			bit = 1 << 1
			r.Messages = list(d, (*decoder).message)
		case "temperature":
			bit = 1 << 2
			r.Temperature = d.float()
		case "top_p":
			bit = 1 << 3
			r.TopP = d.float()
		case "frequency_penalty":
			bit = 1 << 4
			r.FrequencyPenalty = d.float()
		case "presence_penalty":
			bit = 1 << 5
			r.PresencePenalty = d.float()
		case "max_tokens":
			bit = 1 << 6
			r.MaxTokens = d.int()
		case "max_completion_tokens":
			bit = 1 << 7
			r.MaxCompletionTokens = d.int()
		case "n":
			bit = 1 << 8
			r.N = d.int()
		case "seed":
			bit = 1 << 9
			r.Seed = d.int64()
		case "stop": // wire's Stop, which shadows ChatRequest's
			bit = 1 << 10
			r.Stop = d.stop()
		case "response_format":
			bit = 1 << 11
			r.ResponseFormat = ptr(d, (*decoder).responseFormat)
		case "tools":
			bit = 1 << 12
			r.Tools = list(d, (*decoder).tool)
		case "tool_choice":
			bit = 1 << 13
			r.ToolChoice = d.toolChoice()
		case "parallel_tool_calls":
			bit = 1 << 14
			r.ParallelToolCalls = d.optBool()
		case "logprobs":
			bit = 1 << 15
			r.Logprobs = d.optBool()
		case "top_logprobs":
			bit = 1 << 16
			r.TopLogprobs = d.int()
		case "user":
			bit = 1 << 17
			r.User = d.str()
		case "thinking":
			bit = 1 << 18
			r.Thinking = ptr(d, (*decoder).thinking)
		case "reasoning_effort":
			bit = 1 << 19
			r.ReasoningEffort = d.str()
		case "web_search":
			bit = 1 << 20
			r.WebSearch = ptr(d, (*decoder).webSearch)
		case "stream":
			bit = 1 << 21
			r.Stream = d.bool()
		case "stream_options":
			bit = 1 << 22
			r.StreamOptions = ptr(d, (*decoder).streamOptions)
		default:
			d.l.Unknown(k, d.n.request)
		}
		if !d.next(&seen, bit) {
			return
		}
	}
}

// message reads a message as llm.Message.UnmarshalJSON does, in one pass.
func (d *decoder) message(m *llm.Message) {
	if !d.l.ObjectStart() {
		return
	}
	var seen uint64
	for first := true; ; first = false {
		k, ok := d.l.Key(first)
		if !ok {
			return
		}
		var bit uint64
		switch string(k) {
		case "role":
			bit = 1 << 0
			m.Role = d.str()
		case "content":
			bit = 1 << 1
			d.content(m)
		case "name":
			bit = 1 << 2
			m.Name = d.str()
		case "reasoning_content":
			bit = 1 << 3
			m.ReasoningContent = d.str()
		case "tool_calls":
			bit = 1 << 4
			m.ToolCalls = list(d, (*decoder).toolCall)
		case "tool_call_id":
			bit = 1 << 5
			m.ToolCallID = d.str()
		default:
			d.l.Unknown(k, d.n.message)
		}
		if !d.next(&seen, bit) {
			return
		}
	}
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
	if !d.l.ObjectStart() {
		return
	}
	var seen uint64
	for first := true; ; first = false {
		k, ok := d.l.Key(first)
		if !ok {
			return
		}
		var bit uint64
		switch string(k) {
		case "type":
			bit = 1 << 0
			p.Type = d.str()
		case "text":
			bit = 1 << 1
			p.Text = d.str()
		case "image_url":
			bit = 1 << 2
			p.ImageURL = ptr(d, (*decoder).media)
		case "video_url":
			bit = 1 << 3
			p.VideoURL = ptr(d, (*decoder).media)
		case "input_audio":
			bit = 1 << 4
			p.InputAudio = ptr(d, (*decoder).audio)
		default:
			d.l.Unknown(k, d.n.part)
		}
		if !d.next(&seen, bit) {
			return
		}
	}
}

func (d *decoder) media(u *llm.MediaURL) {
	if !d.l.ObjectStart() {
		return
	}
	var seen uint64
	for first := true; ; first = false {
		k, ok := d.l.Key(first)
		if !ok {
			return
		}
		var bit uint64
		switch string(k) {
		case "url":
			bit = 1 << 0
			u.URL = d.str()
		case "detail":
			bit = 1 << 1
			u.Detail = d.str()
		default:
			d.l.Unknown(k, d.n.media)
		}
		if !d.next(&seen, bit) {
			return
		}
	}
}

func (d *decoder) audio(a *llm.InputAudio) {
	if !d.l.ObjectStart() {
		return
	}
	var seen uint64
	for first := true; ; first = false {
		k, ok := d.l.Key(first)
		if !ok {
			return
		}
		var bit uint64
		switch string(k) {
		case "data":
			bit = 1 << 0
			a.Data = d.str()
		case "format":
			bit = 1 << 1
			a.Format = d.str()
		default:
			d.l.Unknown(k, d.n.audio)
		}
		if !d.next(&seen, bit) {
			return
		}
	}
}

func (d *decoder) toolCall(c *llm.ToolCall) {
	if !d.l.ObjectStart() {
		return
	}
	var seen uint64
	for first := true; ; first = false {
		k, ok := d.l.Key(first)
		if !ok {
			return
		}
		var bit uint64
		switch string(k) {
		case "id":
			bit = 1 << 0
			c.ID = d.str()
		case "type":
			bit = 1 << 1
			c.Type = d.str()
		case "function":
			bit = 1 << 2
			if !d.l.Null() { // null leaves a struct as it is
				d.call(&c.Function)
			}
		default:
			d.l.Unknown(k, d.n.toolCall)
		}
		if !d.next(&seen, bit) {
			return
		}
	}
}

func (d *decoder) call(f *llm.FunctionCall) {
	if !d.l.ObjectStart() {
		return
	}
	var seen uint64
	for first := true; ; first = false {
		k, ok := d.l.Key(first)
		if !ok {
			return
		}
		var bit uint64
		switch string(k) {
		case "name":
			bit = 1 << 0
			f.Name = d.str()
		case "arguments":
			bit = 1 << 1
			f.Arguments = d.str()
		default:
			d.l.Unknown(k, d.n.call)
		}
		if !d.next(&seen, bit) {
			return
		}
	}
}

func (d *decoder) tool(t *llm.Tool) {
	if !d.l.ObjectStart() {
		return
	}
	var seen uint64
	for first := true; ; first = false {
		k, ok := d.l.Key(first)
		if !ok {
			return
		}
		var bit uint64
		switch string(k) {
		case "type":
			bit = 1 << 0
			t.Type = d.str()
		case "function":
			bit = 1 << 1
			if !d.l.Null() {
				d.function(&t.Function)
			}
		default:
			d.l.Unknown(k, d.n.tool)
		}
		if !d.next(&seen, bit) {
			return
		}
	}
}

func (d *decoder) function(f *llm.FunctionDefinition) {
	if !d.l.ObjectStart() {
		return
	}
	var seen uint64
	for first := true; ; first = false {
		k, ok := d.l.Key(first)
		if !ok {
			return
		}
		var bit uint64
		switch string(k) {
		case "name":
			bit = 1 << 0
			f.Name = d.str()
		case "description":
			bit = 1 << 1
			f.Description = d.str()
		case "parameters": // an interface{}: maps, slices and float64s, as encoding/json reads them
			bit = 1 << 2
			f.Parameters, _ = d.l.Any()
		case "strict":
			bit = 1 << 3
			f.Strict = d.optBool()
		default:
			d.l.Unknown(k, d.n.function)
		}
		if !d.next(&seen, bit) {
			return
		}
	}
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
	if !d.l.ObjectStart() {
		return nil
	}
	var name string
	var seen uint64
	for first := true; ; first = false {
		k, ok := d.l.Key(first)
		if !ok {
			break
		}
		var bit uint64
		switch string(k) {
		case "type":
			bit = 1 << 0
			if t := d.str(); t != "function" && t != "" {
				d.l.Fail()
			}
		case "function":
			bit = 1 << 1
			if !d.l.Null() {
				name = d.functionName()
			}
		default:
			d.l.Fail()
		}
		if !d.next(&seen, bit) {
			return nil
		}
	}
	if name == "" { // also after a failure
		d.l.Fail()
		return nil
	}
	return &llm.ToolChoice{Function: name}
}

// functionName reads the {"name":…} of a named tool choice, which has no
// other key (see toolChoice).
func (d *decoder) functionName() string {
	if !d.l.ObjectStart() {
		return ""
	}
	var name string
	var seen uint64
	for first := true; ; first = false {
		k, ok := d.l.Key(first)
		if !ok {
			return name
		}
		var bit uint64
		switch string(k) {
		case "name":
			bit = 1 << 0
			name = d.str()
		default:
			d.l.Fail()
		}
		if !d.next(&seen, bit) {
			return ""
		}
	}
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
	if !d.l.ObjectStart() {
		return
	}
	var seen uint64
	for first := true; ; first = false {
		k, ok := d.l.Key(first)
		if !ok {
			return
		}
		var bit uint64
		switch string(k) {
		case "type":
			bit = 1 << 0
			f.Type = d.str()
		case "json_schema":
			bit = 1 << 1
			f.JSONSchema = ptr(d, (*decoder).jsonSchema)
		default:
			d.l.Unknown(k, d.n.format)
		}
		if !d.next(&seen, bit) {
			return
		}
	}
}

func (d *decoder) jsonSchema(s *llm.JSONSchema) {
	if !d.l.ObjectStart() {
		return
	}
	var seen uint64
	for first := true; ; first = false {
		k, ok := d.l.Key(first)
		if !ok {
			return
		}
		var bit uint64
		switch string(k) {
		case "name":
			bit = 1 << 0
			s.Name = d.str()
		case "description":
			bit = 1 << 1
			s.Description = d.str()
		case "schema":
			// json.RawMessage keeps the value's bytes as they are, null
			// included; a copy, as data is reused.
			bit = 1 << 2
			if raw, ok := d.l.Raw(); ok {
				s.Schema = append(json.RawMessage(nil), raw...)
			}
		case "strict":
			bit = 1 << 3
			s.Strict = d.optBool()
		default:
			d.l.Unknown(k, d.n.schema)
		}
		if !d.next(&seen, bit) {
			return
		}
	}
}

func (d *decoder) thinking(t *llm.Thinking) {
	if !d.l.ObjectStart() {
		return
	}
	var seen uint64
	for first := true; ; first = false {
		k, ok := d.l.Key(first)
		if !ok {
			return
		}
		var bit uint64
		switch string(k) {
		case "type":
			bit = 1 << 0
			t.Type = d.str()
		default:
			d.l.Unknown(k, d.n.thinking)
		}
		if !d.next(&seen, bit) {
			return
		}
	}
}

func (d *decoder) webSearch(w *llm.WebSearch) {
	if !d.l.ObjectStart() {
		return
	}
	var seen uint64
	for first := true; ; first = false {
		k, ok := d.l.Key(first)
		if !ok {
			return
		}
		var bit uint64
		switch string(k) {
		case "enable":
			bit = 1 << 0
			w.Enable = d.bool()
		case "enable_citation":
			bit = 1 << 1
			w.EnableCitation = d.bool()
		case "enable_trace":
			bit = 1 << 2
			w.EnableTrace = d.bool()
		case "enable_status":
			bit = 1 << 3
			w.EnableStatus = d.bool()
		case "search_num":
			bit = 1 << 4
			w.SearchNum = d.int()
		case "reference_num":
			bit = 1 << 5
			w.ReferenceNum = d.int()
		default:
			d.l.Unknown(k, d.n.webSearch)
		}
		if !d.next(&seen, bit) {
			return
		}
	}
}

func (d *decoder) streamOptions(o *wire.StreamOptions) {
	if !d.l.ObjectStart() {
		return
	}
	var seen uint64
	for first := true; ; first = false {
		k, ok := d.l.Key(first)
		if !ok {
			return
		}
		var bit uint64
		switch string(k) {
		case "include_usage":
			bit = 1 << 0
			o.IncludeUsage = d.bool()
		default:
			d.l.Unknown(k, d.n.streamOptions)
		}
		if !d.next(&seen, bit) {
			return
		}
	}
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
