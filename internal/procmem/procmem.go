package procmem

import (
	"errors"
	"runtime"
)

// Stats are the process's memory figures, in bytes.
type Stats struct {
	RSS uint64 // resident set size: bytes of the process in RAM now
	VMS uint64 // virtual memory size: bytes of address space mapped
}

// ErrUnsupported is returned by Read where the OS's figures cannot be read
// (every OS but Linux). It matches errors.ErrUnsupported.
//
// It is a constant value rather than fmt.Errorf's result: a package-level
// fmt.Errorf runs at package init, in every harbor program, and was its most
// expensive line there (~50 µs of GODEBUG=inittrace=1, fmt's first use).
var ErrUnsupported error = unsupported{}

type unsupported struct{}

func (unsupported) Error() string {
	return "procmem: reading process memory on " + runtime.GOOS + ": " + errors.ErrUnsupported.Error()
}

func (unsupported) Unwrap() error { return errors.ErrUnsupported }
