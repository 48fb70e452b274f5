package dynamo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/learnops/backoffice/shared/app/resources"
	bo "github.com/learnops/backoffice/shared/backoffice"
)

const typeImportBounces = "ImportBounces"

// standing is a learner item as GSI6 projects it: one person's standing in
// one program.
type standing struct {
	key
	State        string `dynamodbav:"state"`
	OrgID        string `dynamodbav:"orgId"`
	ProgramID    string `dynamodbav:"programId"`
	InvitationID string `dynamodbav:"invitationId"`
	ImportID     string `dynamodbav:"importId"`
}

// MarkUndeliverable marks every pending invitation of the address (email
// key), in every program, as undeliverable for reason, at at: it finds the
// person's learner items on GSI6 and, for each one still INVITED, sets the
// mark under the condition that the invitation is the one read and not yet
// marked, counting it on its import (when an import wrote it) in the same
// transaction. Marking again changes and counts nothing. It returns how many
// invitations this call marked, and the table's error.
func (s *Store) MarkUndeliverable(ctx context.Context, emailKey, reason string, at time.Time) (int, error) {
	in := &dynamodb.QueryInput{
		TableName: s.table, IndexName: aws.String(resources.IndexProgramsByEmail),
		KeyConditionExpression:    aws.String("#pk = :pk AND begins_with(#sk, :programs)"),
		ExpressionAttributeNames:  map[string]string{"#pk": resources.AttrGSI6PK, "#sk": resources.AttrGSI6SK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(emailIndexPK(emailKey)), ":programs": str(prefixProgram)},
	}
	marked := 0
	for {
		res, err := s.db.Query(ctx, in)
		if err != nil {
			return marked, fmt.Errorf("standing of %s: %w", emailKey, err)
		}
		var page []standing
		if err := attributevalue.UnmarshalListOfMaps(res.Items, &page); err != nil {
			return marked, fmt.Errorf("decode standing of %s: %w", emailKey, err)
		}
		for _, st := range page {
			if st.State != string(bo.StateInvited) {
				continue
			}
			ok, err := s.markUndeliverable(ctx, st, reason, at)
			if err != nil {
				return marked, err
			}
			if ok {
				marked++
			}
		}
		if len(res.LastEvaluatedKey) == 0 {
			return marked, nil
		}
		in.ExclusiveStartKey = res.LastEvaluatedKey
	}
}

// markUndeliverable marks one pending invitation and counts it on its
// import. It returns false when the invitation is no longer the pending
// one read, or was marked already.
func (s *Store) markUndeliverable(ctx context.Context, st standing, reason string, at time.Time) (bool, error) {
	items := []types.TransactWriteItem{{Update: &types.Update{
		TableName: s.table, Key: mustKey(st.key),
		UpdateExpression:         aws.String("SET undeliverable = :true, undeliverableReason = :reason, undeliverableAt = :at"),
		ConditionExpression:      aws.String("#state = :invited AND invitationId = :iid AND attribute_not_exists(undeliverable)"),
		ExpressionAttributeNames: map[string]string{"#state": "state"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":true": &types.AttributeValueMemberBOOL{Value: true}, ":reason": str(reason),
			":at": str(at.UTC().Format(time.RFC3339Nano)), ":invited": str(string(bo.StateInvited)), ":iid": str(st.InvitationID),
		},
	}}}
	if st.ImportID != "" {
		items = append(items, types.TransactWriteItem{Update: &types.Update{
			TableName: s.table, Key: mustKey(importBouncesKey(st.ProgramID, st.ImportID)),
			UpdateExpression:          aws.String("SET #type = :type ADD undeliverable :one"),
			ExpressionAttributeNames:  map[string]string{"#type": "type"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":type": str(typeImportBounces), ":one": num(1)},
		}})
	}
	stale := errors.New("the invitation changed or was marked already")
	err := s.transact(ctx, items, func(int) error { return stale })
	switch {
	case errors.Is(err, stale):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("mark the invitation of %s %s undeliverable: %w", st.PK, st.SK, err)
	}
	return true, nil
}

// importUndeliverable returns how many of the import's invitations were
// marked undeliverable.
func (s *Store) importUndeliverable(ctx context.Context, programID, importID string) (int, error) {
	var r struct {
		Undeliverable int `dynamodbav:"undeliverable"`
	}
	err := s.get(ctx, importBouncesKey(programID, importID), &r, "")
	if bo.ErrorCode(err) == bo.ENOTFOUND {
		return 0, nil
	}
	return r.Undeliverable, err
}
