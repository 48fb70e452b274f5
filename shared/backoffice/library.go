package backoffice

import (
	"slices"
	"strings"
)

// SortCollections puts a program's collections in their order: by
// position, then by id.
func SortCollections(cs []Collection) {
	slices.SortStableFunc(cs, func(a, b Collection) int {
		if a.Position != b.Position {
			return a.Position - b.Position
		}
		return strings.Compare(a.ID, b.ID)
	})
}

// ItemCounts is how many learners of a program are enrolled in one
// catalogue item now, and how many ever completed it. The enrollment and
// activity writes keep them, in the same transactions.
type ItemCounts struct {
	Enrolled  int `json:"enrolled" dynamodbav:"enrolled"`
	Completed int `json:"completed" dynamodbav:"completed"`
}
