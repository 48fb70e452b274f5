package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/learnops/backoffice/shared/domain/reports"
)

// ListReports returns every report job of the org the table still holds:
// a Query of PK=ORG#<orgId>, SK begins_with REPORT#, paged. Jobs expire
// (TTL, reports.JobLifetime), so an org holds the few of that span.
func (s *Store) ListReports(ctx context.Context, orgID string) ([]reports.Job, error) {
	p := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
		TableName: s.table, KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :prefix)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(orgPK(orgID)), ":prefix": str(prefixReport)},
	})
	var out []reports.Job
	for p.HasMorePages() {
		res, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list reports of %s: %w", orgID, err)
		}
		var recs []reportRecord
		if err := attributevalue.UnmarshalListOfMaps(res.Items, &recs); err != nil {
			return nil, fmt.Errorf("decode reports of %s: %w", orgID, err)
		}
		for _, r := range recs {
			out = append(out, r.job())
		}
	}
	return out, nil
}
