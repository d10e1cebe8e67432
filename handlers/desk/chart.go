package desk

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"

	"github.com/morningpost/morningpost/handlers/page"
)

// Charts drawn on the server as inline SVG: no script, no library. Bars
// per day in a viewBox that scales to the page's width, so a phone
// shows the same chart narrower; every bar has a <title> (its date and
// values, shown on hover or long press), the chart a title and a
// description for screen readers, and the page lists the values in a
// table beside it.

// chartPoint is one day of a chart: one value per series. A later
// series is drawn over the earlier ones, so it must not exceed them
// (304s within requests).
type chartPoint struct {
	Date   string // YYYY-MM-DD
	Values []int64
}

// chart is a drawn chart and what the page shows with it.
type chart struct {
	ID, Title string
	Series    []chartSeries
	Desc      string // a sentence saying what the chart shows
	SVG       template.HTML
	Points    []chartPoint
}

type chartSeries struct {
	Name, Color string
}

// chartColors are the series' colours: the site's link blue, then an
// amber that stays distinct from it in every kind of colour blindness.
var chartColors = []string{"#1d3d6e", "#d08c1e"}

// The chart's geometry, in viewBox units.
const (
	chartW, chartH         = 480, 200
	chartLeft, chartRight  = 44, 6
	chartTop, chartBottom  = 10, 24
	chartPlotW, chartPlotH = chartW - chartLeft - chartRight, chartH - chartTop - chartBottom
)

func newChart(id, title string, series []string, pts []chartPoint) chart {
	c := chart{ID: id, Title: title, Points: pts}
	for i, name := range series {
		c.Series = append(c.Series, chartSeries{Name: name, Color: chartColors[i%len(chartColors)]})
	}
	c.Desc = chartDesc(series, pts)
	c.SVG = drawChart(id, title, c.Desc, c.Series, pts)
	return c
}

// chartDesc says what a screen reader cannot see: the span, and per
// series the last day's value and the highest.
func chartDesc(series []string, pts []chartPoint) string {
	if len(pts) == 0 {
		return "No days counted yet."
	}
	var b strings.Builder
	if len(pts) == 1 {
		fmt.Fprintf(&b, "1 day, %s.", page.DayLabel(pts[0].Date, true))
	} else {
		fmt.Fprintf(&b, "%d days, %s to %s.", len(pts), page.DayLabel(pts[0].Date, true), page.DayLabel(pts[len(pts)-1].Date, true))
	}
	for si, name := range series {
		last := pts[len(pts)-1].Values[si]
		hi, hiDate := int64(-1), ""
		for _, p := range pts {
			if p.Values[si] > hi {
				hi, hiDate = p.Values[si], p.Date
			}
		}
		fmt.Fprintf(&b, " %s: %s on the last day, highest %s (%s).", capitalize(name), page.Thousands(last), page.Thousands(hi), page.DayLabel(hiDate, false))
	}
	return b.String()
}

func drawChart(id, title, desc string, series []chartSeries, pts []chartPoint) template.HTML {
	var top int64
	for _, p := range pts {
		for _, v := range p.Values {
			top = max(top, v)
		}
	}
	top = niceCeil(top)
	if top%2 == 1 {
		// 1 and 5 have no whole half: the middle line would be drawn at
		// 2.5 and labelled 2. 2 and 6 have.
		top++
	}
	esc := template.HTMLEscapeString
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" id="chart-%s" viewBox="0 0 %d %d" role="img" aria-labelledby="chart-%s-title chart-%s-desc" preserveAspectRatio="xMidYMid meet" font-family="Helvetica Neue, Helvetica, Arial, sans-serif" font-size="12">`,
		id, chartW, chartH, id, id)
	fmt.Fprintf(&b, `<title id="chart-%s-title">%s</title><desc id="chart-%s-desc">%s</desc>`, id, esc(title), id, esc(desc))
	// Grid lines and their values: 0, half, top.
	for _, frac := range []int64{0, 1, 2} {
		v := top * frac / 2
		y := chartTop + chartPlotH - float64(chartPlotH)*float64(frac)/2
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#c9c2b2" stroke-width="1"/>`, chartLeft, y, chartW-chartRight, y)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end" dominant-baseline="middle" fill="#4a4a4a">%s</text>`, chartLeft-4, y, shortCount(v))
	}
	n := len(pts)
	step := float64(chartPlotW) / float64(max(n, 1))
	bar := math.Max(step*0.8, 1)
	for i, p := range pts {
		x := chartLeft + step*float64(i) + (step-bar)/2
		var tip []string
		for si, v := range p.Values {
			tip = append(tip, page.Thousands(v)+" "+series[si].Name)
		}
		fmt.Fprintf(&b, `<g class="bar"><title>%s: %s</title>`, page.DayLabel(p.Date, true), esc(strings.Join(tip, ", ")))
		for si, v := range p.Values {
			h := 0.0
			if top > 0 {
				h = float64(chartPlotH) * float64(v) / float64(top)
			}
			if v > 0 {
				h = math.Max(h, 1) // a day with any count shows
			}
			fmt.Fprintf(&b, `<rect x="%.2f" y="%.2f" width="%.2f" height="%.2f" fill="%s"/>`, x, chartTop+chartPlotH-h, bar, h, series[si].Color)
		}
		b.WriteString(`</g>`)
	}
	// The first and last days under the axis, and one between on a long span.
	labels := []int{0, n - 1}
	if n >= 20 {
		labels = []int{0, n / 2, n - 1}
	}
	for k, i := range labels {
		if i < 0 || (k > 0 && i == labels[k-1]) {
			continue
		}
		anchor := "middle"
		switch {
		case i == 0:
			anchor = "start"
		case i == n-1:
			anchor = "end"
		}
		x := chartLeft + step*float64(i) + step/2
		if anchor == "start" {
			x = chartLeft
		} else if anchor == "end" {
			x = chartW - chartRight
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="%s" fill="#4a4a4a">%s</text>`, x, chartH-6, anchor, page.DayLabel(pts[i].Date, false))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // built here, every text escaped
}

// niceCeil rounds up to 1, 2 or 5 times a power of ten (at least 1), so
// the grid's values are round.
func niceCeil(v int64) int64 {
	if v <= 1 {
		return 1
	}
	p := int64(1)
	for p <= v/10 {
		p *= 10
	}
	for _, m := range []int64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// shortCount writes a grid value compactly: 950, 12k, 3.5M.
func shortCount(n int64) string {
	switch {
	case n >= 1_000_000:
		return strconv.FormatFloat(float64(n)/1e6, 'f', -1, 64) + "M"
	case n >= 10_000:
		return strconv.FormatFloat(float64(n)/1e3, 'f', -1, 64) + "k"
	}
	return page.Thousands(n)
}

func capitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
