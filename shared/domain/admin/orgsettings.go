package admin

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

// Limits of an organisation's logo.
const (
	// MaxLogoBytes is the largest logo an org may upload.
	MaxLogoBytes = 1 << 20
	// LogoUploadLifetime is how long a logo's upload URL works.
	LogoUploadLifetime = 15 * time.Minute
	// LogoURLLifetime is how long the link to a logo in an org's answer,
	// and the one the public logo route redirects to (LogoLink), works.
	LogoURLLifetime = time.Hour
	// logoSniffBytes is how much of an uploaded logo is read to check its
	// type (http.DetectContentType reads at most 512).
	logoSniffBytes = 512
)

// LogoTypes are the media types a logo may have. SVG is not one: it may
// carry script.
var LogoTypes = []string{"image/png", "image/jpeg"}

// Logos stores organisations' logos and programs' banners (the files
// bucket).
type Logos interface {
	ImageSigner
	// PresignPut returns a URL that uploads key with exactly this content
	// type and length until expires.
	PresignPut(ctx context.Context, key, contentType string, size int64, ttl time.Duration) (url string, expires time.Time, err error)
	// Head returns the stored object's size and its first n bytes;
	// ENOTFOUND when there is none.
	Head(ctx context.Context, key string, n int) (size int64, head []byte, err error)
}

// OrgChange is a change of an organisation's settings: each field given
// is set, the others kept.
type OrgChange struct {
	Name *string `json:"name"`
	// BrandColor is "#rrggbb", or "" for the platform's colour.
	BrandColor *string `json:"brandColor"`
	// InvitationMessage is the default message of invitation emails; "" for none.
	InvitationMessage *string `json:"invitationMessage"`
	// LogoUploadID names an upload (StartLogoUpload) whose file becomes the
	// logo; "" removes the logo.
	LogoUploadID *string `json:"logoUploadId"`
}

// NewLogoUpload asks for a URL to upload a logo of this type and size to.
type NewLogoUpload struct {
	ContentType string `json:"contentType"`
	Size        int64  `json:"size"`
}

// LogoUpload is where to upload a logo: PUT the file to UploadURL with the
// Content-Type given, then name ID as logoUploadId in the org's settings.
type LogoUpload struct {
	ID          string    `json:"id"`
	UploadURL   string    `json:"uploadUrl"`
	ContentType string    `json:"contentType"`
	Size        int64     `json:"size"`
	ExpiresAt   time.Time `json:"expiresAt"`
}

var (
	brandColorPattern = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)
	// orgIDPattern is what an org id may look like (bo.NewID's "org_…",
	// and the seeds' shorter ones): anything else is no org, unread.
	orgIDPattern    = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	uploadIDPattern = regexp.MustCompile(`^logo_[A-Za-z0-9_-]{1,80}$`)
)

// logoKey is where an upload's file is stored in the files bucket.
func logoKey(orgID, uploadID string) string { return "logos/" + orgID + "/" + uploadID }

// StartLogoUpload returns a presigned URL to upload a logo to. Only org
// admins may. It returns EINVALID for a type that is not PNG or JPEG or a
// size not in 1..MaxLogoBytes, and EINTERNAL when the deployment keeps no
// logos.
func (s *Service) StartLogoUpload(ctx context.Context, caller bo.Caller, orgID string, in NewLogoUpload) (LogoUpload, error) {
	if _, err := s.requireOrgAdmin(ctx, caller, orgID); err != nil {
		return LogoUpload{}, err
	}
	return s.startImageUpload(ctx, "logo", func(id string) string { return logoKey(orgID, id) }, in)
}

// startImageUpload checks the type and size of an image to upload and
// returns a presigned URL to upload it to, under an id with the prefix
// and at the key keyOf gives the id.
func (s *Service) startImageUpload(ctx context.Context, prefix string, keyOf func(id string) string, in NewLogoUpload) (LogoUpload, error) {
	var v bo.Validation
	ct := strings.ToLower(strings.TrimSpace(in.ContentType))
	v.Check(ct == LogoTypes[0] || ct == LogoTypes[1], "contentType", "must be %s", strings.Join(LogoTypes, " or "))
	v.Check(in.Size >= 1 && in.Size <= MaxLogoBytes, "size", "must be between 1 and %d bytes", MaxLogoBytes)
	if err := v.Err(); err != nil {
		return LogoUpload{}, err
	}
	if s.cfg.Logos == nil {
		return LogoUpload{}, bo.Errorf(bo.EINTERNAL, "this deployment keeps no images")
	}
	id := bo.NewID(prefix, s.Now())
	url, expires, err := s.cfg.Logos.PresignPut(ctx, keyOf(id), ct, in.Size, LogoUploadLifetime)
	if err != nil {
		return LogoUpload{}, err
	}
	return LogoUpload{ID: id, UploadURL: url, ContentType: ct, Size: in.Size, ExpiresAt: expires}, nil
}

// UpdateOrg changes the org's name, brand colour, default invitation
// message or logo. Only org admins may. A logo is checked before it is
// taken: the upload must exist, hold at most MaxLogoBytes, and its bytes
// must be a PNG or JPEG. It returns EINVALID naming each bad field (an
// empty change included) and ENOTFOUND when the org is gone.
func (s *Service) UpdateOrg(ctx context.Context, caller bo.Caller, orgID string, in OrgChange) (bo.Org, error) {
	if _, err := s.requireOrgAdmin(ctx, caller, orgID); err != nil {
		return bo.Org{}, err
	}
	var v bo.Validation
	if in.Name != nil {
		bo.CheckName(&v, "name", *in.Name)
	}
	if in.BrandColor != nil && *in.BrandColor != "" {
		v.Check(brandColorPattern.MatchString(*in.BrandColor), "brandColor", "must be a colour as #rrggbb")
	}
	if in.InvitationMessage != nil {
		bo.CheckInvitationMessage(&v, "invitationMessage", *in.InvitationMessage)
	}
	if in.LogoUploadID != nil && *in.LogoUploadID != "" {
		v.Check(uploadIDPattern.MatchString(*in.LogoUploadID), "logoUploadId", "is not an upload id")
	}
	if in.Name == nil && in.BrandColor == nil && in.InvitationMessage == nil && in.LogoUploadID == nil {
		v.Add("body", "give at least one of name, brandColor, invitationMessage, logoUploadId")
	}
	if err := v.Err(); err != nil {
		return bo.Org{}, err
	}
	var ch OrgSettings
	if in.Name != nil {
		n := strings.TrimSpace(*in.Name)
		ch.Name = &n
	}
	if in.BrandColor != nil {
		c := strings.ToLower(*in.BrandColor)
		ch.BrandColor = &c
	}
	if in.InvitationMessage != nil {
		m := strings.TrimSpace(*in.InvitationMessage)
		ch.InvitationMessage = &m
	}
	if in.LogoUploadID != nil {
		logo, err := s.checkLogo(ctx, orgID, *in.LogoUploadID)
		if err != nil {
			return bo.Org{}, err
		}
		ch.Logo = &logo
	}
	if err := s.store.UpdateOrgSettings(ctx, orgID, ch, s.Now()); err != nil {
		return bo.Org{}, err
	}
	return s.GetOrg(ctx, caller, orgID)
}

// OrgSettings is a change of an org's stored settings: nil fields are kept.
type OrgSettings struct {
	Name              *string
	BrandColor        *string
	InvitationMessage *string
	// Logo with an empty Key removes the logo.
	Logo *StoredLogo
}

// StoredLogo is an org's logo as stored.
type StoredLogo struct {
	Key         string
	ContentType string
}

// checkLogo returns the logo of an upload after checking its size and
// its bytes; "" removes the logo.
func (s *Service) checkLogo(ctx context.Context, orgID, uploadID string) (StoredLogo, error) {
	if uploadID == "" {
		return StoredLogo{}, nil
	}
	return s.checkImage(ctx, logoKey(orgID, uploadID), "logoUploadId")
}

// checkImage returns the uploaded image at key after checking that it
// exists, holds 1 to MaxLogoBytes and that its first bytes are a PNG or
// JPEG; a refusal is EINVALID naming field.
func (s *Service) checkImage(ctx context.Context, key, field string) (StoredLogo, error) {
	if s.cfg.Logos == nil {
		return StoredLogo{}, bo.Errorf(bo.EINTERNAL, "this deployment keeps no images")
	}
	bad := func(msg string) error {
		return bo.Invalid(field+": "+msg, bo.FieldError{Field: field, Message: msg})
	}
	size, head, err := s.cfg.Logos.Head(ctx, key, logoSniffBytes)
	if bo.ErrorCode(err) == bo.ENOTFOUND {
		return StoredLogo{}, bad("nothing was uploaded for this id (upload the file to its uploadUrl first)")
	} else if err != nil {
		return StoredLogo{}, err
	}
	if size > MaxLogoBytes || size < 1 {
		return StoredLogo{}, bad(fmt.Sprintf("the uploaded file must be between 1 and %d bytes", MaxLogoBytes))
	}
	ct := LogoType(head)
	if ct == "" {
		return StoredLogo{}, bad("the uploaded file is not a PNG or JPEG image")
	}
	return StoredLogo{Key: key, ContentType: ct}, nil
}

// LogoType returns the media type of an image from its first bytes, when
// it is one of LogoTypes, and "" otherwise.
func LogoType(head []byte) string {
	ct := http.DetectContentType(head)
	for _, t := range LogoTypes {
		if ct == t {
			return t
		}
	}
	return ""
}

// withLogoURL fills in the org's short-lived link to its logo.
func (s *Service) withLogoURL(ctx context.Context, org bo.Org) (bo.Org, error) {
	url, err := ImageURL(ctx, s.cfg.Logos, org.Brand.LogoKey)
	org.Brand.LogoURL = url
	return org, err
}

// ImageSigner signs links to stored images.
type ImageSigner interface {
	// PresignGet returns a URL that downloads key until it expires.
	PresignGet(ctx context.Context, key string, ttl time.Duration, downloadName string) (url string, expires time.Time, err error)
}

// ImageURL returns a link to the stored image at key that works for
// LogoURLLifetime: "" when key is "" or there is no signer, and the
// signer's error.
func ImageURL(ctx context.Context, signer ImageSigner, key string) (string, error) {
	if key == "" || signer == nil {
		return "", nil
	}
	url, _, err := signer.PresignGet(ctx, key, LogoURLLifetime, "")
	return url, err
}

// LogoLink returns a link to the org's current logo that works for
// LogoURLLifetime: the public logo route redirects to it, and the org's
// emails load the logo through that route. Anyone may ask, signed in or
// not: the answer is only the logo. It returns ENOTFOUND, the same one,
// when there is no such org and when the org has no logo, so that the
// route tells nobody which orgs exist; and the store's or the signer's
// errors.
func (s *Service) LogoLink(ctx context.Context, orgID string) (string, error) {
	noLogo := bo.Errorf(bo.ENOTFOUND, "this organisation has no logo")
	if !orgIDPattern.MatchString(orgID) {
		return "", noLogo
	}
	org, err := s.store.GetOrg(ctx, orgID)
	if bo.ErrorCode(err) == bo.ENOTFOUND {
		return "", noLogo
	} else if err != nil {
		return "", err
	}
	url, err := ImageURL(ctx, s.cfg.Logos, org.Brand.LogoKey)
	if err == nil && url == "" {
		return "", noLogo
	}
	return url, err
}
