package strategy

import (
	"fmt"
	"slices"
	"time"

	"github.com/fugai/fugai/internal/apperr"
)

// Candidate is an enterprise that may join a joint branch (联合党支部):
// in scope, in a township, with 1 to StandaloneMin-1 full members.
type Candidate struct {
	ID          int64
	Township    string
	FullMembers int
	// Grouped is set when the enterprise is in a confirmed group already.
	Grouped bool
	// Method is its plan's method (an override may have taken it out of
	// joint formation).
	Method Method
	// Organised is set when a registered organisation covers it already.
	Organised bool
}

// Group is a proposed or confirmed joint group.
type Group struct {
	Township    string
	Enterprises []int64
	FullMembers int
}

// SuggestGroups proposes joint groups for one township's candidates: all of
// those not yet grouped and still planned as joint, when they are at least
// JointMinEnterprises with JointMinTotal full members together; more than
// max of them are split into groups of at most max, each with at least
// JointMinTotal full members, covering as many enterprises as it can.
func SuggestGroups(cands []Candidate, max int) []Group {
	var free []Candidate
	for _, c := range cands {
		if !c.Grouped && !c.Organised && c.Method == Joint && c.Township != "" && c.FullMembers >= 1 && c.FullMembers < StandaloneMin {
			free = append(free, c)
		}
	}
	if len(free) < JointMinEnterprises || max < JointMinEnterprises {
		return nil
	}
	total := 0
	for _, c := range free {
		total += c.FullMembers
	}
	if total < JointMinTotal {
		return nil
	}
	// Two-member enterprises first, so that they spread over the groups:
	// a small group needs one to reach three members.
	slices.SortFunc(free, func(a, b Candidate) int {
		if a.FullMembers != b.FullMembers {
			return b.FullMembers - a.FullMembers
		}
		return int(a.ID - b.ID)
	})
	k := (len(free) + max - 1) / max
	groups := make([][]Candidate, k)
	for i, c := range free {
		groups[i%k] = append(groups[i%k], c)
	}
	// A group short of members gives its enterprises to groups with room;
	// what finds no room stays ungrouped.
	var ok [][]Candidate
	var short []Candidate
	for _, g := range groups {
		if members(g) >= JointMinTotal && len(g) >= JointMinEnterprises {
			ok = append(ok, g)
		} else {
			short = append(short, g...)
		}
	}
	for _, c := range short {
		for i := range ok {
			if len(ok[i]) < max {
				ok[i] = append(ok[i], c)
				break
			}
		}
	}
	out := make([]Group, 0, len(ok))
	for _, g := range ok {
		grp := Group{Township: g[0].Township, FullMembers: members(g)}
		for _, c := range g {
			grp.Enterprises = append(grp.Enterprises, c.ID)
		}
		slices.Sort(grp.Enterprises)
		out = append(out, grp)
	}
	slices.SortFunc(out, func(a, b Group) int { return int(a.Enterprises[0] - b.Enterprises[0]) })
	return out
}

func members(g []Candidate) int {
	n := 0
	for _, c := range g {
		n += c.FullMembers
	}
	return n
}

// CheckGroup validates a group to be confirmed: its enterprises (looked up
// by the caller; a missing one is absent from found) must all be joint
// candidates of the township, none in another group, planned as joint,
// at least JointMinEnterprises of them with JointMinTotal full members.
func CheckGroup(township string, ids []int64, found map[int64]Candidate) (Group, error) {
	p := apperr.Problems{}
	if township == "" {
		p.Add("township_code", "须指定街道/乡镇")
	}
	seen := map[int64]bool{}
	g := Group{Township: township}
	for _, id := range ids {
		if seen[id] {
			p.Add("enterprise_ids", fmt.Sprintf("企业 %d 重复出现", id))
			continue
		}
		seen[id] = true
		c, ok := found[id]
		switch {
		case !ok:
			p.Add("enterprise_ids", fmt.Sprintf("企业 %d 不存在或不在本辖区", id))
		case c.Township != township:
			p.Add("enterprise_ids", fmt.Sprintf("企业 %d 不属于该街道/乡镇", id))
		case c.FullMembers < 1 || c.FullMembers >= StandaloneMin:
			p.Add("enterprise_ids", fmt.Sprintf("企业 %d 有正式党员%d名，只有正式党员1至%d名的企业才能联合组建", id, c.FullMembers, StandaloneMin-1))
		case c.Grouped:
			p.Add("enterprise_ids", fmt.Sprintf("企业 %d 已在另一个联合组建小组中", id))
		case c.Organised:
			p.Add("enterprise_ids", fmt.Sprintf("企业 %d 已登记党组织，不能再编入联合组建小组", id))
		case c.Method != Joint:
			p.Add("enterprise_ids", fmt.Sprintf("企业 %d 的对策已改为%s，不能联合组建", id, c.Method.Label()))
		}
		g.Enterprises = append(g.Enterprises, id)
		g.FullMembers += c.FullMembers
	}
	if len(p) == 0 {
		switch {
		case len(g.Enterprises) < JointMinEnterprises:
			p.Add("enterprise_ids", fmt.Sprintf("联合组建至少需要%d家企业", JointMinEnterprises))
		case g.FullMembers < JointMinTotal:
			p.Add("enterprise_ids", fmt.Sprintf("这些企业共有正式党员%d名，联合组建至少需要%d名", g.FullMembers, JointMinTotal))
		}
	}
	if err := p.Err(); err != nil {
		return Group{}, err
	}
	slices.Sort(g.Enterprises)
	return g, nil
}

// JointGroup is a confirmed joint group.
type JointGroup struct {
	ID int64
	Group
	CreatedAt   time.Time
	CreatedBy   string
	DissolvedAt *time.Time
	DissolvedBy string
}
