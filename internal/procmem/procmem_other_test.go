//go:build !linux

package procmem

import (
	"errors"
	"testing"
)

func TestReadUnsupported(t *testing.T) {
	s, err := Read()
	if !errors.Is(err, ErrUnsupported) || !errors.Is(err, errors.ErrUnsupported) || s != (Stats{}) {
		t.Errorf("Read() = %+v, %v; want ErrUnsupported", s, err)
	}
}
