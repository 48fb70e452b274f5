package members

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

// UserSort is the order of the org-wide users page.
type UserSort string

// Orders of the users page: by email (the search is an email prefix) or
// by name (a name prefix).
const (
	UsersByEmail UserSort = "email"
	UsersByName  UserSort = "name"
)

// UserQuery selects one page of the org's users.
type UserQuery struct {
	Sort UserSort
	// Search is a prefix of the email (Sort email) or of the name (Sort
	// name), lower-cased.
	Search string
	Limit  int
	Cursor string
	// After is the index sort key the page starts after ("" from the
	// start), read from the cursor.
	After string
}

// UserEntry is one person found by a users search: their address and
// name in one of the programs searched.
type UserEntry struct {
	EmailKey string
	Email    string
	FullName string
	// SortKey is the entry's key in the order searched.
	SortKey string
}

// UserProgram is a person's standing in one program of the org.
type UserProgram struct {
	ProgramID   string          `json:"programId"`
	ProgramName string          `json:"programName"`
	State       bo.LearnerState `json:"state"`
}

// User is one person of the org's users page and their programs.
type User struct {
	Email    string        `json:"email"`
	FullName string        `json:"fullName"`
	Programs []UserProgram `json:"programs"`
}

// UsersPage is a page of the org's users.
type UsersPage struct {
	Items      []User `json:"items"`
	NextCursor string `json:"nextCursor,omitempty"`
}

// Standing is a person's learner item in one program, as the index of a
// person's programs holds it.
type Standing struct {
	OrgID     string
	ProgramID string
	State     bo.LearnerState
}

// UsersStore reads the org's users.
type UsersStore interface {
	ListPrograms(ctx context.Context, orgID string, page bo.Page) ([]bo.Program, string, error)
	// SearchLearners returns the first limit distinct people (by email
	// key), in the query's order after q.After, among the invitees and
	// members of the programs whose email (or name) begins with
	// q.Search, and whether there are more.
	SearchLearners(ctx context.Context, programIDs []string, q UserQuery) (entries []UserEntry, more bool, err error)
	// Standings returns a person's standing in every program (of every
	// org) they have one in.
	Standings(ctx context.Context, emailKey string) ([]Standing, error)
}

// OrgAuthorizer says who the caller is in an org (admin.Service).
type OrgAuthorizer interface {
	AuthorizeOrg(ctx context.Context, caller bo.Caller, orgID string) (bo.Admin, error)
}

// Users is the org-wide users page: every invitee and member of the org's
// programs (those a program admin administers, for them), searched by
// email or name prefix, each with their programs.
type Users struct {
	store UsersStore
	auth  OrgAuthorizer
}

// NewUsers returns the users page on the store.
func NewUsers(store UsersStore, auth OrgAuthorizer) *Users {
	return &Users{store: store, auth: auth}
}

// usersCursor is where a users page ends, with the search it belongs to.
type usersCursor struct {
	Sort   UserSort `json:"o"`
	Search string   `json:"q,omitempty"`
	After  string   `json:"k"`
}

// List returns a page of the org's users: people invited to or members of
// the programs the caller administers, in email or name order, each once,
// with their standing in each of those programs. It returns EINVALID
// naming a bad sort, limit or cursor, and the errors of AuthorizeOrg.
func (u *Users) List(ctx context.Context, caller bo.Caller, orgID string, q UserQuery) (UsersPage, error) {
	acc, err := u.auth.AuthorizeOrg(ctx, caller, orgID)
	if err != nil {
		return UsersPage{}, err
	}
	var v bo.Validation
	if q.Sort == "" {
		q.Sort = UsersByEmail
	}
	v.Check(q.Sort == UsersByEmail || q.Sort == UsersByName, "sort", "must be email or name")
	if q.Limit == 0 {
		q.Limit = 20
	}
	v.Check(q.Limit >= 1 && q.Limit <= 100, "limit", "must be between 1 and 100")
	q.Search = strings.ToLower(strings.TrimSpace(q.Search))
	if q.Cursor != "" {
		var c usersCursor
		b, err := base64.RawURLEncoding.DecodeString(q.Cursor)
		if err == nil {
			err = json.Unmarshal(b, &c)
		}
		if err != nil || c.Sort != q.Sort || c.Search != q.Search || c.After == "" {
			v.Add("cursor", "is not a cursor of this search: use the nextCursor of the previous page of the same search")
		}
		q.After = c.After
	}
	if err := v.Err(); err != nil {
		return UsersPage{}, err
	}
	names := map[string]string{}
	var ids []string
	page := bo.Page{Limit: bo.MaxPageSize}
	for {
		ps, next, err := u.store.ListPrograms(ctx, orgID, page)
		if err != nil {
			return UsersPage{}, err
		}
		for _, p := range ps {
			if acc.CanAdminister(p.ID) {
				names[p.ID] = p.Name
				ids = append(ids, p.ID)
			}
		}
		if next == "" {
			break
		}
		page.Cursor = next
	}
	out := UsersPage{Items: []User{}}
	if len(ids) == 0 {
		return out, nil
	}
	entries, more, err := u.store.SearchLearners(ctx, ids, q)
	if err != nil {
		return UsersPage{}, err
	}
	for _, e := range entries {
		sts, err := u.store.Standings(ctx, e.EmailKey)
		if err != nil {
			return UsersPage{}, err
		}
		user := User{Email: e.Email, FullName: e.FullName, Programs: []UserProgram{}}
		for _, st := range sts {
			name, ok := names[st.ProgramID]
			if st.OrgID != orgID || !ok {
				continue
			}
			user.Programs = append(user.Programs, UserProgram{ProgramID: st.ProgramID, ProgramName: name, State: st.State})
		}
		out.Items = append(out.Items, user)
	}
	if more && len(entries) > 0 {
		b, _ := json.Marshal(usersCursor{Sort: q.Sort, Search: q.Search, After: entries[len(entries)-1].SortKey})
		out.NextCursor = base64.RawURLEncoding.EncodeToString(b)
	}
	return out, nil
}
