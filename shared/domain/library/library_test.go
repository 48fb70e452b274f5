package library_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/library"
)

// memStore is a library.Store in memory that counts its writes.
type memStore struct {
	mu      sync.Mutex
	entries map[string]library.Entry
	writes  int
	// BeforePut runs before each put, outside the lock (a rival load).
	BeforePut func()
	// SearchFn answers searches when set.
	SearchFn func(library.Query) ([]bo.CatalogItem, string, error)
}

var _ library.Store = (*memStore)(nil)

func (m *memStore) GetLibraryEntries(_ context.Context, ids []string) (map[string]library.Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]library.Entry{}
	for _, id := range ids {
		if e, ok := m.entries[id]; ok {
			out[id] = e
		}
	}
	return out, nil
}

func (m *memStore) PutLibraryEntry(_ context.Context, prev *library.Entry, next library.Entry) error {
	if m.BeforePut != nil {
		m.BeforePut()
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	cur, exists := m.entries[next.Item.ID]
	if (prev == nil) == exists || (prev != nil && cur.Version != prev.Version) {
		return bo.Errorf(bo.ECONFLICT, "changed")
	}
	m.entries[next.Item.ID] = next
	m.writes++
	return nil
}

func (m *memStore) SearchLibrary(_ context.Context, q library.Query) ([]bo.CatalogItem, string, error) {
	return m.SearchFn(q)
}

// authorizer knows the admins of org_a.
type authorizer struct{}

func (authorizer) AuthorizeOrg(_ context.Context, c bo.Caller, orgID string) (bo.Admin, error) {
	if orgID == "org_a" && c.Email == "dean@a.org" {
		return bo.Admin{OrgID: orgID, Role: bo.RoleOrgAdmin}, nil
	}
	return bo.Admin{}, bo.Errorf(bo.EFORBIDDEN, "not an admin")
}

var (
	operator = bo.Caller{Email: "op@platform.example", EmailVerified: true, Groups: []string{bo.GroupPlatformOperators}}
	dean     = bo.Caller{Email: "dean@a.org", EmailVerified: true}
)

func newService(m *memStore) *library.Service {
	svc := library.NewService(m, authorizer{})
	svc.Now = func() time.Time { return time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC) }
	return svc
}

const loadCSV = "\uFEFFID,Type,Name,University,Course IDs\r\n" +
	"ml,course,Machine Learning,Stanford University,\r\n" +
	"\r\n" +
	"py,Course,Python Basics,University of Michigan,\r\n" +
	"ds,specialization,Data Science,University of Michigan,ml; py\r\n"

func TestLoadIsAnIdempotentUpsert(t *testing.T) {
	m := &memStore{entries: map[string]library.Entry{}}
	svc := newService(m)
	ctx := context.Background()
	res, err := svc.Load(ctx, operator, library.Load{CSV: loadCSV})
	if err != nil || res != (library.LoadResult{Created: 3}) {
		t.Fatalf("first load: %+v, %v", res, err)
	}
	ds := m.entries["ds"]
	if ds.Item.Slug != "data-science" || !slices.Equal(ds.Item.CourseIDs, []string{"ml", "py"}) || ds.Version != 1 {
		t.Fatalf("ds stored as %+v", ds)
	}
	if !slices.Contains(ds.Terms, "science") || !slices.Contains(ds.Terms, "michigan") {
		t.Fatalf("ds terms %v", ds.Terms)
	}
	// The same load again writes nothing.
	if res, err := svc.Load(ctx, operator, library.Load{CSV: loadCSV}); err != nil || res != (library.LoadResult{Unchanged: 3}) || m.writes != 3 {
		t.Fatalf("second load: %+v, %v, %d writes", res, err, m.writes)
	}
	// A renamed item is replaced, keeping its creation time.
	res, err = svc.Load(ctx, operator, library.Load{Items: []bo.CatalogItem{
		{ID: "ml", Type: bo.ItemCourse, Name: "Machine Learning II", University: "Stanford University"},
		{ID: "py", Type: bo.ItemCourse, Name: "Python Basics", Slug: "python-basics", University: "University of Michigan"},
	}})
	if err != nil || res != (library.LoadResult{Updated: 1, Unchanged: 1}) {
		t.Fatalf("rename: %+v, %v", res, err)
	}
	if ml := m.entries["ml"]; ml.Version != 2 || ml.Item.Name != "Machine Learning II" || !ml.CreatedAt.Equal(svc.Now()) {
		t.Fatalf("ml after rename %+v", ml)
	}
}

func TestLoadRefusesWithoutWriting(t *testing.T) {
	tests := []struct {
		name   string
		caller bo.Caller
		in     library.Load
		code   string
		field  string
	}{
		{"not an operator", dean, library.Load{CSV: loadCSV}, bo.EFORBIDDEN, ""},
		{"nothing", operator, library.Load{}, bo.EINVALID, "items"},
		{"both", operator, library.Load{CSV: loadCSV, Items: []bo.CatalogItem{{ID: "x"}}}, bo.EINVALID, "csv"},
		{"a bad row", operator, library.Load{CSV: "id,type,name\nok,course,Fine\nbad,course,\n"}, bo.EINVALID, "line 3.name"},
		{"a bad type", operator, library.Load{Items: []bo.CatalogItem{{ID: "x", Type: "video", Name: "X"}}}, bo.EINVALID, "items[0].type"},
		{"a duplicate", operator, library.Load{Items: []bo.CatalogItem{{ID: "x", Type: "course", Name: "X"}, {ID: "x", Type: "course", Name: "Y"}}}, bo.EINVALID, "items[1].id"},
		{"an unknown course", operator, library.Load{Items: []bo.CatalogItem{{ID: "s", Type: "specialization", Name: "S", CourseIDs: []string{"nope"}}}}, bo.EINVALID, "items[0].courseIds[0]"},
		{"a specialisation as a course", operator, library.Load{Items: []bo.CatalogItem{
			{ID: "s", Type: "specialization", Name: "S", CourseIDs: []string{"c"}},
			{ID: "t", Type: "specialization", Name: "T", CourseIDs: []string{"s"}},
			{ID: "c", Type: "course", Name: "C"}}}, bo.EINVALID, "items[1].courseIds[0]"},
		{"an unknown column", operator, library.Load{CSV: "id,type,name,price\n"}, bo.EINVALID, "csv"},
		{"a missing column", operator, library.Load{CSV: "id,name\nx,X\n"}, bo.EINVALID, "csv"},
		{"a broken quote", operator, library.Load{CSV: "id,type,name\nx,course,\"X\n"}, bo.EINVALID, "csv"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &memStore{entries: map[string]library.Entry{}}
			_, err := newService(m).Load(context.Background(), tt.caller, tt.in)
			if bo.ErrorCode(err) != tt.code {
				t.Fatalf("error %v, want %s", err, tt.code)
			}
			if tt.field != "" && !slices.ContainsFunc(bo.ErrorDetails(err), func(f bo.FieldError) bool { return f.Field == tt.field }) {
				t.Fatalf("details %v do not name %s", bo.ErrorDetails(err), tt.field)
			}
			if m.writes != 0 {
				t.Fatalf("%d writes", m.writes)
			}
		})
	}
}

func TestTerms(t *testing.T) {
	tests := []struct {
		item bo.CatalogItem
		want []string
	}{
		{bo.CatalogItem{Name: "Machine Learning", University: "Stanford"}, []string{"machine learning", "learning", "stanford"}},
		{bo.CatalogItem{Name: "Éléments de Zürich: l'Économie!"}, []string{"elements de zurich l economie", "de zurich l economie", "zurich l economie", "l economie", "economie"}},
		{bo.CatalogItem{Name: "R", University: "R"}, nil},
		{bo.CatalogItem{Name: "Data Data", University: "Data"}, []string{"data data", "data"}},
		{bo.CatalogItem{Name: "a b c d e f g h i j"}, []string{"a b c d e f g h i j", "b c d e f g h i j", "c d e f g h i j", "d e f g h i j", "e f g h i j", "f g h i j", "g h i j", "h i j"}},
	}
	for _, tt := range tests {
		if got := library.Terms(tt.item); !slices.Equal(got, tt.want) {
			t.Errorf("Terms(%q, %q) = %q, want %q", tt.item.Name, tt.item.University, got, tt.want)
		}
	}
	long := library.Terms(bo.CatalogItem{Name: strings.Repeat("x", 100)})
	if len(long) != 1 || len(long[0]) != 60 {
		t.Errorf("a long name's terms %q, want one of 60 runes", long)
	}
}

func TestSearch(t *testing.T) {
	var asked library.Query
	m := &memStore{SearchFn: func(q library.Query) ([]bo.CatalogItem, string, error) {
		asked = q
		return []bo.CatalogItem{{ID: "ml"}, {ID: "ds"}, {ID: "ml"}}, "next", nil
	}}
	svc := newService(m)
	ctx := context.Background()
	items, next, err := svc.Search(ctx, dean, "org_a", "  Machine-LEARN ", "", bo.Page{})
	if err != nil || next != "next" || len(items) != 2 || items[0].ID != "ml" || items[1].ID != "ds" {
		t.Fatalf("search: %v %q %v", items, next, err)
	}
	if asked.Prefix != "machine learn" || asked.Page.Limit != library.DefaultResults {
		t.Fatalf("asked %+v", asked)
	}
	tests := []struct {
		caller bo.Caller
		org, q string
		typ    bo.ItemType
		limit  int
		code   string
	}{
		{dean, "org_b", "machine", "", 0, bo.EFORBIDDEN},
		{operator, "org_a", "machine", "", 0, bo.EFORBIDDEN},
		{dean, "org_a", " m! ", "", 0, bo.EINVALID},
		{dean, "org_a", "machine", "video", 0, bo.EINVALID},
		{dean, "org_a", "machine", "", 51, bo.EINVALID},
		{dean, "org_a", "machine", bo.ItemSpecialization, 50, ""},
	}
	for _, tt := range tests {
		if _, _, err := svc.Search(ctx, tt.caller, tt.org, tt.q, tt.typ, bo.Page{Limit: tt.limit}); bo.ErrorCode(err) != tt.code {
			t.Errorf("search %q in %s as %s: %v, want %q", tt.q, tt.org, tt.caller.Email, err, tt.code)
		}
	}
}

// TestLoadWritesOverARivalLoad has another load change the item between
// the read and the write: the load reads it again and wins, or finds the
// rival wrote the same and writes nothing.
func TestLoadWritesOverARivalLoad(t *testing.T) {
	item := bo.CatalogItem{ID: "ml", Type: bo.ItemCourse, Name: "Machine Learning", Slug: "machine-learning"}
	for _, tt := range []struct {
		name  string
		rival string
		want  library.LoadResult
	}{
		{"another name", "Rival Learning", library.LoadResult{Updated: 1}},
		{"the same name", "Machine Learning", library.LoadResult{Unchanged: 1}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := &memStore{entries: map[string]library.Entry{}}
			once := false
			m.BeforePut = func() {
				if !once {
					once = true
					rival := item
					rival.Name = tt.rival
					m.mu.Lock()
					m.entries["ml"] = library.Entry{Item: rival, Version: 1}
					m.mu.Unlock()
				}
			}
			res, err := newService(m).Load(context.Background(), operator, library.Load{Items: []bo.CatalogItem{item}})
			if err != nil || res != tt.want {
				t.Fatalf("load %+v %v, want %+v", res, err, tt.want)
			}
			if got := m.entries["ml"]; got.Item.Name != "Machine Learning" {
				t.Fatalf("stored %+v", got)
			}
		})
	}
}
