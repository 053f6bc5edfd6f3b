package benchmarks

// A grouped bar chart written as plain SVG (no dependency), for the report's
// ratios: one group per scenario, one bar per client, a reference line at 1.00
// (the floor). It uses only rect, line, text and g elements with inline
// attributes, so it renders the same in a browser and in GitHub's Markdown
// (which shows SVGs as images: no scripts, no external fonts or styles).

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"strings"
	"unicode/utf8"
)

// Chart is a grouped bar chart of ratios.
type Chart struct {
	Title    string
	Subtitle string   // a second line under the title: date, Go version…
	YLabel   string   // the value axis
	Series   []string // one bar per series in each group, in legend order
	Groups   []ChartGroup
	// Ref draws a dashed reference line at this value, labelled RefLabel (0:
	// none). The report uses 1.00, the floor.
	Ref      float64
	RefLabel string
	Note     string // a line under the chart
}

// ChartGroup is one scenario: Values[i] is the bar of Series[i]. A missing
// value (a client without this scenario) is NaN; NaN, infinite and negative
// values draw no bar.
type ChartGroup struct {
	Label  string
	Values []float64
}

// chartColors are the series colours, harbor's first, then pairs of a dark
// and a light shade (a peer over the tuned and over its default client); they
// repeat past the end.
var chartColors = []string{"#1f77b4", "#ff7f0e", "#ffbb78", "#2ca02c", "#98df8a", "#9467bd", "#c5b0d5", "#8c564b"}

const (
	chartBarW     = 14.0
	chartGroupGap = 22.0
	chartLeft     = 70.0
	chartRight    = 90.0 // room for the reference line's label
	chartTop      = 70.0
	chartPlotH    = 300.0
	chartBottom   = 110.0 // group labels, legend, note
	chartMinW     = 640.0
)

// barValue reports whether v draws a bar.
func barValue(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) && v >= 0 }

// niceStep returns a tick step (1, 2 or 5 times a power of ten) giving about
// five ticks up to max.
func niceStep(max float64) float64 {
	raw := max / 5
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw {
			return m * p
		}
	}
	return 10 * p
}

// SVG renders the chart.
func (c *Chart) SVG() []byte {
	var b bytes.Buffer
	_ = c.WriteSVG(&b) // a bytes.Buffer does not fail
	return b.Bytes()
}

// WriteSVG writes the chart as a standalone SVG document.
func (c *Chart) WriteSVG(w io.Writer) error {
	n := len(c.Series)
	groupW := float64(max(n, 1))*chartBarW + chartGroupGap
	// Wide enough for the bars, the title and the subtitle (estimated text
	// widths: no font metrics without a renderer).
	plotW := max(float64(len(c.Groups))*groupW, chartMinW-chartLeft-chartRight,
		textWidth(c.Title, 16)-chartRight, textWidth(c.Subtitle, 12)-chartRight)
	width := chartLeft + plotW + chartRight
	legendRows := max((n+3)/4, 1)
	note := wrap(c.Note, int((width-chartLeft-10)/textWidth("x", 10)))
	height := chartTop + chartPlotH + chartBottom + float64(legendRows-1)*18 + float64(len(note))*14

	// The value axis: from 0 to a tick at or above the largest bar and the
	// reference line.
	top := c.Ref
	for _, g := range c.Groups {
		for _, v := range g.Values {
			if barValue(v) && v > top {
				top = v
			}
		}
	}
	if top <= 0 {
		top = 1
	}
	step := niceStep(top * 1.05)
	top = math.Ceil(top*1.05/step) * step
	y := func(v float64) float64 { return chartTop + chartPlotH - v/top*chartPlotH }

	var s strings.Builder
	fmt.Fprintf(&s, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="Helvetica, Arial, sans-serif" font-size="12">`+"\n",
		width, height, width, height)
	fmt.Fprintf(&s, `<rect x="0" y="0" width="%.0f" height="%.0f" fill="#ffffff"/>`+"\n", width, height)
	fmt.Fprintf(&s, `<text class="title" x="%.1f" y="24" font-size="16" font-weight="bold">%s</text>`+"\n", chartLeft, esc(c.Title))
	if c.Subtitle != "" {
		fmt.Fprintf(&s, `<text class="subtitle" x="%.1f" y="44" fill="#555555">%s</text>`+"\n", chartLeft, esc(c.Subtitle))
	}

	// Grid and value axis.
	s.WriteString(`<g class="y-axis" fill="#333333">` + "\n")
	for v := 0.0; v <= top+step/2; v += step {
		fmt.Fprintf(&s, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#e5e5e5"/>`+"\n", chartLeft, y(v), chartLeft+plotW, y(v))
		fmt.Fprintf(&s, `<text x="%.1f" y="%.1f" text-anchor="end">%s</text>`+"\n", chartLeft-6, y(v)+4, trimFloat(v))
	}
	fmt.Fprintf(&s, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#333333"/>`+"\n", chartLeft, chartTop, chartLeft, chartTop+chartPlotH)
	fmt.Fprintf(&s, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#333333"/>`+"\n", chartLeft, y(0), chartLeft+plotW, y(0))
	if c.YLabel != "" {
		fmt.Fprintf(&s, `<text class="y-label" x="%.1f" y="%.1f" text-anchor="middle" transform="rotate(-90 %.1f %.1f)">%s</text>`+"\n",
			18.0, chartTop+chartPlotH/2, 18.0, chartTop+chartPlotH/2, esc(c.YLabel))
	}
	s.WriteString("</g>\n")

	// Bars, one group per scenario, with the value above each bar.
	for gi, g := range c.Groups {
		x0 := chartLeft + float64(gi)*groupW + chartGroupGap/2
		fmt.Fprintf(&s, `<g class="group">`+"\n")
		// The bars present, in series order, centred in the group's slot.
		var present []int
		for i := range n {
			if i < len(g.Values) && barValue(g.Values[i]) {
				present = append(present, i)
			}
		}
		off := float64(n-len(present)) * chartBarW / 2
		for k, i := range present {
			v := g.Values[i]
			x := x0 + off + float64(k)*chartBarW
			h := y(0) - y(v)
			fmt.Fprintf(&s, `<rect class="bar" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s %s: %.2f</title></rect>`+"\n",
				x+1, y(v), chartBarW-2, h, chartColors[i%len(chartColors)], esc(g.Label), esc(c.Series[i]), v)
			tx, ty := x+chartBarW/2+3, y(v)-3
			fmt.Fprintf(&s, `<text class="value" x="%.1f" y="%.1f" font-size="9" transform="rotate(-90 %.1f %.1f)">%.2f</text>`+"\n", tx, ty, tx, ty, v)
		}
		lx, ly := x0+float64(n)*chartBarW/2, y(0)+16
		fmt.Fprintf(&s, `<text class="group-label" x="%.1f" y="%.1f" text-anchor="end" transform="rotate(-30 %.1f %.1f)">%s</text>`+"\n", lx, ly, lx, ly, esc(g.Label))
		s.WriteString("</g>\n")
	}

	// The reference line on top of the bars.
	if c.Ref > 0 {
		fmt.Fprintf(&s, `<line class="ref" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#d62728" stroke-width="1.5" stroke-dasharray="6 4"/>`+"\n",
			chartLeft, y(c.Ref), chartLeft+plotW, y(c.Ref))
		if c.RefLabel != "" {
			fmt.Fprintf(&s, `<text class="ref-label" x="%.1f" y="%.1f" fill="#d62728">%s</text>`+"\n", chartLeft+plotW+4, y(c.Ref)+4, esc(c.RefLabel))
		}
	}

	// Legend, four series a row.
	ly := chartTop + chartPlotH + chartBottom - 24
	s.WriteString(`<g class="legend">` + "\n")
	for i, name := range c.Series {
		x := chartLeft + float64(i%4)*160
		yy := ly + float64(i/4)*18
		fmt.Fprintf(&s, `<rect x="%.1f" y="%.1f" width="12" height="12" fill="%s"/>`+"\n", x, yy-10, chartColors[i%len(chartColors)])
		fmt.Fprintf(&s, `<text x="%.1f" y="%.1f">%s</text>`+"\n", x+17, yy, esc(name))
	}
	s.WriteString("</g>\n")
	for i, line := range note {
		fmt.Fprintf(&s, `<text class="note" x="%.1f" y="%.1f" font-size="10" fill="#555555">%s</text>`+"\n",
			chartLeft, height-8-float64(len(note)-1-i)*14, esc(line))
	}
	s.WriteString("</svg>\n")
	_, err := io.WriteString(w, s.String())
	return err
}

// textWidth estimates the width of s in pixels at font size px.
func textWidth(s string, px float64) float64 {
	return float64(utf8.RuneCountInString(s)) * px * 0.58
}

// wrap splits s into lines of at most width runes, at spaces where it can.
func wrap(s string, width int) []string {
	width = max(width, 10)
	var lines []string
	var cur []rune
	for _, w := range strings.Fields(s) {
		r := []rune(w)
		if len(cur) > 0 && len(cur)+1+len(r) > width {
			lines = append(lines, string(cur))
			cur = cur[:0]
		}
		if len(cur) > 0 {
			cur = append(cur, ' ')
		}
		cur = append(cur, r...)
	}
	if len(cur) > 0 {
		lines = append(lines, string(cur))
	}
	return lines
}

// esc escapes text for XML character data and attribute values.
func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s)) // a strings.Builder does not fail
	return b.String()
}

// trimFloat prints a tick value without needless zeros: 0, 0.5, 1, 1.25.
func trimFloat(v float64) string {
	s := fmt.Sprintf("%.2f", v)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}
