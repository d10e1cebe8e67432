//go:build ignore

// geniconpng draws page/static/icon.png, the 512×512 feed icon: a masthead-style
// "AI" monogram in paper white on a near-black square, between double rules.
// Run it with go generate after changing the drawing; the PNG is committed.
package main

import (
	"image"
	"image/color"
	"image/png"
	"log"
	"os"
)

type pt struct{ x, y float64 }

type poly []pt

// contains reports whether p is inside the polygon (even-odd rule).
func (pg poly) contains(p pt) bool {
	in := false
	for i, j := 0, len(pg)-1; i < len(pg); j, i = i, i+1 {
		a, b := pg[i], pg[j]
		if (a.y > p.y) != (b.y > p.y) && p.x < (b.x-a.x)*(p.y-a.y)/(b.y-a.y)+a.x {
			in = !in
		}
	}
	return in
}

func rect(x0, y0, x1, y1 float64) poly { return poly{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}} }

func main() {
	const size, top, base = 512, 140.0, 372.0
	shapes := []poly{
		// Double rules above and below, as under a newspaper's nameplate.
		rect(64, 84, 448, 94), rect(64, 102, 448, 106),
		rect(64, 406, 448, 410), rect(64, 418, 448, 428),
		// A: a thin left stroke, a thick right stroke, a crossbar, serifs.
		{{194, top}, {206, top}, {140, base}, {126, base}},
		{{190, top}, {224, top}, {304, base}, {262, base}},
		rect(156, 286, 276, 300),
		rect(104, base-10, 162, base), rect(240, base-10, 322, base),
		rect(180, top, 224, top+8),
		// I: a thick stem with bracketed serifs.
		rect(352, top, 390, base),
		rect(332, top, 410, top+10), rect(332, base-10, 410, base),
	}
	ink := color.RGBA{0x14, 0x14, 0x16, 0xff}
	paper := color.RGBA{0xfb, 0xf8, 0xf1, 0xff}
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	const ss = 4 // subsamples per axis, for smooth edges
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			hits := 0
			for sy := 0; sy < ss; sy++ {
				for sx := 0; sx < ss; sx++ {
					p := pt{float64(x) + (float64(sx)+0.5)/ss, float64(y) + (float64(sy)+0.5)/ss}
					for _, s := range shapes {
						if s.contains(p) {
							hits++
							break
						}
					}
				}
			}
			f := float64(hits) / (ss * ss)
			mix := func(a, b uint8) uint8 { return uint8(float64(a)*(1-f) + float64(b)*f + 0.5) }
			img.SetRGBA(x, y, color.RGBA{mix(ink.R, paper.R), mix(ink.G, paper.G), mix(ink.B, paper.B), 0xff})
		}
	}
	out, err := os.Create("page/static/icon.png")
	if err != nil {
		log.Fatal(err)
	}
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(out, img); err != nil {
		log.Fatal(err)
	}
	if err := out.Close(); err != nil {
		log.Fatal(err)
	}
}
