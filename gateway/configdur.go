package gateway

import (
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// A duration in the config is written with its unit (30s, 100ms, 720h): the
// YAML library reads a bare number as an integer and refuses it for a
// time.Duration. A bare 0, though, has one meaning whatever the unit, and the
// example config's comments show defaults of 0; so zeroDurations reads it as
// 0s, and any other bare number gets an error that says what to write.

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
	walkDurations(&root, reflect.TypeOf(Config{}), func(n *yaml.Node) {
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" || n.Value != "0" || n.Style != 0 || n.Line < 1 || n.Line > len(starts) {
			return
		}
		if off := starts[n.Line-1] + n.Column - 1; off < len(data) && data[off] == '0' {
			after = append(after, off+1)
		}
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

// walkDurations calls f for each node that n, decoded into a t, gives to a
// time.Duration, in document order.
func walkDurations(n *yaml.Node, t reflect.Type, f func(*yaml.Node)) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case n.Kind == yaml.DocumentNode:
		for _, c := range n.Content {
			walkDurations(c, t, f)
		}
	case t == durationType:
		f(n)
	case n.Kind == yaml.MappingNode && t.Kind() == reflect.Struct:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if ft, ok := fieldType(t, n.Content[i].Value); ok {
				walkDurations(n.Content[i+1], ft, f)
			}
		}
	case n.Kind == yaml.MappingNode && t.Kind() == reflect.Map:
		for i := 0; i+1 < len(n.Content); i += 2 {
			walkDurations(n.Content[i+1], t.Elem(), f)
		}
	case n.Kind == yaml.SequenceNode && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array):
		for _, c := range n.Content {
			walkDurations(c, t.Elem(), f)
		}
	}
}

// fieldType is the type of t's field whose YAML key is key.
func fieldType(t reflect.Type, key string) (reflect.Type, bool) {
	for i := range t.NumField() {
		sf := t.Field(i)
		if name, _, _ := strings.Cut(sf.Tag.Get("yaml"), ","); name == key {
			return sf.Type, true
		}
	}
	return nil, false
}

// bareDuration is the YAML library's error for a number without a unit
// given to a duration.
var bareDuration = regexp.MustCompile("cannot unmarshal !!(?:int|float) `([^`]*)` into time.Duration")

// explainDuration rewrites bareDuration errors: what to write instead.
func explainDuration(msg string) string {
	return bareDuration.ReplaceAllString(msg, "$1 is not a duration: give it a unit, as ${1}s or ${1}ms")
}
