package desk

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/morningpost/morningpost/handlers/page"
)

func TestChartNumbers(t *testing.T) {
	for _, c := range []struct {
		got, want string
	}{
		{page.Thousands(0), "0"}, {page.Thousands(999), "999"}, {page.Thousands(1000), "1,000"}, {page.Thousands(-1234567), "-1,234,567"},
		{page.ByteSize(999), "999 B"}, {page.ByteSize(52920), "52.9 kB"}, {page.ByteSize(3_400_000_000), "3.4 GB"},
		{shortCount(950), "950"}, {shortCount(12_000), "12k"}, {shortCount(3_500_000), "3.5M"},
		{percent(3, 7), "43%"}, {percent(0, 0), "—"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	for v, want := range map[int64]int64{0: 1, 1: 1, 3: 5, 7: 10, 11: 20, 250: 500, 1003: 2000, 5000: 5000} {
		if got := niceCeil(v); got != want {
			t.Errorf("niceCeil(%d) = %d, want %d", v, got, want)
		}
	}
}

// A chart has a bar per day, each with its date and values as a title,
// heights in proportion, and a title and description for screen readers.
func TestDrawChart(t *testing.T) {
	c := newChart("r", "Requests & 304s", []string{"requests", "304 not modified"}, []chartPoint{
		{Date: "2026-11-30", Values: []int64{10, 5}},
		{Date: "2026-12-01", Values: []int64{0, 0}},
	})
	svg := string(c.SVG)
	contains(t, "chart", svg,
		`<svg class="chart" id="chart-r" viewBox="0 0 480 200" role="img" aria-labelledby="chart-r-title chart-r-desc"`,
		`<title id="chart-r-title">Requests &amp; 304s</title>`,
		`<desc id="chart-r-desc">2 days, 30 Nov 2026 to 1 Dec 2026. Requests: 0 on the last day, highest 10 (30 Nov). 304 not modified: 0 on the last day, highest 5 (30 Nov).</desc>`,
		`<title>30 Nov 2026: 10 requests, 5 304 not modified</title>`,
		`height="166.00" fill="#1d3d6e"`, // 10 of 10: the whole plot
		`height="83.00" fill="#d08c1e"`,  // 5 of 10: half
		`height="0.00"`,                  // nothing on the last day
	)
	if n := strings.Count(svg, `<g class="bar">`); n != 2 {
		t.Errorf("%d bars", n)
	}
}

// Each grid line is drawn where its label says: the middle one of a
// chart whose top is 5 is at 2.5, so it must not read 2.
func TestChartGridLabels(t *testing.T) {
	label := regexp.MustCompile(`<text x="\d+" y="([\d.]+)" text-anchor="end" dominant-baseline="middle" fill="#4a4a4a">([\d,]+)</text>`)
	for _, hi := range []int64{1, 2, 3, 4, 5, 7, 9, 10, 11, 45, 50, 99, 101, 450, 5000} {
		svg := string(newChart("c", "C", []string{"n"}, []chartPoint{{Date: "2026-12-01", Values: []int64{hi}}}).SVG)
		m := label.FindAllStringSubmatch(svg, -1)
		if len(m) != 3 {
			t.Fatalf("max %d: %d grid labels", hi, len(m))
		}
		val := func(i int) float64 {
			v, err := strconv.ParseFloat(strings.ReplaceAll(m[i][2], ",", ""), 64)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		top := val(2)
		if top < float64(hi) {
			t.Errorf("max %d: top line %v below it", hi, top)
		}
		for i := range m {
			y, _ := strconv.ParseFloat(m[i][1], 64)
			want := chartTop + chartPlotH - chartPlotH*val(i)/top
			if math.Abs(y-want) > 0.06 {
				t.Errorf("max %d: label %s drawn at y=%v, its value is at y=%.1f", hi, m[i][2], y, want)
			}
		}
	}
}
