package llm

import (
	"bytes"
	"encoding/json"
)

// Opt is an optional value that tells "unset" apart from the zero value, so that
// temperature 0 or max_tokens 0 can be sent on purpose. The zero Opt is unset.
//
// In JSON an unset Opt is omitted (fields use `omitzero`) and a set one is its value;
// an explicit null decodes as unset.
type Opt[T any] struct {
	v   T
	set bool
}

// Some returns a set Opt holding v.
func Some[T any](v T) Opt[T] { return Opt[T]{v: v, set: true} }

// Get returns the value and whether it is set.
func (o Opt[T]) Get() (T, bool) { return o.v, o.set }

// IsSet reports whether a value was given.
func (o Opt[T]) IsSet() bool { return o.set }

// Or returns the value if set, else def.
func (o Opt[T]) Or(def T) T {
	if o.set {
		return o.v
	}
	return def
}

// Ptr returns a pointer to a copy of the value, or nil when unset. Providers use it to
// fill generated request types, whose optional fields are pointers.
func (o Opt[T]) Ptr() *T {
	if !o.set {
		return nil
	}
	v := o.v
	return &v
}

// IsZero reports whether the Opt is unset; it makes `omitzero` omit unset values.
func (o Opt[T]) IsZero() bool { return !o.set }

// MarshalJSON encodes the value, or null when unset.
func (o Opt[T]) MarshalJSON() ([]byte, error) {
	if !o.set {
		return []byte("null"), nil
	}
	return json.Marshal(o.v)
}

// UnmarshalJSON decodes a value; null leaves the Opt unset.
func (o *Opt[T]) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		*o = Opt[T]{}
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*o = Opt[T]{v: v, set: true}
	return nil
}
