package dynamo

import (
	"context"

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
