package conformance

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/harbor"
)

// What the response_format and tool rows of every table share: a schema as
// clients write them, and checks that an answer is valid for it. Validity is
// judged by santhosh-tekuri/jsonschema, not by the mocks' own instance builder.

// fmtSchema is the json_schema rows' response format: required and optional
// properties, an enum, bounds, a format, a nullable type, an array of $ref'd
// objects and no additional properties, as OpenAI's strict mode asks.
var fmtSchema = json.RawMessage(`{"type":"object","properties":{` +
	`"city":{"type":"string","minLength":1},` +
	`"celsius":{"type":"number","minimum":-60,"maximum":60,"multipleOf":0.5},` +
	`"conditions":{"type":"string","enum":["sunny","cloudy","rain","snow"]},` +
	`"date":{"type":"string","format":"date"},` +
	`"alert":{"type":["string","null"],"maxLength":20},` +
	`"hours":{"type":"array","items":{"$ref":"#/$defs/hour"},"minItems":2,"maxItems":4}},` +
	`"required":["city","celsius","conditions","date","alert","hours"],"additionalProperties":false,` +
	`"$defs":{"hour":{"type":"object","properties":{"at":{"type":"integer","minimum":0,"maximum":23},"rain":{"type":"boolean"}},` +
	`"required":["at","rain"],"additionalProperties":false}}}`)

// fmtParams is the tool rows' parameter schema.
var fmtParams = json.RawMessage(`{"type":"object","properties":{` +
	`"city":{"type":"string","description":"City name"},` +
	`"days":{"type":"integer","minimum":1,"maximum":7},` +
	`"unit":{"type":"string","enum":["celsius","fahrenheit"]},` +
	`"include":{"type":"array","items":{"type":"string","enum":["wind","humidity","uv"]},"uniqueItems":true}},` +
	`"required":["city","days","unit"]}`)

// fmtJSONSchema is fmtSchema as a request's response format.
func fmtJSONSchema() *harbor.ResponseFormat {
	return &harbor.ResponseFormat{Type: "json_schema", JSONSchema: &harbor.JSONSchema{Name: "forecast", Strict: harbor.Some(true), Schema: fmtSchema}}
}

// fmtTools is the tool rows' one tool.
func fmtTools() []harbor.Tool {
	return []harbor.Tool{harbor.FunctionTool("get_forecast", "Forecast for a city", fmtParams)}
}

// validFor checks instance against schema.
func validFor(t *testing.T, schema json.RawMessage, instance, what string) {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema))
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	require.NoError(t, c.AddResource("schema.json", doc))
	sch, err := c.Compile("schema.json")
	require.NoError(t, err)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(instance)))
	require.NoError(t, err, "%s is not JSON: %q", what, instance)
	assert.NoError(t, sch.Validate(inst), "%s is not valid for its schema: %s", what, instance)
}

// jsonObjectAnswer checks a json_object answer: one JSON object, in the text
// the caller assembled (Create's content, or the stream's deltas).
func jsonObjectAnswer[M vendorMock](t *testing.T, o *outcome[M]) {
	var obj map[string]any
	require.NoError(t, json.Unmarshal([]byte(o.Text), &obj), "a json_object answer is a JSON object: %q", o.Text)
	assert.NotEmpty(t, obj)
	if o.stream {
		assert.Greater(t, contentChunks(o.chunks), 1, "the JSON arrives in several chunks, like any answer")
	}
}

// schemaAnswer checks that the answer is valid for the request's json_schema.
func schemaAnswer[M vendorMock](t *testing.T, o *outcome[M]) {
	validFor(t, fmtSchema, o.Text, "the json_schema answer")
	if o.stream {
		assert.Greater(t, contentChunks(o.chunks), 1, "the JSON arrives in several chunks, like any answer")
	}
}

// schemaArgs checks that the one tool call's arguments are valid for the
// tool's parameters.
func schemaArgs[M vendorMock](t *testing.T, o *outcome[M]) {
	require.Len(t, o.ToolCalls, 1)
	assert.Equal(t, "get_forecast", o.ToolCalls[0].Function.Name)
	validFor(t, fmtParams, o.ToolCalls[0].Function.Arguments, "the tool call's arguments")
}

func contentChunks(chunks []harbor.Chunk) int {
	n := 0
	for _, c := range chunks {
		for _, ch := range c.Choices {
			if ch.Delta.Content != "" {
				n++
			}
		}
	}
	return n
}
