package admin

import (
	"context"
	"fmt"
	"slices"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

// AdminChange changes a program admin's programs, keeping them an admin:
// ProgramIDs replaces the programs they administer (at least one).
type AdminChange struct {
	ProgramIDs []string `json:"programIds"`
}

// UpdateAdmin sets the programs a program admin administers. Only org
// admins may. It returns EINVALID for no programs or a program that is not
// the org's, ENOTFOUND for an email that is no admin of the org,
// ECONFLICT for an org admin (who administers every program) and when the
// admin changed at the same time.
func (s *Service) UpdateAdmin(ctx context.Context, caller bo.Caller, orgID, email string, in AdminChange) (bo.Admin, error) {
	if _, err := s.requireOrgAdmin(ctx, caller, orgID); err != nil {
		return bo.Admin{}, err
	}
	e, err := bo.ParseEmail(email)
	if err != nil {
		return bo.Admin{}, err
	}
	ids := slices.Clone(in.ProgramIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) == 0 {
		return bo.Admin{}, bo.Invalid("a program admin needs at least one program",
			bo.FieldError{Field: "programIds", Message: "give at least one program"})
	}
	a, err := s.store.GetAdmin(ctx, orgID, e.Key)
	if err != nil {
		return bo.Admin{}, err
	}
	if a.Role != bo.RoleProgramAdmin {
		return bo.Admin{}, bo.Errorf(bo.ECONFLICT, "%s is an org admin and administers every program; remove them first to make them a program admin", a.Email)
	}
	for i, id := range ids {
		if _, err := s.store.GetProgram(ctx, orgID, id); bo.ErrorCode(err) == bo.ENOTFOUND {
			return bo.Admin{}, bo.Invalid(fmt.Sprintf("program %s is not a program of this organisation", id),
				bo.FieldError{Field: fmt.Sprintf("programIds[%d]", i), Message: "no such program in this organisation"})
		} else if err != nil {
			return bo.Admin{}, err
		}
	}
	prev := a.ProgramIDs
	a.ProgramIDs, a.UpdatedAt = ids, s.Now()
	if err := s.store.UpdateAdminPrograms(ctx, a, prev); err != nil {
		return bo.Admin{}, err
	}
	return a, nil
}
