package schemagen

import (
	"encoding/json"
	"math/big"
)

// Numbers are computed exactly, on big.Rat made from the schema's decimal
// literals, so that multipleOf 0.1 gives 0.3 and never 0.30000000000000004.

// span is how many steps above the lower bound (or below the upper one) an
// open range is given.
const span = 100

// number builds a number (integer: an integer) within r's bounds, a multiple of
// r's multipleOf.
func (g *gen) number(r *object, integer bool, st state) any {
	lo, loEx := bound(r, "minimum", "exclusiveMinimum", 1)
	hi, hiEx := bound(r, "maximum", "exclusiveMaximum", -1)
	h := g.rand(st, 5)

	var step *big.Rat
	if m, ok := ratOf(r.vals["multipleOf"]); ok && m.Sign() > 0 {
		step = m
	}
	switch {
	case integer && step == nil:
		step = big.NewRat(1, 1)
	case integer:
		// The multiples of p/q (lowest terms) that are integers are the
		// multiples of p.
		step = new(big.Rat).SetInt(step.Num())
	case step == nil && h&1 == 1:
		step = big.NewRat(1, 2)
	case step == nil:
		step = big.NewRat(1, 1)
	}

	if k, ok := pickMultiple(lo, loEx, hi, hiEx, step, h>>1); ok {
		return json.Number(decimal(new(big.Rat).Mul(new(big.Rat).SetInt(k), step)))
	}
	if !integer && r.vals["multipleOf"] == nil && lo != nil && hi != nil {
		// No multiple of the step fits: the middle of the range does.
		mid := new(big.Rat).Add(lo, hi)
		return json.Number(decimal(mid.Quo(mid, big.NewRat(2, 1))))
	}
	// Nothing fits (an empty range): the lower bound, as the best effort.
	if lo != nil {
		return json.Number(decimal(lo))
	}
	if hi != nil {
		return json.Number(decimal(hi))
	}
	return json.Number("0")
}

// bound reads a lower (sign 1) or upper (sign -1) bound: the inclusive
// keyword, the exclusive one (a number, or draft 4's boolean), whichever is
// tighter. exclusive reports whether the bound itself is excluded.
func bound(r *object, incl, excl string, sign int) (b *big.Rat, exclusive bool) {
	b, _ = ratOf(r.vals[incl])
	switch e := r.vals[excl].(type) {
	case bool:
		return b, e && b != nil
	case json.Number:
		x, ok := ratOf(e)
		if ok && (b == nil || x.Cmp(b)*sign >= 0) {
			return x, true
		}
	}
	return b, false
}

// pickMultiple picks k such that k*step lies in the range: near 0 when the
// range holds 0, else near the bound. ok is false when no multiple fits.
func pickMultiple(lo *big.Rat, loEx bool, hi *big.Rat, hiEx bool, step *big.Rat, h uint64) (*big.Int, bool) {
	var kmin, kmax *big.Int
	if lo != nil {
		kmin = ceilDiv(lo, step)
		if loEx && equalsMultiple(kmin, step, lo) {
			kmin.Add(kmin, big.NewInt(1))
		}
	}
	if hi != nil {
		kmax = floorDiv(hi, step)
		if hiEx && equalsMultiple(kmax, step, hi) {
			kmax.Sub(kmax, big.NewInt(1))
		}
	}
	zero := new(big.Int)
	s := big.NewInt(span)
	switch {
	case kmin == nil && kmax == nil:
		kmin, kmax = zero, s
	case kmax == nil:
		kmax = new(big.Int).Add(max0(kmin), s)
	case kmin == nil:
		kmin = new(big.Int).Sub(min0(kmax), s)
	}
	if kmin.Cmp(kmax) > 0 {
		return nil, false
	}
	// Narrow to at most span+1 choices, around 0 when the range holds it.
	from, to := kmin, kmax
	switch {
	case kmin.Sign() <= 0 && kmax.Sign() >= 0:
		from, to = zero, new(big.Int).Set(kmax)
		if to.Cmp(s) > 0 {
			to = s
		}
	case kmin.Sign() > 0:
		if lim := new(big.Int).Add(kmin, s); to.Cmp(lim) > 0 {
			to = lim
		}
	default:
		if lim := new(big.Int).Sub(kmax, s); from.Cmp(lim) < 0 {
			from = lim
		}
	}
	n := new(big.Int).Sub(to, from)
	n.Add(n, big.NewInt(1))
	off := new(big.Int).Mod(new(big.Int).SetUint64(h), n)
	return off.Add(off, from), true
}

func max0(x *big.Int) *big.Int {
	if x.Sign() < 0 {
		return new(big.Int)
	}
	return x
}

func min0(x *big.Int) *big.Int {
	if x.Sign() > 0 {
		return new(big.Int)
	}
	return x
}

// ceilDiv and floorDiv are ⌈a/b⌉ and ⌊a/b⌋ for b > 0.
func ceilDiv(a, b *big.Rat) *big.Int {
	f := floorDiv(a, b)
	if !new(big.Rat).Quo(a, b).IsInt() {
		f.Add(f, big.NewInt(1))
	}
	return f
}

func floorDiv(a, b *big.Rat) *big.Int {
	q := new(big.Rat).Quo(a, b)
	f := new(big.Int).Div(q.Num(), q.Denom()) // Euclidean: floors for a positive denominator
	return f
}

func equalsMultiple(k *big.Int, step, x *big.Rat) bool {
	return new(big.Rat).Mul(new(big.Rat).SetInt(k), step).Cmp(x) == 0
}

// decimal writes r exactly as a JSON number. Every value the generator makes
// comes from decimal literals, so a finite expansion exists; past 60 digits it
// is cut (never reached in practice).
func decimal(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	ten := big.NewInt(10)
	scaled := new(big.Rat).Set(r)
	for d := 1; d <= 60; d++ {
		scaled.Mul(scaled, new(big.Rat).SetInt(ten))
		if scaled.IsInt() {
			return r.FloatString(d)
		}
	}
	return r.FloatString(60)
}
