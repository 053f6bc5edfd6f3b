//go:build !unix

package main

import (
	"context"
	"fmt"
)

func startDetached(_ context.Context, _ []string, e env) int {
	fmt.Fprintln(e.stderr, "harbor mock: --exports needs a Unix system; run 'harbor mock' and set the variables it prints")
	return exitFailed
}
