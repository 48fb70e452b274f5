package admin

import (
	"context"
	"strings"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

// ContractChange is an edit of a contract: each field given is set, the
// others kept. Licences may go down only to the licences in use; the
// licence kind and the start never change.
type ContractChange struct {
	Name      *string    `json:"name"`
	EndsAt    *time.Time `json:"endsAt"`
	Licences  *int       `json:"licences"`
	Unlimited *bool      `json:"unlimited"`
}

// ContractEdit is a validated change of a contract's stored fields: nil
// fields are kept. Licences set makes the contract capped; Unlimited
// makes it unlimited.
type ContractEdit struct {
	Name      *string
	EndsAt    *time.Time
	Licences  *int
	Unlimited bool
}

// Renewal is a request to renew a contract: a new contract of the same
// kind that starts when the old one ends (or at StartsAt) and runs to
// EndsAt (by default as long as the old term). Name and licences default
// to the old contract's.
type Renewal struct {
	Name      string     `json:"name"`
	Licences  *int       `json:"licences"`
	Unlimited *bool      `json:"unlimited"`
	StartsAt  *time.Time `json:"startsAt"`
	EndsAt    *time.Time `json:"endsAt"`
}

// checkLicences records an error unless a licence cap and unlimited are
// given consistently; a nil cap and unlimited false is no change.
func checkLicences(v *bo.Validation, licences *int, unlimited bool) {
	switch {
	case unlimited && licences != nil:
		v.Add("licences", "give either licences or unlimited: true, not both")
	case licences != nil && (*licences < 1 || *licences > MaxLicences):
		v.Add("licences", "must be between 1 and %d", MaxLicences)
	}
}

// CheckContractChange validates an edit and returns it ready to store.
// It returns EINVALID naming each bad field, or an empty change.
func CheckContractChange(in ContractChange) (ContractEdit, error) {
	var v bo.Validation
	var ch ContractEdit
	if in.Name != nil {
		bo.CheckName(&v, "name", *in.Name)
		n := strings.TrimSpace(*in.Name)
		ch.Name = &n
	}
	if in.Unlimited != nil && !*in.Unlimited && in.Licences == nil {
		v.Add("licences", "is required to make an unlimited contract capped")
	}
	ch.Unlimited = in.Unlimited != nil && *in.Unlimited
	checkLicences(&v, in.Licences, ch.Unlimited)
	ch.Licences = in.Licences
	if in.EndsAt != nil {
		e := in.EndsAt.UTC()
		ch.EndsAt = &e
	}
	if in.Name == nil && in.EndsAt == nil && in.Licences == nil && in.Unlimited == nil {
		v.Add("body", "give at least one of name, endsAt, licences, unlimited")
	}
	return ch, v.Err()
}

// UpdateContract edits a contract of the org. Only org admins may. The
// write is conditional: the licences never drop below those in use at
// that moment (ELIMIT otherwise, saying how many are), the end stays
// after the start (EINVALID). It returns EINVALID for a bad change and
// ENOTFOUND for an unknown contract.
func (s *Service) UpdateContract(ctx context.Context, caller bo.Caller, orgID, contractID string, in ContractChange) (bo.Contract, error) {
	if _, err := s.requireOrgAdmin(ctx, caller, orgID); err != nil {
		return bo.Contract{}, err
	}
	ch, err := CheckContractChange(in)
	if err != nil {
		return bo.Contract{}, err
	}
	return s.store.UpdateContract(ctx, orgID, contractID, ch, s.Now())
}

// RenewContract renews a contract of the org with a new contract of the
// same licence kind that follows it (see Renewal); the members on the old
// contract stay on it. Only org admins may. It returns EINVALID for a bad
// renewal, ENOTFOUND for an unknown contract and ECONFLICT when the
// contract was renewed already.
func (s *Service) RenewContract(ctx context.Context, caller bo.Caller, orgID, contractID string, in Renewal) (bo.Contract, error) {
	if _, err := s.requireOrgAdmin(ctx, caller, orgID); err != nil {
		return bo.Contract{}, err
	}
	prev, err := s.store.GetContract(ctx, orgID, contractID)
	if err != nil {
		return bo.Contract{}, err
	}
	if prev.RenewedByID != "" {
		return bo.Contract{}, bo.Errorf(bo.ECONFLICT, "contract %s was renewed already by %s", prev.Name, prev.RenewedByID)
	}
	next, err := renewal(prev, in, s.Now())
	if err != nil {
		return bo.Contract{}, err
	}
	if err := s.store.RenewContract(ctx, prev, next); err != nil {
		return bo.Contract{}, err
	}
	return next, nil
}

// renewal returns the contract that renews prev as the request asks, or
// EINVALID naming each bad field.
func renewal(prev bo.Contract, in Renewal, now time.Time) (bo.Contract, error) {
	var v bo.Validation
	next := bo.Contract{
		OrgID: prev.OrgID, ID: bo.NewID("con", now), Name: prev.Name + " (renewed)", Kind: prev.Kind,
		Unlimited: prev.Unlimited, Licences: prev.Licences, StartsAt: prev.EndsAt, RenewsID: prev.ID,
		CreatedAt: now, UpdatedAt: now,
	}
	if in.Name != "" {
		bo.CheckName(&v, "name", in.Name)
		next.Name = strings.TrimSpace(in.Name)
	}
	unlimited := in.Unlimited != nil && *in.Unlimited
	checkLicences(&v, in.Licences, unlimited)
	switch {
	case in.Licences != nil:
		next.Licences, next.Unlimited = *in.Licences, false
	case unlimited:
		next.Licences, next.Unlimited = 0, true
	case in.Unlimited != nil:
		v.Add("licences", "is required to renew an unlimited contract as a capped one")
	}
	if in.StartsAt != nil {
		next.StartsAt = in.StartsAt.UTC()
	}
	next.EndsAt = next.StartsAt.Add(prev.EndsAt.Sub(prev.StartsAt))
	if in.EndsAt != nil {
		next.EndsAt = in.EndsAt.UTC()
	}
	v.Check(next.EndsAt.After(next.StartsAt), "endsAt", "must be after startsAt")
	if err := v.Err(); err != nil {
		return bo.Contract{}, err
	}
	return next, nil
}
