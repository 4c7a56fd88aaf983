package division

import "slices"

// Assignment says how an enterprise's township was decided.
type Assignment string

// Ways a township is assigned. Resolve returns the first two or Unassigned;
// AssignedManually is set by staff and never overwritten by an import.
const (
	// AssignedByTownship: the registered address names exactly one street
	// or township of the district.
	AssignedByTownship Assignment = "address_township"
	// AssignedByPlace: the address names no township, but its villages or
	// communities all belong to one township.
	AssignedByPlace Assignment = "address_place"
	// AssignedManually: staff chose the township by hand.
	AssignedManually Assignment = "manual"
	// Unassigned: no township; Resolution.Reason says why.
	Unassigned Assignment = "none"
)

// Reason says why an address was left unassigned.
type Reason string

// Reasons an address is unassigned.
const (
	// ReasonNone: the address was assigned.
	ReasonNone Reason = ""
	// ReasonAmbiguous: the address names two or more townships, or places
	// in two or more townships.
	ReasonAmbiguous Reason = "ambiguous"
	// ReasonNoMatch: the address names no township, village or community
	// of the district.
	ReasonNoMatch Reason = "no_match"
	// ReasonOutsideDistrict: the address names another county-level
	// division and not this district.
	ReasonOutsideDistrict Reason = "outside_district"
)

// Resolution is the township Resolve found for an address.
type Resolution struct {
	// TownshipCode is the 9-digit township code, "" when unassigned.
	TownshipCode string
	// Assignment is AssignedByTownship, AssignedByPlace or Unassigned.
	Assignment Assignment
	// Reason is set when unassigned, ReasonNone otherwise.
	Reason Reason
	// Candidates are the codes of the townships that matched, sorted: the
	// assigned one, or all of them when ambiguous; nil for no_match and
	// outside_district.
	Candidates []string
}

// Resolve assigns a registered address to a street or township of d
// (按注册地原则). The address is normalised first (NFKC, all spaces
// removed). Then:
//
//  1. An address that names another county-level division (零陵区, 东安县,
//     祁阳市, …) and not d is outside the district, whatever else it names.
//  2. Township names decide: the full official names with their suffix
//     (梅湾街道, 花桥街镇, 杨村甸乡). One township named → AssignedByTownship;
//     two or more → ambiguous.
//  3. Otherwise village and community names decide, as addresses write them
//     (坪塘村, 三多亭社区): places all in one township → AssignedByPlace;
//     places in two or more townships → ambiguous. A place name found in
//     two townships is ambiguous on its own.
//  4. Nothing named → no_match. A name without its suffix (古塘, 凤凰路)
//     names nothing.
//
// Names are found by leftmost-longest matching, so 古塘社区 is not also a
// bare 古塘 and a longer name wins over a shorter one inside it. Resolve is
// safe for concurrent use.
func (d *District) Resolve(address string) Resolution {
	s := Normalize(address)
	if d.outside(s) {
		return Resolution{Assignment: Unassigned, Reason: ReasonOutsideDistrict}
	}
	if r, ok := d.decide(s, d.towns, AssignedByTownship); ok {
		return r
	}
	if r, ok := d.decide(s, d.places, AssignedByPlace); ok {
		return r
	}
	return Resolution{Assignment: Unassigned, Reason: ReasonNoMatch}
}

// outside reports whether the normalised address s names another
// county-level division and not d.
func (d *District) outside(s string) bool {
	other := false
	for i := 0; ; {
		id, end, ok := d.counties.next(s, i)
		if !ok {
			return other
		}
		switch id {
		case countyOwn:
			return false
		case countyOther:
			other = true
		}
		i = end
	}
}

// decide finds the names of one level in the normalised address s and
// resolves by the townships they belong to; ok is false when none is named.
func (d *District) decide(s string, level names, how Assignment) (Resolution, bool) {
	// Most addresses name one or two townships; the buffer keeps them off
	// the heap.
	var buf [8]int
	found := buf[:0]
	for i := 0; ; {
		id, end, more := level.m.next(s, i)
		if !more {
			break
		}
		for _, t := range level.towns[id] {
			if !slices.Contains(found, t) {
				found = append(found, t)
			}
		}
		i = end
	}
	if len(found) == 0 {
		return Resolution{}, false
	}
	slices.Sort(found) // townships are sorted by code, so indices sort codes
	codes := make([]string, len(found))
	for k, t := range found {
		codes[k] = d.codes[t]
	}
	if len(codes) == 1 {
		return Resolution{TownshipCode: codes[0], Assignment: how, Candidates: codes}, true
	}
	return Resolution{Assignment: Unassigned, Reason: ReasonAmbiguous, Candidates: codes}, true
}
