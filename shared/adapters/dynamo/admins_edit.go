package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	bo "github.com/learnops/backoffice/shared/backoffice"
)

// UpdateAdminPrograms sets a program admin's programs in one UpdateItem,
// conditional on their being a program admin still with the programs
// read (prev): ECONFLICT when they changed in between (or became an org
// admin), ENOTFOUND when they are no longer an admin.
func (s *Store) UpdateAdminPrograms(ctx context.Context, a bo.Admin, prev []string) error {
	if prev == nil {
		prev = []string{}
	}
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: s.table, Key: mustKey(adminKey(a.OrgID, a.EmailKey)),
		UpdateExpression:         aws.String("SET programIds = :ids, updatedAt = :now"),
		ConditionExpression:      aws.String("attribute_exists(PK) AND #role = :role AND programIds = :prev"),
		ExpressionAttributeNames: map[string]string{"#role": "role"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":ids": stringList(a.ProgramIDs), ":prev": stringList(prev), ":role": str(string(bo.RoleProgramAdmin)),
			":now": str(a.UpdatedAt.UTC().Format(time.RFC3339Nano)),
		},
	})
	if isConditionFailed(err) {
		if _, err := s.GetAdmin(ctx, a.OrgID, a.EmailKey); bo.ErrorCode(err) == bo.ENOTFOUND {
			return err
		}
		return bo.Errorf(bo.ECONFLICT, "the admin %s changed at the same time; read them again and retry", a.Email)
	} else if err != nil {
		return fmt.Errorf("update admin %s: %w", a.EmailKey, err)
	}
	return nil
}
