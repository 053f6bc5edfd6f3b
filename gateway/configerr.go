package gateway

import (
	"cmp"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// unknownField is yaml.v3's error for a setting the Config does not have
// (KnownFields): it names a Go type, which a reader of the YAML file has
// never seen.
var unknownField = regexp.MustCompile(`field (\S+) not found in type gateway\.(\w+)`)

// explainDecodeError is the error of a config file the decoder refused with
// err (nil if it did not) and checkConfig found problems in: one "line N: …"
// per fault, in line order, each in the file's terms. A type error of the
// decoder's on a line checkConfig explained is left out: it is the same
// fault in Go's terms.
func explainDecodeError(err error, problems []configProblem) string {
	all := slices.Clone(problems)
	if err != nil {
		explained := map[int]bool{}
		for _, p := range problems {
			explained[p.line] = true
		}
		faults := []string{strings.TrimPrefix(err.Error(), "yaml: ")}
		if te := (*yaml.TypeError)(nil); errors.As(err, &te) {
			faults = te.Errors
		}
		for _, f := range faults {
			line := 0
			if m := errorLine.FindStringSubmatch(f); m != nil {
				line, _ = strconv.Atoi(m[1])
			}
			if explained[line] && !unknownField.MatchString(f) {
				continue
			}
			all = append(all, configProblem{line, explainConfigError(f)})
		}
	}
	slices.SortStableFunc(all, func(a, b configProblem) int { return cmp.Compare(a.line, b.line) })
	msgs := make([]string, len(all))
	for i, p := range all {
		msgs[i] = p.msg
	}
	return strings.Join(msgs, "; ")
}

// errorLine is the line a YAML library error names.
var errorLine = regexp.MustCompile(`^line (\d+): `)

// explainConfigError rewrites yaml.v3's unknown-field errors in the config
// file's own terms — the setting, the section it sits in, the setting meant
// when it is a near miss:
//
//	line 102: field max_concurent not found in type gateway.LimitsConfig
//	line 102: unknown setting "max_concurent" in limits (did you mean "max_concurrent"?)
func explainConfigError(msg string) string {
	return unknownField.ReplaceAllStringFunc(msg, func(m string) string {
		sub := unknownField.FindStringSubmatch(m)
		name, typ := sub[1], sub[2]
		t, section := configType(reflect.TypeOf(Config{}), typ, "")
		out := fmt.Sprintf("unknown setting %q", name)
		if section != "" {
			out += " in " + section
		}
		if t != nil {
			if near := nearest(name, yamlNames(t)); near != "" {
				out += fmt.Sprintf(" (did you mean %q?)", near)
			}
		}
		return out
	})
}

// configType finds the struct type named name in t or below, with the path
// of YAML keys that leads to it ("" for Config itself).
func configType(t reflect.Type, name, path string) (reflect.Type, string) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil, ""
	}
	if t.Name() == name {
		return t, path
	}
	for i := range t.NumField() {
		f := t.Field(i)
		key, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if key == "" || key == "-" {
			continue
		}
		p := key
		if path != "" {
			p = path + "." + key
		}
		if found, at := configType(f.Type, name, p); found != nil {
			return found, at
		}
	}
	return nil, ""
}

// yamlNames are the YAML keys of struct type t.
func yamlNames(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		if key, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); key != "" && key != "-" {
			out = append(out, key)
		}
	}
	return out
}

// nearest is the name within two edits of s, if one is.
func nearest(s string, names []string) string {
	best, bestD := "", 3
	for _, n := range names {
		if d := editDistance(s, n); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
