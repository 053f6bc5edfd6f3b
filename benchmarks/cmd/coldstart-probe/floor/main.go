// Command floor is the cold-start probe of the floor: a hand-written net/http
// + encoding/json client, one chat completion against the DeepSeek mock at
// os.Args[1], and exit (package floorprobe). See package coldstartprobe.
package main

import (
	"time"

	"github.com/harborai/harbor-go/benchmarks/cmd/coldstart-probe/internal/floorprobe"
)

func main() { floorprobe.Main(time.Now()) }
