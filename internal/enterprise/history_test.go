package enterprise

import (
	"encoding/json"
	"testing"
)

// Defaulted tells the values every new ledger starts with from values
// someone entered, whatever the JSON's spacing.
func TestDefaulted(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		field string
		value string
		want  bool
	}{
		{"no employees", "employees", "0", true},
		{"no full members, spaced", "full_members", " 0 ", true},
		{"no probationary members", "probationary_members", "0", true},
		{"not above scale", "above_scale", "false", true},
		{"employees entered", "employees", "12", false},
		{"above scale entered", "above_scale", "true", false},
		{"a field Init leaves unset", "union", "false", false},
		{"a registration field", "name", `"企业"`, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Defaulted(Change{Field: c.field, New: json.RawMessage(c.value)}); got != c.want {
				t.Errorf("Defaulted(%s = %s) = %v, want %v", c.field, c.value, got, c.want)
			}
		})
	}
}
