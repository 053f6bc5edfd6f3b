package enginetest

import (
	"os"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/harborai/harbor-go/internal/engine"
)

// docHeading starts the list of rules in a provider's doc.go; each bullet after it
// ("//   - ruleName: what it rejects") names one rule, until the list ends.
const docHeading = "Rejected before I/O"

// RulesMatchDoc fails t unless the bullets under "Rejected before I/O" in the
// doc.go of the test's package name rules one to one, in order.
func RulesMatchDoc[P any](t testing.TB, rules []engine.Rule[P]) {
	t.Helper()
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, r := range rules {
		name := runtime.FuncForPC(reflect.ValueOf(r).Pointer()).Name()
		want = append(want, name[strings.LastIndex(name, ".")+1:])
	}
	if got := docRules(string(doc)); !slices.Equal(got, want) {
		t.Errorf("doc.go lists the rules\n\t%v\nrules.go has\n\t%v", got, want)
	}
}

// docRules returns the rule names doc lists under its "Rejected before I/O" line.
func docRules(doc string) []string {
	var out []string
	in := false
	for _, line := range strings.Split(doc, "\n") {
		text := strings.TrimPrefix(line, "//")
		switch {
		case !in:
			in = strings.Contains(text, docHeading)
		case strings.HasPrefix(text, "   - "):
			item := strings.TrimPrefix(text, "   - ")
			if i := strings.Index(item, ":"); i > 0 {
				out = append(out, item[:i])
			}
		case strings.HasPrefix(text, "     "): // a bullet's next line
		default:
			if len(out) > 0 {
				return out
			}
		}
	}
	return out
}
