package admin_test

import (
	"context"
	"testing"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/admin"
)

func (f *fakeStore) GetLibraryItem(context.Context, string) (bo.CatalogItem, error) {
	f.unexpected("GetLibraryItem")
	return bo.CatalogItem{}, nil
}
func (f *fakeStore) ItemCounts(context.Context, string) (map[string]bo.ItemCounts, error) {
	f.unexpected("ItemCounts")
	return nil, nil
}

// catalogStore is a fakeStore with one program's catalogue and the course
// library: it records the collections put.
type catalogStore struct {
	*fakeStore
	collections map[string]bo.Collection
	library     map[string]bo.CatalogItem
	counts      map[string]bo.ItemCounts
	put         []bo.Collection
}

func (c *catalogStore) GetCollection(_ context.Context, _, id string) (bo.Collection, error) {
	col, ok := c.collections[id]
	if !ok {
		return bo.Collection{}, bo.Errorf(bo.ENOTFOUND, "no collection")
	}
	return col, nil
}
func (c *catalogStore) ListCollections(context.Context, string) ([]bo.Collection, error) {
	var out []bo.Collection
	for _, col := range c.collections {
		out = append(out, col)
	}
	return out, nil
}
func (c *catalogStore) PutCollections(_ context.Context, cs ...bo.Collection) error {
	c.put = append(c.put, cs...)
	return nil
}
func (c *catalogStore) GetLibraryItem(_ context.Context, id string) (bo.CatalogItem, error) {
	it, ok := c.library[id]
	if !ok {
		return bo.CatalogItem{}, bo.Errorf(bo.ENOTFOUND, "no item")
	}
	return it, nil
}
func (c *catalogStore) ItemCounts(context.Context, string) (map[string]bo.ItemCounts, error) {
	return c.counts, nil
}

func newCatalogStore(t *testing.T) *catalogStore {
	f := &fakeStore{t: t, GetAdminFn: admins(orgAdmin, progAdmin),
		GetProgramFn: func(_ context.Context, orgID, id string) (bo.Program, error) {
			return bo.Program{OrgID: orgID, ID: id, Name: "P"}, nil
		}}
	return &catalogStore{fakeStore: f,
		collections: map[string]bo.Collection{"col_1": {ProgramID: "prg_1", ID: "col_1", Name: "All", Version: 1,
			Items: []bo.CatalogItem{{ID: "c1", Type: bo.ItemCourse, Name: "One"}}}},
		library: map[string]bo.CatalogItem{"ml": {ID: "ml", Type: bo.ItemCourse, Name: "Machine Learning", Slug: "machine-learning",
			University: "Stanford"}},
	}
}

func TestAddItemFromTheLibrary(t *testing.T) {
	tests := []struct {
		name   string
		in     admin.NewItem
		code   string
		field  string
		wantID string
	}{
		{"by library id", admin.NewItem{LibraryID: " ml "}, "", "", "ml"},
		{"unknown library id", admin.NewItem{LibraryID: "nope"}, bo.EINVALID, "libraryId", ""},
		{"library id and fields", admin.NewItem{LibraryID: "ml", CatalogItem: bo.CatalogItem{Name: "Mine"}}, bo.EINVALID, "libraryId", ""},
		{"fields as before", admin.NewItem{CatalogItem: bo.CatalogItem{ID: "c2", Type: bo.ItemCourse, Name: "Two"}}, "", "", "c2"},
		{"already in the collection", admin.NewItem{CatalogItem: bo.CatalogItem{ID: "c1", Type: bo.ItemCourse, Name: "One"}}, bo.ECONFLICT, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := newCatalogStore(t)
			svc := admin.NewService(st, admin.Config{})
			c, err := svc.AddItem(context.Background(), caller("pa@a.org"), "org_a", "prg_1", "col_1", tt.in)
			if bo.ErrorCode(err) != tt.code {
				t.Fatalf("error %v, want code %q", err, tt.code)
			}
			if tt.code != "" {
				if len(st.put) != 0 {
					t.Fatalf("a refused item wrote %v", st.put)
				}
				if tt.field != "" && (len(bo.ErrorDetails(err)) == 0 || bo.ErrorDetails(err)[0].Field != tt.field) {
					t.Fatalf("details %v, want the field %s", bo.ErrorDetails(err), tt.field)
				}
				return
			}
			last := c.Items[len(c.Items)-1]
			if last.ID != tt.wantID || len(st.put) != 1 {
				t.Fatalf("items %v, puts %d", c.Items, len(st.put))
			}
			if want := st.library["ml"]; tt.in.LibraryID != "" && (last.Name != want.Name || last.Slug != want.Slug || last.Type != want.Type || last.University != want.University) {
				t.Fatalf("added %+v, want the library's %+v", last, want)
			}
		})
	}
}

func TestCatalogCountsEachItem(t *testing.T) {
	st := newCatalogStore(t)
	st.collections["col_2"] = bo.Collection{ProgramID: "prg_1", ID: "col_2", Position: 1,
		Items: []bo.CatalogItem{{ID: "c1"}, {ID: "c9"}}}
	st.counts = map[string]bo.ItemCounts{"c1": {Enrolled: 3, Completed: 1}}
	svc := admin.NewService(st, admin.Config{})
	svc.Now = func() time.Time { return time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC) }
	got, err := svc.Catalog(context.Background(), caller("boss@a.org"), "org_a", "prg_1")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "col_1" || got[1].ID != "col_2" {
		t.Fatalf("collections %+v", got)
	}
	if c := got[1].Items; c[0].ItemCounts != (bo.ItemCounts{Enrolled: 3, Completed: 1}) || c[1].ItemCounts != (bo.ItemCounts{}) {
		t.Fatalf("counts %+v", c)
	}
	if _, err := svc.Catalog(context.Background(), caller("pa@a.org"), "org_a", "prg_2"); bo.ErrorCode(err) != bo.ENOTFOUND {
		t.Fatalf("a program admin of another program: %v", err)
	}
	if _, err := svc.Catalog(context.Background(), caller("x@b.org"), "org_a", "prg_1"); bo.ErrorCode(err) != bo.EFORBIDDEN {
		t.Fatalf("an admin of no org: %v", err)
	}
}
