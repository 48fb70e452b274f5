package dynamo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/admin"
)

// UpdateOrgSettings sets the org's settings given in one UpdateItem on the
// org's item, leaving its counters alone: ENOTFOUND when there is no org.
func (s *Store) UpdateOrgSettings(ctx context.Context, orgID string, ch admin.OrgSettings, now time.Time) error {
	set := []string{"updatedAt = :now"}
	var remove []string
	names := map[string]string{}
	values := map[string]types.AttributeValue{":now": str(now.UTC().Format(time.RFC3339Nano))}
	if ch.Name != nil {
		set, names["#name"], values[":name"] = append(set, "#name = :name"), "name", str(*ch.Name)
	}
	if ch.BrandColor != nil {
		set, values[":color"] = append(set, "brandColor = :color"), str(*ch.BrandColor)
	}
	if ch.InvitationMessage != nil {
		set, values[":message"] = append(set, "invitationMessage = :message"), str(*ch.InvitationMessage)
	}
	if ch.Logo != nil {
		if ch.Logo.Key == "" {
			remove = append(remove, "logoKey", "logoContentType")
		} else {
			set = append(set, "logoKey = :logo", "logoContentType = :logoType")
			values[":logo"], values[":logoType"] = str(ch.Logo.Key), str(ch.Logo.ContentType)
		}
	}
	update := "SET " + strings.Join(set, ", ")
	if len(remove) > 0 {
		update += " REMOVE " + strings.Join(remove, ", ")
	}
	in := &dynamodb.UpdateItemInput{
		TableName: s.table, Key: mustKey(orgKey(orgID)), UpdateExpression: aws.String(update),
		ConditionExpression: aws.String("attribute_exists(PK)"), ExpressionAttributeValues: values,
	}
	if len(names) > 0 {
		in.ExpressionAttributeNames = names
	}
	if _, err := s.db.UpdateItem(ctx, in); isConditionFailed(err) {
		return bo.Errorf(bo.ENOTFOUND, "organisation %s not found", orgID)
	} else if err != nil {
		return fmt.Errorf("update organisation %s: %w", orgID, err)
	}
	return nil
}
