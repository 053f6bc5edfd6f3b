package harbor

import (
	"reflect"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
)

// fill sets every field reachable from v to a non-zero value, allocating every
// pointer and giving every slice two elements, so that a deep copy can be checked
// field by field.
func fill(v reflect.Value, depth int) {
	switch v.Kind() {
	case reflect.Pointer:
		if depth > 6 {
			return
		}
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), depth+1)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), depth+1)
			}
		}
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			fill(v.Index(i), depth+1)
		}
	case reflect.String:
		v.SetString("x")
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(1)
	case reflect.Float64:
		v.SetFloat(1)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Interface, reflect.Map:
		// none in a completion today; a new one fails the pointer check below
	}
}

// shared reports the first pointer or slice backing array that a and b share.
func shared(a, b reflect.Value, path string) string {
	switch a.Kind() {
	case reflect.Pointer:
		if a.IsNil() {
			return ""
		}
		if a.Pointer() == b.Pointer() {
			return path
		}
		return shared(a.Elem(), b.Elem(), path)
	case reflect.Struct:
		for i := range a.NumField() {
			if !a.Type().Field(i).IsExported() {
				continue
			}
			if p := shared(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name); p != "" {
				return p
			}
		}
	case reflect.Slice:
		if a.Len() > 0 && a.Pointer() == b.Pointer() {
			return path
		}
		for i := range a.Len() {
			if p := shared(a.Index(i), b.Index(i), path+"[]"); p != "" {
				return p
			}
		}
	case reflect.Map, reflect.Interface:
		if !a.IsNil() {
			return path + " (a map or interface: cloneCompletion must copy it)"
		}
	}
	return ""
}

// cloneCompletion copies everything: no pointer or slice of the copy is the
// original's, for every field there is (found by reflection).
func TestCloneCompletionSharesNothing(t *testing.T) {
	var c ChatCompletion
	fill(reflect.ValueOf(&c).Elem(), 0)
	cp := cloneCompletion(&c)
	assert.Equal(t, &c, cp)
	assert.Empty(t, shared(reflect.ValueOf(&c).Elem(), reflect.ValueOf(cp).Elem(), "ChatCompletion"))
	assert.Greater(t, completionSize(&c), int(unsafe.Sizeof(c)))
}
