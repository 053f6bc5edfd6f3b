package main

import (
	"fmt"
	"strings"
)

// The reply readers: for an OpenAI-shaped answer type (-reply), ReadReply reads
// the fields harbor reports straight into a fastreply.Reply, with no generated-type
// pointers to allocate. What harbor reports is the projection below (written
// once, for every vendor); which of those fields a vendor has, of which kind, and
// what else its answer may hold, comes from its generated types. A field harbor
// does not report is checked as encoding/json would store it when it is a plain
// scalar (a vendor's flag, a refusal, a field the spec just gained) and makes the
// reader give up otherwise (tool calls, logprobs): the provider then decodes the
// generated type (DecodeJSON) and converts that.

// action is how a projected key is read.
type action int

const (
	aStr     action = iota // a string, interned (constants) or remembered (last)
	aText                  // a string that is new every time (contents)
	aInt                   // an int
	aInt64                 // an int64
	aChoices               // the choices array
	aMessage               // the message or delta object
	aUsage                 // the usage object
	aDetail                // a usage details object
)

type projected struct {
	key    string
	act    action
	dst    string // the destination, relative to the level's variable
	bit    string // the Has bit
	last   int    // aStr: the decoder's remembered string, -1 to intern
	detail string // aDetail: the one key read inside, and its destination and bit
	ddst   string
	dbit   string
}

// levels is harbor's projection of an OpenAI-shaped answer.
var levels = map[string][]projected{
	"top": {
		{key: "id", act: aStr, dst: "r.ID", bit: "HasID", last: 0},
		{key: "object", act: aStr, dst: "r.Object", bit: "HasObject", last: -1},
		{key: "created", act: aInt64, dst: "r.Created", bit: "HasCreated"},
		{key: "model", act: aStr, dst: "r.Model", bit: "HasModel", last: 1},
		{key: "system_fingerprint", act: aStr, dst: "r.SystemFingerprint", bit: "HasSystemFingerprint", last: 2},
		{key: "service_tier", act: aStr, dst: "r.ServiceTier", bit: "HasServiceTier", last: -1},
		{key: "choices", act: aChoices, bit: "HasChoices"},
		{key: "usage", act: aUsage, dst: "r.Usage", bit: "HasUsage"},
	},
	"choice": {
		{key: "index", act: aInt, dst: "c.Index", bit: "HasIndex"},
		{key: "finish_reason", act: aStr, dst: "c.FinishReason", bit: "HasFinishReason", last: -1},
		{key: "message", act: aMessage, bit: "HasMessage"},
		{key: "delta", act: aMessage, bit: "HasMessage"},
	},
	"message": {
		{key: "role", act: aStr, dst: "c.Role", bit: "HasRole", last: -1},
		{key: "content", act: aText, dst: "c.Content", bit: "HasContent"},
		{key: "reasoning_content", act: aText, dst: "c.ReasoningContent", bit: "HasReasoningContent"},
	},
	"usage": {
		{key: "prompt_tokens", act: aInt, dst: "u.PromptTokens", bit: "HasPromptTokens"},
		{key: "completion_tokens", act: aInt, dst: "u.CompletionTokens", bit: "HasCompletionTokens"},
		{key: "total_tokens", act: aInt, dst: "u.TotalTokens", bit: "HasTotalTokens"},
		{key: "prompt_cache_hit_tokens", act: aInt, dst: "u.PromptCacheHitTokens", bit: "HasPromptCacheHitTokens"},
		{key: "prompt_cache_miss_tokens", act: aInt, dst: "u.PromptCacheMissTokens", bit: "HasPromptCacheMissTokens"},
		{key: "prompt_tokens_details", act: aDetail, bit: "HasPromptTokensDetails", detail: "cached_tokens", ddst: "u.CachedTokens", dbit: "HasCachedTokens"},
		{key: "completion_tokens_details", act: aDetail, bit: "HasCompletionTokensDetails", detail: "reasoning_tokens", ddst: "u.ReasoningTokens", dbit: "HasReasoningTokens"},
	},
}

// readable reports whether a field of type t can be read with act: the kind the
// reader stores, directly or behind a pointer.
func readable(t *typ, act action) bool {
	if t.kind == kPtr {
		t = t.elem
	}
	switch act {
	case aStr, aText:
		return t.kind == kString
	case aInt:
		return t.kind == kInt && (t.base == "int" || t.base == "int64")
	case aInt64:
		return t.kind == kInt && t.base == "int64"
	case aChoices:
		return t.kind == kSlice && t.elem.kind == kStruct
	case aMessage, aUsage, aDetail:
		return t.kind == kStruct
	}
	return false
}

// wq qualifies a name of package fastreply (Reply, Choice, Usage, Decoder, the Has
// bits).
func (g *gen) wq(name string) string {
	g.usesReply = true
	return "fastreply." + name
}

// replyFunc returns the reader of struct t at a level, queueing it. The variable
// the level writes to is r (top), c (choice, message) or u (usage, details).
func (g *gen) replyFunc(t *typ, level, hint string, p *projected) string {
	key := level
	if p != nil {
		key += "\x00" + p.key
	}
	if fn, ok := g.replies[t][key]; ok {
		return fn
	}
	tn := g.typeName(t, hint)
	fn := g.fresh("readReply" + strings.ToUpper(level[:1]) + level[1:] + strings.TrimPrefix(tn, "fast"))
	if g.replies[t] == nil {
		g.replies[t] = map[string]string{}
	}
	g.replies[t][key] = fn
	keys := g.keysOf(t, tn)
	param := map[string]string{"top": "r *" + g.wq("Reply"), "choice": "c *" + g.wq("Choice"),
		"message": "c *" + g.wq("Choice"), "usage": "u *" + g.wq("Usage"), "detail": "u *" + g.wq("Usage")}[level]
	g.queue = append(g.queue, func() {
		g.pf("\n// %s reads a %s object of %s into harbor's reply (see ReadReply).\n", fn, level, tn)
		g.pf("func %s(d *%s, l *jsonx.Lexer, %s) {\n", fn, g.wq("Decoder"), param)
		g.pf("if !l.ObjectStart() {\nreturn\n}\n")
		g.pf("var seen uint64\nfor first := true; ; first = false {\nk, ok := l.Key(first)\nif !ok {\nreturn\n}\nvar bit uint64\nswitch string(k) {\n")
		proj := levels[level]
		if level == "detail" {
			proj = []projected{{key: p.detail, act: aInt, dst: p.ddst, bit: p.dbit}}
		}
		for i, f := range t.fields {
			g.pf("case %q:\nbit = 1 << %d\n", f.json, i)
			var pr *projected
			for j := range proj {
				if proj[j].key == f.json && readable(f.t, proj[j].act) {
					pr = &proj[j]
				}
			}
			if pr == nil {
				g.other(f.t)
				continue
			}
			g.readProjected(f, pr, tn+f.goName)
		}
		g.pf("default:\nl.Unknown(k, %s)\n}\n", keys)
		g.pf("if seen&bit != 0 {\nl.Fail() // a repeated key: encoding/json's merging is not reproduced\n}\nseen |= bit\nif l.Failed() {\nreturn\n}\n}\n}\n")
	})
	return fn
}

// keysOf returns the variable listing struct t's JSON keys.
func (g *gen) keysOf(t *typ, tn string) string {
	if k, ok := g.names[t]; ok {
		return k
	}
	k := g.fresh("keys" + strings.TrimPrefix(tn, "fast"))
	g.names[t] = k
	return k
}

// other handles a field harbor does not report: null is accepted, a plain scalar
// is checked as encoding/json would store it, anything else gives up.
func (g *gen) other(t *typ) {
	s := t
	if s.kind == kPtr {
		s = s.elem
	}
	switch s.kind {
	case kString:
		g.pf("if !l.Null() {\nl.StringBytes()\n}\n")
	case kBool:
		g.pf("if !l.Null() {\nl.Bool()\n}\n")
	case kInt:
		fn := map[string]string{"int": "Int", "int64": "Int64", "int32": "Int32"}[s.base]
		g.pf("if !l.Null() {\nl.%s()\n}\n", fn)
	default:
		g.pf("if !l.Null() {\nl.Fail() // not in harbor's reply: the generated type is decoded instead\n}\n")
	}
}

func (g *gen) readProjected(f field, p *projected, hint string) {
	t := f.t
	elem := t
	if elem.kind == kPtr {
		elem = elem.elem
	}
	bit := g.wq(p.bit)
	switch p.act {
	case aStr:
		g.pf("d.Str(l, &%s, %d, %s, &%s)\n", p.dst, p.last, bit, hasOf(p.dst))
	case aText:
		g.pf("d.Text(l, &%s, %s, &%s)\n", p.dst, bit, hasOf(p.dst))
	case aInt:
		g.pf("if !l.Null() {\n%s, _ = l.Int()\n%s |= %s\n}\n", p.dst, hasOf(p.dst), bit)
	case aInt64:
		g.pf("if !l.Null() {\n%s, _ = l.Int64()\n%s |= %s\n}\n", p.dst, hasOf(p.dst), bit)
	case aChoices:
		fn := g.replyFunc(elem.elem, "choice", hint, nil)
		g.pf("if !l.Null() && l.ArrayStart() {\nr.Has |= %s\nd.StartChoices(r)\nfor first := true; l.Elem(first); first = false {\n", bit)
		g.pf("c := d.NextChoice(r)\nif !l.Null() {\n%s(d, l, c)\n}\nif l.Failed() {\nbreak\n}\n}\n}\n", fn)
	case aMessage:
		fn := g.replyFunc(elem, "message", hint, nil)
		g.pf("if !l.Null() {\nc.Has |= %s\n%s(d, l, c)\n}\n", bit, fn)
	case aUsage:
		fn := g.replyFunc(elem, "usage", hint, nil)
		g.pf("if !l.Null() {\nr.Has |= %s\n%s(d, l, &r.Usage)\n}\n", bit, fn)
	case aDetail:
		fn := g.replyFunc(elem, "detail", hint, p)
		g.pf("if !l.Null() {\nu.Has |= %s\n%s(d, l, u)\n}\n", bit, fn)
	}
}

// hasOf returns the Has set beside a destination: r.ID -> r.Has.
func hasOf(dst string) string {
	v, _, _ := strings.Cut(dst, ".")
	return v + ".Has"
}

// replyRoot writes ReadReply for root type name.
func (g *gen) replyRoot(name string, t *typ) string {
	if t.kind != kStruct { // embedded fields, an Unmarshaler: encoding/json's own rules
		return fmt.Sprintf(`
// ReadReply gives up: encoding/json reads %[1]s by rules of its own.
func (*%[1]s) ReadReply(d *%[2]s, l *jsonx.Lexer, r *%[3]s) bool {
	l.Fail()
	return false
}
`, name, g.wq("Decoder"), g.wq("Reply"))
	}
	fn := g.replyFunc(t, "top", name, nil)
	return fmt.Sprintf(`
// ReadReply reads data, an OpenAI-shaped answer, into harbor's reply r without
// reflection, and reports whether it could; false means: decode the %[1]s instead
// (DecodeJSON). See %[2]s. The receiver is not used.
func (*%[1]s) ReadReply(d *%[3]s, l *jsonx.Lexer, r *%[4]s) bool {
	%[5]s(d, l, r)
	return !l.Failed()
}
`, name, g.wq("Decoder"), g.wq("Decoder"), g.wq("Reply"), fn)
}
