package dynamo

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/admin"
)

var _ admin.Store = (*Store)(nil)

// meta is what every item carries besides its key.
type meta struct {
	Type      string    `dynamodbav:"type"`
	CreatedAt time.Time `dynamodbav:"createdAt"`
	UpdatedAt time.Time `dynamodbav:"updatedAt"`
}

type orgRecord struct {
	key
	meta
	ID        string `dynamodbav:"id"`
	Name      string `dynamodbav:"name"`
	OrgAdmins int    `dynamodbav:"orgAdmins"`
	bo.Counts
	// The org's settings (UpdateOrgSettings).
	BrandColor        string `dynamodbav:"brandColor,omitempty"`
	InvitationMessage string `dynamodbav:"invitationMessage,omitempty"`
	LogoKey           string `dynamodbav:"logoKey,omitempty"`
	LogoContentType   string `dynamodbav:"logoContentType,omitempty"`
}

func (r orgRecord) org() bo.Org {
	return bo.Org{ID: r.ID, Name: r.Name, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Counts: r.Counts,
		Brand: bo.Brand{Color: r.BrandColor, InvitationMessage: r.InvitationMessage, LogoKey: r.LogoKey, LogoContentType: r.LogoContentType}}
}

type adminRecord struct {
	key
	meta
	OrgID      string   `dynamodbav:"orgId"`
	Email      string   `dynamodbav:"email"`
	EmailKey   string   `dynamodbav:"emailKey"`
	Name       string   `dynamodbav:"name"`
	Role       bo.Role  `dynamodbav:"role"`
	ProgramIDs []string `dynamodbav:"programIds"`
}

func newAdminRecord(a bo.Admin) adminRecord {
	if a.ProgramIDs == nil {
		a.ProgramIDs = []string{}
	}
	return adminRecord{
		key: adminKey(a.OrgID, a.EmailKey), meta: meta{Type: typeAdmin, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt},
		OrgID: a.OrgID, Email: a.Email, EmailKey: a.EmailKey, Name: a.Name, Role: a.Role, ProgramIDs: a.ProgramIDs,
	}
}

func (r adminRecord) admin() bo.Admin {
	return bo.Admin{
		OrgID: r.OrgID, Email: r.Email, EmailKey: r.EmailKey, Name: r.Name, Role: r.Role, ProgramIDs: r.ProgramIDs,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
}

func putNew(table *string, item any) types.TransactWriteItem {
	return types.TransactWriteItem{Put: &types.Put{
		TableName: table, Item: marshal(item), ConditionExpression: aws.String("attribute_not_exists(PK)"),
	}}
}

// CreateOrg writes the org and its first admins in one transaction.
func (s *Store) CreateOrg(ctx context.Context, org bo.Org, admins []bo.Admin) error {
	rec := orgRecord{
		key: orgKey(org.ID), meta: meta{Type: typeOrg, CreatedAt: org.CreatedAt, UpdatedAt: org.UpdatedAt},
		ID: org.ID, Name: org.Name, Counts: org.Counts,
	}
	items := []types.TransactWriteItem{}
	for _, a := range admins {
		if a.Role == bo.RoleOrgAdmin {
			rec.OrgAdmins++
		}
		items = append(items, putNew(s.table, newAdminRecord(a)))
	}
	items = append([]types.TransactWriteItem{putNew(s.table, rec)}, items...)
	return s.transact(ctx, items, func(int) error {
		return bo.Errorf(bo.ECONFLICT, "organisation %s exists already", org.ID)
	})
}

// GetOrg returns the org with its counters, or ENOTFOUND.
func (s *Store) GetOrg(ctx context.Context, orgID string) (bo.Org, error) {
	var r orgRecord
	if err := s.get(ctx, orgKey(orgID), &r, "organisation "+orgID+" not found"); err != nil {
		return bo.Org{}, err
	}
	return r.org(), nil
}

// GetAdmin returns the admin of the org with that email key, or ENOTFOUND.
func (s *Store) GetAdmin(ctx context.Context, orgID, emailKey string) (bo.Admin, error) {
	var r adminRecord
	if err := s.get(ctx, adminKey(orgID, emailKey), &r, emailKey+" is not an admin of this organisation"); err != nil {
		return bo.Admin{}, err
	}
	return r.admin(), nil
}

// ListAdmins returns a page of the org's admins in email order.
func (s *Store) ListAdmins(ctx context.Context, orgID string, page bo.Page) ([]bo.Admin, string, error) {
	recs, next, err := queryPage[adminRecord](ctx, s, orgPK(orgID), prefixAdmin, page.Limit, page.Cursor)
	if err != nil {
		return nil, "", err
	}
	out := make([]bo.Admin, len(recs))
	for i, r := range recs {
		out[i] = r.admin()
	}
	return out, next, nil
}

// CreateAdmin adds an admin; an org admin also raises the org's count of org
// admins. It returns ECONFLICT when the email is an admin of the org already.
func (s *Store) CreateAdmin(ctx context.Context, a bo.Admin) error {
	items := []types.TransactWriteItem{putNew(s.table, newAdminRecord(a))}
	if a.Role == bo.RoleOrgAdmin {
		items = append(items, addCounters(s.table, orgKey(a.OrgID), map[string]int{"orgAdmins": 1}))
	}
	return s.transact(ctx, items, func(i int) error {
		if i == 0 {
			return bo.Errorf(bo.ECONFLICT, "%s is an admin of this organisation already; remove them first to change their role", a.Email)
		}
		return bo.Errorf(bo.ENOTFOUND, "organisation %s not found", a.OrgID)
	})
}

// DeleteAdmin removes an admin. Removing an org admin lowers the org's count
// of org admins under the condition that another one remains: it returns
// ECONFLICT for the last org admin and ENOTFOUND for an unknown admin.
func (s *Store) DeleteAdmin(ctx context.Context, orgID, emailKey string) error {
	a, err := s.GetAdmin(ctx, orgID, emailKey)
	if err != nil {
		return err
	}
	del := types.TransactWriteItem{Delete: &types.Delete{
		TableName: s.table, Key: mustKey(adminKey(orgID, emailKey)),
		ConditionExpression:       aws.String("#role = :role"),
		ExpressionAttributeNames:  map[string]string{"#role": "role"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":role": str(string(a.Role))},
	}}
	items := []types.TransactWriteItem{del}
	if a.Role == bo.RoleOrgAdmin {
		items = append(items, types.TransactWriteItem{Update: &types.Update{
			TableName:                 s.table,
			Key:                       mustKey(orgKey(orgID)),
			UpdateExpression:          aws.String("ADD orgAdmins :minus"),
			ConditionExpression:       aws.String("orgAdmins > :one"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":minus": num(-1), ":one": num(1)},
		}})
	}
	return s.transact(ctx, items, func(i int) error {
		if i == 0 {
			return bo.Errorf(bo.ECONFLICT, "the admin %s changed at the same time; retry", a.Email)
		}
		return bo.Errorf(bo.ECONFLICT, "%s is the organisation's last org admin; add another org admin first", a.Email)
	})
}

type contractRecord struct {
	key
	meta
	OrgID     string    `dynamodbav:"orgId"`
	ID        string    `dynamodbav:"id"`
	Name      string    `dynamodbav:"name"`
	Unlimited bool      `dynamodbav:"unlimited"`
	Licences  int       `dynamodbav:"licences"`
	Used      int       `dynamodbav:"used"`
	StartsAt  time.Time `dynamodbav:"startsAt"`
	EndsAt    time.Time `dynamodbav:"endsAt"`
	// The term again in epoch milliseconds, for the join condition: RFC 3339
	// strings with trimmed fractions do not compare in time order.
	StartsMs int64 `dynamodbav:"startsMs"`
	EndsMs   int64 `dynamodbav:"endsMs"`
	// Pending counts the invitations against the contract not yet accepted.
	Pending int `dynamodbav:"pending"`
	// Utilised counts the contract's members who ever enrolled.
	Utilised int `dynamodbav:"utilised"`
	// Kind is absent on contracts made before there were two kinds: those
	// are per membership.
	Kind bo.LicenceKind `dynamodbav:"licenceKind,omitempty"`
	// EnrollmentLicences counts the first enrollments of members in an
	// item on the contract: the licences in use of a per-enrollment
	// contract, and only a count on a per-membership one. ("used" counts
	// members on either kind.)
	EnrollmentLicences int    `dynamodbav:"enrollmentLicences"`
	RenewsID           string `dynamodbav:"renewsId,omitempty"`
	RenewedByID        string `dynamodbav:"renewedById,omitempty"`
}

func newContractRecord(c bo.Contract) contractRecord {
	return contractRecord{
		key: contractKey(c.OrgID, c.ID), meta: meta{Type: typeContract, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt},
		OrgID: c.OrgID, ID: c.ID, Name: c.Name, Unlimited: c.Unlimited, Licences: c.Licences, Used: c.Members,
		StartsAt: c.StartsAt, EndsAt: c.EndsAt, StartsMs: c.StartsAt.UnixMilli(), EndsMs: c.EndsAt.UnixMilli(),
		Kind: c.Kind, RenewsID: c.RenewsID, RenewedByID: c.RenewedByID,
	}
}

func (r contractRecord) contract() bo.Contract {
	c := bo.Contract{
		OrgID: r.OrgID, ID: r.ID, Name: r.Name, Unlimited: r.Unlimited, Kind: r.Kind, Licences: r.Licences, Used: r.Used,
		Members: r.Used, Pending: r.Pending, Utilised: r.Utilised, StartsAt: r.StartsAt, EndsAt: r.EndsAt,
		RenewsID: r.RenewsID, RenewedByID: r.RenewedByID, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
	if c.Kind == "" {
		c.Kind = bo.LicencePerMembership
	}
	if c.Kind == bo.LicencePerEnrollment {
		c.Used = r.EnrollmentLicences
	}
	return c
}

// CreateContract writes a new contract and counts it on the org.
func (s *Store) CreateContract(ctx context.Context, c bo.Contract) error {
	return s.transact(ctx, []types.TransactWriteItem{putNew(s.table, newContractRecord(c)), addCounters(s.table, orgKey(c.OrgID), map[string]int{"contracts": 1})},
		func(i int) error {
			if i == 0 {
				return bo.Errorf(bo.ECONFLICT, "contract %s exists already", c.ID)
			}
			return bo.Errorf(bo.ENOTFOUND, "organisation %s not found", c.OrgID)
		})
}

// GetContract returns a contract of the org, or ENOTFOUND.
func (s *Store) GetContract(ctx context.Context, orgID, contractID string) (bo.Contract, error) {
	var r contractRecord
	if err := s.get(ctx, contractKey(orgID, contractID), &r, "contract "+contractID+" not found"); err != nil {
		return bo.Contract{}, err
	}
	return r.contract(), nil
}

// ListContracts returns a page of the org's contracts, oldest first.
func (s *Store) ListContracts(ctx context.Context, orgID string, page bo.Page) ([]bo.Contract, string, error) {
	recs, next, err := queryPage[contractRecord](ctx, s, orgPK(orgID), prefixContract, page.Limit, page.Cursor)
	if err != nil {
		return nil, "", err
	}
	out := make([]bo.Contract, len(recs))
	for i, r := range recs {
		out[i] = r.contract()
	}
	return out, next, nil
}
