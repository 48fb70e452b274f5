package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/profile"
)

var _ profile.Store = (*Store)(nil)

const typeClaimMapping = "ClaimMapping"

type claimMappingRecord struct {
	key
	meta
	OrgID     string            `dynamodbav:"orgId"`
	Claims    map[string]string `dynamodbav:"claims"`
	UpdatedBy string            `dynamodbav:"updatedBy,omitempty"`
}

// GetClaimMapping returns the org's mapping of sign-in claims to profile
// fields, or ENOTFOUND when none was set.
func (s *Store) GetClaimMapping(ctx context.Context, orgID string) (profile.Mapping, error) {
	var r claimMappingRecord
	if err := s.get(ctx, claimMappingKey(orgID), &r, "no profile claim mapping"); err != nil {
		return profile.Mapping{}, err
	}
	claims := r.Claims
	if claims == nil {
		claims = map[string]string{}
	}
	at := r.UpdatedAt
	return profile.Mapping{OrgID: r.OrgID, Claims: claims, UpdatedBy: r.UpdatedBy, UpdatedAt: &at}, nil
}

// PutClaimMapping replaces the org's mapping (the service checks the org
// and the caller first).
func (s *Store) PutClaimMapping(ctx context.Context, m profile.Mapping) error {
	now := time.Now().UTC()
	if m.UpdatedAt != nil {
		now = *m.UpdatedAt
	}
	rec := claimMappingRecord{key: claimMappingKey(m.OrgID), meta: meta{Type: typeClaimMapping, CreatedAt: now, UpdatedAt: now},
		OrgID: m.OrgID, Claims: m.Claims, UpdatedBy: m.UpdatedBy}
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: s.table, Item: marshal(rec)}); err != nil {
		return fmt.Errorf("put the claim mapping of %s: %w", m.OrgID, err)
	}
	return nil
}

// ClaimProfile returns the profile the caller's token gives under the
// org's claim mapping (nil when the org maps no claim).
func (s *Store) ClaimProfile(ctx context.Context, orgID string, claims map[string]string) (bo.Profile, error) {
	m, err := s.GetClaimMapping(ctx, orgID)
	if bo.ErrorCode(err) == bo.ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return bo.ClaimMapping(m.Claims).FromClaims(claims), nil
}
