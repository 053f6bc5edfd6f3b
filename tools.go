//go:build tools

package harborgo

// Pins the code generator so `go generate ./...` is reproducible: the version
// in go.mod is the version every developer and CI runs.
import (
	_ "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen"
)
