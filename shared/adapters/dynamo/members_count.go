package dynamo

import (
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/domain/members"
)

// CountMembers counts the whole selection of the query (its Limit and
// Cursor are not used): the same Queries as ListMembers, on the 8 shards
// in parallel, with Select COUNT, each shard read to its end (no budget).
// Only the count comes back, so a page of a Query evaluates up to 1 MB of
// index entries, and no learner is read from the table.
func (s *Store) CountMembers(ctx context.Context, programID string, q bo.MemberQuery) (members.Count, error) {
	plan := planView(q)
	counts := make([]members.Count, LearnerShards)
	errs := make([]error, LearnerShards)
	var wg sync.WaitGroup
	for shard := range LearnerShards {
		wg.Go(func() {
			in := plan.query(s.table, learnerIndexPK(programID, string(plan.state), shard), "", q.Desc)
			in.Select = types.SelectCount
			p := dynamodb.NewQueryPaginator(s.db, in)
			for p.HasMorePages() {
				res, err := p.NextPage(ctx)
				if err != nil {
					errs[shard] = fmt.Errorf("count members: shard %d: %w", shard, err)
					return
				}
				counts[shard].Count += int(res.Count)
				counts[shard].Read += int(res.ScannedCount)
			}
		})
	}
	wg.Wait()
	var total members.Count
	for i, c := range counts {
		if errs[i] != nil {
			return members.Count{}, errs[i]
		}
		total.Count += c.Count
		total.Read += c.Read
	}
	return total, nil
}
