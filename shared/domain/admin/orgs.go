package admin

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/audit"
)

// NewAdmin is an admin to add: an email, a name, a role and, for a program
// admin, the programs they administer.
type NewAdmin struct {
	Email      string   `json:"email"`
	Name       string   `json:"name"`
	Role       bo.Role  `json:"role"`
	ProgramIDs []string `json:"programIds"`
}

// NewOrg is a request to create an organisation with its first org admins.
type NewOrg struct {
	Name   string     `json:"name"`
	Admins []NewAdmin `json:"admins"`
}

// CreateOrg creates an organisation with its first org admins. Only platform
// operators may: others get EFORBIDDEN. Bad input is EINVALID naming each
// field.
func (s *Service) CreateOrg(ctx context.Context, caller bo.Caller, in NewOrg) (bo.Org, []bo.Admin, error) {
	if !caller.IsOperator() {
		return bo.Org{}, nil, bo.Errorf(bo.EFORBIDDEN, "only platform operators may create organisations")
	}
	var v bo.Validation
	bo.CheckName(&v, "name", in.Name)
	switch {
	case len(in.Admins) == 0:
		v.Add("admins", "at least one org admin is required")
	case len(in.Admins) > MaxInitialAdmins:
		v.Add("admins", "at most %d admins may be given at creation", MaxInitialAdmins)
	}
	now := s.Now()
	org := bo.Org{ID: bo.NewID("org", now), Name: strings.TrimSpace(in.Name), CreatedAt: now, UpdatedAt: now}
	seen := map[string]int{}
	var admins []bo.Admin
	for i, na := range in.Admins {
		field := fmt.Sprintf("admins[%d]", i)
		if na.Role != "" && na.Role != bo.RoleOrgAdmin {
			v.Add(field+".role", "the first admins of an organisation are org admins")
		}
		v.Check(len(na.ProgramIDs) == 0, field+".programIds", "an org admin administers every program; give no programIds")
		a := checkAdmin(&v, field+".", org.ID, NewAdmin{Email: na.Email, Name: na.Name, Role: bo.RoleOrgAdmin}, now)
		if a.EmailKey == "" {
			continue
		}
		if j, dup := seen[a.EmailKey]; dup {
			v.Add(field+".email", "duplicates admins[%d].email", j)
			continue
		}
		seen[a.EmailKey] = i
		admins = append(admins, a)
	}
	if err := v.Err(); err != nil {
		return bo.Org{}, nil, err
	}
	audit.SetRole(ctx, audit.RoleOperator)
	ctx = audit.For(ctx, now, org.ID, "", audit.OrgCreate, audit.Target{Type: audit.TargetOrg, ID: org.ID},
		audit.Diff(nil, struct {
			Name   string   `json:"name"`
			Admins []string `json:"admins"`
		}{org.Name, adminEmails(admins)}))
	if err := s.store.CreateOrg(ctx, org, admins); err != nil {
		return bo.Org{}, nil, err
	}
	return org, admins, nil
}

// GetOrg returns the org with its summary (current to the last write) and
// its licence position across its contracts, and the caller's role in it,
// to any of its admins; others get EFORBIDDEN.
func (s *Service) GetOrg(ctx context.Context, caller bo.Caller, orgID string) (bo.Org, error) {
	acc, err := s.orgAccess(ctx, caller, orgID)
	if err != nil {
		return bo.Org{}, err
	}
	org, err := s.store.GetOrg(ctx, orgID)
	if err != nil {
		return bo.Org{}, err
	}
	org.CallerRole = acc.admin.Role
	now := s.Now()
	page := bo.Page{Limit: bo.MaxPageSize}
	for {
		cs, next, err := s.store.ListContracts(ctx, orgID, page)
		if err != nil {
			return bo.Org{}, err
		}
		for _, c := range cs {
			org.Licences.Used += c.Used
			org.Licences.Utilised += c.Utilised
			if c.Status(now) == bo.ContractActive {
				org.Licences.Total += c.Licences
				org.Licences.Unlimited = org.Licences.Unlimited || c.Unlimited
			}
		}
		if next == "" {
			break
		}
		page.Cursor = next
	}
	org.Licences.LearningHours = math.Round(float64(org.Counts.LearningMinutes)/6) / 10
	return s.withLogoURL(ctx, org)
}

// checkAdmin validates an admin to add, recording errors under the field
// prefix, and returns it ready to store. Program ids are checked by the caller.
func checkAdmin(v *bo.Validation, prefix, orgID string, in NewAdmin, now time.Time) bo.Admin {
	email, err := bo.ParseEmail(in.Email)
	if err != nil {
		v.Add(prefix+"email", "%s", bo.ErrorDetails(err)[0].Message)
	}
	if in.Name != "" {
		bo.CheckName(v, prefix+"name", in.Name)
	}
	programIDs := in.ProgramIDs
	if programIDs == nil {
		programIDs = []string{}
	}
	return bo.Admin{
		OrgID: orgID, Email: email.Display, EmailKey: email.Key, Name: strings.TrimSpace(in.Name),
		Role: in.Role, ProgramIDs: programIDs, CreatedAt: now, UpdatedAt: now,
	}
}

// adminEmails returns the admins' email addresses, for the log.
func adminEmails(admins []bo.Admin) []string {
	out := make([]string, len(admins))
	for i, a := range admins {
		out[i] = a.Email
	}
	return out
}
