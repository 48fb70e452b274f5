package dynamo

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// SetProgramMembersForTest stands in for the joins of a later capability.
func SetProgramMembersForTest(ctx context.Context, s *Store, orgID, programID string, n int) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 s.table,
		Key:                       mustKey(programKey(orgID, programID)),
		UpdateExpression:          aws.String("SET members = :n"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":n": num(n)},
	})
	return err
}

// ItemForTest returns the item with the key as stored (nil when there is
// none), read strongly consistently.
func ItemForTest(ctx context.Context, s *Store, pk, sk string) (map[string]types.AttributeValue, error) {
	res, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: s.table, Key: mustKey(key{PK: pk, SK: sk}), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, err
	}
	return res.Item, nil
}

// LearnerKeyForTest and ProgramKeyForTest are the primary keys of a
// learner and of a program.
func LearnerKeyForTest(programID, emailKey string) (string, string) {
	k := learnerKey(programID, emailKey)
	return k.PK, k.SK
}

// ProgramKeyForTest is the primary key of a program.
func ProgramKeyForTest(orgID, programID string) (string, string) {
	k := programKey(orgID, programID)
	return k.PK, k.SK
}

// WriteAuditForTest writes the audit record attached to ctx on its own.
func WriteAuditForTest(ctx context.Context, s *Store) error { return s.writeAudit(ctx) }

// AuditKeyForTest is the primary key of a record in its org's partition.
func AuditKeyForTest(orgID string, at time.Time, id string) (string, string) {
	return auditPK(orgID), auditSK(at, id)
}

// MailClaimPK is the partition key of the claim of the email id.
func MailClaimPK(emailID string) string { return mailClaimKey(emailID).PK }
