package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// Review of issue 10: HARBOR_NO_MOCK takes the usual boolean spellings in any case,
// not only what strconv.ParseBool knows, and the error for others lists them.
func TestNoMockVariableSpellings(t *testing.T) {
	for _, v := range []string{"1", "true", "TRUE", "yes", "Yes", "on", "ON"} {
		code, out, errs := runCLI(t, map[string]string{"HARBOR_NO_MOCK": v}, "", "chat", "hi")
		assert.Equal(t, exitFailed, code, "%s: %s", v, errs)
		assert.Empty(t, out, v)
		assert.Contains(t, errs, "the built-in mock is off", v)
	}
	for _, v := range []string{"0", "false", "False", "no", "NO", "off", "Off"} {
		code, out, errs := runCLI(t, map[string]string{"HARBOR_NO_MOCK": v}, "", "chat", "hi")
		assert.Equal(t, exitMockAnswer, code, "%s: %s", v, errs)
		assert.Equal(t, "Hello! You said: hi\n", out, v)
	}
	for _, v := range []string{"perhaps", "2", "y", " yes"} {
		code, _, errs := runCLI(t, map[string]string{"HARBOR_NO_MOCK": v}, "", "chat", "hi")
		assert.Equal(t, exitUsage, code, v)
		assert.Contains(t, errs, "want 1, true, yes or on (no mock), or 0, false, no or off", v)
	}
	_, help, _ := runCLI(t, nil, "", "chat", "--help")
	assert.Contains(t, help, "the default when HARBOR_NO_MOCK is 1, true, yes or on")
}
