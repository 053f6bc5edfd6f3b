package gateway

import (
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// Every whole-number setting of the Config says what it counts in the errors
// that refuse a fraction there, and wholeNumbers names no other.
func TestWholeNumbersDescribeEveryIntegerSetting(t *testing.T) {
	seen := map[string]bool{}
	var walk func(reflect.Type, string)
	walk = func(rt reflect.Type, key string) {
		for rt.Kind() == reflect.Pointer || rt.Kind() == reflect.Slice || rt.Kind() == reflect.Map {
			rt = rt.Elem()
		}
		switch {
		case rt == durationType || rt == byteSizeType:
		case rt.Kind() == reflect.Struct:
			for i := range rt.NumField() {
				if k, _, _ := strings.Cut(rt.Field(i).Tag.Get("yaml"), ","); k != "" && k != "-" {
					walk(rt.Field(i).Type, k)
				}
			}
		case isInteger(rt):
			seen[key] = true
			assert.NotEmpty(t, wholeNumbers[key], "wholeNumbers[%q]", key)
		}
	}
	walk(reflect.TypeOf(Config{}), "")
	for key := range wholeNumbers {
		assert.True(t, seen[key], "wholeNumbers[%q] is no integer setting", key)
	}
}
