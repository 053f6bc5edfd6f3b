package conformance

import (
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// coverageTables enumerates the conformance tables by the test that runs them: test
// name -> row name -> the row's known-bug note ("" when the row runs). The runner
// uses the row name as the subtest name, so these are the names go test -run finds.
// A new table must be added here to be citable in COVERAGE.md.
func coverageTables(t *testing.T) map[string]map[string]string {
	tables := map[string]map[string]string{}
	add := func(test, row, bug string) {
		if tables[test] == nil {
			tables[test] = map[string]string{}
		}
		if _, dup := tables[test][row]; dup {
			// t.Run would rename the second one "…#01", and -run could not tell them apart.
			t.Errorf("%s has two rows named %q", test, row)
		}
		tables[test][row] = bug
	}
	for test, rows := range map[string][]rowName{
		"TestDeepSeek": rowNames(deepseekCases),
		"TestArk":      rowNames(arkCases),
		"TestWenxin":   rowNames(wenxinCases),
		"TestQianfan":  rowNames(qianfanCases),
		"TestOpenAI":   rowNames(openaiCases),
	} {
		for _, r := range rows {
			add(test, r.name, r.bug)
		}
	}
	return tables
}

// rowName is a table row's name and its known-bug note.
type rowName struct{ name, bug string }

func rowNames[C any, M vendorMock](cases []vendorCase[C, M]) []rowName {
	out := make([]rowName, len(cases))
	for i, c := range cases {
		out[i] = rowName{c.name, c.bug}
	}
	return out
}

// packageTests lists the Test functions of this package's test files, as go test
// builds them (build constraints applied).
func packageTests(t *testing.T) map[string]bool {
	t.Helper()
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatalf("reading the package: %v", err)
	}
	fset := token.NewFileSet()
	tests := map[string]bool{}
	for _, name := range slices.Concat(pkg.TestGoFiles, pkg.XTestGoFiles) {
		f, err := parser.ParseFile(fset, filepath.Join(pkg.Dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatalf("parsing %s: %v", name, err)
		}
		for _, d := range f.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil && strings.HasPrefix(fn.Name.Name, "Test") {
				tests[fn.Name.Name] = true
			}
		}
	}
	return tests
}

// coverageClasses is what every vendor section of COVERAGE.md must answer: the
// issue's error classes and stream endings, and the rows of vendors.md §5 (the
// first cell's text before ":", a leading "§5 " dropped).
var coverageClasses = []string{
	"every request",
	"auth failure", "balance", "rate limit", "overload", "invalid request", "content filter",
	"clean stream end", "truncated stream", "mid-stream error",
	"stream end", "stream usage", "errors", "noise", "content", "reasoning", "auth",
}

// citationRE finds `TestName` and `TestName/row name` in a table cell.
var citationRE = regexp.MustCompile("`(Test[A-Za-z0-9_]+)(?:/([^`]+))?`")

type coverageLine struct {
	lineNo     int
	class      string // the first cell's key
	citations  []citation
	notApplies bool // says "not applicable:" or "NOT COVERED:"
}

type citation struct {
	test, row string
	bug       bool // followed by " (BUG": cited as a row the runner skips
}

// parseCoverage splits COVERAGE.md into its "## " sections and their table lines.
func parseCoverage(doc string) (order []string, sections map[string][]coverageLine) {
	sections = map[string][]coverageLine{}
	section := ""
	for i, line := range strings.Split(doc, "\n") {
		switch {
		case strings.HasPrefix(line, "## "):
			section = strings.TrimSpace(strings.TrimPrefix(line, "## "))
			order = append(order, section)
			sections[section] = nil
		case section != "" && strings.HasPrefix(line, "|") && !strings.HasPrefix(line, "|---") && !strings.HasPrefix(line, "| Class / quirk |"):
			cells := strings.Split(strings.Trim(line, "| "), " | ")
			key, _, _ := strings.Cut(cells[0], ":")
			l := coverageLine{lineNo: i + 1, class: strings.TrimSpace(strings.TrimPrefix(key, "§5 ")),
				notApplies: strings.Contains(line, "not applicable:") || strings.Contains(line, "NOT COVERED:")}
			for _, m := range citationRE.FindAllStringSubmatchIndex(line, -1) {
				c := citation{test: line[m[2]:m[3]], bug: strings.HasPrefix(line[m[1]:], " (BUG")}
				if m[4] >= 0 {
					c.row = line[m[4]:m[5]]
				}
				l.citations = append(l.citations, c)
			}
			sections[section] = append(sections[section], l)
		}
	}
	return order, sections
}

// TestCoverageMapNamesRealRows keeps COVERAGE.md from rotting: every test it cites
// exists, every row it cites is a row of that test's table, a row is cited with
// "(BUG" after it exactly when the runner skips it as a known bug, and every vendor
// section answers every class — with a row, or with "not applicable:" and why.
func TestCoverageMapNamesRealRows(t *testing.T) {
	doc, err := os.ReadFile("COVERAGE.md")
	if err != nil {
		t.Fatal(err)
	}
	tables := coverageTables(t)
	tests := packageTests(t)
	for test := range tables {
		if !tests[test] {
			t.Errorf("coverageTables names %s, which is not a test function of this package", test)
		}
	}

	order, sections := parseCoverage(string(doc))
	if len(order) != len(tables) {
		t.Errorf("COVERAGE.md has %d vendor sections %q, want one per table (%d)", len(order), order, len(tables))
	}
	cited := map[string]bool{}
	for _, name := range order {
		lines := sections[name]
		classes := map[string]bool{}
		for _, l := range lines {
			classes[l.class] = true
			if len(l.citations) == 0 && !l.notApplies {
				t.Errorf("COVERAGE.md:%d (%s): %q cites no row and does not say \"not applicable:\" or \"NOT COVERED:\"", l.lineNo, name, l.class)
			}
			for _, c := range l.citations {
				test, row := c.test, c.row
				if !tests[test] {
					t.Errorf("COVERAGE.md:%d (%s): no test function %s", l.lineNo, name, test)
					continue
				}
				if row == "" {
					cited[test] = true
					continue
				}
				rows, ok := tables[test]
				if !ok {
					t.Errorf("COVERAGE.md:%d (%s): %s/%s: %s runs no table whose rows can be cited; cite the test alone", l.lineNo, name, test, row, test)
					continue
				}
				bug, ok := rows[row]
				switch {
				case !ok:
					t.Errorf("COVERAGE.md:%d (%s): %s has no row named %q", l.lineNo, name, test, row)
				case bug != "" && !c.bug:
					t.Errorf("COVERAGE.md:%d (%s): %s/%s is skipped as a known bug; cite it as `…` (BUG, skipped: …)", l.lineNo, name, test, row)
				case bug == "" && c.bug:
					t.Errorf("COVERAGE.md:%d (%s): %s/%s is cited as a known bug but runs now; drop the BUG note", l.lineNo, name, test, row)
				}
				cited[test] = true
			}
		}
		for _, class := range coverageClasses {
			if !classes[class] {
				t.Errorf("COVERAGE.md section %q has no line for %q", name, class)
			}
		}
	}
	for test := range tables {
		if !cited[test] {
			t.Errorf("COVERAGE.md cites nothing from %s", test)
		}
	}
}
