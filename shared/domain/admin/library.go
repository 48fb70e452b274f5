package admin

import (
	"context"
	"reflect"
	"strings"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

// fromLibrary returns the item a NewItem asks for: the course library's
// item when it names a libraryId (which must then be all it names besides
// the position), its own fields otherwise. It returns EINVALID for an id
// the library lacks or a request naming both.
func (s *Service) fromLibrary(ctx context.Context, in NewItem) (bo.CatalogItem, error) {
	id := strings.TrimSpace(in.LibraryID)
	if id == "" {
		return in.CatalogItem, nil
	}
	if !reflect.ValueOf(in.CatalogItem).IsZero() {
		return bo.CatalogItem{}, bo.Invalid("give a libraryId or the item's fields, not both",
			bo.FieldError{Field: "libraryId", Message: "give a libraryId or the item's fields (id, type, name, slug), not both"})
	}
	it, err := s.store.GetLibraryItem(ctx, id)
	if bo.ErrorCode(err) == bo.ENOTFOUND {
		return bo.CatalogItem{}, bo.Invalid("no item "+id+" in the course library",
			bo.FieldError{Field: "libraryId", Message: "no such item in the course library: search it for the id"})
	}
	return it, err
}

// CountedItem is a catalogue item with its program's counts.
type CountedItem struct {
	bo.CatalogItem
	bo.ItemCounts
}

// CountedCollection is a collection whose items carry their counts.
type CountedCollection struct {
	bo.Collection
	Items []CountedItem `json:"items"`
}

// Catalog returns the program's catalogue, collections in order, each item
// with how many learners of the program are enrolled in it now and how
// many completed it, to admins of the program. It returns EFORBIDDEN for
// someone who is no admin of the org and ENOTFOUND for a program the
// caller does not administer.
func (s *Service) Catalog(ctx context.Context, caller bo.Caller, orgID, programID string) ([]CountedCollection, error) {
	cs, err := s.ListCollections(ctx, caller, orgID, programID)
	if err != nil {
		return nil, err
	}
	counts, err := s.store.ItemCounts(ctx, programID)
	if err != nil {
		return nil, err
	}
	return WithCounts(cs, counts), nil
}

// WithCounts returns the collections with each item's counts (zero for an
// item without any).
func WithCounts(cs []bo.Collection, counts map[string]bo.ItemCounts) []CountedCollection {
	out := make([]CountedCollection, len(cs))
	for i, c := range cs {
		items := make([]CountedItem, len(c.Items))
		for j, it := range c.Items {
			items[j] = CountedItem{CatalogItem: it, ItemCounts: counts[it.ID]}
		}
		out[i] = CountedCollection{Collection: c, Items: items}
	}
	return out
}
