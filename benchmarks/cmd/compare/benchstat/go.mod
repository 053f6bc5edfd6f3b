// This module only pins benchstat for cmd/compare (`go tool benchstat`, run
// from this directory). It is a module of its own so that x/perf's dependency
// graph stays out of the benchmarks module's build list.
module github.com/harborai/harbor-go/benchmarks/cmd/compare/benchstat

go 1.24.3

tool golang.org/x/perf/cmd/benchstat

require (
	github.com/aclements/go-moremath v0.0.0-20210112150236-f10218a38794 // indirect
	golang.org/x/perf v0.0.0-20260112171951-5abaabe9f1bd // indirect
)
