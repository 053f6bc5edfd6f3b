package main

import (
	"flag"
	"fmt"
	"strings"
)

// parseInterspersed parses flags that may appear before or after positional
// arguments ("harbor chat "hi" --stream"), which the flag package alone does not.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return rest, nil
		}
		if args[0] == "--" {
			return append(rest, args[1:]...), nil
		}
		rest = append(rest, args[0])
		args = args[1:]
	}
}

// isSet reports whether the flag was given on the command line (its default may be a
// legal value, so comparing with it would not tell).
func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			set = true
		}
	})
	return set
}

// noMockEnv is the environment variable that makes --no-mock the default: set it in
// CI and scripts so that a missing key is an error, never a mock answer.
const noMockEnv = "HARBOR_NO_MOCK"

// mockFlags are --mock and --no-mock, shared by chat and models.
type mockFlags struct{ mock, noMock bool }

func (m *mockFlags) define(fs *flag.FlagSet) {
	fs.BoolVar(&m.mock, "mock", false, "answer from the built-in mock vendor even when keys are set (exit status 0)")
	fs.BoolVar(&m.noMock, "no-mock", false, "never answer from the built-in mock: a missing key is an error (exit status 1);\n"+
		"the default when "+noMockEnv+" is "+boolSpellings)
}

// policy combines the flags with HARBOR_NO_MOCK; an explicit --mock wins over the
// variable.
func (m *mockFlags) policy(e env) (mockPolicy, error) {
	if m.mock && m.noMock {
		return 0, fmt.Errorf("--mock and --no-mock contradict each other")
	}
	if m.mock {
		return mockAlways, nil
	}
	if m.noMock {
		return mockNever, nil
	}
	if v := e.getenv(noMockEnv); v != "" {
		off, ok := parseBool(v)
		if !ok {
			return 0, fmt.Errorf("%s=%q: want %s (no mock), or 0, false, no or off", noMockEnv, v, boolSpellings)
		}
		if off {
			return mockNever, nil
		}
	}
	return mockIfNoKey, nil
}

// boolSpellings are the true values parseBool accepts, for help texts and errors.
const boolSpellings = "1, true, yes or on"

// parseBool reads a boolean environment variable the way shells and CI systems
// spell one: 1/0, true/false, yes/no, on/off, in any case. ok is false for
// anything else (strconv.ParseBool knows no yes/no or on/off).
func parseBool(v string) (b, ok bool) {
	switch strings.ToLower(v) {
	case "1", "true", "yes", "on":
		return true, true
	case "0", "false", "no", "off":
		return false, true
	}
	return false, false
}
