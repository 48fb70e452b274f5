package admin

import (
	"context"
	"strings"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/audit"
)

// Limits of the catalogue and of list pages.
const (
	MaxCollections        = 50
	MaxItemsPerCollection = 200
	MaxInitialAdmins      = 20
	maxTextLength         = 2000
)

// Config is the deployment's configuration of the service.
type Config struct {
	// LearnerAppURL is the base URL of the learner-facing app; a program's URL
	// is LearnerAppURL + "/programs/" + slug.
	LearnerAppURL string
	// Deletion deletes programs that have members (members.Deleter); without
	// it such a deletion is refused.
	Deletion ProgramDeletion
	// Logos keeps organisations' logos; without it logos are refused.
	Logos Logos
}

// ProgramDeletion deletes a program, removing its members first when it has
// some; it reports whether that goes on in the background.
type ProgramDeletion interface {
	Start(ctx context.Context, orgID, programID string) (bool, error)
}

// Service administers organisations, admins, contracts, programs and
// catalogues on behalf of a caller, enforcing who may do what.
type Service struct {
	store Store
	cfg   Config
	// Now is the clock; tests replace it.
	Now func() time.Time
}

// NewService returns a Service over the store.
func NewService(store Store, cfg Config) *Service {
	cfg.LearnerAppURL = strings.TrimRight(cfg.LearnerAppURL, "/")
	return &Service{store: store, cfg: cfg, Now: func() time.Time { return time.Now().UTC() }}
}

// ProgramURL returns the learner-facing URL of a program.
func (s *Service) ProgramURL(slug string) string {
	return s.cfg.LearnerAppURL + "/programs/" + slug
}

// access is what the caller may do in one org.
type access struct {
	admin bo.Admin
}

// orgAccess returns the caller's admin record in the org. Someone who is not
// an admin of the org gets EFORBIDDEN whether or not the org exists, so that
// org ids cannot be probed.
func (s *Service) orgAccess(ctx context.Context, caller bo.Caller, orgID string) (access, error) {
	return orgAccess(ctx, s.store, caller, orgID)
}

// Admins reads admin records: what authorizing a caller needs.
type Admins interface {
	// GetAdmin returns the admin, or ENOTFOUND.
	GetAdmin(ctx context.Context, orgID, emailKey string) (bo.Admin, error)
}

// Authorizer tells who a caller is in an org, for the services outside this
// package that act for admins (messaging): it reads admin records only.
type Authorizer struct{ admins Admins }

// NewAuthorizer returns an Authorizer over the admin records.
func NewAuthorizer(admins Admins) *Authorizer { return &Authorizer{admins: admins} }

// AuthorizeOrg is Service.AuthorizeOrg.
func (a *Authorizer) AuthorizeOrg(ctx context.Context, caller bo.Caller, orgID string) (bo.Admin, error) {
	acc, err := orgAccess(ctx, a.admins, caller, orgID)
	return acc.admin, err
}

func orgAccess(ctx context.Context, admins Admins, caller bo.Caller, orgID string) (access, error) {
	email, err := caller.VerifiedEmail()
	if err != nil {
		return access{}, err
	}
	a, err := admins.GetAdmin(ctx, orgID, email.Key)
	if bo.ErrorCode(err) == bo.ENOTFOUND {
		return access{}, bo.Errorf(bo.EFORBIDDEN, "you are not an admin of organisation %s", orgID)
	} else if err != nil {
		return access{}, err
	}
	audit.SetRole(ctx, string(a.Role))
	return access{admin: a}, nil
}

// Access returns the caller's admin record in the org: their role and, for
// a program admin, their programs. It returns EFORBIDDEN for someone who is
// no admin of the org (whether or not it exists), and the errors of
// VerifiedEmail.
func (s *Service) Access(ctx context.Context, caller bo.Caller, orgID string) (bo.Admin, error) {
	acc, err := s.orgAccess(ctx, caller, orgID)
	return acc.admin, err
}

// requireOrgAdmin returns EFORBIDDEN unless the caller is an org admin of the org.
func (s *Service) requireOrgAdmin(ctx context.Context, caller bo.Caller, orgID string) (access, error) {
	acc, err := s.orgAccess(ctx, caller, orgID)
	if err != nil {
		return acc, err
	}
	if acc.admin.Role != bo.RoleOrgAdmin {
		return acc, bo.Errorf(bo.EFORBIDDEN, "only org admins may do this")
	}
	return acc, nil
}

// requireProgramAdmin returns the program when the caller administers it.
// Program admins of other programs get ENOTFOUND, as if it did not exist.
func (s *Service) requireProgramAdmin(ctx context.Context, caller bo.Caller, orgID, programID string) (bo.Program, error) {
	acc, err := s.orgAccess(ctx, caller, orgID)
	if err != nil {
		return bo.Program{}, err
	}
	if !acc.admin.CanAdminister(programID) {
		return bo.Program{}, bo.Errorf(bo.ENOTFOUND, "program %s not found", programID)
	}
	return s.store.GetProgram(ctx, orgID, programID)
}

// AuthorizeProgram returns the program when the caller administers it: an
// org admin of its org or a program admin named for it. It returns
// EFORBIDDEN for someone who is no admin of the org and ENOTFOUND for a
// program they do not administer or that does not exist.
func (s *Service) AuthorizeProgram(ctx context.Context, caller bo.Caller, orgID, programID string) (bo.Program, error) {
	return s.requireProgramAdmin(ctx, caller, orgID, programID)
}

// AuthorizeOrgAdmin returns nil when the caller is an org admin of the
// org, and EFORBIDDEN otherwise (program admins included).
func (s *Service) AuthorizeOrgAdmin(ctx context.Context, caller bo.Caller, orgID string) error {
	_, err := s.requireOrgAdmin(ctx, caller, orgID)
	return err
}

// AuthorizeOrg returns the caller's admin record in the org: an org admin,
// or a program admin with their programs. It returns EFORBIDDEN for
// someone who is not an admin of the org (whether or not it exists) or
// whose email is not verified, and EUNAUTHORISED for a caller without an
// email.
func (s *Service) AuthorizeOrg(ctx context.Context, caller bo.Caller, orgID string) (bo.Admin, error) {
	acc, err := s.orgAccess(ctx, caller, orgID)
	return acc.admin, err
}
