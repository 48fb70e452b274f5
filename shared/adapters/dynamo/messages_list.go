package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/messaging"
)

var _ messaging.ListStore = (*Store)(nil)

// ListMessages returns up to limit of the org's messages, newest first
// (message ids sort by creation time), after the id after: a Query of
// PK=ORG#<orgId>, SK begins_with MESSAGE# (below MESSAGE#<after>),
// backwards, with a FilterExpression on the status when one is given, read
// on until limit messages or the end. It returns the id to continue
// after ("" at the end), and the table's error.
func (s *Store) ListMessages(ctx context.Context, orgID string, status messaging.Status, after string, limit int) ([]messaging.Message, string, error) {
	prefix := messageKey(orgID, "").SK
	in := &dynamodb.QueryInput{
		TableName: s.table, KeyConditionExpression: aws.String("PK = :pk AND SK BETWEEN :lo AND :hi"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(orgPK(orgID)), ":lo": str(prefix), ":hi": str(prefix + maxSortKey)},
		ScanIndexForward:          aws.Bool(false), Limit: aws.Int32(int32(limit)),
	}
	if after != "" {
		in.ExclusiveStartKey = mustKey(messageKey(orgID, after))
	}
	if status != "" {
		in.FilterExpression = aws.String("#status = :status")
		in.ExpressionAttributeNames = map[string]string{"#status": "status"}
		in.ExpressionAttributeValues[":status"] = str(string(status))
	}
	var out []messaging.Message
	for {
		res, err := s.db.Query(ctx, in)
		if err != nil {
			return nil, "", fmt.Errorf("list messages of %s: %w", orgID, err)
		}
		var recs []messageRecord
		if err := attributevalue.UnmarshalListOfMaps(res.Items, &recs); err != nil {
			return nil, "", fmt.Errorf("decode messages of %s: %w", orgID, err)
		}
		for _, r := range recs {
			m, err := r.message()
			if err != nil {
				return nil, "", err
			}
			out = append(out, m)
		}
		if len(res.LastEvaluatedKey) == 0 {
			return out, "", nil
		}
		if len(out) >= limit {
			return out, out[len(out)-1].ID, nil
		}
		in.ExclusiveStartKey = res.LastEvaluatedKey
		in.Limit = aws.Int32(int32(limit - len(out)))
	}
}

// DeleteDraft deletes a message on condition that it is a draft. It
// returns ECONFLICT when it is not (or no longer) one, and the table's
// error.
func (s *Store) DeleteDraft(ctx context.Context, orgID, messageID string) error {
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: s.table, Key: mustKey(messageKey(orgID, messageID)),
		ConditionExpression:       aws.String("#status = :draft"),
		ExpressionAttributeNames:  map[string]string{"#status": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":draft": str(string(messaging.StatusDraft))}})
	if isConditionFailed(err) {
		return bo.Errorf(bo.ECONFLICT, "message %s is no longer a draft (or was discarded already)", messageID)
	} else if err != nil {
		return fmt.Errorf("discard message %s: %w", messageID, err)
	}
	return nil
}
