// Package profile keeps an org's mapping from its learners' sign-in token
// claims to their profile attributes (job title, department, manager,
// location, employee id…), which the joins apply. It imports neither
// Lambda nor the AWS SDK.
package profile

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

// Mapping is an org's claim mapping as the API shows it.
type Mapping struct {
	OrgID string `json:"orgId"`
	// Claims maps a profile field (bo.ProfileFields) to the claim that
	// carries it; empty when the org maps none.
	Claims    map[string]string `json:"claims"`
	UpdatedBy string            `json:"updatedBy,omitempty"`
	UpdatedAt *time.Time        `json:"updatedAt,omitempty"`
}

// Change is a new mapping: it replaces the whole mapping (no claims: none).
type Change struct {
	Claims map[string]string `json:"claims"`
}

// maxClaimName bounds a claim's name.
const maxClaimName = 100

// Store keeps the mappings.
type Store interface {
	// GetClaimMapping returns the org's mapping, or ENOTFOUND when none was
	// ever set.
	GetClaimMapping(ctx context.Context, orgID string) (Mapping, error)
	PutClaimMapping(ctx context.Context, m Mapping) error
}

// Authorizer says whether the caller is an org admin of the org.
type Authorizer interface {
	AuthorizeOrgAdmin(ctx context.Context, caller bo.Caller, orgID string) error
}

// Service reads and sets the claim mappings, for org admins.
type Service struct {
	store Store
	auth  Authorizer
	// Now is the clock; tests replace it.
	Now func() time.Time
}

// NewService returns a Service on the real clock.
func NewService(store Store, auth Authorizer) *Service {
	return &Service{store: store, auth: auth, Now: time.Now}
}

// Get returns the org's mapping (empty when none was set). It returns
// EFORBIDDEN for anyone but the org's org admins.
func (s *Service) Get(ctx context.Context, caller bo.Caller, orgID string) (Mapping, error) {
	if err := s.auth.AuthorizeOrgAdmin(ctx, caller, orgID); err != nil {
		return Mapping{}, err
	}
	m, err := s.store.GetClaimMapping(ctx, orgID)
	if bo.ErrorCode(err) == bo.ENOTFOUND {
		return Mapping{OrgID: orgID, Claims: map[string]string{}}, nil
	}
	return m, err
}

// Put replaces the org's mapping; later joins apply it (profiles already
// stored stay as they are). It returns EFORBIDDEN for anyone but the org's
// org admins and EINVALID naming each field that is not a profile field
// and each claim name that is empty, longer than 100 characters or not
// one line of text.
func (s *Service) Put(ctx context.Context, caller bo.Caller, orgID string, in Change) (Mapping, error) {
	if err := s.auth.AuthorizeOrgAdmin(ctx, caller, orgID); err != nil {
		return Mapping{}, err
	}
	var v bo.Validation
	claims := map[string]string{}
	var names []string
	for _, f := range bo.ProfileFields {
		names = append(names, f.Name)
	}
	for _, field := range slices.Sorted(maps.Keys(in.Claims)) {
		claim := strings.TrimSpace(in.Claims[field])
		switch {
		case !bo.IsProfileField(field):
			v.Add("claims."+field, "is not a profile field: use %s", strings.Join(names, ", "))
		case claim == "":
			v.Add("claims."+field, "needs the name of a claim")
		case utf8.RuneCountInString(claim) > maxClaimName:
			v.Add("claims."+field, "must be at most %d characters", maxClaimName)
		default:
			bo.CheckText(&v, "claims."+field, claim, false)
			claims[field] = claim
		}
	}
	if err := v.Err(); err != nil {
		return Mapping{}, err
	}
	now := s.Now().UTC()
	m := Mapping{OrgID: orgID, Claims: claims, UpdatedBy: caller.Email, UpdatedAt: &now}
	return m, s.store.PutClaimMapping(ctx, m)
}
