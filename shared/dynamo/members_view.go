package dynamo

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	bo "github.com/learnops/backoffice/shared/backoffice"
	"github.com/learnops/backoffice/shared/members"
	"github.com/learnops/backoffice/shared/resources"
)

var _ members.ViewStore = (*Store)(nil)

const (
	// viewQueryLimit is how many items one Query of a shard evaluates.
	viewQueryLimit = 250
	// viewShardBudget bounds the items one request evaluates in one shard:
	// a page of a filter that matches few learners stops there and hands
	// back a cursor, rather than reading the whole program.
	viewShardBudget = 1000
)

// viewIndex is the index and attributes that serve a sort order.
type viewIndex struct {
	name, pk, sk string
}

var viewIndexes = map[members.Sort]viewIndex{
	members.ByEmail:    {resources.IndexGSI1, resources.AttrGSI1PK, resources.AttrGSI1SK},
	members.ByName:     {resources.IndexGSI2, resources.AttrGSI2PK, resources.AttrGSI2SK},
	members.ByJoined:   {resources.IndexGSI3, resources.AttrGSI1PK, resources.AttrGSI3SK},
	members.ByInvited:  {resources.IndexGSI4, resources.AttrGSI1PK, resources.AttrGSI4SK},
	members.ByActivity: {resources.IndexGSI5, resources.AttrGSI1PK, resources.AttrGSI5SK},
}

// viewCursor is where a page of one members view ends: the sort key after
// which the next page starts, with the view it belongs to.
type viewCursor struct {
	Program string         `json:"p"`
	Status  members.Status `json:"s"`
	Sort    members.Sort   `json:"o"`
	Desc    bool           `json:"d,omitempty"`
	Search  string         `json:"q,omitempty"`
	Filter  string         `json:"f,omitempty"`
	After   string         `json:"k"`
}

func msKey(t time.Time) string { return fmt.Sprintf("%013d", t.UnixMilli()) }

// viewFilter returns the state a status lists and the FilterExpression (with
// its names and values) that narrows the indexed result to the status and
// the query's other filters.
func viewFilter(q members.Query, skAttr string) (bo.LearnerState, string, map[string]string, map[string]types.AttributeValue) {
	state := bo.StateMember
	var conds []string
	names := map[string]string{}
	values := map[string]types.AttributeValue{}
	zero := func() { values[":zero"] = num(0) }
	switch q.Status {
	case members.InvitedNever:
		state = bo.StateInvited
	case members.RemovedLearners:
		state = bo.StateDeletedMember
	case members.NoEnrollments:
		zero()
		conds = append(conds, "(attribute_not_exists(currentEnrollments) OR currentEnrollments = :zero)")
	case members.NoCompletions:
		zero()
		conds = append(conds, "currentEnrollments > :zero", "(attribute_not_exists(completions) OR completions = :zero)")
	case members.Inactive30:
		zero()
		names["#activity"] = resources.AttrGSI5SK
		values[":cut"] = str(msKey(q.Now.AddDate(0, 0, -30)))
		conds = append(conds, "currentEnrollments > :zero", "#activity < :cut")
	case members.Inactive90:
		names["#activity"] = resources.AttrGSI5SK
		values[":cut"] = str(msKey(q.Now.AddDate(0, 0, -90)))
		conds = append(conds, "#activity < :cut")
	case members.Completed30:
		values[":since"] = &types.AttributeValueMemberN{Value: fmt.Sprint(q.Now.AddDate(0, 0, -30).UnixMilli())}
		conds = append(conds, "lastCompletionMs >= :since")
	}
	if q.Search != "" && skAttr != resources.AttrGSI1SK && skAttr != resources.AttrGSI2SK {
		values[":q"] = str(q.Search)
		conds = append(conds, "(begins_with(emailKey, :q) OR begins_with(nameKey, :q))")
	}
	if q.ContractID != "" {
		values[":contract"] = str(q.ContractID)
		conds = append(conds, "contractId = :contract")
	}
	if q.CourseID != "" {
		values[":course"] = str(q.CourseID)
		conds = append(conds, "contains(currentItems, :course)")
	}
	if q.Undeliverable {
		values[":undeliverable"] = &types.AttributeValueMemberBOOL{Value: true}
		conds = append(conds, "undeliverable = :undeliverable")
	}
	return state, strings.Join(conds, " AND "), names, values
}

// shardRead is what one request read of one shard.
type shardRead struct {
	recs      []learnerRecord
	exhausted bool   // the shard has nothing after what was read
	last      string // the sort key of the last item evaluated
	read      int
	err       error
}

// ListMembers returns one page of the members view: the learners of the
// program in the query's state, from the index of its sort order, in that
// order either way, on the 8 shards in parallel, narrowed by the status's
// and the query's other conditions. Each shard evaluates at most
// viewShardBudget items a request; a page may then be short, and its cursor
// continues after the last item every shard has evaluated.
func (s *Store) ListMembers(ctx context.Context, programID string, q members.Query) (members.Page, error) {
	ix := viewIndexes[q.Sort]
	state, filter, names, values := viewFilter(q, ix.sk)
	list := viewCursor{Program: programID, Status: q.Status, Sort: q.Sort, Desc: q.Desc, Search: q.Search,
		Filter: fmt.Sprint(q.ContractID, "|", q.CourseID, "|", q.Undeliverable)}
	after := ""
	if q.Cursor != "" {
		var got viewCursor
		b, err := base64.RawURLEncoding.DecodeString(q.Cursor)
		if err == nil {
			err = json.Unmarshal(b, &got)
		}
		list.After = got.After
		if err != nil || got != list || got.After == "" {
			return members.Page{}, bo.Invalid("invalid cursor: use the nextCursor of the previous page of the same view",
				bo.FieldError{Field: "cursor", Message: "is not a cursor of this view"})
		}
		after = got.After
	}
	prefix := ""
	if q.Search != "" && (ix.sk == resources.AttrGSI1SK || ix.sk == resources.AttrGSI2SK) {
		prefix = q.Search
	}
	reads := make([]shardRead, LearnerShards)
	var wg sync.WaitGroup
	for shard := range LearnerShards {
		wg.Go(func() {
			reads[shard] = s.readShard(ctx, ix, learnerIndexPK(programID, string(state), shard), prefix, after, q.Desc,
				filter, names, values, q.Limit+1)
		})
	}
	wg.Wait()
	var all []learnerRecord
	page := members.Page{}
	cutoff, bounded := "", false
	for _, r := range reads {
		if r.err != nil {
			return members.Page{}, r.err
		}
		page.Read += r.read
		all = append(all, r.recs...)
		if !r.exhausted && r.last != "" {
			if !bounded || (q.Desc && r.last > cutoff) || (!q.Desc && r.last < cutoff) {
				cutoff, bounded = r.last, true
			}
		}
	}
	key := func(r learnerRecord) string { return sortKeyOf(r, ix.sk) }
	slices.SortFunc(all, func(a, b learnerRecord) int {
		if q.Desc {
			return strings.Compare(key(b), key(a))
		}
		return strings.Compare(key(a), key(b))
	})
	more := false
	for _, r := range all {
		k := key(r)
		if bounded && ((q.Desc && k < cutoff) || (!q.Desc && k > cutoff)) {
			more = true
			break
		}
		if len(page.Items) == q.Limit {
			more = true
			break
		}
		page.Items = append(page.Items, r.learner())
		list.After = k
	}
	if bounded && !more {
		more, list.After = true, cutoff // every shard was read up to the cutoff
	}
	if more && list.After != "" {
		b, _ := json.Marshal(list)
		page.NextCursor = base64.RawURLEncoding.EncodeToString(b)
	}
	if page.Items == nil {
		page.Items = []bo.Learner{}
	}
	return page, nil
}

// sortKeyOf returns a learner's sort key in the index whose sort key
// attribute is sk.
func sortKeyOf(r learnerRecord, sk string) string {
	switch sk {
	case resources.AttrGSI1SK:
		return r.GSI1SK
	case resources.AttrGSI2SK:
		return r.GSI2SK
	case resources.AttrGSI3SK:
		return r.GSI3SK
	case resources.AttrGSI4SK:
		return r.GSI4SK
	}
	return r.GSI5SK
}

// readShard reads one shard of a view from its index, after the cursor's
// key, until it has want matches, the shard ends, or the budget is spent.
func (s *Store) readShard(ctx context.Context, ix viewIndex, pk, prefix, after string, desc bool,
	filter string, names map[string]string, values map[string]types.AttributeValue, want int) shardRead {
	n := map[string]string{"#pk": ix.pk, "#sk": ix.sk}
	v := map[string]types.AttributeValue{":pk": str(pk)}
	for k, x := range names {
		n[k] = x
	}
	for k, x := range values {
		v[k] = x
	}
	cond := "#pk = :pk"
	lo, hi := prefix, prefix+maxSortKey
	switch {
	case after != "" && !desc:
		lo = max(lo, after+"\x00")
	case after != "" && desc:
		hi = min(hi, after)
	}
	if lo != "" || prefix != "" || after != "" {
		cond += " AND #sk BETWEEN :lo AND :hi"
		v[":lo"], v[":hi"] = str(lo), str(hi)
		if lo == "" {
			v[":lo"] = str("\x00")
		}
	} else {
		delete(n, "#sk")
	}
	in := &dynamodb.QueryInput{
		TableName: s.table, IndexName: aws.String(ix.name), KeyConditionExpression: aws.String(cond),
		ExpressionAttributeNames: n, ExpressionAttributeValues: v, ScanIndexForward: aws.Bool(!desc),
		Limit: aws.Int32(viewQueryLimit),
	}
	if filter != "" {
		in.FilterExpression = aws.String(filter)
	} else {
		// Without a filter every item read is a match: read no more than a page.
		in.Limit = aws.Int32(int32(min(want, viewQueryLimit)))
	}
	var out shardRead
	for {
		res, err := s.db.Query(ctx, in)
		if err != nil {
			out.err = fmt.Errorf("members view: query %s: %w", pk, err)
			return out
		}
		out.read += int(res.ScannedCount)
		var recs []learnerRecord
		if err := attributevalue.UnmarshalListOfMaps(res.Items, &recs); err != nil {
			out.err = fmt.Errorf("members view: decode: %w", err)
			return out
		}
		for _, r := range recs {
			if desc && after != "" && sortKeyOf(r, ix.sk) == after {
				continue // BETWEEN is inclusive; the cursor's item was on the last page
			}
			out.recs = append(out.recs, r)
		}
		if len(res.LastEvaluatedKey) == 0 {
			out.exhausted = true
			return out
		}
		if av, ok := res.LastEvaluatedKey[ix.sk].(*types.AttributeValueMemberS); ok {
			out.last = av.Value
		}
		if len(out.recs) >= want || out.read >= viewShardBudget {
			return out
		}
		in.ExclusiveStartKey = res.LastEvaluatedKey
	}
}
