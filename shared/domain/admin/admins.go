package admin

import (
	"context"
	"fmt"
	"slices"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/audit"
)

// ListAdmins returns a page of the org's admins, to org admins only.
func (s *Service) ListAdmins(ctx context.Context, caller bo.Caller, orgID string, page bo.Page) ([]bo.Admin, string, error) {
	if _, err := s.requireOrgAdmin(ctx, caller, orgID); err != nil {
		return nil, "", err
	}
	page, err := bo.NormalisePage(page)
	if err != nil {
		return nil, "", err
	}
	return s.store.ListAdmins(ctx, orgID, page)
}

// AddAdmin adds an org admin, or a program admin of the named programs of
// the org. Only org admins may. It returns EINVALID for bad input or a
// program that is not the org's, and ECONFLICT when the email is an admin of
// the org already (remove it first to change its role).
func (s *Service) AddAdmin(ctx context.Context, caller bo.Caller, orgID string, in NewAdmin) (bo.Admin, error) {
	if _, err := s.requireOrgAdmin(ctx, caller, orgID); err != nil {
		return bo.Admin{}, err
	}
	var v bo.Validation
	a := checkAdmin(&v, "", orgID, in, s.Now())
	switch in.Role {
	case bo.RoleOrgAdmin:
		v.Check(len(in.ProgramIDs) == 0, "programIds", "an org admin administers every program; give no programIds")
	case bo.RoleProgramAdmin:
		v.Check(len(in.ProgramIDs) > 0, "programIds", "a program admin needs at least one program")
	case "":
		v.Add("role", "is required: %q or %q", bo.RoleOrgAdmin, bo.RoleProgramAdmin)
	default:
		v.Add("role", "must be %q or %q", bo.RoleOrgAdmin, bo.RoleProgramAdmin)
	}
	slices.Sort(a.ProgramIDs)
	a.ProgramIDs = slices.Compact(a.ProgramIDs)
	if err := v.Err(); err != nil {
		return bo.Admin{}, err
	}
	for i, id := range a.ProgramIDs {
		if _, err := s.store.GetProgram(ctx, orgID, id); bo.ErrorCode(err) == bo.ENOTFOUND {
			field := fmt.Sprintf("programIds[%d]", i)
			return bo.Admin{}, bo.Invalid(fmt.Sprintf("program %s is not a program of this organisation", id),
				bo.FieldError{Field: field, Message: "no such program in this organisation"})
		} else if err != nil {
			return bo.Admin{}, err
		}
	}
	ctx = audit.For(ctx, a.CreatedAt, orgID, "", audit.AdminAdd, audit.Target{Type: audit.TargetAdmin, ID: a.Email},
		audit.Diff(nil, a, adminSkip...))
	if err := s.store.CreateAdmin(ctx, a); err != nil {
		return bo.Admin{}, err
	}
	return a, nil
}

// RemoveAdmin removes an admin of the org. Only org admins may. It returns
// ENOTFOUND for an email that is not an admin, EINVALID for a malformed email,
// and ECONFLICT for the org's last org admin.
func (s *Service) RemoveAdmin(ctx context.Context, caller bo.Caller, orgID, email string) error {
	if _, err := s.requireOrgAdmin(ctx, caller, orgID); err != nil {
		return err
	}
	e, err := bo.ParseEmail(email)
	if err != nil {
		return err
	}
	ctx = audit.For(ctx, s.Now(), orgID, "", audit.AdminRemove, audit.Target{Type: audit.TargetAdmin, ID: e.Display}, nil)
	return s.store.DeleteAdmin(ctx, orgID, e.Key)
}

// adminSkip are the fields of an admin that are not theirs to change.
var adminSkip = []string{"orgId", "createdAt", "updatedAt"}
