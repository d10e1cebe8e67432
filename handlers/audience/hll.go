package audience

import (
	"math"
	"math/bits"
)

// sketch is a HyperLogLog (Flajolet et al., 2007) of 2^sketchBits
// one-byte registers: the distinct count of any number of 64-bit hashes
// in 4 KiB, within about 1.6% (one standard error). It counts the
// readers of a day beyond the exact set's bound, so a flood of distinct
// addresses costs bounded memory.
type sketch [1 << sketchBits]uint8

const sketchBits = 12

// add records a hash; the hashes must be uniformly distributed.
func (s *sketch) add(h uint64) {
	i := h >> (64 - sketchBits)
	w := h<<sketchBits | 1<<(sketchBits-1) // a guard bit bounds the rank
	if r := uint8(bits.LeadingZeros64(w) + 1); r > s[i] {
		s[i] = r
	}
}

// count estimates how many distinct hashes were added, with linear
// counting while registers are empty (small counts).
func (s *sketch) count() int64 {
	const m = float64(len(s))
	sum, zeros := 0.0, 0
	for _, r := range s {
		sum += math.Ldexp(1, -int(r))
		if r == 0 {
			zeros++
		}
	}
	e := 0.7213 / (1 + 1.079/m) * m * m / sum
	if e <= 2.5*m && zeros > 0 {
		e = m * math.Log(m/float64(zeros))
	}
	return int64(math.Round(e))
}
