package procmem

import (
	"errors"
	"fmt"
	"runtime"
)

// Stats are the process's memory figures, in bytes.
type Stats struct {
	RSS uint64 // resident set size: bytes of the process in RAM now
	VMS uint64 // virtual memory size: bytes of address space mapped
}

// ErrUnsupported is returned by Read where the OS's figures cannot be read
// (every OS but Linux). It matches errors.ErrUnsupported.
var ErrUnsupported = fmt.Errorf("procmem: reading process memory on %s: %w", runtime.GOOS, errors.ErrUnsupported)
