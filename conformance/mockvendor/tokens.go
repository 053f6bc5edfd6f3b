package mockvendor

import (
	"encoding/json"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/harborai/harbor-go/conformance/mockvendor/internal/schemagen"
)

// The toy tokenizer: a token is a maximal run of non-whitespace characters
// (as strings.Fields defines it). Real vendors use BPE tokenizers, but tests
// need token counts they can work out by hand, and a client must never depend
// on a vendor's exact counts anyway.

// countWords returns the number of toy tokens in s without allocating.
func countWords(s string) int {
	n := 0
	inWord := false
	for _, r := range s {
		if isSpace(r) {
			inWord = false
			continue
		}
		if !inWord {
			n++
			inWord = true
		}
	}
	return n
}

// nextPiece splits off the first stream piece of s: any leading whitespace,
// the first word and the whitespace that follows it. Concatenating all pieces
// gives back s exactly, which keeps streamed text byte-identical to the
// non-streamed answer while still sending one token per chunk.
func nextPiece(s string) (piece, rest string) {
	i := 0
	// leading whitespace (only possible for the first piece)
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !isSpace(r) {
			break
		}
		i += size
	}
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if isSpace(r) {
			break
		}
		i += size
	}
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !isSpace(r) {
			break
		}
		i += size
	}
	return s[:i], s[i:]
}

// splitArgs calls f with each stream piece of tool-call arguments, in order,
// until f returns false (splitArgs then returns false). Pieces end as
// nextPiece's do, after a run of whitespace, and also after a comma outside a
// JSON string, so that compact arguments ({"city":"Paris","unit":"celsius"})
// still arrive in several chunks, about a property at a time, as vendors
// stream them. Each piece is one toy token (see countArgTokens); their
// concatenation is s.
func splitArgs(s string, f func(piece string) bool) bool {
	start := 0
	i := skipSpace(s, 0) // leading whitespace (never made by the toy model)
	inString, escaped := false, false
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case escaped:
			escaped = false
		case inString && r == '\\':
			escaped = true
		case r == '"':
			inString = !inString
		case isSpace(r), !inString && r == ',':
			i = skipSpace(s, i)
			if !f(s[start:i]) {
				return false
			}
			start = i
		}
	}
	if start < len(s) {
		return f(s[start:])
	}
	return true
}

// countArgTokens is the number of toy tokens in tool-call arguments: the
// pieces splitArgs cuts them into. Without a comma between values it is
// countWords.
func countArgTokens(s string) int {
	n := 0
	splitArgs(s, func(string) bool { n++; return true })
	return n
}

// skipSpace returns the index of the first non-space at or after i.
func skipSpace(s string, i int) int {
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !isSpace(r) {
			break
		}
		i += size
	}
	return i
}

// truncateWords returns the prefix of s that ends with its n-th word (no
// trailing whitespace), or s itself when it has at most n words.
func truncateWords(s string, n int) string {
	if n <= 0 {
		return ""
	}
	seen := 0
	inWord := false
	for i, r := range s {
		if isSpace(r) {
			if inWord && seen == n {
				return s[:i]
			}
			inWord = false
			continue
		}
		if !inWord {
			seen++
			inWord = true
		}
	}
	return s
}

func isSpace(r rune) bool {
	if r < utf8.RuneSelf {
		return r == ' ' || r == '\n' || r == '\t' || r == '\r' || r == '\v' || r == '\f' || r == 0x85 || r == 0xA0
	}
	return unicode.IsSpace(r)
}

// Markers that make the toy model finish with a rarer finish_reason, so that
// clients' handling of them can be tested.
const (
	triggerInsufficient  = "[[insufficient]]"
	triggerContentFilter = "[[content_filter]]"
)

// toolCallOut is the single tool call the toy model makes.
type toolCallOut struct {
	id, name, args string
}

// answer is the toy model's complete, deterministic output for one request.
type answer struct {
	reasoning       string // only meaningful when thinking
	thinking        bool
	reasoningTokens int
	content         string
	contentTokens   int
	tool            *toolCallOut
	finish          string
}

func (a *answer) completionTokens() int { return a.reasoningTokens + a.contentTokens }

// generate runs the toy model. maxTokens <= 0 means unlimited.
func generate(p *chatPlan) answer {
	a := answer{thinking: p.thinking, finish: "stop"}
	last := p.lastUser
	if p.thinking {
		a.reasoning = `The user said "` + last + `". I will answer briefly.`
		a.reasoningTokens = countWords(a.reasoning)
		if p.maxTokens > 0 && a.reasoningTokens >= p.maxTokens {
			// DeepSeek's documented quirk: the reasoning can consume the whole
			// budget, leaving HTTP 200 with empty content and "length".
			a.reasoning = truncateWords(a.reasoning, p.maxTokens)
			a.reasoningTokens = countWords(a.reasoning)
			a.finish = "length"
			return a
		}
	}
	budget := -1
	if p.maxTokens > 0 {
		budget = p.maxTokens - a.reasoningTokens
	}

	trigger := ""
	switch {
	case strings.Contains(last, triggerInsufficient):
		trigger = "insufficient_system_resource"
	case strings.Contains(last, triggerContentFilter):
		trigger = "content_filter"
	}

	if trigger == "" && p.toolName != "" && p.lastRole == "user" {
		args := toolArguments(p.toolParams, last)
		n := countArgTokens(args)
		if budget >= 0 && n > budget {
			// A half-written tool call is useless; DeepSeek cuts it off and
			// reports length, which the mock models as no call at all.
			a.finish = "length"
			return a
		}
		a.tool = &toolCallOut{id: toolCallID(last), name: p.toolName, args: args}
		a.contentTokens = n
		a.finish = "tool_calls"
		return a
	}

	reply := "Hello! You said: " + last
	if p.lastRole == "tool" {
		reply = "Tool result: " + p.lastContent
	}
	a.content = formatAnswer(p.format, p.schema, reply, last)
	a.contentTokens = countWords(a.content)
	if budget >= 0 && a.contentTokens > budget {
		a.content = truncateWords(a.content, budget)
		a.contentTokens = budget
		a.finish = "length"
		return a
	}
	if trigger != "" {
		a.finish = trigger
	}
	return a
}

// answerFormat is the response_format a request asked for.
type answerFormat uint8

const (
	formatText       answerFormat = iota // plain text (also no response_format)
	formatJSONObject                     // json_object: any JSON object
	formatJSONSchema                     // json_schema: an instance of chatPlan.schema
)

// formatAnswer is the toy model's answer text in the requested format:
// the reply itself; for json_object {"answer": reply}; for json_schema an
// instance of schema built from the prompt (see schemagen), or the
// json_object answer when the schema names no property and takes any
// object (none, {"type":"object"}), for which it is valid. JSON answers are
// spaced ({"a": 1, "b": 2}) as models write them, so that a stream splits
// them into several chunks like any answer.
func formatAnswer(f answerFormat, schema []byte, reply, prompt string) string {
	if f != formatText && len(schema) > 0 && !openObject(schema) {
		if b, err := schemagen.Generate(schema, prompt, schemagen.Spaced); err == nil {
			return string(b)
		}
	}
	if f != formatText {
		return `{"answer": ` + jsonString(reply) + `}`
	}
	return reply
}

// toolArguments are the arguments of the toy model's tool call: an instance
// of the tool's parameter schema built from the prompt (see schemagen), as
// compact JSON like vendors send arguments; with the usual
// {"type":"object","properties":{"query":{"type":"string"}}} that is
// {"query":"<the prompt>"}. A schema that names no property and takes any
// (no parameters, {"type":"object"}) gets that too: it is valid for it, and
// what the toy model answered before it read schemas.
func toolArguments(params []byte, prompt string) string {
	if openObject(params) {
		return `{"query":` + jsonString(prompt) + `}`
	}
	b, err := schemagen.Generate(params, prompt, schemagen.Compact)
	if err != nil {
		return `{"query":` + jsonString(prompt) + `}`
	}
	return string(b)
}

// openObject reports whether a parameter schema is absent or an object
// schema naming no property and constraining nothing else.
func openObject(params []byte) bool {
	if len(params) == 0 || string(params) == "null" {
		return true
	}
	var kw map[string]json.RawMessage
	if json.Unmarshal(params, &kw) != nil {
		return false
	}
	for k, v := range kw {
		switch k {
		case "title", "description", "$schema", "$id", "$comment", "examples", "default":
		case "type":
			if string(v) != `"object"` {
				return false
			}
		case "properties", "required":
			var none map[string]json.RawMessage
			var empty []json.RawMessage
			if json.Unmarshal(v, &none) == nil && len(none) == 0 || json.Unmarshal(v, &empty) == nil && len(empty) == 0 {
				continue
			}
			return false
		case "additionalProperties":
			if string(v) != "true" {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// script replaces the answer's text with content, as Fault.Content asks: no
// tool call, finish "stop", the content's toy tokens counted; the reasoning,
// if any, stays.
func (a *answer) script(content string) {
	if content == "" {
		return
	}
	a.tool = nil
	a.content = content
	a.contentTokens = countWords(content)
	a.finish = "stop"
}

// toolCallID mimics DeepSeek's "call_00_<hex>" ids, derived from the prompt
// so that the same request always yields the same id.
func toolCallID(seed string) string {
	h := fnv32(seed)
	var b [16]byte
	copy(b[:], "call_00_")
	const hexdigits = "0123456789abcdef"
	for i := 0; i < 8; i++ {
		b[8+i] = hexdigits[(h>>(28-4*i))&0xf]
	}
	return string(b[:])
}

func fnv32(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

// fnv64 hashes parts separated by a zero byte; used for the simulated
// context cache, where a (vanishingly unlikely) collision only means a
// spurious cache hit.
func fnv64(parts ...string) uint64 {
	h := uint64(14695981039346656037)
	for _, p := range parts {
		for i := 0; i < len(p); i++ {
			h ^= uint64(p[i])
			h *= 1099511628211
		}
		h ^= 0xff // separator, so ("ab","c") and ("a","bc") differ
		h *= 1099511628211
	}
	return h
}

// mockUUID formats a version-4-shaped UUID from a sequence number, so ids
// look like DeepSeek's but are reproducible.
func mockUUID(seq uint64) string {
	hi := splitmix64(seq)
	lo := splitmix64(hi ^ seq)
	var raw [16]byte
	for i := 0; i < 8; i++ {
		raw[i] = byte(hi >> (56 - 8*i))
		raw[8+i] = byte(lo >> (56 - 8*i))
	}
	raw[6] = raw[6]&0x0f | 0x40 // version 4
	raw[8] = raw[8]&0x3f | 0x80 // RFC 4122 variant
	const hexdigits = "0123456789abcdef"
	var out [36]byte
	j := 0
	for i, c := range raw {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out[j] = '-'
			j++
		}
		out[j] = hexdigits[c>>4]
		out[j+1] = hexdigits[c&0xf]
		j += 2
	}
	return string(out[:])
}

func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// promptSchema finds a JSON Schema that a system prompt asks the answer to
// conform to — the words "JSON Schema" and then the schema, as harbor's
// CreateJSON writes it for vendors without json_schema — or nil. A model in
// json_object mode that reads it answers an instance of it, and so does the toy
// model, so that structured output can be tried offline on those vendors too.
func promptSchema(texts ...string) []byte {
	for _, s := range texts {
		i := strings.Index(s, "JSON Schema")
		if i < 0 {
			continue
		}
		j := strings.IndexByte(s[i:], '{')
		if j < 0 {
			continue
		}
		var raw json.RawMessage
		if json.NewDecoder(strings.NewReader(s[i+j:])).Decode(&raw) == nil {
			return raw
		}
	}
	return nil
}
