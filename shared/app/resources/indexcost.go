package resources

import (
	"reflect"
	"slices"
)

// IndexWrites returns how many writes one write of an item costs each index
// of the table (by index name; indexes that cost nothing are left out), as
// DynamoDB counts them: a write that puts the item into an index, or takes
// it out, costs that index one write; one that changes the index's keys
// costs two (the old entry deleted, the new one put); one that changes an
// attribute the index projects (every attribute, unless the index
// includes only some) costs one; anything else costs none. An item is in an
// index when it has the index's keys. before is nil for a new item, after
// nil for a deleted one; attribute values are compared deeply. It returns
// no error.
func (t TableSpec) IndexWrites(before, after map[string]any) map[string]int {
	out := map[string]int{}
	for _, ix := range t.Indexes {
		if n := ix.writes(before, after); n > 0 {
			out[ix.Name] = n
		}
	}
	return out
}

// writes is IndexWrites for one index.
func (ix Index) writes(before, after map[string]any) int {
	in := func(item map[string]any) bool {
		if _, ok := item[ix.PartitionKey.Name]; !ok {
			return false
		}
		if ix.SortKey.Name == "" {
			return true
		}
		_, ok := item[ix.SortKey.Name]
		return ok
	}
	changed := func(name string) bool { return !reflect.DeepEqual(before[name], after[name]) }
	switch wasIn, isIn := in(before), in(after); {
	case !wasIn && !isIn:
		return 0
	case wasIn != isIn:
		return 1
	case changed(ix.PartitionKey.Name) || (ix.SortKey.Name != "" && changed(ix.SortKey.Name)):
		return 2
	}
	if len(ix.Include) == 0 {
		for name := range before {
			if changed(name) {
				return 1
			}
		}
		for name := range after {
			if changed(name) {
				return 1
			}
		}
		return 0
	}
	if slices.ContainsFunc(ix.Include, changed) {
		return 1
	}
	return 0
}
