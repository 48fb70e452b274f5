package admin

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/audit"
)

// NewCollection is a request to create a collection, optionally with its
// first items, at Position (at the end when nil).
type NewCollection struct {
	Name        string           `json:"name"`
	Description string           `json:"description"`
	Position    *int             `json:"position"`
	Items       []bo.CatalogItem `json:"items"`
}

// CollectionChange is a partial update of a collection: rename, describe or
// move it to another position among the program's collections.
type CollectionChange struct {
	Name        *string `json:"name"`
	Description *string `json:"description"`
	Position    *int    `json:"position"`
}

// NewItem is a request to add a catalogue item to a collection at Position
// (at the end when nil): the item of the course library named by
// LibraryID, or the item's own fields.
type NewItem struct {
	bo.CatalogItem
	LibraryID string `json:"libraryId"`
	Position  *int   `json:"position"`
}

// ItemPlacement says where an item goes when it is moved or copied: the target
// collection (the same one when empty, for a move) and the position in it (at
// the end when nil).
type ItemPlacement struct {
	CollectionID string `json:"collectionId"`
	Position     *int   `json:"position"`
}

// checkPosition records an error unless p is nil or within 0..n.
func checkPosition(v *bo.Validation, field string, p *int, n int) {
	if p != nil {
		v.Check(*p >= 0 && *p <= n, field, "must be between 0 and %d", n)
	}
}

// insertAt returns s with x inserted at position p (at the end when nil).
func insertAt[T any](s []T, p *int, x T) []T {
	if p == nil || *p >= len(s) {
		return append(s, x)
	}
	return slices.Insert(s, *p, x)
}

// sortedCollections returns the program's collections in order, each with
// its Position set to its index.
func (s *Service) sortedCollections(ctx context.Context, programID string) ([]bo.Collection, error) {
	cs, err := s.store.ListCollections(ctx, programID)
	if err != nil {
		return nil, err
	}
	bo.SortCollections(cs)
	for i := range cs {
		cs[i].Position = i
	}
	return cs, nil
}

// renumbered sets each collection's Position to its index and returns those
// whose stored position changed (with their versions bumped), plus extra.
func (s *Service) renumbered(before map[string]int, cs []bo.Collection, extra string) []bo.Collection {
	now := s.Now()
	var changed []bo.Collection
	for i := range cs {
		old, existed := before[cs[i].ID]
		cs[i].Position = i
		if existed && old == i && cs[i].ID != extra {
			continue
		}
		if existed {
			cs[i].Version++
		}
		cs[i].UpdatedAt = now
		changed = append(changed, cs[i])
	}
	return changed
}

func positions(cs []bo.Collection) map[string]int {
	m := make(map[string]int, len(cs))
	for _, c := range cs {
		m[c.ID] = c.Position
	}
	return m
}

// ListCollections returns the program's catalogue, collections in order, to
// admins of the program.
func (s *Service) ListCollections(ctx context.Context, caller bo.Caller, orgID, programID string) ([]bo.Collection, error) {
	if _, err := s.requireProgramAdmin(ctx, caller, orgID, programID); err != nil {
		return nil, err
	}
	return s.sortedCollections(ctx, programID)
}

// CreateCollection adds a collection to the program's catalogue. It returns
// EINVALID for bad input, ELIMIT past MaxCollections, and ECONFLICT when
// another write changed the catalogue at the same time.
func (s *Service) CreateCollection(ctx context.Context, caller bo.Caller, orgID, programID string, in NewCollection) (bo.Collection, error) {
	if _, err := s.requireProgramAdmin(ctx, caller, orgID, programID); err != nil {
		return bo.Collection{}, err
	}
	cs, err := s.sortedCollections(ctx, programID)
	if err != nil {
		return bo.Collection{}, err
	}
	var v bo.Validation
	bo.CheckName(&v, "name", in.Name)
	v.Check(utf8.RuneCountInString(in.Description) <= maxTextLength, "description", "must be at most %d characters", maxTextLength)
	bo.CheckText(&v, "description", in.Description, true)
	checkPosition(&v, "position", in.Position, len(cs))
	v.Check(len(in.Items) <= MaxItemsPerCollection, "items", "a collection holds at most %d items", MaxItemsPerCollection)
	seen := map[string]int{}
	for i := range in.Items {
		in.Items[i] = bo.TrimItem(in.Items[i])
		it := in.Items[i]
		bo.CheckItem(&v, fmt.Sprintf("items[%d].", i), it)
		if j, dup := seen[it.ID]; dup {
			v.Add(fmt.Sprintf("items[%d].id", i), "duplicates items[%d].id", j)
		}
		seen[it.ID] = i
	}
	if err := v.Err(); err != nil {
		return bo.Collection{}, err
	}
	if len(cs) >= MaxCollections {
		return bo.Collection{}, bo.Errorf(bo.ELIMIT, "a program has at most %d collections", MaxCollections)
	}
	now := s.Now()
	c := bo.Collection{
		ProgramID: programID, ID: bo.NewID("col", now), Name: strings.TrimSpace(in.Name), Description: in.Description,
		Items: in.Items, Version: 1, CreatedAt: now, UpdatedAt: now,
	}
	if c.Items == nil {
		c.Items = []bo.CatalogItem{}
	}
	before := positions(cs)
	cs = insertAt(cs, in.Position, c)
	changed := s.renumbered(before, cs, c.ID)
	created := cs[slices.IndexFunc(cs, func(x bo.Collection) bool { return x.ID == c.ID })]
	ctx = s.collectionRecord(ctx, orgID, audit.CollectionCreate, c.ID, nil, created)
	if err := s.store.PutCollections(ctx, changed...); err != nil {
		return bo.Collection{}, err
	}
	return created, nil
}

// UpdateCollection renames, re-describes or repositions a collection. It
// returns ENOTFOUND for an unknown collection and EINVALID for bad input.
func (s *Service) UpdateCollection(ctx context.Context, caller bo.Caller, orgID, programID, collectionID string, in CollectionChange) (bo.Collection, error) {
	if _, err := s.requireProgramAdmin(ctx, caller, orgID, programID); err != nil {
		return bo.Collection{}, err
	}
	cs, err := s.sortedCollections(ctx, programID)
	if err != nil {
		return bo.Collection{}, err
	}
	i := slices.IndexFunc(cs, func(c bo.Collection) bool { return c.ID == collectionID })
	if i < 0 {
		return bo.Collection{}, bo.Errorf(bo.ENOTFOUND, "collection %s not found", collectionID)
	}
	var v bo.Validation
	if in.Name != nil {
		bo.CheckName(&v, "name", *in.Name)
	}
	if in.Description != nil {
		v.Check(utf8.RuneCountInString(*in.Description) <= maxTextLength, "description", "must be at most %d characters", maxTextLength)
		bo.CheckText(&v, "description", *in.Description, true)
	}
	checkPosition(&v, "position", in.Position, len(cs)-1)
	v.Check(in.Name != nil || in.Description != nil || in.Position != nil, "body", "nothing to change")
	if err := v.Err(); err != nil {
		return bo.Collection{}, err
	}
	c := cs[i]
	old := c
	if in.Name != nil {
		c.Name = strings.TrimSpace(*in.Name)
	}
	if in.Description != nil {
		c.Description = *in.Description
	}
	before := positions(cs)
	cs = slices.Delete(cs, i, i+1)
	pos := in.Position
	if pos == nil {
		pos = &i
	}
	cs = insertAt(cs, pos, c)
	changed := s.renumbered(before, cs, c.ID)
	ctx = s.collectionRecord(ctx, orgID, audit.CollectionUpdate, c.ID, old, cs[*pos])
	if err := s.store.PutCollections(ctx, changed...); err != nil {
		return bo.Collection{}, err
	}
	return cs[*pos], nil
}

// DeleteCollection removes a collection and its items from the catalogue.
// It returns ENOTFOUND for an unknown collection.
func (s *Service) DeleteCollection(ctx context.Context, caller bo.Caller, orgID, programID, collectionID string) error {
	if _, err := s.requireProgramAdmin(ctx, caller, orgID, programID); err != nil {
		return err
	}
	c, err := s.store.GetCollection(ctx, programID, collectionID)
	if err != nil {
		return err
	}
	return s.store.DeleteCollection(s.collectionRecord(ctx, orgID, audit.CollectionDelete, c.ID, c, nil), c)
}

// AddItem adds a course or specialisation to a collection, from the course
// library when the request names a libraryId. It returns EINVALID for a bad
// item or a libraryId the library lacks, ECONFLICT when the collection has
// it already, and ELIMIT when the collection is full.
func (s *Service) AddItem(ctx context.Context, caller bo.Caller, orgID, programID, collectionID string, in NewItem) (bo.Collection, error) {
	if _, err := s.requireProgramAdmin(ctx, caller, orgID, programID); err != nil {
		return bo.Collection{}, err
	}
	c, err := s.store.GetCollection(ctx, programID, collectionID)
	if err != nil {
		return bo.Collection{}, err
	}
	if in.CatalogItem, err = s.fromLibrary(ctx, in); err != nil {
		return bo.Collection{}, err
	}
	in.CatalogItem = bo.TrimItem(in.CatalogItem)
	var v bo.Validation
	bo.CheckItem(&v, "", in.CatalogItem)
	checkPosition(&v, "position", in.Position, len(c.Items))
	if err := v.Err(); err != nil {
		return bo.Collection{}, err
	}
	old := c
	if err := s.insertItem(&c, in.CatalogItem, in.Position); err != nil {
		return bo.Collection{}, err
	}
	ctx = s.collectionRecord(ctx, orgID, audit.CollectionUpdate, c.ID, old, c)
	if err := s.store.PutCollections(ctx, c); err != nil {
		return bo.Collection{}, err
	}
	return c, nil
}

// insertItem puts the item into the collection and bumps its version.
func (s *Service) insertItem(c *bo.Collection, it bo.CatalogItem, pos *int) error {
	if c.ItemIndex(it.ID) >= 0 {
		return bo.Errorf(bo.ECONFLICT, "collection %s already holds item %s", c.ID, it.ID)
	}
	if len(c.Items) >= MaxItemsPerCollection {
		return bo.Errorf(bo.ELIMIT, "a collection holds at most %d items", MaxItemsPerCollection)
	}
	c.Items = insertAt(c.Items, pos, it)
	c.Version++
	c.UpdatedAt = s.Now()
	return nil
}

// removeItem takes the item out of the collection, bumps its version and
// returns the item. It returns ENOTFOUND when the collection lacks it.
func (s *Service) removeItem(c *bo.Collection, itemID string) (bo.CatalogItem, error) {
	i := c.ItemIndex(itemID)
	if i < 0 {
		return bo.CatalogItem{}, bo.Errorf(bo.ENOTFOUND, "item %s not found in collection %s", itemID, c.ID)
	}
	it := c.Items[i]
	c.Items = slices.Delete(c.Items, i, i+1)
	c.Version++
	c.UpdatedAt = s.Now()
	return it, nil
}

// RemoveItem takes an item out of a collection. It returns ENOTFOUND when the
// collection does not hold it.
func (s *Service) RemoveItem(ctx context.Context, caller bo.Caller, orgID, programID, collectionID, itemID string) (bo.Collection, error) {
	if _, err := s.requireProgramAdmin(ctx, caller, orgID, programID); err != nil {
		return bo.Collection{}, err
	}
	c, err := s.store.GetCollection(ctx, programID, collectionID)
	if err != nil {
		return bo.Collection{}, err
	}
	old := c
	if _, err := s.removeItem(&c, itemID); err != nil {
		return bo.Collection{}, err
	}
	ctx = s.collectionRecord(ctx, orgID, audit.CollectionUpdate, c.ID, old, c)
	if err := s.store.PutCollections(ctx, c); err != nil {
		return bo.Collection{}, err
	}
	return c, nil
}

// MoveItem moves an item within its collection or to another collection of
// the program, in one transaction. It returns the target collection,
// ENOTFOUND for an unknown item or source collection, EINVALID for an unknown
// target collection or position, ECONFLICT when the target already holds the
// item, and ELIMIT when the target is full.
func (s *Service) MoveItem(ctx context.Context, caller bo.Caller, orgID, programID, collectionID, itemID string, to ItemPlacement) (bo.Collection, error) {
	return s.placeItem(ctx, caller, orgID, programID, collectionID, itemID, to, true)
}

// CopyItem copies an item into another collection of the program. It returns
// the target collection, EINVALID when the target is the same collection,
// and otherwise the errors of MoveItem.
func (s *Service) CopyItem(ctx context.Context, caller bo.Caller, orgID, programID, collectionID, itemID string, to ItemPlacement) (bo.Collection, error) {
	return s.placeItem(ctx, caller, orgID, programID, collectionID, itemID, to, false)
}

func (s *Service) placeItem(ctx context.Context, caller bo.Caller, orgID, programID, collectionID, itemID string, to ItemPlacement, move bool) (bo.Collection, error) {
	if _, err := s.requireProgramAdmin(ctx, caller, orgID, programID); err != nil {
		return bo.Collection{}, err
	}
	if to.CollectionID == "" {
		to.CollectionID = collectionID
	}
	if !move && to.CollectionID == collectionID {
		return bo.Collection{}, bo.Invalid("an item cannot be copied into its own collection",
			bo.FieldError{Field: "collectionId", Message: "must name another collection of the program"})
	}
	src, err := s.store.GetCollection(ctx, programID, collectionID)
	if err != nil {
		return bo.Collection{}, err
	}
	i := src.ItemIndex(itemID)
	if i < 0 {
		return bo.Collection{}, bo.Errorf(bo.ENOTFOUND, "item %s not found in collection %s", itemID, collectionID)
	}
	item := src.Items[i]
	action := audit.CollectionItemCopy
	if move {
		action = audit.CollectionItemMove
	}
	ctx = audit.For(ctx, s.Now(), orgID, programID, action, audit.Target{Type: audit.TargetCollection, ID: to.CollectionID},
		audit.Set("itemId", itemID, "fromCollectionId", collectionID, "toCollectionId", to.CollectionID, "position", positionText(to.Position)))
	if to.CollectionID == collectionID {
		var v bo.Validation
		checkPosition(&v, "position", to.Position, len(src.Items)-1)
		if err := v.Err(); err != nil {
			return bo.Collection{}, err
		}
		_, _ = s.removeItem(&src, itemID)
		src.Version-- // one write, one version step
		if err := s.insertItem(&src, item, to.Position); err != nil {
			return bo.Collection{}, err
		}
		return src, s.store.PutCollections(ctx, src)
	}
	dst, err := s.store.GetCollection(ctx, programID, to.CollectionID)
	if bo.ErrorCode(err) == bo.ENOTFOUND {
		return bo.Collection{}, bo.Invalid("no collection "+to.CollectionID+" in this program",
			bo.FieldError{Field: "collectionId", Message: "no such collection in this program"})
	} else if err != nil {
		return bo.Collection{}, err
	}
	var v bo.Validation
	checkPosition(&v, "position", to.Position, len(dst.Items))
	if err := v.Err(); err != nil {
		return bo.Collection{}, err
	}
	if err := s.insertItem(&dst, item, to.Position); err != nil {
		return bo.Collection{}, err
	}
	if !move {
		return dst, s.store.PutCollections(ctx, dst)
	}
	_, _ = s.removeItem(&src, itemID)
	return dst, s.store.PutCollections(ctx, src, dst)
}

// collectionRecord returns ctx carrying the record of a change to a
// collection of a program: its fields before and after (nil for none).
func (s *Service) collectionRecord(ctx context.Context, orgID, action, collectionID string, before, after any) context.Context {
	var programID string
	for _, c := range []any{before, after} {
		if col, ok := c.(bo.Collection); ok {
			programID = col.ProgramID
		}
	}
	return audit.For(ctx, s.Now(), orgID, programID, action, audit.Target{Type: audit.TargetCollection, ID: collectionID},
		audit.Diff(before, after, "programId", "id", "createdAt", "updatedAt"))
}

// positionText shows an optional position for the log ("" for the end).
func positionText(p *int) string {
	if p == nil {
		return ""
	}
	return strconv.Itoa(*p)
}
