package admin

import (
	"context"
	"strings"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/audit"
)

// MaxLicences is the largest licence cap a contract may have.
const MaxLicences = 10_000_000

// NewContract is a request to create a contract: a cap of Licences, or
// Unlimited, from StartsAt to EndsAt.
type NewContract struct {
	Name      string `json:"name"`
	Licences  *int   `json:"licences"`
	Unlimited bool   `json:"unlimited"`
	// LicenceKind is "membership" (the default) or "enrollment".
	LicenceKind bo.LicenceKind `json:"licenceKind"`
	StartsAt    *time.Time     `json:"startsAt"`
	EndsAt      *time.Time     `json:"endsAt"`
}

// CreateContract creates a contract of the org. Only org admins may. It
// returns EINVALID naming each bad field.
func (s *Service) CreateContract(ctx context.Context, caller bo.Caller, orgID string, in NewContract) (bo.Contract, error) {
	if _, err := s.requireOrgAdmin(ctx, caller, orgID); err != nil {
		return bo.Contract{}, err
	}
	var v bo.Validation
	bo.CheckName(&v, "name", in.Name)
	switch {
	case in.Unlimited && in.Licences != nil:
		v.Add("licences", "give either licences or unlimited: true, not both")
	case !in.Unlimited && in.Licences == nil:
		v.Add("licences", "is required unless unlimited is true")
	case in.Licences != nil && (*in.Licences < 1 || *in.Licences > MaxLicences):
		v.Add("licences", "must be between 1 and %d", MaxLicences)
	}
	if in.LicenceKind == "" {
		in.LicenceKind = bo.LicencePerMembership
	}
	v.Check(in.LicenceKind == bo.LicencePerMembership || in.LicenceKind == bo.LicencePerEnrollment,
		"licenceKind", "must be %q or %q", bo.LicencePerMembership, bo.LicencePerEnrollment)
	v.Check(in.StartsAt != nil, "startsAt", "is required (RFC 3339)")
	v.Check(in.EndsAt != nil, "endsAt", "is required (RFC 3339)")
	if in.StartsAt != nil && in.EndsAt != nil {
		v.Check(in.EndsAt.After(*in.StartsAt), "endsAt", "must be after startsAt")
	}
	if err := v.Err(); err != nil {
		return bo.Contract{}, err
	}
	now := s.Now()
	c := bo.Contract{
		OrgID: orgID, ID: bo.NewID("con", now), Name: strings.TrimSpace(in.Name), Unlimited: in.Unlimited, Kind: in.LicenceKind,
		StartsAt: in.StartsAt.UTC(), EndsAt: in.EndsAt.UTC(), CreatedAt: now, UpdatedAt: now,
	}
	if in.Licences != nil {
		c.Licences = *in.Licences
	}
	ctx = audit.For(ctx, now, orgID, "", audit.ContractCreate, audit.Target{Type: audit.TargetContract, ID: c.ID},
		audit.Diff(nil, c, "orgId", "id", "used", "pending", "utilised", "createdAt", "updatedAt"))
	if err := s.store.CreateContract(ctx, c); err != nil {
		return bo.Contract{}, err
	}
	return c, nil
}

// GetContract returns a contract to any admin of the org (program admins
// read contracts to invite against them).
func (s *Service) GetContract(ctx context.Context, caller bo.Caller, orgID, contractID string) (bo.Contract, error) {
	if _, err := s.orgAccess(ctx, caller, orgID); err != nil {
		return bo.Contract{}, err
	}
	return s.store.GetContract(ctx, orgID, contractID)
}

// ListContracts returns a page of the org's contracts to any admin of the org.
func (s *Service) ListContracts(ctx context.Context, caller bo.Caller, orgID string, page bo.Page) ([]bo.Contract, string, error) {
	if _, err := s.orgAccess(ctx, caller, orgID); err != nil {
		return nil, "", err
	}
	page, err := bo.NormalisePage(page)
	if err != nil {
		return nil, "", err
	}
	return s.store.ListContracts(ctx, orgID, page)
}

// UsableContract returns a contract of the org that new invitations and
// whitelist entries may use: one that exists and has not expired (an
// upcoming one may be used; it admits no one before it starts). It returns
// EINVALID naming contractId for a missing or unknown contract and
// ECONFLICT for an expired one.
func (s *Service) UsableContract(ctx context.Context, orgID, contractID string) (bo.Contract, error) {
	if strings.TrimSpace(contractID) == "" {
		return bo.Contract{}, bo.Invalid("contractId is required", bo.FieldError{Field: "contractId", Message: "is required"})
	}
	c, err := s.store.GetContract(ctx, orgID, contractID)
	if bo.ErrorCode(err) == bo.ENOTFOUND {
		return bo.Contract{}, bo.Invalid("no contract "+contractID+" in this organisation",
			bo.FieldError{Field: "contractId", Message: "no such contract in this organisation"})
	} else if err != nil {
		return bo.Contract{}, err
	}
	if c.Status(s.Now()) == bo.ContractExpired {
		return bo.Contract{}, &bo.Error{Code: bo.ECONFLICT, Message: "contract " + c.Name + " has expired; choose an active contract",
			Details: []bo.FieldError{{Field: "contractId", Message: "has expired"}}}
	}
	return c, nil
}
