package content

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// SampleIssue is the number of the embedded sample issue.
const SampleIssue = 87

// Synthetic returns the files of a large archive for trying morningpost at
// scale (`morningpost init --issues N DIR`) and for benchmarks: with the
// sample, the archive holds n issues, numbered 1 to n, one a day, the
// newest dated the day before last. Issue 87 is the sample itself, on its
// printed date; every other issue is generated.
//
// The text is deterministic (each issue's words come from a generator
// seeded with its number) and sized like the sample: four articles of a
// few kilobytes, a metrics box, four tools and three readings.
func Synthetic(n int, last time.Time) map[string]string {
	files := map[string]string{}
	for num := 1; num <= n; num++ {
		if num == SampleIssue {
			continue
		}
		date := last.AddDate(0, 0, num-n)
		for name, body := range syntheticIssue(num, date) {
			files["issues/"+strconv.Itoa(num)+"/"+name] = body
		}
	}
	return files
}

var (
	synthSubjects = []string{"open-weight models", "small language models", "retrieval pipelines", "inference chips", "evaluation suites",
		"agent frameworks", "fine-tuning recipes", "model distillation", "synthetic data", "speech models", "vision transformers",
		"safety benchmarks", "quantisation", "mixture-of-experts", "long-context models", "robotics foundation models"}
	synthVerbs   = []string{"reshapes", "quietly rewrites", "challenges", "outpaces", "redefines", "complicates", "accelerates", "tests"}
	synthObjects = []string{"enterprise adoption", "the research agenda", "open-source communities", "cloud budgets", "regulators' plans",
		"the developer workflow", "academic labs", "hardware roadmaps", "the hiring market", "product teams"}
	synthWords = strings.Fields(`model models training data developers research benchmark inference latency accuracy deployment open source
		weights parameters tokens context evaluation dataset pipeline community release paper results performance hardware memory
		compute cost efficiency architecture attention layers fine-tuning specialised domain reasoning mathematics language vision
		speech safety alignment policy regulation industry startups enterprise labs engineers practitioners tooling library framework
		production latency throughput quality errors failure mode generalisation robustness reproducibility licence governance`)
	synthPlaces  = []string{"Manchester, United Kingdom", "London, United Kingdom", "Edinburgh, United Kingdom", "Cardiff, United Kingdom", "Belfast, United Kingdom", "Bristol, United Kingdom"}
	synthWeather = []string{"Cloudy", "Sunny", "Light rain", "Showers", "Overcast", "Fog", "Windy", "Clear"}
)

func syntheticIssue(num int, date time.Time) map[string]string {
	r := rand.New(rand.NewPCG(uint64(num), 0x6d6f726e696e67))
	pick := func(list []string) string { return list[r.IntN(len(list))] }
	sentence := func() string {
		n := 12 + r.IntN(14)
		words := make([]string, n)
		for i := range words {
			words[i] = pick(synthWords)
		}
		return capitalise(strings.Join(words, " ")) + "."
	}
	paragraph := func() string {
		n := 4 + r.IntN(3)
		ss := make([]string, n)
		for i := range ss {
			ss[i] = sentence()
		}
		return strings.Join(ss, " ")
	}
	body := func(paras int) string {
		ps := make([]string, paras)
		for i := range ps {
			ps[i] = paragraph()
		}
		return strings.Join(ps, "\n\n")
	}
	subjects := r.Perm(len(synthSubjects)) // a different subject per article, so slugs differ
	headline := func() string {
		s := synthSubjects[subjects[0]]
		subjects = subjects[1:]
		return capitalise(s + " " + pick(synthVerbs) + " " + pick(synthObjects))
	}
	q := strconv.Quote
	files := map[string]string{}
	var b strings.Builder
	fmt.Fprintf(&b, "---\ndate: %s\nplace: %s\nweather: %s\n", date.Format("2006-01-02"), pick(synthPlaces), q(strconv.Itoa(r.IntN(25)-3)+"°C "+pick(synthWeather)))
	fmt.Fprintf(&b, "metrics:\n  title: Metrics of the Day\n  rows:\n")
	for range 3 {
		fmt.Fprintf(&b, "    - label: %s\n      value: %s\n", q(capitalise(pick(synthWords))+" "+pick(synthWords)), q(strconv.Itoa(r.IntN(100))+"%"))
	}
	for _, l := range []struct{ key, title string }{{"tools", "Tools of the Week"}, {"reading", "Weekend Reading"}} {
		fmt.Fprintf(&b, "%s:\n  title: %s\n  items:\n", l.key, l.title)
		for i := range 3 + boolInt(l.key == "tools") {
			name := capitalise(pick(synthWords)) + " " + pick(synthWords)
			fmt.Fprintf(&b, "    - name: %s\n      description: %s\n      link: https://example.org/%d/%s/%d\n", q(name), q(sentence()), num, l.key, i+1)
		}
	}
	b.WriteString("---\n")
	files["issue.md"] = b.String()

	article := func(key, section, kicker, extra string, paras int) {
		files[key+".md"] = fmt.Sprintf("---\nsection: %s\ntitle: %s\nkicker: %s\n%stags: [%s, %s]\n---\n%s\n",
			section, q(headline()), q(kicker), extra, pick(synthWords), pick(synthWords), body(paras))
	}
	article("lead", "lead", "Lead Story", fmt.Sprintf("rating: %d/10\nstandfirst: %s\n", 1+r.IntN(10), q(sentence()+" "+sentence())), 4)
	article("deep-dive", "deep-dive", "Analysis", "pull_quote: "+q(sentence())+"\n", 5)
	article("editor", "opinion", "Editor's Column", "", 2)
	article("guest", "opinion", "Guest Column", "", 2)
	return files
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func capitalise(s string) string { return strings.ToUpper(s[:1]) + s[1:] }
