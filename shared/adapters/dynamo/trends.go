package dynamo

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/learnops/backoffice/shared/domain/trends"
)

var _ trends.Store = (*Store)(nil)

const typeTrendDay = "TrendDay"

// The roll-up counters a write may add to (trends.Counts).
const (
	trendLearningMinutes = "learningMinutes"
	trendEnrollments     = "enrollments"
	trendCompletions     = "completions"
	trendJoins           = "joins"
)

// trendRecord is one day's roll-up of an org or a program. It carries no
// index key, so it lands in no GSI and its writes cost no index write.
type trendRecord struct {
	key
	meta
	OrgID           string `dynamodbav:"orgId"`
	ProgramID       string `dynamodbav:"programId,omitempty"`
	Day             string `dynamodbav:"day"`
	LearningMinutes int    `dynamodbav:"learningMinutes"`
	Enrollments     int    `dynamodbav:"enrollments"`
	Completions     int    `dynamodbav:"completions"`
	Joins           int    `dynamodbav:"joins"`
}

// trendAdds returns the transaction items that add the deltas to the
// roll-ups of at's UTC day: the org's and the program's. They go into the
// transaction of the write that changes the figures, so that a roll-up
// moves exactly when the write it counts happens (a transaction that fails
// or loses a race adds nothing, and a retried one adds once): an atomic
// counter update beside the write would count a write that then failed,
// or miss one when the function stopped between the two. They carry no
// condition: the first write of a day creates the item. Zero deltas are
// left out; no deltas, no items.
func trendAdds(table *string, orgID, programID string, at, now time.Time, deltas map[string]int) []types.TransactWriteItem {
	names := map[string]string{"#type": "type", "#day": "day"}
	values := map[string]types.AttributeValue{
		":type": str(typeTrendDay), ":org": str(orgID), ":day": str(at.UTC().Format(trends.DateLayout)),
		":now": str(now.UTC().Format(time.RFC3339Nano)),
	}
	var adds []string
	for _, c := range slices.Sorted(mapsKeys(deltas)) {
		if deltas[c] == 0 {
			continue
		}
		n := fmt.Sprintf("#c%d", len(adds))
		names[n] = c
		values[":v"+n[1:]] = num(deltas[c])
		adds = append(adds, n+" :v"+n[1:])
	}
	if len(adds) == 0 {
		return nil
	}
	set := "SET #type = :type, orgId = :org, #day = :day, createdAt = if_not_exists(createdAt, :now), updatedAt = :now"
	item := func(pid string) types.TransactWriteItem {
		vals := values
		update := set
		if pid != "" {
			vals = map[string]types.AttributeValue{":pid": str(pid)}
			for k, v := range values {
				vals[k] = v
			}
			update += ", programId = :pid"
		}
		return types.TransactWriteItem{Update: &types.Update{
			TableName: table, Key: mustKey(trendKey(orgID, pid, at)),
			UpdateExpression:         aws.String(update + " ADD " + strings.Join(adds, ", ")),
			ExpressionAttributeNames: names, ExpressionAttributeValues: vals,
		}}
	}
	return []types.TransactWriteItem{item(""), item(programID)}
}

// TrendDays returns the daily roll-ups of an org (programID "") or one of
// its programs from from's UTC day to to's, both included, in day order,
// with one Query (a range of trends.MaxDays small items is one page; the
// loop only guards against a larger one).
func (s *Store) TrendDays(ctx context.Context, orgID, programID string, from, to time.Time) ([]trends.DayCounts, error) {
	in := &dynamodb.QueryInput{
		TableName:              s.table,
		KeyConditionExpression: aws.String("PK = :pk AND SK BETWEEN :from AND :to"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(trendPK(orgID, programID)), ":from": str(trendSK(from)), ":to": str(trendSK(to)),
		},
	}
	var out []trends.DayCounts
	for {
		res, err := s.db.Query(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("query trends of %s: %w", trendPK(orgID, programID), err)
		}
		var recs []trendRecord
		if err := attributevalue.UnmarshalListOfMaps(res.Items, &recs); err != nil {
			return nil, fmt.Errorf("decode trends: %w", err)
		}
		for _, r := range recs {
			d, err := time.Parse(trends.DateLayout, r.Day)
			if err != nil {
				return nil, fmt.Errorf("trend item %s/%s: %w", r.PK, r.SK, err)
			}
			out = append(out, trends.DayCounts{Date: d, Counts: trends.Counts{LearningMinutes: r.LearningMinutes,
				Enrollments: r.Enrollments, Completions: r.Completions, Joins: r.Joins}})
		}
		if len(res.LastEvaluatedKey) == 0 {
			return out, nil
		}
		in.ExclusiveStartKey = res.LastEvaluatedKey
	}
}
