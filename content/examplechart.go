package content

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
)

// ExampleChart is a PNG of w×h pixels: a bar chart in the newsletter's
// ink on paper, for trying pictures out (tests, a generated example
// issue). The same size gives the same bytes.
func ExampleChart(w, h int) []byte {
	img := image.NewPaletted(image.Rect(0, 0, w, h), color.Palette{
		color.RGBA{0xfa, 0xf7, 0xf0, 0xff}, // paper
		color.RGBA{0x1a, 0x1a, 0x1a, 0xff}, // ink
		color.RGBA{0xb3, 0x1b, 0x1b, 0xff}, // red
	})
	bars := []int{3, 5, 4, 7, 6, 9, 8}
	bw := max(w/(2*len(bars)+1), 1)
	for i, v := range bars {
		x0 := bw * (2*i + 1)
		top := h - h*v/10
		for y := top; y < h-1; y++ {
			for x := x0; x < min(x0+bw, w); x++ {
				c := uint8(1)
				if i == len(bars)-2 {
					c = 2
				}
				img.SetColorIndex(x, y, c)
			}
		}
	}
	for x := range w { // the axis
		img.SetColorIndex(x, h-1, 1)
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img) // writing to memory cannot fail
	return b.Bytes()
}
