package benchmarks

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"
)

// svgNode is a parsed SVG element: its name, attributes, direct text and
// children.
type svgNode struct {
	name     string
	attr     map[string]string
	text     string
	children []*svgNode
}

func parseSVG(t *testing.T, doc []byte) *svgNode {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(doc))
	var stack []*svgNode
	var root *svgNode
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("the SVG is not well-formed XML: %v\n%s", err, doc)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &svgNode{name: tok.Name.Local, attr: map[string]string{}}
			for _, a := range tok.Attr {
				n.attr[a.Name.Local] = a.Value
			}
			if len(stack) == 0 {
				if root != nil {
					t.Fatal("more than one root element")
				}
				root = n
				if tok.Name.Space != "http://www.w3.org/2000/svg" {
					t.Errorf("root namespace = %q, want the SVG namespace", tok.Name.Space)
				}
			} else {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(tok)
			}
		}
	}
	if root == nil || root.name != "svg" {
		t.Fatalf("no svg root element:\n%s", doc)
	}
	return root
}

// walk calls f for n and every element under it.
func (n *svgNode) walk(f func(*svgNode)) {
	f(n)
	for _, c := range n.children {
		c.walk(f)
	}
}

func (n *svgNode) find(name, class string) []*svgNode {
	var out []*svgNode
	n.walk(func(m *svgNode) {
		if m.name == name && (class == "" || m.attr["class"] == class) {
			out = append(out, m)
		}
	})
	return out
}

func (n *svgNode) texts() []string {
	var out []string
	n.walk(func(m *svgNode) {
		if m.name == "text" {
			out = append(out, m.text)
		}
	})
	return out
}

func chartNum(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("attribute %q is not a number", s)
	}
	return v
}

func TestChartSVG(t *testing.T) {
	nan := math.NaN()
	c := &Chart{
		Title:    "harbor vs peers <CPU & ratios>",
		Subtitle: "2026-11-22, go1.26",
		YLabel:   "client CPU / floor",
		Series:   []string{"harbor", "go-openai", "openai-go"},
		Groups: []ChartGroup{
			{Label: "Create", Values: []float64{0.95, 1.10, 2.50}},
			{Label: "Stream", Values: []float64{1.20, 1.30, 3.00}},
			{Label: "Create/doubao", Values: []float64{1.05, nan, nan}}, // harbor only
			{Label: "Short", Values: []float64{0.5}},                    // fewer values than series
		},
		Ref:      1,
		RefLabel: "floor = 1.00",
		Note:     "lower is better",
	}
	doc := c.SVG()
	root := parseSVG(t, doc)

	// One bar per value present, each with its value in its tooltip, and
	// heights proportional to the values.
	bars := root.find("rect", "bar")
	if len(bars) != 8 {
		t.Fatalf("%d bars, want 8 (3+3+1+1)", len(bars))
	}
	var unit float64 // pixels per 1.00
	for _, b := range bars {
		title := b.find("title", "")
		if len(title) != 1 {
			t.Fatalf("bar without a title: %+v", b.attr)
		}
		fields := strings.Fields(title[0].text)
		v := chartNum(t, fields[len(fields)-1])
		h := chartNum(t, b.attr["height"])
		if h <= 0 {
			t.Errorf("bar %q has height %v", title[0].text, h)
		}
		if unit == 0 {
			unit = h / v
		} else if math.Abs(h/v-unit) > 0.2 {
			t.Errorf("bar %q: height %v is not proportional (%.2f px per unit, want %.2f)", title[0].text, h, h/v, unit)
		}
	}
	// The bars stand on the axis where the reference line is 1.00 above.
	ref := root.find("line", "ref")
	if len(ref) != 1 {
		t.Fatalf("%d reference lines, want 1", len(ref))
	}
	base := chartNum(t, bars[0].attr["y"]) + chartNum(t, bars[0].attr["height"])
	if got := base - chartNum(t, ref[0].attr["y1"]); math.Abs(got-unit) > 0.2 {
		t.Errorf("the reference line is %.1f px above the axis, want %.1f (1.00)", got, unit)
	}

	texts := strings.Join(root.texts(), "\n")
	for _, want := range []string{
		"harbor vs peers <CPU & ratios>", "2026-11-22, go1.26", "client CPU / floor", "floor = 1.00", "lower is better",
		"Create", "Stream", "Create/doubao", "harbor", "go-openai", "openai-go", // group labels, legend
		"0.95", "2.50", "3.00", // value labels
	} {
		if !strings.Contains(texts, want) {
			t.Errorf("no text %q in the chart; texts:\n%s", want, texts)
		}
	}
	if n := len(root.find("text", "group-label")); n != 4 {
		t.Errorf("%d group labels, want 4", n)
	}
	if n := len(root.find("text", "value")); n != 8 {
		t.Errorf("%d value labels, want 8", n)
	}
	if root.attr["viewBox"] == "" || root.attr["width"] == "" {
		t.Errorf("the svg element has no size: %v", root.attr)
	}
	// The axis goes past the tallest bar (3.00).
	var topTick float64
	for _, tx := range root.find("g", "y-axis")[0].find("text", "") {
		if v, err := strconv.ParseFloat(tx.text, 64); err == nil && v > topTick {
			topTick = v
		}
	}
	if topTick < 3 {
		t.Errorf("highest tick %v, below the tallest bar 3.00", topTick)
	}
}

// TestChartSVGDegenerate: empty, odd and hostile inputs still give a
// well-formed document and no panic.
func TestChartSVGDegenerate(t *testing.T) {
	inf := math.Inf(1)
	for name, c := range map[string]*Chart{
		"empty":    {},
		"no bars":  {Title: "t", Series: []string{"a"}, Groups: []ChartGroup{{Label: "g", Values: []float64{math.NaN()}}}, Ref: 1},
		"bad":      {Series: []string{"a", "b", "c"}, Groups: []ChartGroup{{Label: "x", Values: []float64{inf, -1, 0}}}},
		"tiny":     {Series: []string{"a"}, Groups: []ChartGroup{{Label: "x", Values: []float64{1e-9}}}},
		"markup":   {Title: `</svg><script>alert(1)</script>`, Series: []string{`"&'`}, Groups: []ChartGroup{{Label: "<g>", Values: []float64{1}}}},
		"many":     {Series: []string{"1", "2", "3", "4", "5", "6", "7", "8", "9"}, Groups: []ChartGroup{{Label: "x", Values: []float64{1, 2, 3, 4, 5, 6, 7, 8, 9}}}},
		"no ref":   {Series: []string{"a"}, Groups: []ChartGroup{{Label: "x", Values: []float64{2}}}, RefLabel: "unused"},
		"huge ref": {Series: []string{"a"}, Groups: []ChartGroup{{Label: "x", Values: []float64{2}}}, Ref: 1e6},
	} {
		t.Run(name, func(t *testing.T) {
			root := parseSVG(t, c.SVG())
			if n := len(root.find("script", "")); n != 0 {
				t.Errorf("%d script elements", n)
			}
			want := 0
			for _, g := range c.Groups {
				for i, v := range g.Values {
					if i < len(c.Series) && barValue(v) {
						want++
					}
				}
			}
			if n := len(root.find("rect", "bar")); n != want {
				t.Errorf("%d bars, want %d", n, want)
			}
		})
	}
}
