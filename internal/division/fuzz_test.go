package division

import (
	"slices"
	"testing"
)

func FuzzResolve(f *testing.F) {
	for _, s := range benchAddresses {
		f.Add(s)
	}
	for _, s := range []string{
		"", "古塘", "凤凰路", "冷水滩区梅湾街道凤凰街道", "古塘村古塘社区",
		"永州市道县", "中山市场", "零陵区冷水滩区", "\xff冷水滩区\xfe梅湾街道",
	} {
		f.Add(s)
	}
	d := district(f)
	f.Fuzz(func(t *testing.T, address string) {
		r := d.Resolve(address)
		switch r.Assignment {
		case AssignedByTownship, AssignedByPlace:
			if _, ok := d.Township(r.TownshipCode); !ok {
				t.Fatalf("Resolve(%q) assigned unknown township %q", address, r.TownshipCode)
			}
			if r.Reason != ReasonNone {
				t.Fatalf("Resolve(%q) assigned with reason %q", address, r.Reason)
			}
			if !slices.Equal(r.Candidates, []string{r.TownshipCode}) {
				t.Fatalf("Resolve(%q) assigned %s with candidates %v", address, r.TownshipCode, r.Candidates)
			}
		case Unassigned:
			if r.TownshipCode != "" {
				t.Fatalf("Resolve(%q) unassigned with township %q", address, r.TownshipCode)
			}
			switch r.Reason {
			case ReasonAmbiguous:
				if len(r.Candidates) < 2 || !slices.IsSorted(r.Candidates) || len(slices.Compact(slices.Clone(r.Candidates))) != len(r.Candidates) {
					t.Fatalf("Resolve(%q) ambiguous with candidates %v", address, r.Candidates)
				}
				for _, c := range r.Candidates {
					if _, ok := d.Township(c); !ok {
						t.Fatalf("Resolve(%q) candidate %q is not a township", address, c)
					}
				}
			case ReasonNoMatch, ReasonOutsideDistrict:
				if r.Candidates != nil {
					t.Fatalf("Resolve(%q) %s with candidates %v", address, r.Reason, r.Candidates)
				}
			default:
				t.Fatalf("Resolve(%q) unassigned with reason %q", address, r.Reason)
			}
		default:
			t.Fatalf("Resolve(%q) assignment %q", address, r.Assignment)
		}
		// Resolving is a function of the normalised address.
		if again := d.Resolve(Normalize(address)); !sameResolution(again, r) {
			t.Fatalf("Resolve(%q) = %+v but Resolve(Normalize) = %+v", address, r, again)
		}
	})
}

// sameResolution reports whether a and b are equal.
func sameResolution(a, b Resolution) bool {
	return a.TownshipCode == b.TownshipCode && a.Assignment == b.Assignment &&
		a.Reason == b.Reason && slices.Equal(a.Candidates, b.Candidates)
}
