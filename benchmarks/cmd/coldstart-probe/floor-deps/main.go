// Command floor-deps is the floor's cold-start probe (package floorprobe) with
// harbor's third-party dependencies linked in but unused: what their package
// init and size alone add to a plain net/http program, whatever harbor's own
// code does. The difference between it and ./floor is the part of harbor's
// cold start that the owner's choice of libraries fixes; between ./harbor and
// it, harbor's own. See package coldstartprobe.
package main

import (
	"time"

	"github.com/harborai/harbor-go/benchmarks/cmd/coldstart-probe/internal/floorprobe"

	// The libraries the harbor package itself imports (go list -deps ./harbor,
	// outside the standard library and harbor-go): otter v2 (the L1 cache; it
	// imports encoding/gob), go-retryablehttp (the retrying transport; it
	// compiles regular expressions at init) and oapi-codegen's runtime (the
	// generated clients).
	_ "github.com/hashicorp/go-retryablehttp"
	_ "github.com/maypok86/otter/v2"
	_ "github.com/oapi-codegen/runtime"
)

func main() { floorprobe.Main(time.Now()) }
