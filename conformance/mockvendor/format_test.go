package mockvendor

import (
	"bufio"
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// response_format, tool-call arguments and Fault.Content, on every mock alike:
// each vendor below says how to reach it and how to read its answers, and the
// tests run the same requests on all of them, Create and Stream. JSON answers
// and arguments are checked by an independent JSON Schema validator
// (santhosh-tekuri/jsonschema).

// fmtVendor is one mock seen by these tests.
type fmtVendor struct {
	name       string
	jsonSchema bool // the vendor takes response_format json_schema
	// start serves a fresh mock and returns it with a function that POSTs a
	// chat body (fields is the JSON body without its braces and messages).
	start func(t *testing.T) (vendorMock, func(fields string, stream bool) []byte)
	// format is the response_format field for typ ("json_object",
	// "json_schema" with schema); tools the tools field with one function.
	format func(typ, schema string) string
	tools  func(name, params string) string
}

// fmtAnswer is an answer as a client assembles it.
type fmtAnswer struct {
	content, tool, args, finish string
	contentChunks, argChunks    int // stream events that carried a piece
}

var openAIShaped = struct {
	format func(typ, schema string) string
	tools  func(name, params string) string
}{
	format: func(typ, schema string) string {
		if typ == "json_schema" {
			return `"response_format":{"type":"json_schema","json_schema":{"name":"answer","strict":true,"schema":` + schema + `}}`
		}
		return `"response_format":{"type":"` + typ + `"}`
	},
	tools: func(name, params string) string {
		return `"tools":[{"type":"function","function":{"name":"` + name + `","description":"d","parameters":` + params + `}}]`
	},
}

// postOAI posts an OpenAI-shaped body with one user message to base.
func postOAI(t *testing.T, base, model, fields, prompt string, stream bool) []byte {
	t.Helper()
	body := `{"model":"` + model + `","stream":` + boolJSON(stream) + `,` + fields + `,"messages":[{"role":"user","content":` + jsonString(prompt) + `}]}`
	resp := post(t, base, body)
	b := readAll(t, resp.Body)
	require.Equal(t, 200, resp.StatusCode, "%s\n%s", body, b)
	return b
}

func boolJSON(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// fmtPrompt is the prompt of every request: it says "JSON", as DeepSeek's and
// OpenAI's json_object require.
const fmtPrompt = "Reply in JSON about the weather in Paris"

func fmtVendors() []fmtVendor {
	oai := func(name, model string, jsonSchema bool, h func(t *testing.T) (vendorMock, string)) fmtVendor {
		return fmtVendor{
			name: name, jsonSchema: jsonSchema, format: openAIShaped.format, tools: openAIShaped.tools,
			start: func(t *testing.T) (vendorMock, func(string, bool) []byte) {
				m, base := h(t)
				return m, func(fields string, stream bool) []byte { return postOAI(t, base, model, fields, fmtPrompt, stream) }
			},
		}
	}
	return []fmtVendor{
		oai("deepseek", "deepseek-v4-flash", false, func(t *testing.T) (vendorMock, string) { return newDS(t, DeepSeekConfig{}) }),
		oai("ark", "doubao-seed-1-6-251015", true, func(t *testing.T) (vendorMock, string) { return newArk(t, ArkConfig{}) }),
		oai("qianfan-v2", "ernie-4.0-8k", true, func(t *testing.T) (vendorMock, string) { return newQF2(t, QianfanV2Config{}) }),
		oai("openai", "gpt-4o", true, func(t *testing.T) (vendorMock, string) { return newOAI(t, OpenAIConfig{}) }),
		{
			name: "qianfan-v1",
			format: func(typ, _ string) string {
				return `"response_format":"` + typ + `"`
			},
			tools: func(name, params string) string {
				return `"functions":[{"name":"` + name + `","description":"d","parameters":` + params + `}]`
			},
			start: func(t *testing.T) (vendorMock, func(string, bool) []byte) {
				m, url := qf1NewMock(t, QianfanV1Config{})
				tok := qf1GetToken(t, url)
				return m, func(fields string, stream bool) []byte {
					body := `{"stream":` + boolJSON(stream) + `,` + fields + `,"messages":[{"role":"user","content":` + jsonString(fmtPrompt) + `}]}`
					resp := qf1Post(t, url, tok, body)
					b := readAll(t, resp.Body)
					require.Equal(t, 200, resp.StatusCode)
					require.NotContains(t, string(b), `"error_code"`, body)
					return b
				}
			},
		},
	}
}

// readAnswer assembles a Create body or an event stream, in either family's
// shape: OpenAI's choices, or Qianfan v1's result and function_call.
func readAnswer(t *testing.T, b []byte, stream bool) fmtAnswer {
	t.Helper()
	var a fmtAnswer
	take := func(m map[string]any, delta bool) {
		if r, ok := m["result"].(string); ok { // Qianfan v1
			a.content += r
			if r != "" {
				a.contentChunks++
			}
			if fc, ok := m["function_call"].(map[string]any); ok {
				a.tool, _ = fc["name"].(string)
				args, _ := fc["arguments"].(string)
				a.args += args
				a.argChunks++
			}
			if end, _ := m["is_end"].(bool); end || !delta {
				a.finish, _ = m["finish_reason"].(string)
			}
			return
		}
		choices, _ := m["choices"].([]any)
		if len(choices) == 0 {
			return // a usage chunk
		}
		ch := choices[0].(map[string]any)
		msg, _ := ch["message"].(map[string]any)
		if delta {
			msg, _ = ch["delta"].(map[string]any)
		}
		if c, ok := msg["content"].(string); ok {
			a.content += c
			if c != "" {
				a.contentChunks++
			}
		}
		if calls, ok := msg["tool_calls"].([]any); ok && len(calls) > 0 {
			fn := calls[0].(map[string]any)["function"].(map[string]any)
			if n, _ := fn["name"].(string); n != "" {
				a.tool = n
			}
			if args, _ := fn["arguments"].(string); args != "" {
				a.args += args
				a.argChunks++
			}
		}
		if f, ok := ch["finish_reason"].(string); ok {
			a.finish = f
		}
	}
	if !stream {
		take(decodeMap(t, b), false)
		return a
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok && d != "[DONE]" {
			take(decodeMap(t, []byte(d)), true)
		}
	}
	require.NoError(t, sc.Err())
	return a
}

// mustValidate checks instance against schema with the independent validator.
func mustValidate(t *testing.T, schema, instance string) {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(schema))
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	require.NoError(t, c.AddResource("schema.json", doc))
	sch, err := c.Compile("schema.json")
	require.NoError(t, err)
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(instance))
	require.NoError(t, err, "not JSON: %s", instance)
	assert.NoError(t, sch.Validate(inst), "schema %s\ninstance %s", schema, instance)
}

// fmtSchemas are response formats and tool parameters as clients write them.
var fmtSchemas = []string{
	`{"type":"object","properties":{"city":{"type":"string"},"celsius":{"type":"number","minimum":-50,"maximum":50},"conditions":{"type":"string","enum":["sunny","cloudy","rain"]},"date":{"type":"string","format":"date"}},"required":["city","celsius","conditions","date"],"additionalProperties":false}`,
	`{"type":"object","properties":{"steps":{"type":"array","items":{"$ref":"#/$defs/step"},"minItems":2},"final_answer":{"type":"string","maxLength":10}},"required":["steps","final_answer"],"additionalProperties":false,"$defs":{"step":{"type":"object","properties":{"explanation":{"type":"string"},"output":{"type":["integer","null"],"multipleOf":5}},"required":["explanation","output"],"additionalProperties":false}}}`,
	`{"type":"object","properties":{"shape":{"anyOf":[{"type":"object","properties":{"kind":{"const":"circle"},"radius":{"type":"integer","minimum":1}},"required":["kind","radius"]},{"type":"null"}]},"code":{"type":"string","pattern":"^[A-Z]{3}-[0-9]{2}$"},"email":{"type":"string","format":"email"}},"required":["shape","code","email"]}`,
}

func TestJSONObjectAnswers(t *testing.T) {
	for _, v := range fmtVendors() {
		t.Run(v.name, func(t *testing.T) {
			_, send := v.start(t)
			create := readAnswer(t, send(v.format("json_object", ""), false), false)
			var obj map[string]any
			require.NoError(t, json.Unmarshal([]byte(create.content), &obj), "a JSON object: %q", create.content)
			assert.Equal(t, map[string]any{"answer": "Hello! You said: " + fmtPrompt}, obj)
			assert.Contains(t, []string{"stop", "normal"}, create.finish)

			streamed := readAnswer(t, send(v.format("json_object", ""), true), true)
			assert.Equal(t, create.content, streamed.content, "the stream carries the same JSON")
			assert.Greater(t, streamed.contentChunks, 1, "split across chunks like any answer")

			again := readAnswer(t, send(v.format("json_object", ""), false), false)
			assert.Equal(t, create.content, again.content, "deterministic")
			plain := readAnswer(t, send(v.format("text", ""), false), false)
			assert.Equal(t, "Hello! You said: "+fmtPrompt, plain.content, "text is the plain answer")
		})
	}
}

func TestJSONSchemaAnswers(t *testing.T) {
	for _, v := range fmtVendors() {
		if !v.jsonSchema {
			continue // DeepSeek and Qianfan v1 reject json_schema (their own tests pin how)
		}
		t.Run(v.name, func(t *testing.T) {
			_, send := v.start(t)
			for _, schema := range fmtSchemas {
				create := readAnswer(t, send(v.format("json_schema", schema), false), false)
				mustValidate(t, schema, create.content)
				assert.Contains(t, []string{"stop", "normal"}, create.finish)

				streamed := readAnswer(t, send(v.format("json_schema", schema), true), true)
				assert.Equal(t, create.content, streamed.content, "the stream carries the same instance")
				assert.Greater(t, streamed.contentChunks, 1, "split across chunks like any answer")

				again := readAnswer(t, send(v.format("json_schema", schema), false), false)
				assert.Equal(t, create.content, again.content, "same schema and prompt, same instance")
			}
		})
	}
}

func TestToolArgumentsFollowTheSchema(t *testing.T) {
	for _, v := range fmtVendors() {
		t.Run(v.name, func(t *testing.T) {
			_, send := v.start(t)
			for _, schema := range fmtSchemas {
				create := readAnswer(t, send(v.tools("get_weather", schema), false), false)
				assert.Equal(t, "get_weather", create.tool)
				mustValidate(t, schema, create.args)
				assert.False(t, strings.Contains(create.args, ": "), "arguments are compact JSON: %s", create.args)

				streamed := readAnswer(t, send(v.tools("get_weather", schema), true), true)
				assert.Equal(t, "get_weather", streamed.tool)
				assert.Equal(t, create.args, streamed.args, "the stream carries the same arguments")
				if v.name == "qianfan-v1" {
					assert.Equal(t, 1, streamed.argChunks, "Wenxin sends a function_call whole, on the last event")
				} else {
					assert.Greater(t, streamed.argChunks, 1, "arguments split across chunks")
				}
			}
			// No parameters, or an object naming none: the toy model's query.
			for _, params := range []string{`{"type":"object"}`, `{"type":"object","properties":{}}`} {
				a := readAnswer(t, send(v.tools("lookup", params), false), false)
				assert.JSONEq(t, `{"query":`+jsonString(fmtPrompt)+`}`, a.args, params)
			}
		})
	}
}

// TestFaultContent scripts an answer the toy model would not give (invalid
// JSON for a JSON request): it comes in the vendor's own framing, Create and
// Stream, instead of a tool call too, and the next request is answered
// normally again — what a client's repair turn needs.
func TestFaultContent(t *testing.T) {
	const broken = `{"city": "Paris", "celsius": `
	for _, v := range fmtVendors() {
		t.Run(v.name, func(t *testing.T) {
			m, send := v.start(t)
			fields := v.format("json_object", "")
			if v.jsonSchema {
				fields = v.format("json_schema", fmtSchemas[0])
			}
			for _, stream := range []bool{false, true} {
				m.Enqueue(Fault{Content: broken})
				a := readAnswer(t, send(fields, stream), stream)
				assert.Equal(t, broken, a.content)
				assert.False(t, json.Valid([]byte(a.content)))
				assert.Contains(t, []string{"stop", "normal"}, a.finish)

				m.Enqueue(Fault{Content: "no tool today"})
				a = readAnswer(t, send(v.tools("get_weather", fmtSchemas[0]), stream), stream)
				assert.Equal(t, "no tool today", a.content)
				assert.Empty(t, a.tool, "the scripted content replaces the tool call")
				assert.Contains(t, []string{"stop", "normal"}, a.finish)

				a = readAnswer(t, send(fields, stream), stream)
				assert.True(t, json.Valid([]byte(a.content)), "the next answer is the toy model's again: %s", a.content)
			}
		})
	}
}

func TestSplitArgs(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{`{"query":"weather in Paris"}`, []string{`{"query":"weather `, `in `, `Paris"}`}},
		{`{"city":"Paris","unit":"celsius"}`, []string{`{"city":"Paris",`, `"unit":"celsius"}`}},
		{`{"a":"x, y","b":[1,2]}`, []string{`{"a":"x, `, `y",`, `"b":[1,`, `2]}`}},
		{`{"q":"say \"a,b\"","n":1}`, []string{`{"q":"say `, `\"a,b\"",`, `"n":1}`}},
		{`{"q":"引号，和","n":1}`, []string{`{"q":"引号，和",`, `"n":1}`}},
		{`{}`, []string{`{}`}},
	} {
		var got []string
		assert.True(t, splitArgs(c.in, func(p string) bool { got = append(got, p); return true }))
		assert.Equal(t, c.want, got, c.in)
		assert.Equal(t, len(c.want), countArgTokens(c.in), c.in)
		if !strings.Contains(c.in, ",") {
			assert.Equal(t, countWords(c.in), countArgTokens(c.in), "without commas, as many tokens as words: %s", c.in)
		}
	}
}

// A json_schema naming no property gets the json_object answer, which is
// valid for it.
func TestJSONSchemaOpenObject(t *testing.T) {
	for _, v := range fmtVendors() {
		if !v.jsonSchema {
			continue
		}
		t.Run(v.name, func(t *testing.T) {
			_, send := v.start(t)
			for _, schema := range []string{`{"type":"object"}`, `{}`} {
				a := readAnswer(t, send(v.format("json_schema", schema), false), false)
				assert.JSONEq(t, `{"answer":`+jsonString("Hello! You said: "+fmtPrompt)+`}`, a.content, schema)
			}
		})
	}
}
