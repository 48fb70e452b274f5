package admin

import (
	"context"
	"regexp"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

// A program's banner is an image like an org's logo (PNG or JPEG, at most
// MaxLogoBytes), shown at the top of the program's page to its learners.

var bannerUploadIDPattern = regexp.MustCompile(`^banner_[A-Za-z0-9_-]{1,80}$`)

// bannerKey is where a banner upload's file is stored in the files bucket.
func bannerKey(orgID, programID, uploadID string) string {
	return "banners/" + orgID + "/" + programID + "/" + uploadID
}

// StartBannerUpload returns a presigned URL to upload a program's banner
// to. The program's admins may. It returns EINVALID for a type that is not
// PNG or JPEG or a size not in 1..MaxLogoBytes, ENOTFOUND for a program the
// caller does not administer, and EINTERNAL when the deployment keeps no
// images.
func (s *Service) StartBannerUpload(ctx context.Context, caller bo.Caller, orgID, programID string, in NewLogoUpload) (LogoUpload, error) {
	if _, err := s.requireProgramAdmin(ctx, caller, orgID, programID); err != nil {
		return LogoUpload{}, err
	}
	return s.startImageUpload(ctx, "banner", func(id string) string { return bannerKey(orgID, programID, id) }, in)
}

// checkBannerID records in v whether id names a banner upload ("" removes
// the banner).
func checkBannerID(v *bo.Validation, id *string) {
	if id != nil && *id != "" {
		v.Check(bannerUploadIDPattern.MatchString(*id), "bannerUploadId", "is not an upload id")
	}
}

// setBanner checks the upload named by id and makes its file p's banner;
// "" removes the banner.
func (s *Service) setBanner(ctx context.Context, p *bo.Program, id string) error {
	if id == "" {
		p.BannerKey, p.BannerContentType = "", ""
		return nil
	}
	img, err := s.checkImage(ctx, bannerKey(p.OrgID, p.ID, id), "bannerUploadId")
	if err != nil {
		return err
	}
	p.BannerKey, p.BannerContentType = img.Key, img.ContentType
	return nil
}

// withBannerURL returns a function that passes on a program read or
// written, and its error, with the short-lived link to its banner filled
// in.
func (s *Service) withBannerURL(ctx context.Context) func(bo.Program, error) (bo.Program, error) {
	return func(p bo.Program, err error) (bo.Program, error) {
		if err != nil {
			return bo.Program{}, err
		}
		if p.BannerURL, err = ImageURL(ctx, s.cfg.Logos, p.BannerKey); err != nil {
			return bo.Program{}, err
		}
		return p, nil
	}
}
