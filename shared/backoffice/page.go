package backoffice

// Sizes of list pages.
const (
	DefaultPageSize = 50
	MaxPageSize     = 100
)

// Page asks for one page of a list: at most Limit items after Cursor, an
// opaque string returned by the previous page ("" for the first page).
type Page struct {
	Limit  int
	Cursor string
}

// NormalisePage normalises a page request: a limit of 0 becomes
// DefaultPageSize. It returns EINVALID for a limit outside 1..MaxPageSize.
func NormalisePage(p Page) (Page, error) {
	if p.Limit == 0 {
		p.Limit = DefaultPageSize
	}
	if p.Limit < 1 || p.Limit > MaxPageSize {
		return p, Invalid("limit must be between 1 and 100", FieldError{Field: "limit", Message: "must be between 1 and 100"})
	}
	return p, nil
}
