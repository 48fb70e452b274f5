// Package library is the back office's course library: the catalogue of
// the learning platform's courses and specialisations that platform
// operators load (JSON or CSV, by id, an idempotent upsert) and that admins
// search by name or university when they build a program's collections.
// It imports neither Lambda nor the AWS SDK.
package library

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

// Limits of loads and searches.
const (
	// MaxLoadItems is the most items one load may carry.
	MaxLoadItems = 500
	// MinQueryLength is the fewest letters or digits a search needs.
	MinQueryLength = 2
	// DefaultResults and MaxResults bound a page of search results.
	DefaultResults = 20
	MaxResults     = 50
	// maxTermRunes cuts a search term (and so a query) to its first runes.
	maxTermRunes = 60
	// maxWords is how many words of a name start a search term each.
	maxWords = 8
	// writers is how many items a load writes at once.
	writers = 4
)

// Entry is a library item as stored, with the search terms it is found by
// and the version its next write is conditional on.
type Entry struct {
	Item      bo.CatalogItem
	Terms     []string
	Version   int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Query is one search of the library: items with a term starting with
// Prefix (normalised), of Type when set.
type Query struct {
	Prefix string
	Type   bo.ItemType
	Page   bo.Page
}

// Store is the storage the service needs.
type Store interface {
	// GetLibraryEntries returns the stored entries of the ids that exist.
	GetLibraryEntries(ctx context.Context, ids []string) (map[string]Entry, error)
	// PutLibraryEntry writes next (with its terms) in place of prev (nil for
	// a new item), conditional on prev's version: ECONFLICT when the item
	// changed in between.
	PutLibraryEntry(ctx context.Context, prev *Entry, next Entry) error
	// SearchLibrary returns a page of items found by the query, and the
	// cursor of the next page ("" at the end).
	SearchLibrary(ctx context.Context, q Query) ([]bo.CatalogItem, string, error)
}

// Authorizer says whether a caller is an admin of an org (admin.Service).
type Authorizer interface {
	AuthorizeOrg(ctx context.Context, caller bo.Caller, orgID string) (bo.Admin, error)
}

// Service loads and searches the library.
type Service struct {
	store Store
	auth  Authorizer
	// Now is the clock; tests replace it.
	Now func() time.Time
}

// NewService returns a Service over the store.
func NewService(store Store, auth Authorizer) *Service {
	return &Service{store: store, auth: auth, Now: func() time.Time { return time.Now().UTC() }}
}

// Load is a load of library items: Items, or a CSV file with the header
// id,type,name and optionally slug, university and courseIds (a
// specialisation's course ids separated by ";").
type Load struct {
	Items []bo.CatalogItem `json:"items"`
	CSV   string           `json:"csv"`
}

// LoadResult counts what a load did with its items.
type LoadResult struct {
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
}

// Load upserts the items by id: a new id is created, a known one replaced
// when it differs and left alone (nothing written) when it does not, so
// loading the same file twice changes nothing. Every item is checked first
// and nothing is written when one is wrong; a concurrent load of the same
// item is written over (the last wins). It returns EFORBIDDEN for a caller
// who is not a platform operator, EINVALID naming each item's faulty field
// ("items[3].name", or "line 4.name" for CSV), and ECONFLICT only when an
// item kept changing under other loads through every attempt (the items
// written stay written; loading again finishes the job).
func (s *Service) Load(ctx context.Context, caller bo.Caller, in Load) (LoadResult, error) {
	if !caller.IsOperator() {
		return LoadResult{}, bo.Errorf(bo.EFORBIDDEN, "only platform operators may load the course library")
	}
	items, field, err := s.parse(in)
	if err != nil {
		return LoadResult{}, err
	}
	stored, err := s.store.GetLibraryEntries(ctx, referenced(items))
	if err != nil {
		return LoadResult{}, err
	}
	if err := checkCourses(items, stored, field); err != nil {
		return LoadResult{}, err
	}
	var res LoadResult
	var mu sync.Mutex
	var firstErr error
	sem := make(chan struct{}, writers)
	var wg sync.WaitGroup
	for _, it := range items {
		prev, known := stored[it.ID]
		if known && Same(prev.Item, it) {
			res.Unchanged++
			continue
		}
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			outcome, err := s.upsert(ctx, it, prev, known)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil && firstErr == nil:
				firstErr = err
			case outcome == created:
				res.Created++
			case outcome == updated:
				res.Updated++
			case outcome == unchanged:
				res.Unchanged++
			}
		})
	}
	wg.Wait()
	return res, firstErr
}

// upsertAttempts bounds the writes of one item that lose a race with
// another load of it.
const upsertAttempts = 8

// outcome is what a load did with one item.
type outcome int

const (
	failed outcome = iota
	created
	updated
	unchanged
)

// upsert writes the item over prev (the entry as read, when known). When
// another load changed the item in between, it reads it again and writes
// over that, unless it now holds the same data: the last load wins, as it
// would one after the other. It returns ECONFLICT only when the item kept
// changing through every attempt.
func (s *Service) upsert(ctx context.Context, it bo.CatalogItem, prev Entry, known bool) (outcome, error) {
	for range upsertAttempts {
		now := s.Now()
		next := Entry{Item: it, Terms: Terms(it), Version: 1, CreatedAt: now, UpdatedAt: now}
		var p *Entry
		if known {
			p, next.Version, next.CreatedAt = &prev, prev.Version+1, prev.CreatedAt
		}
		err := s.store.PutLibraryEntry(ctx, p, next)
		switch {
		case err == nil && known:
			return updated, nil
		case err == nil:
			return created, nil
		case bo.ErrorCode(err) != bo.ECONFLICT:
			return failed, err
		}
		again, err := s.store.GetLibraryEntries(ctx, []string{it.ID})
		if err != nil {
			return failed, err
		}
		prev, known = again[it.ID]
		if known && Same(prev.Item, it) {
			return unchanged, nil
		}
	}
	return failed, bo.Errorf(bo.ECONFLICT, "library item %s kept changing under other loads; load it again", it.ID)
}

// parse returns the load's items, trimmed, with their slugs defaulted and
// checked, and how the load names an item's fields ("items[3]." or
// "line 4."). It returns EINVALID naming every faulty field.
func (s *Service) parse(in Load) ([]bo.CatalogItem, func(int) string, error) {
	var items []bo.CatalogItem
	field := func(i int) string { return fmt.Sprintf("items[%d].", i) }
	switch {
	case len(in.Items) > 0 && in.CSV != "":
		return nil, nil, bo.Invalid("give items or csv, not both", bo.FieldError{Field: "csv", Message: "give items or csv, not both"})
	case in.CSV != "":
		var lines []int
		var err error
		if items, lines, err = ReadCSV(in.CSV); err != nil {
			return nil, nil, err
		}
		field = func(i int) string { return fmt.Sprintf("line %d.", lines[i]) }
	default:
		items = in.Items
	}
	if len(items) == 0 {
		return nil, nil, bo.Invalid("the load holds no items", bo.FieldError{Field: "items", Message: "give at least one item, or a csv with one"})
	}
	if len(items) > MaxLoadItems {
		return nil, nil, bo.Invalid(fmt.Sprintf("a load holds at most %d items", MaxLoadItems),
			bo.FieldError{Field: "items", Message: fmt.Sprintf("at most %d items a load: split the file", MaxLoadItems)})
	}
	var v bo.Validation
	seen := map[string]int{}
	for i := range items {
		it := bo.TrimItem(items[i])
		it.Slug = strings.TrimSpace(it.Slug)
		if it.Slug == "" {
			if slug := bo.Slugify(it.Name); bo.ValidSlug(slug) {
				it.Slug = slug
			}
		}
		bo.CheckItem(&v, field(i), it)
		if j, dup := seen[it.ID]; dup {
			v.Add(field(i)+"id", "%s appears twice in the load (first at %sid)", it.ID, field(j))
		}
		seen[it.ID] = i
		items[i] = it
	}
	return items, field, v.Err()
}

// referenced returns the ids a load reads: its items' and their courses'.
func referenced(items []bo.CatalogItem) []string {
	ids := map[string]bool{}
	for _, it := range items {
		ids[it.ID] = true
		for _, c := range it.CourseIDs {
			ids[c] = true
		}
	}
	return slices.Sorted(func(yield func(string) bool) {
		for id := range ids {
			if !yield(id) {
				return
			}
		}
	})
}

// checkCourses returns EINVALID unless every course of a specialisation
// is a course of the load or of the library.
func checkCourses(items []bo.CatalogItem, stored map[string]Entry, field func(int) string) error {
	types := map[string]bo.ItemType{}
	for id, e := range stored {
		types[id] = e.Item.Type
	}
	for _, it := range items {
		types[it.ID] = it.Type
	}
	var v bo.Validation
	for i, it := range items {
		for j, c := range it.CourseIDs {
			t, ok := types[c]
			f := fmt.Sprintf("%scourseIds[%d]", field(i), j)
			v.Check(ok, f, "%s is neither in the library nor in this load", c)
			v.Check(!ok || t == bo.ItemCourse, f, "%s is a %s, not a course", c, t)
		}
	}
	return v.Err()
}

// Same reports whether two items hold the same data.
func Same(a, b bo.CatalogItem) bool {
	return a.ID == b.ID && a.Type == b.Type && a.Name == b.Name && a.Slug == b.Slug &&
		a.University == b.University && slices.Equal(a.CourseIDs, b.CourseIDs)
}

// Search returns a page of library items whose name, a later word of it,
// or university starts with the query (case, accents and punctuation
// ignored), to admins of the org, each item once a page. It returns
// EFORBIDDEN for a caller who is not an admin of the org, and EINVALID for
// a query of fewer than MinQueryLength letters or digits, an unknown type
// or a bad limit.
func (s *Service) Search(ctx context.Context, caller bo.Caller, orgID, query string, typ bo.ItemType, page bo.Page) ([]bo.CatalogItem, string, error) {
	if _, err := s.auth.AuthorizeOrg(ctx, caller, orgID); err != nil {
		return nil, "", err
	}
	q := Query{Prefix: cut(Normalise(query)), Type: typ, Page: page}
	var v bo.Validation
	v.Check(utf8.RuneCountInString(q.Prefix) >= MinQueryLength, "q", "give at least %d letters or digits", MinQueryLength)
	v.Check(typ == "" || typ == bo.ItemCourse || typ == bo.ItemSpecialization, "type", "must be %q or %q", bo.ItemCourse, bo.ItemSpecialization)
	if q.Page.Limit == 0 {
		q.Page.Limit = DefaultResults
	}
	v.Check(q.Page.Limit >= 1 && q.Page.Limit <= MaxResults, "limit", "must be between 1 and %d", MaxResults)
	if err := v.Err(); err != nil {
		return nil, "", err
	}
	items, next, err := s.store.SearchLibrary(ctx, q)
	if err != nil {
		return nil, "", err
	}
	out := make([]bo.CatalogItem, 0, len(items))
	seen := map[string]bool{}
	for _, it := range items {
		if !seen[it.ID] {
			seen[it.ID] = true
			out = append(out, it)
		}
	}
	return out, next, nil
}

// stripMarks returns a transformer that removes accents ("Zürich" becomes
// "Zurich"); a new one each call, as a chain keeps state and may not be
// shared by goroutines.
func stripMarks() transform.Transformer {
	return transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
}

// Normalise returns s as search terms and queries are compared: accents
// removed, lower-cased, every run of characters other than letters and
// digits one space, trimmed.
func Normalise(s string) string {
	if t, _, err := transform.String(stripMarks(), s); err == nil {
		s = t
	}
	return strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}), " ")
}

// cut returns s cut to maxTermRunes runes.
func cut(s string) string {
	if utf8.RuneCountInString(s) <= maxTermRunes {
		return s
	}
	return strings.TrimSpace(string([]rune(s)[:maxTermRunes]))
}

// Terms returns the search terms of an item: its normalised name from each
// of its first maxWords words on ("machine learning", "learning"), and its
// university likewise; each term is cut to maxTermRunes runes, is at least
// MinQueryLength long, and appears once, in order.
func Terms(it bo.CatalogItem) []string {
	var out []string
	for _, text := range []string{it.Name, it.University} {
		words := strings.Fields(Normalise(text))
		for i := range min(len(words), maxWords) {
			t := cut(strings.Join(words[i:], " "))
			if utf8.RuneCountInString(t) >= MinQueryLength && !slices.Contains(out, t) {
				out = append(out, t)
			}
		}
	}
	return out
}
