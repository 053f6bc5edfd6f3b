package gateway

import (
	"fmt"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// The YAML library checks a value's type against the Go type it decodes into
// and says so in Go's terms ("cannot unmarshal !!seq into
// gateway.LimitsConfig"), without the setting; and it truncates a fraction
// given to an integer: rpm: 0.5 became 0, which is no limit at all. So
// checkConfig reads the file's node tree against the Config's types before
// the decoder does, and says what is wrong with a value where it is:
//
//	line 12: keys[0].rpm: 0.5 is not a whole number (requests per minute)
//	line 5: keys[0].rpm: -5 is negative (requests per minute): it must be 0 or more
//	line 30: limits: expected a section (key: value lines), found a list

// wholeNumbers says what each integer setting counts, by its YAML key, for
// the errors that refuse anything but a whole number there, or a negative
// one: each is 0 or more.
var wholeNumbers = map[string]string{
	"rpm":                     "requests per minute",
	"tpm":                     "tokens per minute",
	"max_concurrent":          "calls at once, all providers together",
	"per_provider":            "calls at once to that provider",
	"default_per_provider":    "calls at once to each provider not listed",
	"queue_size":              "calls that may wait for a slot",
	"max_conns_per_host":      "TCP connections per vendor host",
	"failures":                "consecutive vendor failures",
	"max_retries":             "retries after the first attempt",
	"max_idle_conns_per_host": "idle connections kept per vendor host",
	"max_streams":             "streams open at once",
	"max_connections":         "connections accepted at once",
}

// A configProblem is a value of the wrong kind, on its line.
type configProblem struct {
	line int
	msg  string // "line 12: keys[0].rpm: …"
}

var byteSizeType = reflect.TypeOf(ByteSize(0))

// checkConfig returns the problems of the values in root, a parsed config
// file, in document order. Settings the Config does not have are left to the
// decoder (unknown setting …).
func checkConfig(root *yaml.Node) []configProblem {
	if root.Kind == 0 {
		return nil // an empty document: the zero Config
	}
	var out []configProblem
	walkConfig(root, reflect.TypeOf(Config{}), "", "", func(n *yaml.Node, t reflect.Type, path, key string) bool {
		msg := valueProblem(n, t, key)
		if msg == "" {
			msg = keyModelsProblem(n, path)
		}
		if msg == "" {
			return true
		}
		if path != "" {
			msg = path + ": " + msg
		}
		out = append(out, configProblem{n.Line, fmt.Sprintf("line %d: %s", n.Line, msg)})
		return false
	})
	return out
}

// keyModels is the path of a key's models.
var keyModels = regexp.MustCompile(`^keys\[\d+\]\.models$`)

// keyModelsProblem refuses a key's models given as an empty list or as no
// value at all: either decodes to no patterns, which allows every model,
// when what its writer meant is most likely "none yet" (found by a new-user
// trial). Every model is what models left out means.
func keyModelsProblem(n *yaml.Node, path string) string {
	if !keyModels.MatchString(path) {
		return ""
	}
	switch {
	case n.Kind == yaml.SequenceNode && len(n.Content) == 0:
		return "an empty list would allow every model; leave models out for every model, or list some"
	case n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null":
		return "no value would allow every model; leave models out for every model, or list some"
	}
	return ""
}

// valueProblem is what is wrong with n as a value of type t for the setting
// key, or "".
func valueProblem(n *yaml.Node, t reflect.Type, key string) string {
	if n.Kind == yaml.AliasNode || n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return "" // an alias is checked where its anchor is; null is the zero value
	}
	switch {
	case t.Kind() == reflect.Struct, t.Kind() == reflect.Map:
		if n.Kind == yaml.MappingNode {
			return ""
		}
		return "expected a section (key: value lines), found " + found(n)
	case t.Kind() == reflect.Slice, t.Kind() == reflect.Array:
		if n.Kind == yaml.SequenceNode {
			return ""
		}
		return `expected a list ("- item" lines), found ` + found(n)
	case n.Kind != yaml.ScalarNode:
		return "expected " + scalarKind(t, key) + ", found " + found(n)
	}
	return scalarProblem(n, t, key)
}

// scalarKind says what a value of type t for the setting key is.
func scalarKind(t reflect.Type, key string) string {
	switch {
	case t == durationType:
		return "a duration such as 30s"
	case t == byteSizeType:
		return "a size such as 4MiB"
	case isInteger(t):
		return "a whole number" + counts(key)
	case t.Kind() == reflect.Float32, t.Kind() == reflect.Float64:
		return "a number"
	case t.Kind() == reflect.Bool:
		return "true or false"
	}
	return "a single value"
}

// scalarProblem is what is wrong with the scalar n as a value of type t for
// the setting key, or "": what the decoder refuses, and a fraction given to
// an integer, which it truncates.
func scalarProblem(n *yaml.Node, t reflect.Type, key string) string {
	v := found(n)
	switch {
	case t == durationType:
		if n.ShortTag() == "!!int" && n.Value == "0" {
			return "" // a bare 0 is read as 0s (zeroDurations)
		}
		if n.ShortTag() == "!!int" || n.ShortTag() == "!!float" {
			// Any other number needs its unit.
			return fmt.Sprintf("%s is not a duration: give it a unit, as %ss or %sms", v, n.Value, n.Value)
		}
		if n.ShortTag() != "!!str" {
			return fmt.Sprintf("%s is not a duration; use h, m, s (as 90s, 1m30s or 720h)", v)
		}
		if n.Decode(new(time.Duration)) == nil {
			return ""
		}
		return fmt.Sprintf("%s is not a duration; use h, m, s (%s)", v, durationHint(n.Value))
	case t == byteSizeType:
		if _, err := parseByteSize(n.Value); err != nil {
			return err.Error()
		}
		return ""
	}
	if isInteger(t) && n.ShortTag() == "!!float" {
		var f float64
		if n.Decode(&f) != nil || f != math.Trunc(f) || math.IsInf(f, 0) {
			return fmt.Sprintf("%s is not a whole number%s", v, counts(key))
		}
	}
	if n.Decode(reflect.New(t).Interface()) == nil {
		var f float64
		if isInteger(t) && wholeNumbers[key] != "" && n.Decode(&f) == nil && f < 0 {
			// Every count is 0 or more; Config.validate and harbor.New would
			// refuse it too, without its line.
			return fmt.Sprintf("%s is negative%s: it must be 0 or more", v, counts(key))
		}
		return ""
	}
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
		plain := *n
		plain.Tag, plain.Style = "", 0
		if scalarProblem(&plain, t, key) == "" {
			return fmt.Sprintf("%s is in quotes: write it without them", v)
		}
	}
	switch {
	case n.ShortTag() == "!!int" || n.ShortTag() == "!!float":
		return fmt.Sprintf("%s is out of range", v)
	case isInteger(t):
		return fmt.Sprintf("%s is not a whole number%s", v, counts(key))
	case t.Kind() == reflect.Bool:
		return fmt.Sprintf("%s is not true or false", v)
	}
	return fmt.Sprintf("%s is not a number", v)
}

// longUnit is a number of days or weeks, which Go's durations do not have.
var longUnit = regexp.MustCompile(`(?i)^\s*(\d+(?:\.\d+)?)\s*(d|days?|w|weeks?)\s*$`)

// durationHint says how to write s, a duration Go cannot read: in hours when
// it counts days or weeks.
func durationHint(s string) string {
	m := longUnit.FindStringSubmatch(s)
	if m == nil {
		return "as 90s, 1m30s or 720h"
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	unit, hours := "day", 24.0
	if strings.HasPrefix(strings.ToLower(m[2]), "w") {
		unit, hours = "week", 168
	}
	if v != 1 {
		unit += "s"
	}
	return fmt.Sprintf("%s %s = %sh", m[1], unit, strconv.FormatFloat(v*hours, 'f', -1, 64))
}

// counts is " (what key counts)", or "".
func counts(key string) string {
	if c := wholeNumbers[key]; c != "" {
		return " (" + c + ")"
	}
	return ""
}

func isInteger(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	}
	return false
}

// found names what n is in the file: a list, a section, or its value (a
// string quoted).
func found(n *yaml.Node) string {
	switch {
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case n.Kind == yaml.MappingNode:
		return "a section"
	case n.ShortTag() == "!!str":
		return strconv.Quote(n.Value)
	}
	return n.Value
}

// walkConfig calls visit for each node under n that the decoder gives to a
// value of a Config, n decoded into a t at path (keys[0].rpm) as the value
// of the setting key (rpm; the list's or map's own key for its items), in
// document order. visit returns false to skip what is under the node.
// Aliases are not followed: their anchors are visited where they are.
func walkConfig(n *yaml.Node, t reflect.Type, path, key string, visit func(n *yaml.Node, t reflect.Type, path, key string) bool) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Kind == yaml.DocumentNode {
		for _, c := range n.Content {
			walkConfig(c, t, path, key, visit)
		}
		return
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil && n.Alias.Kind == yaml.ScalarNode {
		// A scalar alias (rpm: *x) is checked as what it stands for, where
		// it is used; a section's or a list's is checked where its anchor
		// is (and cannot loop).
		a := *n.Alias
		a.Line, a.Column = n.Line, n.Column
		visit(&a, t, path, key)
		return
	}
	if !visit(n, t, path, key) {
		return
	}
	dot := func(k string) string {
		if path == "" {
			return k
		}
		return path + "." + k
	}
	switch {
	case n.Kind == yaml.MappingNode && t.Kind() == reflect.Struct:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			if ft, ok := fieldType(t, k); ok {
				walkConfig(n.Content[i+1], ft, dot(k), k, visit)
			}
		}
	case n.Kind == yaml.MappingNode && t.Kind() == reflect.Map:
		for i := 0; i+1 < len(n.Content); i += 2 {
			walkConfig(n.Content[i+1], t.Elem(), dot(n.Content[i].Value), key, visit)
		}
	case n.Kind == yaml.SequenceNode && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array):
		for i, c := range n.Content {
			walkConfig(c, t.Elem(), fmt.Sprintf("%s[%d]", path, i), key, visit)
		}
	}
}
