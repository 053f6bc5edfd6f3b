package fastreq

import (
	"reflect"
	"strings"
	"sync"

	"github.com/harborai/harbor-go/gateway/wire"
	"github.com/harborai/harbor-go/llm"
)

// keyNames are the JSON keys encoding/json matches to a field of each type the
// request reaches, taken from the types by reflection rather than written down:
// a key Decode has no case for is skipped only when it is none of them (nor one
// of them in another case, which encoding/json also matches). So a field added
// to one of the types makes Decode give up on documents that carry it, and
// encoding/json reads them, until Decode learns the field.
type keyNames struct {
	request, message, part, media, audio, toolCall, call, tool, function,
	format, schema, thinking, webSearch, streamOptions []string
}

var names = sync.OnceValue(func() *keyNames {
	return &keyNames{
		request:       jsonNames(reflect.TypeFor[wire.ChatCompletionRequest]()),
		message:       jsonNames(reflect.TypeFor[llm.Message]()), // the fields of its UnmarshalJSON's auxiliary struct
		part:          jsonNames(reflect.TypeFor[llm.ContentPart]()),
		media:         jsonNames(reflect.TypeFor[llm.MediaURL]()),
		audio:         jsonNames(reflect.TypeFor[llm.InputAudio]()),
		toolCall:      jsonNames(reflect.TypeFor[llm.ToolCall]()),
		call:          jsonNames(reflect.TypeFor[llm.FunctionCall]()),
		tool:          jsonNames(reflect.TypeFor[llm.Tool]()),
		function:      jsonNames(reflect.TypeFor[llm.FunctionDefinition]()),
		format:        jsonNames(reflect.TypeFor[llm.ResponseFormat]()),
		schema:        jsonNames(reflect.TypeFor[llm.JSONSchema]()),
		thinking:      jsonNames(reflect.TypeFor[llm.Thinking]()),
		webSearch:     jsonNames(reflect.TypeFor[llm.WebSearch]()),
		streamOptions: jsonNames(reflect.TypeFor[wire.StreamOptions]()),
	}
})

// jsonNames returns the names encoding/json may match to a field of struct t:
// every exported field's name (its tag's, else its Go name) and those of the
// fields an untagged embedded struct promotes. It errs on the side of too many
// (a shadowed field's name stays): a name too many only makes Decode give up
// on a key encoding/json would have ignored.
func jsonNames(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
			out = append(out, jsonNames(ft)...)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, name)
	}
	return out
}
