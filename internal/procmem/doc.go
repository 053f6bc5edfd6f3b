// Package procmem reads the memory the operating system counts for this
// process: its resident set (RSS, the bytes in RAM now) and its virtual size
// (VMS, the bytes of address space mapped, most of which a Go process reserves
// without ever touching).
//
// Read works on Linux, from /proc/self/statm. Elsewhere it returns an error
// matching ErrUnsupported (and errors.ErrUnsupported), so that a stats call
// leaves the figures out rather than report zeros.
//
// These are the kernel's figures, not the Go runtime's: RSS includes memory the
// runtime has freed but not yet returned to the OS, and memory not from the Go
// heap (stacks, cgo, mapped files). For the heap itself, see runtime/metrics.
package procmem
