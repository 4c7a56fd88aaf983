package main

import "math/bits"

// codeAlphabet is the character set of the unified social credit code
// (统一社会信用代码, GB 32100-2015): digits and upper-case letters without
// I, O, S, V and Z. A character's value is its index.
const codeAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// codeWeights are the GB 32100-2015 weights 3^(i-1) mod 31 of the first 17
// characters.
var codeWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// orgSpace is the number of 9-character organisation parts, 31^9.
const orgSpace = 26439622160671

// codeValue returns the value of c in codeAlphabet, or -1.
func codeValue(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'Z':
		for i := 10; i < len(codeAlphabet); i++ {
			if codeAlphabet[i] == c {
				return i
			}
		}
	}
	return -1
}

// checkChar returns the check character for the 17-character body of a
// credit code: (31 - Σ value·weight mod 31) mod 31. The body must be valid.
func checkChar(body []byte) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += codeValue(body[i]) * codeWeights[i]
	}
	return codeAlphabet[(31-sum%31)%31]
}

// wellFormed reports whether code has 18 characters from codeAlphabet,
// whatever its check character.
func wellFormed(code string) bool {
	if len(code) != 18 {
		return false
	}
	for i := 0; i < len(code); i++ {
		if codeValue(code[i]) < 0 {
			return false
		}
	}
	return true
}

// checkOK reports whether a well-formed code carries the right check
// character.
func checkOK(code string) bool {
	return wellFormed(code) && checkChar([]byte(code[:17])) == code[17]
}

// codePermutation maps row indexes to distinct organisation parts (positions
// 9 to 17 of the code), so codes are unique without remembering them. It is a
// bijection of [0, 31^9): an affine map i·mul + add (mul coprime to 31), then
// two rounds that add to each base-31 digit a keyed hash of the other eight,
// which spreads neighbouring indexes over unrelated-looking codes.
type codePermutation struct {
	mul, add, key uint64
}

// newCodePermutation derives the permutation from the seed.
func newCodePermutation(seed uint64) codePermutation {
	mul := mix(seed^0x6a09e667f3bcc908) % orgSpace
	if mul%31 == 0 {
		mul++
	}
	return codePermutation{
		mul: mul,
		add: mix(seed^0xbb67ae8584caa73b) % orgSpace,
		key: mix(seed ^ 0x510e527fade682d1),
	}
}

// org returns the 9 base-31 digits of index i's organisation part.
func (p codePermutation) org(i uint64) [9]uint64 {
	hi, lo := bits.Mul64(i, p.mul)
	x := (bits.Rem64(hi, lo, orgSpace) + p.add) % orgSpace
	var d [9]uint64
	for k := range d {
		d[k] = x % 31
		x /= 31
	}
	// Each step changes one digit by an amount that depends only on the
	// others, so it can be undone: the whole map stays a bijection.
	for round := uint64(0); round < 2; round++ {
		for k := range d {
			var rest uint64
			for j := range d {
				if j != k {
					rest = rest*31 + d[j]
				}
			}
			d[k] = (d[k] + mix(p.key^rest<<8^round<<4^uint64(k))%31) % 31
		}
	}
	return d
}

// body writes the 17-character body of row i's code into dst: "9", "1"
// (enterprise), the 6-digit area code of the registration authority, and the
// organisation part.
func (p codePermutation) body(dst *[18]byte, area string, i uint64) {
	dst[0], dst[1] = '9', '1'
	copy(dst[2:8], area)
	for k, v := range p.org(i) {
		dst[8+k] = codeAlphabet[v]
	}
}

// mix is the splitmix64 finaliser: a cheap, well-spread hash of x.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}
