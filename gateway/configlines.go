package gateway

import (
	"fmt"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"
)

// New's errors about the config name a setting — keys[1] (team-a): …,
// fallbacks.smart[1]: …, openai_compatible[0] (x): … — but only ParseConfig
// saw the file: a Config it read keeps where each setting sits, so that New's
// error says the line too, as ParseConfig's own errors do.

// settingLines maps a setting's path (keys[1], aliases.fast,
// openai_compatible[0].base_url) to its line in the file.
type settingLines map[string]int

// linesOf records the line of every setting under root, a parsed config, as
// checkConfig walks it (walkConfig): the settings the Config has, by the paths
// its errors use.
func linesOf(root *yaml.Node) settingLines {
	lines := settingLines{}
	walkConfig(root, reflect.TypeOf(Config{}), "", "", func(n *yaml.Node, _ reflect.Type, path, _ string) bool {
		if path != "" {
			lines[path] = n.Line
		}
		return true
	})
	return lines
}

// locate puts the line of the setting err names first in New's
// "config: <setting>…" error: "config: line 12: keys[1] (team-a): …". An
// error naming no setting of the file (an environment variable's) is left as
// it is.
func (l settingLines) locate(err error) error {
	rest, ok := strings.CutPrefix(err.Error(), "config: ")
	if !ok || len(l) == 0 {
		return err
	}
	path, _, _ := strings.Cut(rest, " ")
	path = strings.TrimSuffix(path, ":")
	for path != "" {
		if line, ok := l[path]; ok {
			return &locatedError{msg: fmt.Sprintf("config: line %d: %s", line, rest), err: err}
		}
		// The setting's section: keys[1].models[0] → keys[1].models → keys[1] → keys.
		if i := strings.LastIndexAny(path, ".["); i > 0 {
			path = path[:i]
		} else {
			break
		}
	}
	return err
}

// locatedError is an error with its line said, wrapping the one New returned.
type locatedError struct {
	msg string
	err error
}

func (e *locatedError) Error() string { return e.msg }
func (e *locatedError) Unwrap() error { return e.err }
