package admin

import (
	"context"
	"strings"
	"unicode/utf8"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/audit"
)

// MaxEnrollmentLimit is the largest per-learner enrollment limit.
const MaxEnrollmentLimit = 1000

// NewProgram is a request to create a program. Slug is derived from Name when
// empty.
type NewProgram struct {
	Name            string `json:"name"`
	Tagline         string `json:"tagline"`
	Slug            string `json:"slug"`
	EnrollmentLimit *int   `json:"enrollmentLimit"`
}

// ProgramChange is a partial update of a program; nil fields stay as they are.
// Slug may be given only with the program's current value: slugs are immutable.
type ProgramChange struct {
	Name            *string `json:"name"`
	Tagline         *string `json:"tagline"`
	Slug            *string `json:"slug"`
	EnrollmentLimit *int    `json:"enrollmentLimit"`
	// BannerUploadID names an upload (StartBannerUpload) whose file becomes
	// the program's banner; "" removes the banner.
	BannerUploadID *string `json:"bannerUploadId"`
}

func checkProgramFields(v *bo.Validation, tagline string, limit *int) {
	v.Check(utf8.RuneCountInString(tagline) <= maxTextLength, "tagline", "must be at most %d characters", maxTextLength)
	bo.CheckText(v, "tagline", tagline, false)
	if limit != nil {
		v.Check(*limit >= 0 && *limit <= MaxEnrollmentLimit, "enrollmentLimit",
			"must be between 0 (no limit) and %d", MaxEnrollmentLimit)
	}
}

// CreateProgram creates a program with a unique slug. Only org admins may.
// It returns EINVALID for bad input and ECONFLICT when the slug is taken.
func (s *Service) CreateProgram(ctx context.Context, caller bo.Caller, orgID string, in NewProgram) (bo.Program, error) {
	if _, err := s.requireOrgAdmin(ctx, caller, orgID); err != nil {
		return bo.Program{}, err
	}
	var v bo.Validation
	bo.CheckName(&v, "name", in.Name)
	checkProgramFields(&v, in.Tagline, in.EnrollmentLimit)
	slug := strings.TrimSpace(in.Slug)
	if slug == "" {
		slug = bo.Slugify(in.Name)
		v.Check(bo.ValidSlug(slug) || strings.TrimSpace(in.Name) == "", "slug",
			"could not be derived from the name; give a slug of 3 to 60 lower-case letters, digits and single hyphens")
	} else {
		v.Check(bo.ValidSlug(slug), "slug", "must be 3 to 60 lower-case letters, digits and single hyphens, starting and ending with a letter or digit")
	}
	if err := v.Err(); err != nil {
		return bo.Program{}, err
	}
	now := s.Now()
	p := bo.Program{
		OrgID: orgID, ID: bo.NewID("prg", now), Name: strings.TrimSpace(in.Name), Tagline: strings.TrimSpace(in.Tagline),
		Slug: slug, CreatedAt: now, UpdatedAt: now,
	}
	if in.EnrollmentLimit != nil {
		p.EnrollmentLimit = *in.EnrollmentLimit
	}
	ctx = audit.For(ctx, now, orgID, p.ID, audit.ProgramCreate, audit.Target{Type: audit.TargetProgram, ID: p.ID},
		audit.Diff(nil, p, programSkip...))
	if err := s.store.CreateProgram(ctx, p); err != nil {
		return bo.Program{}, err
	}
	return p, nil
}

// GetProgram returns a program to its admins, with a link to its banner.
// Program admins of other programs get ENOTFOUND.
func (s *Service) GetProgram(ctx context.Context, caller bo.Caller, orgID, programID string) (bo.Program, error) {
	return s.withBannerURL(ctx)(s.requireProgramAdmin(ctx, caller, orgID, programID))
}

// ProgramBySlug returns the program whose URL ends in the slug, to anyone:
// it is what a learner reaches through the program URL. It returns ENOTFOUND
// for an unknown slug.
func (s *Service) ProgramBySlug(ctx context.Context, slug string) (bo.Program, error) {
	if !bo.ValidSlug(slug) {
		return bo.Program{}, bo.Errorf(bo.ENOTFOUND, "no program at %q", slug)
	}
	return s.store.GetProgramBySlug(ctx, slug)
}

// ListPrograms returns the programs the caller administers: a page of all the
// org's programs for an org admin, and every one of their own programs (on one
// page) for a program admin.
func (s *Service) ListPrograms(ctx context.Context, caller bo.Caller, orgID string, page bo.Page) ([]bo.Program, string, error) {
	acc, err := s.orgAccess(ctx, caller, orgID)
	if err != nil {
		return nil, "", err
	}
	page, err = bo.NormalisePage(page)
	if err != nil {
		return nil, "", err
	}
	if acc.admin.Role == bo.RoleOrgAdmin {
		return s.store.ListPrograms(ctx, orgID, page)
	}
	programs := []bo.Program{}
	for _, id := range acc.admin.ProgramIDs {
		p, err := s.store.GetProgram(ctx, orgID, id)
		if bo.ErrorCode(err) == bo.ENOTFOUND {
			continue // deleted since the admin was named for it
		} else if err != nil {
			return nil, "", err
		}
		programs = append(programs, p)
	}
	return programs, "", nil
}

// UpdateProgram renames a program or changes its tagline, enrollment
// limit or banner. Admins of the program may. A banner is checked like an
// org's logo. It returns EINVALID for bad input, including any attempt to
// change the slug, and nothing is written then.
func (s *Service) UpdateProgram(ctx context.Context, caller bo.Caller, orgID, programID string, in ProgramChange) (bo.Program, error) {
	p, err := s.requireProgramAdmin(ctx, caller, orgID, programID)
	if err != nil {
		return bo.Program{}, err
	}
	before := p
	var v bo.Validation
	if in.Name != nil {
		bo.CheckName(&v, "name", *in.Name)
	}
	tagline := p.Tagline
	if in.Tagline != nil {
		tagline = strings.TrimSpace(*in.Tagline)
	}
	checkProgramFields(&v, tagline, in.EnrollmentLimit)
	if in.Slug != nil && *in.Slug != p.Slug {
		v.Add("slug", "is immutable: the program's URL cannot change")
	}
	checkBannerID(&v, in.BannerUploadID)
	v.Check(in.Name != nil || in.Tagline != nil || in.EnrollmentLimit != nil || in.Slug != nil || in.BannerUploadID != nil, "body", "nothing to change")
	if err := v.Err(); err != nil {
		return bo.Program{}, err
	}
	if in.BannerUploadID != nil {
		if err := s.setBanner(ctx, &p, *in.BannerUploadID); err != nil {
			return bo.Program{}, err
		}
	}
	if in.Name != nil {
		p.Name = strings.TrimSpace(*in.Name)
	}
	p.Tagline = tagline
	if in.EnrollmentLimit != nil {
		p.EnrollmentLimit = *in.EnrollmentLimit
	}
	p.UpdatedAt = s.Now()
	ctx = audit.For(ctx, p.UpdatedAt, orgID, p.ID, audit.ProgramUpdate, audit.Target{Type: audit.TargetProgram, ID: p.ID},
		audit.Diff(before, p, programSkip...))
	return s.withBannerURL(ctx)(p, s.store.UpdateProgram(ctx, p))
}

// DeleteProgram deletes a program with its catalogue and releases its slug.
// Org admins and the program's own program admins may (a program admin
// removes their program from its settings); program admins of other
// programs get ENOTFOUND. A program with members is deleted in the
// background, after each member is removed (with the exit email); it
// reports whether that is so. It returns ENOTFOUND for an unknown program,
// and ECONFLICT for one with members when no deletion is configured.
func (s *Service) DeleteProgram(ctx context.Context, caller bo.Caller, orgID, programID string) (bool, error) {
	p, err := s.requireProgramAdmin(ctx, caller, orgID, programID)
	if err != nil {
		return false, err
	}
	// A deletion that goes on in the background records its start now (with
	// the write that stops joins) and its end when the program is gone.
	ctx = audit.For(ctx, s.Now(), orgID, programID, audit.ProgramDelete, audit.Target{Type: audit.TargetProgram, ID: programID},
		audit.Diff(p, nil, programSkip...))
	if s.cfg.Deletion != nil {
		return s.cfg.Deletion.Start(ctx, orgID, programID)
	}
	return false, s.store.DeleteProgram(ctx, orgID, programID)
}

// programSkip are the fields of a program the log leaves out: counters and
// times that no admin sets.
var programSkip = []string{"orgId", "id", "bannerUrl", "members", "summary", "reminders", "createdAt", "updatedAt"}
