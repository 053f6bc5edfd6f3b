package gateway

import (
	"reflect"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// A duration in the config is written with its unit (30s, 100ms, 720h): the
// YAML library reads a bare number as an integer and refuses it for a
// time.Duration. A bare 0, though, has one meaning whatever the unit, and the
// example config's comments show defaults of 0; so zeroDurations reads it as
// 0s, and any other bare number gets an error that says what to write
// (checkConfig).

// zeroDurations returns data with an "s" after every bare 0 that is the value
// of a duration setting, so that it decodes as 0s; line and column numbers
// are unchanged. Data the YAML library cannot parse is returned as it is,
// for the decoder to report.
func zeroDurations(data []byte) []byte {
	var root yaml.Node
	if yaml.Unmarshal(data, &root) != nil {
		return data
	}
	starts := []int{0}
	for i, b := range data {
		if b == '\n' {
			starts = append(starts, i+1)
		}
	}
	var after []int // offsets just after each bare 0
	walkConfig(&root, reflect.TypeOf(Config{}), "", "", func(n *yaml.Node, t reflect.Type, _, _ string) bool {
		if t != durationType || n.Kind != yaml.ScalarNode || n.Tag != "!!int" || n.Value != "0" || n.Style != 0 || n.Line < 1 || n.Line > len(starts) {
			return true
		}
		if off := starts[n.Line-1] + n.Column - 1; off < len(data) && data[off] == '0' {
			after = append(after, off+1)
		}
		return true
	})
	if len(after) == 0 {
		return data
	}
	slices.Sort(after)
	out := make([]byte, 0, len(data)+len(after))
	prev := 0
	for _, at := range after { // in document order
		out = append(out, data[prev:at]...)
		out = append(out, 's')
		prev = at
	}
	return append(out, data[prev:]...)
}

var durationType = reflect.TypeOf(time.Duration(0))

// fieldType is the type of t's field whose YAML key is key.
func fieldType(t reflect.Type, key string) (reflect.Type, bool) {
	for i := range t.NumField() {
		sf := t.Field(i)
		if name, _, _ := strings.Cut(sf.Tag.Get("yaml"), ","); name == key && name != "-" {
			return sf.Type, true
		}
	}
	return nil, false
}
