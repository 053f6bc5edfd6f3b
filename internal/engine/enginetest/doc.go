// Package enginetest checks, in a provider's tests, what the engine cannot check
// at build time: that the provider's rule table and its doc.go say the same.
//
// FastPath runs the fast path's differential tests and fuzz targets (the hot
// path against encoding/json into the generated types) for one provider. It is
// for tests only.
package enginetest
