package resources

import (
	"maps"
	"testing"
)

func TestIndexWrites(t *testing.T) {
	spec := TableSpec{Indexes: []Index{
		{Name: "ALL", PartitionKey: Attribute{Name: "APK"}, SortKey: Attribute{Name: "ASK"}},
		{Name: "INC", PartitionKey: Attribute{Name: "APK"}, SortKey: Attribute{Name: "ISK"}, Include: []string{"x"}},
	}}
	base := map[string]any{"PK": "p", "SK": "s", "APK": "a", "ASK": "1", "ISK": "1", "x": 1.0, "y": "old"}
	with := func(change map[string]any, drop ...string) map[string]any {
		m := maps.Clone(base)
		maps.Copy(m, change)
		for _, d := range drop {
			delete(m, d)
		}
		return m
	}
	tests := []struct {
		name          string
		before, after map[string]any
		want          map[string]int
	}{
		{"new item", nil, base, map[string]int{"ALL": 1, "INC": 1}},
		{"deleted item", base, nil, map[string]int{"ALL": 1, "INC": 1}},
		{"nothing changes", base, with(nil), map[string]int{}},
		{"an attribute no index includes", base, with(map[string]any{"y": "new"}), map[string]int{"ALL": 1}},
		{"an included attribute", base, with(map[string]any{"x": 2.0}), map[string]int{"ALL": 1, "INC": 1}},
		{"a new attribute", base, with(map[string]any{"z": true}), map[string]int{"ALL": 1}},
		{"a removed included attribute", base, with(nil, "x"), map[string]int{"ALL": 1, "INC": 1}},
		{"one index's sort key", base, with(map[string]any{"ISK": "2"}), map[string]int{"ALL": 1, "INC": 2}},
		{"the shared partition key", base, with(map[string]any{"APK": "b"}), map[string]int{"ALL": 2, "INC": 2}},
		{"out of one index", base, with(nil, "ISK"), map[string]int{"ALL": 1, "INC": 1}},
		{"into one index", with(nil, "ISK"), base, map[string]int{"ALL": 1, "INC": 1}},
		{"in none", map[string]any{"PK": "p"}, map[string]any{"PK": "p", "y": 1}, map[string]int{}},
	}
	for _, tt := range tests {
		if got := spec.IndexWrites(tt.before, tt.after); !maps.Equal(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestProjectionsLeaveActivityOut holds the point of the projections: the
// attributes an activity event writes on every event are projected by no
// index.
func TestProjectionsLeaveActivityOut(t *testing.T) {
	for _, ix := range Table.Indexes {
		if len(ix.Include) == 0 {
			t.Errorf("%s projects every attribute", ix.Name)
		}
		for _, a := range []string{"lastActivityAt", "lastActivityMs", "updatedAt"} {
			for _, inc := range ix.Include {
				if inc == a {
					t.Errorf("%s projects %s", ix.Name, a)
				}
			}
		}
	}
}
