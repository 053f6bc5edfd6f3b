package gateway

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestGlobMatch(t *testing.T) {
	for _, tc := range []struct {
		pattern, name string
		want          bool
	}{
		{"deepseek-*", "deepseek-v4-flash", true},
		{"deepseek-*", "doubao-x", false},
		{"*", "anything/at all", true},
		{"doubao/*", "doubao/ep-123", true},
		{"doubao/*", "doubao-seed", false},
		{"*-flash", "deepseek-v4-flash", true},
		{"*-flash", "deepseek-v4-pro", false},
		{"a*b*c", "axxbyyc", true},
		{"a*b*c", "axxbyy", false},
		{"fast", "fast", true},
		{"fast", "faster", false},
	} {
		assert.Equal(t, tc.want, globMatch(tc.pattern, tc.name), "%s ~ %s", tc.pattern, tc.name)
	}
}
