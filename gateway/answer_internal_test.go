package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/harborai/harbor-go/llm"
)

// encodeAnswerReflect is the encoder encodeAnswer replaced, kept as the
// reference its bytes are compared with: a json.Encoder with
// SetEscapeHTML(false), reflecting over llm.ChatCompletion and compacting what
// Message.MarshalJSON returns.
func encodeAnswerReflect(b *bytes.Buffer, res *llm.ChatCompletion) error {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	return enc.Encode(res)
}

// answerStrings exercise JSON's escaping: HTML characters (escaped inside
// messages only), controls, invalid UTF-8, U+2028 and U+2029, emoji.
var answerStrings = []string{"", "plain", "<b>&\"quoted\"\\</b>", "line\nbreak\ttab\x00\x01\x1f\x7f", "中文 😀",
	"bad \xff utf8 \xed\xa0\x80 \xc3", "\u2028\u2029", "/", "\ufffd"}

// checkAnswer fails unless encodeAnswer writes the reference's bytes for c,
// after what b already holds, or fails as it fails; and appendAnswer says so.
func checkAnswer(t testing.TB, c *llm.ChatCompletion, prefix string) {
	t.Helper()
	checkOnePass(t, c, prefix, encodeAnswer, encodeAnswerReflect, appendAnswer)
}

// checkOnePass fails unless encode writes reference's bytes for v after
// prefix, or fails with its error, and appendJSON (encode's one pass) reports
// whether it could: for the answers and the stream's chunks alike.
func checkOnePass[T any](t testing.TB, v T, prefix string,
	encode, reference func(*bytes.Buffer, T) error, appendJSON func([]byte, T) ([]byte, bool)) {
	t.Helper()
	want := bytes.NewBufferString(prefix)
	wantErr := reference(want, v)
	got := bytes.NewBufferString(prefix)
	gotErr := encode(got, v)
	if (wantErr == nil) != (gotErr == nil) || wantErr != nil && wantErr.Error() != gotErr.Error() {
		t.Fatalf("one-pass encoder: error %v, the reference's %v", gotErr, wantErr)
	}
	if got.String() != want.String() {
		t.Fatalf("the one-pass encoder wrote\n%q\nthe reference writes\n%q\n"+
			"(a field added to %T or to a type it reaches must be written by the one-pass encoder)", got, want, v)
	}
	if _, ok := appendJSON(nil, v); ok != (wantErr == nil) {
		t.Fatalf("the one-pass appender reports %v, the reference's error is %v", ok, wantErr)
	}
}

// valueFiller sets a value and everything it reaches, by reflection: every
// field with non-zero values when r is nil, else a random part of them with
// random values. It fills the answers (appendAnswer) and the stream's chunks
// (appendChunk) of the every-field tests. Fields tagged json:"-" get dashString and dashInt, so that a
// test can look for them in the output.
type valueFiller struct {
	t *testing.T
	r *rand.Rand
}

const (
	dashString = "json-dash-field"
	dashInt    = 424242
)

func (f *valueFiller) pick(n int) int {
	if f.r == nil {
		return min(2, n-1) // the HTML string, two elements
	}
	return f.r.IntN(n)
}

func (f *valueFiller) set() bool { return f.r == nil || f.r.IntN(3) > 0 }

// fill fails on a type it does not know or one with its own MarshalJSON
// other than llm.Message's (a field of such a type needs the one-pass
// encoders, and this filler, taught about it: the Encoder compacts and checks
// what a MarshalJSON returns, and may escape HTML in it).
func (f *valueFiller) fill(v reflect.Value, dash bool) {
	switch v.Kind() {
	case reflect.String:
		if dash {
			v.SetString(dashString)
			return
		}
		v.SetString(answerStrings[f.pick(len(answerStrings))])
	case reflect.Int, reflect.Int64:
		switch {
		case dash:
			v.SetInt(dashInt)
		case f.r == nil:
			v.SetInt(7)
		default:
			v.SetInt([]int64{0, 1, -3, 1 << 40, math.MaxInt64, math.MinInt64}[f.r.IntN(6)])
		}
	case reflect.Float64:
		switch {
		case dash:
			v.SetFloat(dashInt)
		case f.r == nil:
			v.SetFloat(-0.25)
		default:
			v.SetFloat([]float64{0, math.Copysign(0, -1), -0.7, -1e-7, -3.5e21, 1e21, 123456789.125}[f.r.IntN(7)])
		}
	case reflect.Bool:
		v.SetBool(f.r == nil || f.r.IntN(2) == 0)
	case reflect.Interface:
		if v.Type() != reflect.TypeFor[error]() {
			f.t.Fatalf("valueFiller cannot fill a %s: teach it (and the one-pass encoders) the type", v.Type())
		}
		if f.set() {
			v.Set(reflect.ValueOf(errors.New(dashString)))
		}
	case reflect.Pointer:
		if f.set() {
			v.Set(reflect.New(v.Type().Elem()))
			f.fill(v.Elem(), dash)
		}
	case reflect.Slice:
		if f.r != nil && f.r.IntN(4) == 0 {
			if f.r.IntN(2) == 0 {
				v.Set(reflect.MakeSlice(v.Type(), 0, 0)) // empty, not nil
			}
			return
		}
		n := 1 + f.pick(2)
		v.Set(reflect.MakeSlice(v.Type(), n, n))
		for i := range n {
			f.fill(v.Index(i), dash)
		}
	case reflect.Struct:
		if v.Type() != reflect.TypeFor[llm.Message]() && reflect.PointerTo(v.Type()).Implements(reflect.TypeFor[json.Marshaler]()) {
			f.t.Fatalf("%s has its own MarshalJSON: teach valueFiller and the one-pass encoders about it", v.Type())
		}
		n := 0
		for i := range v.NumField() {
			sf := v.Type().Field(i)
			if !sf.IsExported() {
				continue
			}
			// Message writes its json:"-" Parts as content: not a dash field.
			f.fill(v.Field(i), dash || sf.Tag.Get("json") == "-" && v.Type() != reflect.TypeFor[llm.Message]())
			n++
		}
		if n == 0 {
			f.t.Fatalf("%s has no exported field to fill: teach valueFiller about it", v.Type())
		}
	default:
		f.t.Fatalf("valueFiller cannot fill a %s: teach it (and the one-pass encoders) the type", v.Type())
	}
}

// fullAnswer is a completion with every field of every type it reaches set,
// the json:"-" ones to dashString and dashInt.
func fullAnswer(t *testing.T) *llm.ChatCompletion { return filled[llm.ChatCompletion](t, nil) }

// filled is a T filled by valueFiller: every field of every type it reaches
// set when r is nil, else a random part of them.
func filled[T any](t *testing.T, r *rand.Rand) *T {
	var v T
	(&valueFiller{t: t, r: r}).fill(reflect.ValueOf(&v).Elem(), false)
	return &v
}

// appendAnswer writes the reference's bytes for a completion with every
// field of every type it reaches set — a field added to llm.ChatCompletion,
// a choice, the usage, the log probabilities or a search result fails here
// until appendAnswer writes it — and for random completions (nil and empty
// slices, omitempty fields zero or not, awkward strings).
func TestAppendAnswerEveryField(t *testing.T) {
	all := fullAnswer(t)
	checkAnswer(t, all, "")
	checkAnswer(t, all, "before ")
	for _, s := range answerStrings {
		all.ID, all.Model, all.Choices[0].FinishReason, all.Choices[0].Message.Content = s, s, s, s
		checkAnswer(t, all, "")
	}
	checkAnswer(t, &llm.ChatCompletion{}, "")
	checkAnswer(t, &llm.ChatCompletion{Choices: []llm.Choice{{Logprobs: &llm.Logprobs{}}}}, "")
	checkAnswer(t, nil, "")

	r := rand.New(rand.NewPCG(3, 5))
	for range 2000 {
		checkAnswer(t, filled[llm.ChatCompletion](t, r), "x")
	}
}

// Fields tagged json:"-" (the provider, the trace, the fallback, the cost…)
// are not written: the full answer's bytes do not change when they are
// zeroed, and hold none of their values.
func TestAppendAnswerSkipsDashFields(t *testing.T) {
	all := fullAnswer(t)
	got, ok := appendAnswer(nil, all)
	if !ok {
		t.Fatal("appendAnswer failed")
	}
	if s := string(got); strings.Contains(s, dashString) || strings.Contains(s, "424242") {
		t.Fatalf("a json:\"-\" field is written: %s", s)
	}
	var zeroed []string
	var zero func(v reflect.Value)
	zero = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer:
			if !v.IsNil() {
				zero(v.Elem())
			}
		case reflect.Slice:
			for i := range v.Len() {
				zero(v.Index(i))
			}
		case reflect.Struct:
			if v.Type() == reflect.TypeFor[llm.Message]() {
				return // its json:"-" Parts is its content (llm's own tests)
			}
			for i := range v.NumField() {
				sf := v.Type().Field(i)
				if sf.Tag.Get("json") == "-" {
					v.Field(i).SetZero()
					zeroed = append(zeroed, v.Type().Name()+"."+sf.Name)
					continue
				}
				if sf.IsExported() {
					zero(v.Field(i))
				}
			}
		}
	}
	zero(reflect.ValueOf(all))
	if len(zeroed) < 6 {
		t.Fatalf("zeroed only %v: llm.ChatCompletion has six json:\"-\" fields", zeroed)
	}
	again, _ := appendAnswer(nil, all)
	if string(again) != string(got) {
		t.Fatalf("zeroing %v changed the answer:\n%s\n%s", zeroed, got, again)
	}
}

// A NaN or an infinity fails as it failed: encodeAnswer returns the
// Encoder's error (the gateway answers 500) and writes nothing.
func TestEncodeAnswerRefusesNaN(t *testing.T) {
	checkRefusesNaN(t, func(f float64) *llm.ChatCompletion {
		c := fullAnswer(t)
		c.Choices[1].Logprobs.Content[0].TopLogprobs[1].Logprob = f
		return c
	}, encodeAnswer, checkAnswer)
}

// checkRefusesNaN fails unless encode returns encoding/json's error for
// withFloat's value of a NaN and of the infinities, and leaves its buffer as
// it was; check compares it with the reference.
func checkRefusesNaN[T any](t *testing.T, withFloat func(float64) T, encode func(*bytes.Buffer, T) error,
	check func(testing.TB, T, string)) {
	t.Helper()
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		v := withFloat(f)
		b := bytes.NewBufferString("kept")
		err := encode(b, v)
		var unsupported *json.UnsupportedValueError
		if !errors.As(err, &unsupported) || b.String() != "kept" {
			t.Fatalf("%v: error %v, buffer %q", f, err, b)
		}
		check(t, v, "")
	}
}

// fuzzShape is a fuzz test's choice of which fields to set, one bit each.
type fuzzShape uint64

func (s fuzzShape) bit(i int) bool { return s&(1<<i) != 0 }

// either is v when bit i is set, else "".
func (s fuzzShape) either(i int, v string) string {
	if s.bit(i) {
		return v
	}
	return ""
}

// FuzzAppendAnswer: encodeAnswer writes the reference's bytes, or fails as it
// fails, for completions of any strings, numbers and shape (which fields are
// set, nil or empty slices, log probabilities and usage details present or
// not).
func FuzzAppendAnswer(f *testing.F) {
	for i, s := range answerStrings {
		for j := range 4 { // shapes spread over the bits
			f.Add(s, answerStrings[(i+2)%len(answerStrings)], int64(i*1000-3), 0.5, uint64(4*i+j+1)*0x9e3779b97f4a7c15)
		}
	}
	for _, x := range []float64{math.NaN(), math.Inf(-1), math.Copysign(0, -1), 1e-7, 1e21} {
		f.Add("<&>", "\u2028", int64(1), x, uint64(0x5555_5555))
	}
	f.Add("", "", int64(0), 0.0, uint64(0))
	// One choice with every part set, with its byte lists empty or not; two
	// choices.
	const one = ^uint64(0) &^ (1<<14 | 1<<28 | 1<<29)
	f.Add("<b>", "&", int64(-1), 0.25, uint64(one))
	f.Add("\x7f\xff", "😀", int64(1e12), -1.5e-9, uint64(one&^(1<<27)))
	f.Add("a", "\u2029", int64(math.MaxInt64), 3.0, uint64(one&^(1<<13)|1<<14))
	f.Fuzz(func(t *testing.T, a, b string, n int64, x float64, shape uint64) {
		bit, either := fuzzShape(shape).bit, fuzzShape(shape).either
		num := func(i int) int {
			if bit(i) {
				return int(n)
			}
			return 0
		}
		ints := func(i int) []int {
			switch {
			case bit(i) && bit(i+1):
				return []int{}
			case bit(i):
				out := make([]int, 0, len(a))
				for _, c := range []byte(a) {
					out = append(out, int(c))
				}
				return append(out, int(n))
			}
			return nil
		}
		c := &llm.ChatCompletion{ID: a, Object: b, Created: n, Model: a + b,
			SystemFingerprint: either(0, b), ServiceTier: either(1, a),
			Usage: llm.Usage{PromptTokens: int(n), CompletionTokens: num(2), TotalTokens: -int(n),
				PromptCacheHitTokens: num(3), PromptCacheMissTokens: num(4)},
			Provider: a, RequestID: b, TraceID: a, Cached: bit(5), Cost: llm.Cost{Total: x}}
		if bit(6) {
			c.Usage.PromptTokensDetails = &llm.PromptTokensDetails{CachedTokens: num(7)}
		}
		if bit(8) {
			c.Usage.CompletionTokensDetails = &llm.CompletionTokensDetails{ReasoningTokens: num(9)}
		}
		switch {
		case bit(10) && bit(11):
			c.SearchResults = []llm.SearchResult{}
		case bit(10):
			c.SearchResults = []llm.SearchResult{{Index: int(n), URL: a, Title: b}, {}}
		}
		if bit(12) {
			c.Fallback = &llm.Fallback{Chain: a, Failed: []llm.FallbackAttempt{{Model: b, Err: errors.New(a)}}}
		}
		switch {
		case bit(13) && bit(14):
			c.Choices = []llm.Choice{}
		case bit(13) || bit(14):
			m := llm.Message{Role: either(15, llm.RoleAssistant) + either(16, a), Content: either(17, b),
				ReasoningContent: either(18, a), Name: either(19, b), ToolCallID: either(20, a)}
			if bit(21) {
				m.ToolCalls = []llm.ToolCall{{ID: a, Type: "function", Function: llm.FunctionCall{Name: b, Arguments: a}}}
			}
			if bit(22) {
				m.Parts = []llm.ContentPart{llm.TextPart(a), llm.ImagePart(b, a)}
			}
			ch := llm.Choice{Index: num(23), Message: m, FinishReason: either(24, b)}
			if bit(25) {
				top := []llm.TopLogprob{{Token: b, Logprob: -x, Bytes: ints(26)}, {Token: a}}
				if bit(28) {
					top = nil
				} else if bit(29) {
					top = []llm.TopLogprob{}
				}
				lp := &llm.Logprobs{}
				if bit(30) {
					lp.Content = []llm.TokenLogprob{{Token: a, Logprob: x, Bytes: ints(31), TopLogprobs: top}}
				} else if bit(32) {
					lp.Content = []llm.TokenLogprob{}
				}
				if bit(33) {
					lp.ReasoningContent = []llm.TokenLogprob{{Token: b, Logprob: x / 3, TopLogprobs: top}, {}}
				} else if bit(34) {
					lp.ReasoningContent = []llm.TokenLogprob{}
				}
				ch.Logprobs = lp
			}
			c.Choices = []llm.Choice{ch}
			if bit(14) {
				c.Choices = append(c.Choices, llm.Choice{Index: 1, Message: llm.AssistantMessage(b), FinishReason: a})
			}
		}
		checkAnswer(t, c, either(35, "prefix"))
	})
}
