// Package conformance proves harbor's providers against mock vendors that speak each
// vendor's real wire format (package mockvendor). The tests in this directory are
// data-driven: one table per vendor, one row per documented quirk or error class,
// each stating what harbor must send and what the caller must get back. Read the
// tables to know what harbor promises.
package conformance
