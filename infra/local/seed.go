package local

import (
	"context"
	"fmt"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/admin"
	"github.com/learnops/backoffice/shared/domain/enroll"
	"github.com/learnops/backoffice/shared/domain/invite"
)

// Demo data that Seed creates.
const (
	DemoOrgName     = "Demo University"
	DemoAdminEmail  = "admin@demo.example.com"
	DemoProgramSlug = "data-skills"
	// DemoOperatorEmail is the platform operator Seed acts as to create the org.
	DemoOperatorEmail = "operator@learn.example.com"
)

// SeedResult identifies the demo data Seed created.
type SeedResult struct {
	OrgID        string
	OrgName      string
	AdminEmail   string
	ContractID   string
	ProgramID    string
	ProgramSlug  string
	ProgramURL   string
	CollectionID string
}

// Caller returns a verified caller for an email address, as the JWT
// authorizer would describe someone holding a token from MintToken.
func Caller(email string, groups ...string) bo.Caller {
	return bo.Caller{Subject: SubjectFor(email), Email: email, EmailVerified: true, Groups: groups}
}

// Seed creates the demo data through the admin service, as the API would:
// the organisation "Demo University" with its org admin DemoAdminEmail, a
// contract of 100 licences for a year from today, and the program "Data
// Skills" whose catalogue has one collection of three courses and a
// specialisation made of them. When the demo program exists already (an
// endpoint that outlived an earlier run) it returns that program's org and
// creates nothing. It returns the first error of the service, naming the
// step that failed.
func Seed(ctx context.Context, svc *admin.Service) (SeedResult, error) {
	operator := Caller(DemoOperatorEmail, bo.GroupPlatformOperators)
	orgAdmin := Caller(DemoAdminEmail)

	if p, err := svc.ProgramBySlug(ctx, DemoProgramSlug); err == nil {
		org, err := svc.GetOrg(ctx, orgAdmin, p.OrgID)
		if err != nil {
			return SeedResult{}, fmt.Errorf("reuse the demo organisation: %w", err)
		}
		return SeedResult{OrgID: org.ID, OrgName: org.Name, AdminEmail: DemoAdminEmail, ProgramID: p.ID,
			ProgramSlug: p.Slug, ProgramURL: svc.ProgramURL(p.Slug)}, nil
	} else if bo.ErrorCode(err) != bo.ENOTFOUND {
		return SeedResult{}, fmt.Errorf("look for the demo program: %w", err)
	}

	org, _, err := svc.CreateOrg(ctx, operator, admin.NewOrg{
		Name:   DemoOrgName,
		Admins: []admin.NewAdmin{{Email: DemoAdminEmail, Name: "Demo Admin"}},
	})
	if err != nil {
		return SeedResult{}, fmt.Errorf("seed organisation: %w", err)
	}
	res := SeedResult{OrgID: org.ID, OrgName: org.Name, AdminEmail: DemoAdminEmail}

	start := time.Now().UTC().Truncate(24 * time.Hour)
	end := start.AddDate(1, 0, 0)
	licences := 100
	contract, err := svc.CreateContract(ctx, orgAdmin, org.ID, admin.NewContract{
		Name: "Demo contract " + start.Format("2006"), Licences: &licences, StartsAt: &start, EndsAt: &end,
	})
	if err != nil {
		return res, fmt.Errorf("seed contract: %w", err)
	}
	res.ContractID = contract.ID

	limit := 3
	program, err := svc.CreateProgram(ctx, orgAdmin, org.ID, admin.NewProgram{
		Name:            "Data Skills",
		Tagline:         "Analyse data with Python, SQL and statistics",
		Slug:            DemoProgramSlug,
		EnrollmentLimit: &limit,
	})
	if err != nil {
		return res, fmt.Errorf("seed program: %w", err)
	}
	res.ProgramID, res.ProgramSlug, res.ProgramURL = program.ID, program.Slug, svc.ProgramURL(program.Slug)

	courses := []bo.CatalogItem{
		{ID: "python-data-analysis", Type: bo.ItemCourse, Name: "Python for Data Analysis", Slug: "python-data-analysis", University: "Demo University"},
		{ID: "sql-for-analysts", Type: bo.ItemCourse, Name: "SQL for Analysts", Slug: "sql-for-analysts", University: "Demo University"},
		{ID: "practical-statistics", Type: bo.ItemCourse, Name: "Practical Statistics", Slug: "practical-statistics", University: "Demo University"},
	}
	spec := bo.CatalogItem{
		ID: "data-analyst", Type: bo.ItemSpecialization, Name: "Data Analyst", Slug: "data-analyst", University: "Demo University",
	}
	for _, c := range courses {
		spec.CourseIDs = append(spec.CourseIDs, c.ID)
	}
	collection, err := svc.CreateCollection(ctx, orgAdmin, org.ID, program.ID, admin.NewCollection{
		Name:        "Foundations",
		Description: "Start here: the core courses, and the specialisation that bundles them.",
		Items:       append(courses, spec),
	})
	if err != nil {
		return res, fmt.Errorf("seed catalogue: %w", err)
	}
	res.CollectionID = collection.ID
	return res, nil
}

// The demo learner SeedLearner makes a member of the demo program, enrolled
// in DemoCourseID: the README's activity example is theirs.
const (
	DemoLearnerEmail = "jo@demo.example.com"
	DemoCourseID     = "python-data-analysis"
)

// SeedLearner makes DemoLearnerEmail a member of the seeded program (an
// invitation without email, accepted through the program's URL) enrolled
// in DemoCourseID, as the API would. A learner who is a member already is
// left as they are. It returns the first error of the services, naming the
// step.
func SeedLearner(ctx context.Context, invites *invite.Service, enrolls *enroll.Service, res SeedResult) error {
	jo := Caller(DemoLearnerEmail)
	if _, err := invites.Join(ctx, jo, res.ProgramSlug); err == nil {
		return nil // a member already: an endpoint kept from an earlier run
	} else if bo.ErrorCode(err) != bo.EFORBIDDEN || res.ContractID == "" {
		return fmt.Errorf("seed learner: join: %w", err)
	}
	no := false
	if _, err := invites.Invite(ctx, Caller(res.AdminEmail), res.OrgID, res.ProgramID,
		invite.NewInvitation{FullName: "Jo Demo", Email: DemoLearnerEmail, ContractID: res.ContractID, SendEmail: &no}); err != nil {
		return fmt.Errorf("seed learner: invite: %w", err)
	}
	if _, err := invites.Join(ctx, jo, res.ProgramSlug); err != nil {
		return fmt.Errorf("seed learner: join: %w", err)
	}
	if _, err := enrolls.Enroll(ctx, jo, res.ProgramSlug, enroll.NewEnrollment{ItemID: DemoCourseID, CollectionID: res.CollectionID}); err != nil {
		return fmt.Errorf("seed learner: enroll: %w", err)
	}
	return nil
}
